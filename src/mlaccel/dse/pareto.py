"""Pareto fronts over two or three objectives (minimized, or maximized where named), and their plot."""

from __future__ import annotations

import numpy as np

from ..units import readable_axis

__all__ = ["pareto_mask", "pareto_plot", "front_of", "known", "LABELS"]

# Each metric's name on an axis; its unit is chosen from the values (mlaccel.units.readable_axis).
LABELS = {"latency_s": "latency", "energy_pj": "energy", "area_mm2": "area (mm²)", "edp": "EDP (pJ·s)",
          "cycles": "cycles", "accuracy": "top-1 accuracy", "agreement": "top-1 agreement"}


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """For ``(n, k)`` objective values (lower is better), which rows no other row dominates."""
    v = np.asarray(values, float)
    keep = np.ones(len(v), bool)
    for i in range(len(v)):
        if keep[i]:
            dominated = np.all(v[i] <= v, axis=1) & np.any(v[i] < v, axis=1)
            keep &= ~dominated
    return keep


def known(points: list, objectives: tuple) -> list:
    """The points whose objectives all have values (area or accuracy may be unknown)."""
    return [p for p in points if all(p.metrics.get(m) is not None for m in objectives)]


def front_of(points: list, objectives: tuple, maximize: tuple = ()) -> np.ndarray:
    """Which of ``points`` (all with values) are on the Pareto front; ``maximize`` names the
    objectives where higher is better."""
    if not points:
        return np.zeros(0, bool)
    sign = np.array([-1.0 if m in maximize else 1.0 for m in objectives])
    return pareto_mask(np.array([[p.metrics[m] for m in objectives] for p in points]) * sign)


def _scale(metric: str, values: list) -> str:
    """Log where the values span more than a factor of 10 (so a single decade keeps several ticks)."""
    pos = [v for v in values if v and v > 0]
    if metric in ("accuracy", "agreement") or not pos or max(pos) / min(pos) < 10:
        return "linear"
    return "log"


def pareto_plot(points: list, objectives: tuple, path, title: str = "", maximize: tuple = ()) -> int:
    """The first two objectives as a scatter: the front bold, dominated and infeasible points faded; a
    third objective colours the points; ``maximize`` names objectives where higher is better.
    Returns the front's size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(objectives) < 2:
        raise ValueError("a Pareto plot needs two or three objectives")
    points = known(points, objectives)
    ok = [p for p in points if p.feasible]
    vals = np.array([[p.metrics[m] for m in objectives] for p in ok]) if ok else np.zeros((0, len(objectives)))
    front = front_of(ok, objectives, maximize)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    bad = [p for p in points if not p.feasible]
    if bad:
        ax.scatter([p.metrics[objectives[0]] for p in bad], [p.metrics[objectives[1]] for p in bad], s=8,
                   color="lightgrey", alpha=0.5, label=f"{len(bad)} infeasible")
    if len(vals):
        color = vals[:, 2] if len(objectives) > 2 else None
        ax.scatter(vals[~front, 0], vals[~front, 1], s=10, c=None if color is None else color[~front],
                   color="#4C72B0" if color is None else None, alpha=0.25, label=f"{int((~front).sum())} dominated")
        order = np.argsort(vals[front, 0])
        sc = ax.scatter(vals[front, 0], vals[front, 1], s=40, c=None if color is None else color[front],
                        color="#C44E52" if color is None else None, edgecolors="k", zorder=3,
                        label=f"{int(front.sum())} on the Pareto front")
        if len(objectives) == 2:  # with a third objective the front is not a line in this plane
            ax.plot(vals[front, 0][order], vals[front, 1][order], "k-", lw=0.8, alpha=0.6)
        if color is not None:
            bar = fig.colorbar(sc, ax=ax)
            readable_axis(bar.ax.yaxis, vals[:, 2], objectives[2], LABELS.get(objectives[2], objectives[2]))
    for set_scale, axis, i in ((ax.set_xscale, ax.xaxis, 0), (ax.set_yscale, ax.yaxis, 1)):
        m = objectives[i]
        values = [p.metrics[m] for p in points]
        set_scale(_scale(m, values))
        readable_axis(axis, values, m, LABELS.get(m, m))
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return int(front.sum())
