"""The ``mlaccel learn`` commands: the worked backpropagation example and training-fundamentals experiments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

from rich.markup import escape
from rich.table import Table

from .cli import ForceOpt, _check_plot, _Command, _guarded, _opt, _Progress, _typer, app, console
from .errors import InputError

learn_app = _typer("Training fundamentals: the worked backpropagation example, vanishing/exploding gradients, "
                   "BatchNorm, clipping, regularization and losses (PyTorch: the [train] extra).")
app.add_typer(learn_app, name="learn")

PlotOpt = Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, .pdf)")]
JsonOpt = Annotated[bool, _opt("--json", help="Print the result as JSON")]


@learn_app.command("backprop-example", cls=_Command)
@_guarded
def backprop_example(as_json: JsonOpt = False):
    """The lecture's 2-2-2 sigmoid network: forward pass, errors and one step, by hand and by torch autograd."""
    from .learn.backprop import EXPECTED, backprop_numpy, backprop_torch

    ours, auto = backprop_numpy(), backprop_torch()
    keys = ("net_h1", "out_h1", "out_h2", "out_o1", "out_o2", "E_total", "w1", "w2", "w3", "w4", "w5", "w6", "w7",
            "w8")
    if as_json:
        print(json.dumps({k: {"numpy": float(ours[k]), "torch": float(auto[k]) if k in auto else None,
                              "lecture": EXPECTED.get(k)} for k in keys}))
        return
    t = Table(title="Backpropagation, worked: i = (0.05, 0.10), targets (0.01, 0.99), learning rate 0.5",
              title_justify="left")
    for col in ("quantity", "by hand (NumPy)", "torch autograd", "lecture"):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    for k in keys:
        t.add_row(k if k.startswith(("net", "out", "E")) else f"{k} after one step", f"{ours[k]:.9f}",
                  f"{auto[k]:.9f}" if k in auto else "", f"{EXPECTED[k]:.9g}" if k in EXPECTED else "")
    console.print(t)
    worst = max(abs(float(ours[k]) - EXPECTED[k]) for k in EXPECTED)
    console.print(f"largest difference from the lecture: {worst:.1e}; NumPy against autograd: "
                  f"{abs(ours['new_w'] - auto['new_w']).max():.1e}", highlight=False)


@learn_app.command("gradients", cls=_Command)
@_guarded
def gradients(depth: Annotated[int, _opt("--depth", metavar="N", help="Hidden layers (10-50 shows it)")] = 30,
              act: Annotated[str, _opt("--act", metavar="ACT", help="sigmoid, tanh or relu")] = "sigmoid",
              init: Annotated[str, _opt("--init", metavar="INIT", help="zero, small, xavier or he")] = "xavier",
              batchnorm: Annotated[bool, _opt("--batchnorm", help="BatchNorm after every linear layer")] = False,
              clip_norm: Annotated[Optional[float], _opt("--clip-norm", metavar="X", help="Clip the gradient's "
                                                         "global norm to X")] = None,
              clip_value: Annotated[Optional[float], _opt("--clip-value", metavar="X", help="Clip every gradient "
                                                          "element to [-X, X]")] = None,
              steps: Annotated[int, _opt("--steps", metavar="N", help="SGD steps before the second measurement")]
              = 200,
              compare: Annotated[bool, _opt("--compare", help="Also run every activation x initialization")] = False,
              plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Gradient norm per layer of a deep MLP on digits, at initialization and after training."""
    from .learn.experiments import ACTIVATIONS, INITS, gradient_norms, gradients_plot

    if plot is not None:
        _check_plot(plot, force)
    if steps < 0:
        raise InputError(f"--steps must be >= 0, got {steps}")
    combos = [(act, init)] + ([(a, i) for a in ACTIVATIONS for i in INITS if (a, i) != (act, init)] if compare else [])
    runs = []
    with _Progress("training", delay=0.5) as progress:
        for n, (a, i) in enumerate(combos):
            runs.append(gradient_norms(depth, a, i, batchnorm, clip_norm, clip_value, steps))
            progress(n + 1, len(combos), f"{a}, {i}")
    if plot is not None:
        gradients_plot(runs, plot, f"Gradient norms of a {depth}-layer MLP on digits")
    if as_json:
        print(json.dumps([{"act": r.act, "init": r.init, "batchnorm": r.batchnorm, "clip": r.clip, "steps": r.steps,
                           "at_init": r.at_init.tolist(), "trained": r.trained.tolist(), "loss": r.loss}
                          for r in runs]))
        return
    clip = runs[0].clip
    t = Table(title=f"Gradient norms ||dL/dW|| of the first and last layer at initialization, and of the first "
                    f"after training; {depth} hidden layers of 64" + (", BatchNorm" if batchnorm else "")
              + ("" if clip == "none" else f", clipped by {clip}"), title_justify="left")
    for col in ("act", "init", "first", "last", "first / last", f"step {steps}", "loss"):
        t.add_column(col, justify="left" if col in ("act", "init", "first / last") else "right")
    for r in runs:
        first, last = r.at_init[0], r.at_init[-1]
        ratio = first / last if last else float("nan")
        if first == 0:
            verdict = "none reach it"
        elif first < 1e-8 or ratio < 1e-3:
            verdict = f"{ratio:.0e} vanishing"
        else:
            verdict = f"{ratio:.0e}" + (" exploding" if ratio > 10 or first > 1e3 else "")
        t.add_row(r.act, r.init, f"{first:.1e}", f"{last:.1e}", verdict,
                  f"{r.trained[0]:.1e}", f"{r.loss:.2f}")
    console.print(t)
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


def _curves_table(c, title: str) -> None:
    t = Table(title=f"{title}: {c.note}", title_justify="left")
    for col in ("setting", "train acc", "test acc", "best test acc", "test loss", "lowest test loss"):
        t.add_column(col, justify="left" if col == "setting" else "right")
    for name in c.train:
        t.add_row(escape(name), f"{100 * c.train[name][-1]:.1f}%", f"{100 * c.test[name][-1]:.1f}%",
                  f"{100 * max(c.test[name]):.1f}%", f"{c.test_loss[name][-1]:.3f}", f"{min(c.test_loss[name]):.3f}")
    console.print(t)


@learn_app.command("regularization", cls=_Command)
@_guarded
def regularization_cmd(
        samples: Annotated[int, _opt("--samples", metavar="N", help="Training samples (few, to over-fit)")] = 100,
        epochs: Annotated[int, _opt("--epochs", metavar="N", help="Epochs")] = 60,
        dropout: Annotated[float, _opt("--dropout", metavar="P", help="Dropout probability")] = 0.5,
        l1: Annotated[float, _opt("--l1", metavar="A", help="L1 penalty on the weights")] = 1e-3,
        l2: Annotated[float, _opt("--l2", metavar="B", help="L2 penalty (weight decay)")] = 1e-2,
        plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Over-fitting on a small digits training set, and dropout, L1 and L2 against it."""
    from .learn.experiments import curves_plot, regularization

    if plot is not None:
        _check_plot(plot, force)
    settings = {"none": {}, f"dropout {dropout:g}": {"dropout": dropout}, f"L2 {l2:g}": {"l2": l2},
                f"L1 {l1:g}": {"l1": l1}}
    with _Progress("training", delay=0.5):
        c = regularization(settings, samples, epochs)
    _report(c, "Regularization", plot, as_json, curves_plot)


@learn_app.command("loss", cls=_Command)
@_guarded
def loss_cmd(epochs: Annotated[int, _opt("--epochs", metavar="N", help="Epochs")] = 30,
             plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Mean squared error on softmax outputs against cross-entropy, on the same digits classifier."""
    from .learn.experiments import curves_plot, loss_comparison

    if plot is not None:
        _check_plot(plot, force)
    with _Progress("training", delay=0.5):
        c = loss_comparison(epochs)
    _report(c, "MSE against cross-entropy", plot, as_json, curves_plot)


def _report(c, title: str, plot, as_json: bool, curves_plot) -> None:
    if plot is not None:
        curves_plot(c, plot, title)
    if as_json:
        print(json.dumps({"note": c.note, "train": c.train, "test": c.test, "test_loss": c.test_loss}))
        return
    _curves_table(c, title)
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


__all__ = ["learn_app"]
