"""A float Graph as a trainable PyTorch module: fine-tuning, pruning masks and fake quantization.

:class:`GraphModule` executes a float32 :class:`~mlaccel.graph.Graph` op by op in torch (NHWC, as
the Graph stores it), with the weights and biases as parameters. :meth:`GraphModule.to_graph` writes
the trained values back into a Graph of the same structure. With ``qat=True`` every activation and
weight passes through fake quantization that rounds as the int8 kernels do (half away from zero),
with straight-through gradients; BatchNorm is already folded by the importer, so QAT trains the folded
weights that the int8 model will hold.

Importing this module needs the ``[train]`` extra (``torch==2.13.0``); the rest of
:mod:`mlaccel.compress` imports it only when it trains.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from ..graph import Graph, Op
from ..kernels.window import window_of
from ..model.builder import rebuild
from .quantize import _FIXED, _TIED, WEIGHTED_OPS, activation_quant
from .torch_support import one_thread, require_torch

torch = require_torch()
nn, F = torch.nn, torch.nn.functional

__all__ = ["GraphModule", "fake_quant", "train_epochs"]


def _round_half_away(x):
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def fake_quant(x, scale, zero_point, qmin: int, qmax: int):
    """Quantize-dequantize with TFLite's rounding; straight-through gradient inside the int range."""
    v = x / scale + zero_point
    q = torch.clamp(_round_half_away(x / scale) + zero_point, qmin, qmax)
    y = (q - zero_point) * scale
    inside = (v >= qmin - 0.5) & (v <= qmax + 0.5)
    return torch.where(inside, x + (y - x).detach(), y.detach())


class GraphModule(nn.Module):
    """A trainable torch module for a float Graph.

    Parameters
    ----------
    graph : Graph
        float32 ops only.
    qat : bool
        Insert fake quantization of activations (EMA min/max observers) and weights (per channel).
    masks : dict, optional
        ``{weight tensor index: 0/1 array}``: pruning masks kept during training.
    """

    def __init__(self, graph: Graph, qat: bool = False, masks: dict | None = None):
        super().__init__()
        self.graph, self.qat = graph, qat
        self.params = nn.ParameterDict()
        self.consts: dict[int, object] = {}
        self.set_masks(masks or {})
        self.windows = {}
        self.ranges: dict[int, list] = {}
        self.per_channel = True
        for op in graph.ops:
            if op.type not in _OPS:
                raise UnsupportedOpError(f"Op {op.label} cannot be trained in torch", op_type=op.type,
                                         op_index=op.index)
            for i, t in enumerate(op.inputs):
                if t is None or not t.is_constant or t.dtype != np.float32:
                    continue
                data = torch.tensor(np.array(t.data, np.float32))
                if op.type in WEIGHTED_OPS and i in (1, 2):
                    self.params[str(t.index)] = nn.Parameter(data)
                else:
                    self.consts[t.index] = data
            if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D"):
                w = op.inputs[1].shape if op.type in WEIGHTED_OPS else None
                k = (w[1], w[2]) if w else (op.attrs["filter_h"], op.attrs["filter_w"])
                self.windows[op.index] = window_of(op, op.inputs[0].shape, k[0], k[1], op.outputs[0].shape)

    def set_masks(self, masks: dict) -> None:
        """Replace the pruning masks (``{weight tensor index: 0/1 array}``)."""
        self.masks = {i: torch.tensor(np.asarray(m, np.float32)) for i, m in masks.items()}

    def weight(self, t):
        w = self.params[str(t.index)]
        if t.index in self.masks:
            w = w * self.masks[t.index]
        return w

    def quantized_weight(self, op, t):
        w = self.weight(t)
        if not self.qat:
            return w
        axis = 3 if op.type == "DEPTHWISE_CONV_2D" else 0
        dims = [d for d in range(w.dim()) if d != axis]
        amax = w.detach().abs().amax(dim=dims, keepdim=True) if self.per_channel else w.detach().abs().max()
        scale = torch.clamp(amax / 127.0, min=1e-9)
        return fake_quant(w, scale, 0.0, -127, 127)

    def observe(self, op: Op, i: int, x):
        """Fake-quantize an activation with its running int8 range."""
        if not self.qat:
            return x
        if op is not None and op.type in _FIXED:
            s, z = _FIXED[op.type]
            return fake_quant(x, s, float(z), -128, 127)
        if op is not None and op.type in _TIED:
            return x
        lo, hi = float(x.detach().min()), float(x.detach().max())
        if self.training or i not in self.ranges:
            r = self.ranges.get(i)
            self.ranges[i] = [lo, hi] if r is None else [0.99 * r[0] + 0.01 * lo, 0.99 * r[1] + 0.01 * hi]
        q = activation_quant(*self.ranges[i])
        return fake_quant(x, q.s, float(q.zp), -128, 127)

    def forward(self, x):
        g = self.graph
        env = {g.inputs[0].index: self.observe(None, g.inputs[0].index, x)}
        for op in g.ops:
            args = [None if t is None else (env[t.index] if not t.is_constant else None) for t in op.inputs]
            y = _OPS[op.type](self, op, args)
            env[op.outputs[0].index] = self.observe(op, op.outputs[0].index, y)
        return env[g.outputs[0].index]

    def to_graph(self) -> Graph:
        """The Graph with the trained (and masked) weights."""
        new = {}
        for key, p in self.params.items():
            i = int(key)
            w = p.detach()
            if i in self.masks:
                w = w * self.masks[i]
            new[i] = w.numpy().astype(np.float32)
        return rebuild(self.graph, {i: {"data": d} for i, d in new.items()})


def _act(op, y):
    a = op.attrs.get("activation", "NONE")
    if a == "RELU":
        return F.relu(y)
    if a == "RELU6":
        return torch.clamp(y, 0, 6)
    if a == "RELU_N1_TO_1":
        return torch.clamp(y, -1, 1)
    if a == "TANH":
        return torch.tanh(y)
    return y


def _nchw_pad(m, op, x, value=0.0):
    w = m.windows[op.index]
    x = x.permute(0, 3, 1, 2)
    if w.pad_top or w.pad_bottom or w.pad_left or w.pad_right:
        x = F.pad(x, (w.pad_left, w.pad_right, w.pad_top, w.pad_bottom), value=value)
    return x, w


def _conv(m, op, a):
    x, w = _nchw_pad(m, op, a[0])
    filt = m.quantized_weight(op, op.inputs[1])
    if op.type == "DEPTHWISE_CONV_2D":
        filt = filt[0].permute(2, 0, 1).unsqueeze(1)
        groups = x.shape[1]
    else:
        filt = filt.permute(0, 3, 1, 2)
        groups = x.shape[1] // filt.shape[1]
    b = m.params[str(op.inputs[2].index)] if op.input(2) is not None else None
    y = F.conv2d(x, filt, b, (w.stride_h, w.stride_w), 0, (w.dil_h, w.dil_w), groups)
    return _act(op, y.permute(0, 2, 3, 1))


def _fc(m, op, a):
    w = m.quantized_weight(op, op.inputs[1])
    b = m.params[str(op.inputs[2].index)] if op.input(2) is not None else None
    y = F.linear(a[0].reshape(a[0].shape[0], -1), w, b)
    return _act(op, y.reshape((y.shape[0],) + op.outputs[0].shape[1:]))


def _pool(m, op, a):
    x, w = _nchw_pad(m, op, a[0], -float("inf") if op.type == "MAX_POOL_2D" else 0.0)
    k, s = (w.k_h, w.k_w), (w.stride_h, w.stride_w)
    if op.type == "MAX_POOL_2D":
        y = F.max_pool2d(x, k, s)
    else:
        ones = F.pad(torch.ones(1, 1, w.in_h, w.in_w), (w.pad_left, w.pad_right, w.pad_top, w.pad_bottom))
        y = F.avg_pool2d(x, k, s) / F.avg_pool2d(ones, k, s)
    return _act(op, y.permute(0, 2, 3, 1))


def _operand(m, op, a, i):
    t = op.inputs[i]
    return a[i] if not t.is_constant else m.consts[t.index].reshape((1,) + t.shape)


def _binary(fn):
    def run(m, op, a):
        x, y = _operand(m, op, a, 0), _operand(m, op, a, 1)
        r = max(x.dim(), y.dim())
        x = x.reshape(x.shape[:1] + (1,) * (r - x.dim()) + x.shape[1:])
        y = y.reshape(y.shape[:1] + (1,) * (r - y.dim()) + y.shape[1:])
        return _act(op, fn(x, y))
    return run


def _reshape(m, op, a):
    return a[0].reshape((a[0].shape[0],) + op.outputs[0].shape[1:])


def _pad(m, op, a):
    p = op.inputs[1].data.reshape(-1, 2)[1:]
    flat = [int(v) for pair in reversed(p.tolist()) for v in pair]
    return F.pad(a[0], flat)


def _concat(m, op, a):
    axis = op.attrs.get("axis", 0) % len(op.outputs[0].shape)
    return torch.cat([_operand(m, op, a, i) for i in range(len(op.inputs))], dim=axis)


_OPS = {
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _conv, "FULLY_CONNECTED": _fc,
    "MAX_POOL_2D": _pool, "AVERAGE_POOL_2D": _pool,
    "ADD": _binary(torch.add), "SUB": _binary(torch.sub), "MUL": _binary(torch.mul),
    "SOFTMAX": lambda m, op, a: torch.softmax(a[0] * op.attrs.get("beta", 1.0), dim=-1),
    "LOGISTIC": lambda m, op, a: torch.sigmoid(a[0]), "TANH": lambda m, op, a: torch.tanh(a[0]),
    "RELU": lambda m, op, a: F.relu(a[0]), "RELU6": lambda m, op, a: torch.clamp(a[0], 0, 6),
    "RESHAPE": _reshape, "PAD": _pad, "CONCATENATION": _concat,
}


def train_epochs(module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float = 1e-3, batch: int = 32,
                 seed: int = 0, on_step=None, progress=None, probabilities: bool = False) -> None:
    """Train a classifier with Adam and cross-entropy, in mini-batches of ``batch`` samples.

    ``probabilities``: the module ends in a softmax (the loss takes the log of its output);
    otherwise it gives logits.

    ``on_step(step, total_steps)`` runs before every step (pruning schedules use it);
    ``progress(epoch, epochs)`` after every epoch.
    """
    with one_thread():
        _train_epochs(module, x, y, epochs, lr, batch, seed, on_step, progress, probabilities)


def _train_epochs(module, x, y, epochs, lr, batch, seed, on_step, progress, probabilities) -> None:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    xt, yt = torch.tensor(np.asarray(x, np.float32)), torch.tensor(np.asarray(y, np.int64))
    steps_per_epoch = (len(x) + batch - 1) // batch
    total, step = epochs * steps_per_epoch, 0
    module.train()
    for epoch in range(epochs):
        order = torch.tensor(rng.permutation(len(x)))
        for s in range(0, len(x), batch):
            if on_step is not None:
                on_step(step, total)
            idx = order[s:s + batch]
            out = module(xt[idx])
            loss = (torch.nn.functional.nll_loss(torch.log(out.clamp_min(1e-8)), yt[idx]) if probabilities
                    else torch.nn.functional.cross_entropy(out, yt[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        if progress is not None:
            progress(epoch + 1, epochs)
    module.eval()
