"""Training fundamentals as experiments on digits (PyTorch, the ``[train]`` extra), each seconds long.

- :func:`gradient_norms`: the gradient norm of every layer of a deep MLP, at initialization and
  after some training steps, for an activation and an initialization; with BatchNorm, and with
  clipping by norm or by value. Vanishing and exploding gradients made visible.
- :func:`regularization`: train and test accuracy per epoch on a small training set, with dropout,
  L1 or L2: over-fitting and its cure.
- :func:`loss_comparison`: the same classifier trained with MSE on softmax outputs and with
  cross-entropy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compress.torch_support import one_thread, require_torch
from ..data import load_dataset
from ..errors import InputError

__all__ = ["ACTIVATIONS", "INITS", "GradientRun", "gradient_norms", "Curves", "regularization", "loss_comparison",
           "curves_plot", "gradients_plot"]

ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = ("zero", "small", "xavier", "he")
WIDTH = 64


def _data(n: int | None = None, split: str = "train"):
    torch = require_torch()
    d = load_dataset("digits", split=split)
    x, y = d.x.reshape(len(d), -1), d.y
    if n is not None:
        x, y = x[:n], y[:n]
    return torch.tensor(x), torch.tensor(y)


def _mlp(depth: int, act: str, init: str, batchnorm: bool = False, dropout: float = 0.0, width: int = WIDTH,
         seed: int = 0):
    torch = require_torch()
    nn = torch.nn
    if not isinstance(depth, int) or depth < 1:
        raise InputError(f"depth must be a positive integer (hidden layers), got {depth!r}")
    if act not in ACTIVATIONS:
        raise InputError(f"Unknown activation '{act}'; choose {', '.join(ACTIVATIONS)}")
    if init not in INITS:
        raise InputError(f"Unknown initialization '{init}'; choose {', '.join(INITS)}")
    torch.manual_seed(seed)
    layers, sizes = [], [64] + [width] * depth
    acts = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    for a, b in zip(sizes, sizes[1:]):
        layers.append(nn.Linear(a, b))
        if batchnorm:
            layers.append(nn.BatchNorm1d(b))
        layers.append(acts[act]())
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-1], 10))
    net = nn.Sequential(*layers)
    gain = nn.init.calculate_gain(act)
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
            if init == "zero":
                nn.init.zeros_(m.weight)
            elif init == "small":
                nn.init.normal_(m.weight, 0.0, 0.01)
            elif init == "xavier":
                nn.init.xavier_normal_(m.weight, gain=gain)
            else:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu" if act == "relu" else "linear")
    return net


@dataclass(frozen=True)
class GradientRun:
    """Per-layer gradient norms (first linear layer first): ``at_init`` and ``trained`` (after
    ``steps`` SGD steps, the last step's norms, after clipping); the final training loss."""

    depth: int
    act: str
    init: str
    batchnorm: bool
    clip: str
    steps: int
    at_init: np.ndarray
    trained: np.ndarray
    loss: float


def _norms(net) -> np.ndarray:
    torch = require_torch()
    return np.array([float(m.weight.grad.norm()) for m in net if isinstance(m, torch.nn.Linear)])


def gradient_norms(depth: int = 30, act: str = "sigmoid", init: str = "xavier", batchnorm: bool = False,
                   clip_norm: float | None = None, clip_value: float | None = None, steps: int = 200,
                   lr: float = 0.05, seed: int = 0) -> GradientRun:
    """Gradient norm of every linear layer of a ``depth``-hidden-layer MLP on digits (batches of 64)."""
    for name, v in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if v is not None and not v > 0:
            raise InputError(f"{name} must be > 0, got {v}")
    # float64: vanished gradients (1e-20 and below) stay normal numbers, which float32 would make
    # subnormal, or zero, and ten times slower
    net = _mlp(depth, act, init, batchnorm, seed=seed).double()
    x, y = _data()
    with one_thread():
        return _gradient_steps(net, x.double(), y, depth, act, init, batchnorm, clip_norm, clip_value, steps, lr,
                               seed)


def _gradient_steps(net, x, y, depth, act, init, batchnorm, clip_norm, clip_value, steps, lr, seed) -> GradientRun:
    torch = require_torch()
    rng = np.random.default_rng(seed)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = torch.nn.functional.cross_entropy
    at_init, loss = None, float("nan")
    net.train()
    for step in range(max(1, steps)):
        idx = torch.tensor(rng.choice(len(x), 64, replace=False))
        opt.zero_grad()
        out = loss_fn(net(x[idx]), y[idx])
        out.backward()
        if at_init is None:
            at_init = _norms(net)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip_norm)
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_(net.parameters(), clip_value)
        if steps:
            opt.step()
        loss = float(out.detach())
    clip = "none" if clip_norm is None and clip_value is None else (
        f"norm {clip_norm:g}" if clip_norm is not None else f"value {clip_value:g}")
    return GradientRun(depth, act, init, batchnorm, clip, steps, at_init, _norms(net), loss)


@dataclass(frozen=True)
class Curves:
    """Per epoch and named setting: ``train`` and ``test`` accuracy, ``test_loss`` (cross-entropy)."""

    train: dict
    test: dict
    test_loss: dict
    note: str = ""


def _fit(net, x, y, xt, yt, epochs: int, lr: float, loss: str = "ce", l1: float = 0.0, l2: float = 0.0,
         seed: int = 0, tick=None) -> tuple[list, list, list]:
    torch = require_torch()
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=l2)
    tr, te, te_loss = [], [], []
    for _ in range(epochs):
        if tick is not None:
            tick()
        net.train()
        order = torch.tensor(rng.permutation(len(x)))
        for s in range(0, len(x), 32):
            idx = order[s:s + 32]
            out = net(x[idx])
            if loss == "ce":
                value = torch.nn.functional.cross_entropy(out, y[idx])
            else:
                value = torch.nn.functional.mse_loss(torch.softmax(out, 1),
                                                     torch.nn.functional.one_hot(y[idx], 10).to(out.dtype))
            if l1:
                value = value + l1 * sum(p.abs().sum() for n, p in net.named_parameters() if n.endswith("weight"))
            opt.zero_grad()
            value.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            tr.append(float((net(x).argmax(1) == y).float().mean()))
            out = net(xt)
            te.append(float((out.argmax(1) == yt).float().mean()))
            te_loss.append(float(torch.nn.functional.cross_entropy(out, yt)))
    return tr, te, te_loss


def _check_epochs(epochs) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise InputError(f"epochs must be a whole number >= 1, got {epochs!r}")


def _ticker(progress, total: int, what: str):
    """A callback that reports one more epoch of ``total`` to ``progress(done, total, what)``."""
    if progress is None:
        return None
    count = [0]

    def tick():
        progress(count[0], total, what)
        count[0] += 1
    return tick


def regularization(settings: dict | None = None, train_samples: int = 100, epochs: int = 60, width: int = 256,
                   seed: int = 0, progress=None) -> Curves:
    """Train a 2x``width`` ReLU MLP on ``train_samples`` digits under each setting
    (``{"name": {"dropout": p, "l1": a, "l2": b}}``), test on digits:test; ``progress(done, total,
    what)`` once per epoch.

    Raises
    ------
    InputError
        Fewer than 10 samples, no epochs, a dropout outside [0, 1), or a negative penalty.
    """
    if train_samples < 10:
        raise InputError(f"train_samples must be at least 10, got {train_samples}")
    _check_epochs(epochs)
    settings = settings or {"none": {}, "dropout 0.5": {"dropout": 0.5}, "L2 0.01": {"l2": 1e-2},
                            "L1 0.001": {"l1": 1e-3}}
    for name, s in settings.items():
        if not 0 <= s.get("dropout", 0.0) < 1:
            raise InputError(f"dropout must be in [0, 1), got {s['dropout']} ({name})")
        for key in ("l1", "l2"):
            if not 0 <= s.get(key, 0.0) < float("inf"):
                raise InputError(f"{key.upper()} must be a finite number >= 0, got {s[key]} ({name})")
    x, y = _data(train_samples)
    xt, yt = _data(split="test")
    train, test, loss = {}, {}, {}
    tick = _ticker(progress, epochs * len(settings), "training")
    with one_thread():
        for name, s in settings.items():
            net = _mlp(2, "relu", "he", dropout=s.get("dropout", 0.0), width=width, seed=seed)
            train[name], test[name], loss[name] = _fit(net, x, y, xt, yt, epochs, 1e-3, l1=s.get("l1", 0.0),
                                                       l2=s.get("l2", 0.0), seed=seed, tick=tick)
    return Curves(train, test, loss, f"{train_samples} training samples, 2 x {width} ReLU, Adam")


def loss_comparison(epochs: int = 30, seed: int = 0, progress=None) -> Curves:
    """The same 2x64 sigmoid MLP trained with MSE on softmax outputs and with cross-entropy.

    Raises
    ------
    InputError
        No epochs.
    """
    _check_epochs(epochs)
    x, y = _data()
    xt, yt = _data(split="test")
    train, test, loss = {}, {}, {}
    tick = _ticker(progress, 2 * epochs, "training")
    with one_thread():
        for name, kind in (("MSE (softmax)", "mse"), ("cross-entropy", "ce")):
            net = _mlp(2, "sigmoid", "xavier", seed=seed)
            train[name], test[name], loss[name] = _fit(net, x, y, xt, yt, epochs, 1e-3, loss=kind, seed=seed,
                                                       tick=tick)
    return Curves(train, test, loss, "2 x 64 sigmoid MLP, Adam 1e-3")


def curves_plot(c: Curves, path, title: str) -> None:
    """Train (dashed) and test (solid) accuracy per epoch for every setting, and the test loss."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, name in enumerate(c.train):
        color, epochs = f"C{i}", np.arange(1, len(c.train[name]) + 1)
        ax.plot(epochs, 100 * np.array(c.train[name]), "--", color=color, alpha=0.7)
        ax.plot(epochs, 100 * np.array(c.test[name]), "-", color=color,
                label=f"{name} (test {100 * c.test[name][-1]:.1f}%)")
        ax2.plot(epochs, c.test_loss[name], "-", color=color, label=f"{name} (lowest {min(c.test_loss[name]):.3f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%): train dashed, test solid")
    ax.legend(fontsize=8, loc="lower right")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test loss (cross-entropy)")
    ax2.legend(fontsize=8)
    fig.suptitle(f"{title}: {c.note}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def gradients_plot(runs: list[GradientRun], path, title: str = "") -> None:
    """Gradient norm per layer (log scale), at initialization (solid) and after training (dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, r in enumerate(runs):
        label = f"{r.act}, {r.init}" + (", BatchNorm" if r.batchnorm else "") + (
            f", clip {r.clip}" if r.clip != "none" else "")
        layers = np.arange(1, len(r.at_init) + 1)
        ax.plot(layers, np.maximum(r.at_init, 1e-30), "-", color=f"C{i}", label=f"{label}: init")
        if r.steps:
            ax.plot(layers, np.maximum(r.trained, 1e-30), "--", color=f"C{i}", alpha=0.7,
                    label=f"{label}: after {r.steps} steps")
    ax.set_yscale("log")
    ax.set_xlabel("layer (input side first)")
    ax.set_ylabel("gradient norm ||dL/dW||")
    ax.legend(fontsize=7)
    ax.set_title(title or f"Gradient norms, depth {runs[0].depth}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
