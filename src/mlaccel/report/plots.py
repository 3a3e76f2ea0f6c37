"""Per-layer plots (PNG) of a run's Stats."""

from __future__ import annotations

import os

from ..stats import Stats
from ..units import readable_axis

__all__ = ["layer_plot"]


def layer_plot(ops: list[Stats], path: str | os.PathLike, title: str = "") -> None:
    """Bar chart of compute and stall cycles per op, with array utilization on a second axis.

    Parameters
    ----------
    ops : list of Stats
        Per-op Stats of a timed run (cycles > 0).
    path : str or PathLike
        PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [s.op for s in ops]
    stall = [s.stall_cycles for s in ops]
    compute = [s.cycles - s.stall_cycles for s in ops]
    util = [100 * (s.utilization or 0.0) for s in ops]
    x = range(len(ops))
    fig, ax = plt.subplots(figsize=(max(8, 0.32 * len(ops) + 2), 5))
    ax.bar(x, compute, color="#4C72B0", label="compute cycles")
    ax.bar(x, stall, bottom=compute, color="#DD8452", label="DRAM stall cycles")
    ax.set_xticks(list(x), labels, rotation=90, fontsize=7)
    readable_axis(ax.yaxis, [s.cycles for s in ops], "cycles", "cycles")
    ax2 = ax.twinx()
    ax2.plot(list(x), util, "o-", color="#55A868", markersize=3, label="array utilization")
    ax2.set_ylabel("utilization (%)")
    ax2.set_ylim(0, 100)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
