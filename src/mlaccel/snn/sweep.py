"""Accuracy and energy against time steps: when do spikes pay?

One simulation at the longest T gives every shorter T (the readout is cumulative), so a sweep costs
one run. Each T is priced on the neuromorphic chips; the same network as an int8 ANN is priced on a
digital target, and the first T whose accuracy is within ``tolerance`` of the ANN's is the fair
point of comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import Dataset
from ..errors import InputError
from .convert import SpikingNet
from .energy import ANN_TARGET, DEFAULT_CHIPS, AnnCost, ann_cost, snn_cost
from .simulation import samples_for, simulate

__all__ = ["SnnPoint", "SnnSweep", "snn_sweep", "parse_timesteps", "snn_sweep_plot"]


@dataclass(frozen=True)
class SnnPoint:
    """One T: accuracy in [0, 1]; spikes and synaptic ops per inference; energy (pJ) and latency (s)
    per inference on each chip; cores per chip."""

    timesteps: int
    accuracy: float
    spikes: float
    synops: float
    energy_pj: dict
    latency_s: dict
    cores: dict

    def as_dict(self) -> dict:
        return {"timesteps": self.timesteps, "accuracy": self.accuracy, "spikes": self.spikes,
                "synops": self.synops, "energy_pj": dict(self.energy_pj), "latency_s": dict(self.latency_s),
                "cores": dict(self.cores)}


@dataclass(frozen=True)
class SnnSweep:
    """Attributes
    ----------
    model : str
    points : list of SnnPoint
    chips : tuple of str
    ann_accuracy : float or None
        The float ANN's accuracy on the same data (None for a network with no ANN, e.g. trained).
    ann : AnnCost or None
        The same network as an int8 ANN on a digital target.
    tolerance : float
        How close to the ANN counts as reaching it (0.01: one point).
    """

    model: str
    points: list
    chips: tuple
    ann_accuracy: float | None = None
    ann: AnnCost | None = None
    tolerance: float = 0.01
    notes: tuple = field(default=())

    def matching(self) -> SnnPoint | None:
        """The first T whose accuracy is within ``tolerance`` of the ANN's (None if none is)."""
        if self.ann_accuracy is None:
            return None
        return next((p for p in self.points if p.accuracy >= self.ann_accuracy - self.tolerance - 1e-12), None)

    def as_dict(self) -> dict:
        m = self.matching()
        return {"model": self.model, "chips": list(self.chips), "ann_accuracy": self.ann_accuracy,
                "ann": None if self.ann is None else self.ann.as_dict(), "tolerance": self.tolerance,
                "matching_timesteps": None if m is None else m.timesteps,
                "points": [p.as_dict() for p in self.points]}


def parse_timesteps(text: str) -> list[int]:
    """``"4,8,16,32,64"`` as sorted positive integers; the error names the bad entry."""
    out = []
    for part in str(text).split(","):
        try:
            t = int(part.strip())
        except ValueError:
            raise InputError(f"--timesteps takes integers such as 4,8,16,32,64; got {part.strip()!r}") from None
        if t <= 0:
            raise InputError(f"--timesteps must be positive, got {t}")
        out.append(t)
    return sorted(set(out))


def snn_sweep(net: SpikingNet, data: Dataset, timesteps, chips=DEFAULT_CHIPS, ann_graph=None,
              ann_accuracy: float | None = None, calib: np.ndarray | None = None, ann_target: str = ANN_TARGET,
              encoder: str = "direct", tolerance: float = 0.01) -> SnnSweep:
    """Accuracy, spikes, synaptic ops and energy on each chip for every T in ``timesteps``.

    ``ann_graph`` (the float network, with ``calib``) adds the int8 ANN's energy on ``ann_target``;
    ``ann_accuracy`` its accuracy, for :meth:`SnnSweep.matching`.
    """
    steps = sorted(set(int(t) for t in timesteps))
    if not steps or steps[0] <= 0:
        raise InputError(f"timesteps must be positive integers, got {list(timesteps)}")
    x = samples_for(net, data.x)
    res = simulate(net, x, steps[-1], encoder)
    points = []
    for t in steps:
        costs = {c: snn_cost(net, res, c, t) for c in chips}
        points.append(SnnPoint(t, float(np.mean(res.predictions(t) == data.y)), res.total_spikes(t),
                               res.total_synops(t), {c: v.total_pj for c, v in costs.items()},
                               {c: v.latency_s for c, v in costs.items()}, {c: v.cores for c, v in costs.items()}))
    ann = None
    if ann_graph is not None:
        ann = ann_cost(ann_graph, x if calib is None else calib, ann_target)
    return SnnSweep(net.source or net.graph.name, points, tuple(chips), ann_accuracy, ann, tolerance)


def snn_sweep_plot(sweep: SnnSweep, path, title: str = "") -> None:
    """Accuracy against T (with the ANN's), and energy per inference on each chip (with the ANN's)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ts = [p.timesteps for p in sweep.points]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(ts, [100 * p.accuracy for p in sweep.points], "o-", label="SNN")
    if sweep.ann_accuracy is not None:
        ax.axhline(100 * sweep.ann_accuracy, color="grey", ls="--", lw=1, label="ANN (float)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ts, [str(t) for t in ts])
    ax.set_xlabel("time steps T")
    ax.set_ylabel("accuracy (%)")
    ax.legend(fontsize=8)
    for c in sweep.chips:
        ax2.plot(ts, [p.energy_pj[c] / 1e6 for p in sweep.points], "o-", label=c)
    if sweep.ann is not None:
        ax2.axhline(sweep.ann.energy_pj / 1e6, color="grey", ls="--", lw=1, label=f"ANN int8 on {sweep.ann.target}")
    m = sweep.matching()
    if m is not None:
        ax2.axvline(m.timesteps, color="green", ls=":", lw=1, label=f"T = {m.timesteps}: ANN accuracy - 1 point")
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(ts, [str(t) for t in ts])
    ax2.set_yscale("log")
    ax2.set_xlabel("time steps T")
    ax2.set_ylabel("energy per inference (uJ)")
    ax2.legend(fontsize=7)
    fig.suptitle(title or f"{sweep.model}: when do spikes pay?")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
