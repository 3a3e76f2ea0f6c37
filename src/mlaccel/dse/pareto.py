"""Pareto fronts over two or three objectives (all minimized), and their plot."""

from __future__ import annotations

import numpy as np

__all__ = ["pareto_mask", "pareto_plot", "LABELS"]

LABELS = {"latency_s": "latency (s)", "energy_pj": "energy (pJ)", "area_mm2": "area (mm^2)", "edp": "EDP (pJ s)",
          "cycles": "cycles"}


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """For ``(n, k)`` objective values (lower is better), which rows no other row dominates."""
    v = np.asarray(values, float)
    keep = np.ones(len(v), bool)
    for i in range(len(v)):
        if keep[i]:
            dominated = np.all(v[i] <= v, axis=1) & np.any(v[i] < v, axis=1)
            keep &= ~dominated
    return keep


def pareto_plot(points: list, objectives: tuple, path, title: str = "") -> int:
    """The first two objectives as a scatter: the front bold, dominated and infeasible points faded; a
    third objective colours the points. Returns the front's size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(objectives) < 2:
        raise ValueError("a Pareto plot needs two or three objectives")
    ok = [p for p in points if p.feasible]
    vals = np.array([[p.metrics[m] for m in objectives] for p in ok]) if ok else np.zeros((0, len(objectives)))
    front = pareto_mask(vals) if len(vals) else np.zeros(0, bool)
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
        ax.plot(vals[front, 0][order], vals[front, 1][order], "k-", lw=0.8, alpha=0.6)
        if color is not None:
            fig.colorbar(sc, ax=ax, label=LABELS.get(objectives[2], objectives[2]))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(LABELS.get(objectives[0], objectives[0]))
    ax.set_ylabel(LABELS.get(objectives[1], objectives[1]))
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return int(front.sum())
