"""The ``mlaccel learn`` commands: the worked backpropagation example and training-fundamentals experiments."""

from __future__ import annotations

from typing import Annotated, Optional

from ..report.learn import BACKPROP_KEYS, backprop_summary, backprop_table, curves_table, gradients_table
from .common import (Bar, Command, ForceOpt, JsonOpt, PlotOpt, check_plot, console, fraction, guarded, nonnegative,
                     opt, positive, print_json, typer_app, wrote)

learn_app = typer_app("Training fundamentals: the worked backpropagation example, vanishing/exploding gradients, "
                      "BatchNorm, clipping, regularization and losses (PyTorch: pip install -e '.[train]').")


@learn_app.command("backprop-example", cls=Command)
@guarded
def backprop_example(as_json: JsonOpt = False):
    """The lecture's 2-2-2 sigmoid network: forward pass, errors and one step, by hand and by torch autograd."""
    from ..learn.backprop import EXPECTED, backprop_numpy, backprop_torch

    ours, auto = backprop_numpy(), backprop_torch()
    if as_json:
        print_json({k: {"numpy": float(ours[k]), "torch": float(auto[k]) if k in auto else None,
                        "lecture": EXPECTED.get(k)} for k in BACKPROP_KEYS})
        return
    console.print(backprop_table(ours, auto, EXPECTED))
    console.print(backprop_summary(ours, auto, EXPECTED), highlight=False)


@learn_app.command("gradients", cls=Command)
@guarded
def gradients(depth: Annotated[int, opt("--depth", metavar="N", help="Hidden layers (10-50 shows it)")] = 30,
              act: Annotated[str, opt("--act", metavar="ACT", help="sigmoid, tanh or relu")] = "sigmoid",
              init: Annotated[str, opt("--init", metavar="INIT", help="zero, small, xavier or he")] = "xavier",
              batchnorm: Annotated[bool, opt("--batchnorm", help="BatchNorm after every linear layer")] = False,
              clip_norm: Annotated[Optional[float], opt("--clip-norm", metavar="X", help="Clip the gradient's "
                                                        "global norm to X")] = None,
              clip_value: Annotated[Optional[float], opt("--clip-value", metavar="X", help="Clip every gradient "
                                                         "element to [-X, X]")] = None,
              steps: Annotated[int, opt("--steps", metavar="N", help="SGD steps before the second measurement")]
              = 200,
              compare: Annotated[bool, opt("--compare", help="Also run every activation x initialization")] = False,
              plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Gradient norm per layer of a deep MLP on digits, at initialization and after training."""
    from ..learn.experiments import ACTIVATIONS, INITS, gradient_norms, gradients_plot

    if plot is not None:
        check_plot(plot, force)
    positive(depth, "--depth")
    nonnegative(steps, "--steps")
    combos = [(act, init)] + ([(a, i) for a in ACTIVATIONS for i in INITS if (a, i) != (act, init)] if compare else [])
    runs = []
    with Bar("training") as progress:
        for n, (a, i) in enumerate(combos):
            progress(n, len(combos), f"{a}, {i}")
            runs.append(gradient_norms(depth, a, i, batchnorm, clip_norm, clip_value, steps))
    if plot is not None:
        gradients_plot(runs, plot, f"Gradient norms of a {depth}-layer MLP on digits")
    if as_json:
        print_json([{"act": r.act, "init": r.init, "batchnorm": r.batchnorm, "clip": r.clip, "steps": r.steps,
                     "at_init": r.at_init.tolist(), "trained": r.trained.tolist(), "loss": r.loss} for r in runs])
        return
    console.print(gradients_table(runs, depth, batchnorm, steps))
    wrote(plot)


@learn_app.command("regularization", cls=Command)
@guarded
def regularization_cmd(
        samples: Annotated[int, opt("--samples", metavar="N", help="Training samples (few, to over-fit)")] = 100,
        epochs: Annotated[int, opt("--epochs", metavar="N", help="Epochs")] = 60,
        dropout: Annotated[float, opt("--dropout", metavar="P", help="Dropout probability, in [0, 1)")] = 0.5,
        l1: Annotated[float, opt("--l1", metavar="A", help="L1 penalty on the weights")] = 1e-3,
        l2: Annotated[float, opt("--l2", metavar="B", help="L2 penalty (weight decay)")] = 1e-2,
        plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Over-fitting on a small digits training set, and dropout, L1 and L2 against it."""
    from ..learn.experiments import curves_plot, regularization

    if plot is not None:
        check_plot(plot, force)
    positive(samples, "--samples")
    positive(epochs, "--epochs")
    fraction(dropout, "--dropout")
    nonnegative(l1, "--l1")
    nonnegative(l2, "--l2")
    settings = {"none": {}, f"dropout {dropout:g}": {"dropout": dropout}, f"L2 {l2:g}": {"l2": l2},
                f"L1 {l1:g}": {"l1": l1}}
    with Bar("training") as progress:
        c = regularization(settings, samples, epochs, progress=progress)
    _report(c, "Regularization", plot, as_json, curves_plot)


@learn_app.command("loss", cls=Command)
@guarded
def loss_cmd(epochs: Annotated[int, opt("--epochs", metavar="N", help="Epochs")] = 30,
             plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Mean squared error on softmax outputs against cross-entropy, on the same digits classifier."""
    from ..learn.experiments import curves_plot, loss_comparison

    if plot is not None:
        check_plot(plot, force)
    positive(epochs, "--epochs")
    with Bar("training") as progress:
        c = loss_comparison(epochs, progress=progress)
    _report(c, "MSE against cross-entropy", plot, as_json, curves_plot)


def _report(c, title: str, plot, as_json: bool, curves_plot) -> None:
    if plot is not None:
        curves_plot(c, plot, title)
    if as_json:
        print_json({"note": c.note, "train": c.train, "test": c.test, "test_loss": c.test_loss})
        return
    console.print(curves_table(c, title))
    wrote(plot)
