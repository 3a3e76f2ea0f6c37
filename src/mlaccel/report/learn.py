"""Tables of the training-fundamentals experiments (``mlaccel learn``)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

__all__ = ["BACKPROP_KEYS", "backprop_table", "backprop_summary", "gradients_table", "curves_table"]

BACKPROP_KEYS = ("net_h1", "out_h1", "out_h2", "out_o1", "out_o2", "E_total", "w1", "w2", "w3", "w4", "w5", "w6",
                 "w7", "w8")


def backprop_table(ours: dict, auto: dict, expected: dict) -> Table:
    """The worked example: each quantity by hand (NumPy), by torch autograd, and in the lecture."""
    t = Table(title="Backpropagation, worked: i = (0.05, 0.10), targets (0.01, 0.99), learning rate 0.5",
              title_justify="left")
    for col in ("quantity", "by hand (NumPy)", "torch autograd", "lecture"):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    for k in BACKPROP_KEYS:
        t.add_row(k if k.startswith(("net", "out", "E")) else f"{k} after one step", f"{ours[k]:.9f}",
                  f"{auto[k]:.9f}" if k in auto else "", f"{expected[k]:.9g}" if k in expected else "")
    return t


def backprop_summary(ours: dict, auto: dict, expected: dict) -> str:
    worst = max(abs(float(ours[k]) - expected[k]) for k in expected)
    return (f"largest difference from the lecture: {worst:.1e}; NumPy against autograd: "
            f"{abs(ours['new_w'] - auto['new_w']).max():.1e}")


def _verdict(first: float, last: float) -> str:
    ratio = first / last if last else float("nan")
    if first == 0:
        return "none reach it"
    if first < 1e-8 or ratio < 1e-3:
        return f"{ratio:.0e} vanishing"
    return f"{ratio:.0e}" + (" exploding" if ratio > 10 or first > 1e3 else "")


def gradients_table(runs, depth: int, batchnorm: bool, steps: int) -> Table:
    """Per activation and initialization: the first and last layer's gradient norm at initialization,
    their ratio with a verdict, the first's after ``steps`` steps, and the loss."""
    clip = runs[0].clip
    t = Table(title=f"Gradient norms ||dL/dW|| of the first and last layer at initialization, and of the first "
                    f"after training; {depth} hidden layers of 64" + (", BatchNorm" if batchnorm else "")
              + ("" if clip == "none" else f", clipped by {clip}"), title_justify="left")
    for col in ("act", "init", "first", "last", "first / last", f"step {steps}", "loss"):
        t.add_column(col, justify="left" if col in ("act", "init", "first / last") else "right")
    for r in runs:
        first, last = r.at_init[0], r.at_init[-1]
        t.add_row(r.act, r.init, f"{first:.1e}", f"{last:.1e}", _verdict(first, last), f"{r.trained[0]:.1e}",
                  f"{r.loss:.2f}")
    return t


def curves_table(c, title: str) -> Table:
    """Per setting: final train and test accuracy, the best test accuracy, final and lowest test loss."""
    t = Table(title=f"{title}: {c.note}", title_justify="left")
    for col in ("setting", "train acc", "test acc", "best test acc", "test loss", "lowest test loss"):
        t.add_column(col, justify="left" if col == "setting" else "right")
    for name in c.train:
        t.add_row(escape(name), f"{100 * c.train[name][-1]:.1f}%", f"{100 * c.test[name][-1]:.1f}%",
                  f"{100 * max(c.test[name]):.1f}%", f"{c.test_loss[name][-1]:.3f}", f"{min(c.test_loss[name]):.3f}")
    return t
