"""Accuracy and energy against time steps: when do spikes pay? A design space over the conversion's
time steps (a thin preset over :mod:`mlaccel.dse`), one per chip.

One simulation at the longest T gives every shorter T (the readout is cumulative), so a sweep costs
one run per process. Each T is priced on the chips; the same network as an int8 ANN is priced on a
digital target, and the first T whose accuracy is within ``tolerance`` of the ANN's is the fair
point of comparison.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, TargetError
from ..targets import family, make_backend, resolve
from ..units import readable_axis
from .compare import ANN_TARGET, AnnCost, ann_cost
from .space import make_space
from .store import Store
from .sweep import run_sweep

__all__ = ["SnnPoint", "SnnSweep", "snn_sweep", "parse_timesteps", "snn_sweep_plot", "chip_backends",
           "DEFAULT_CHIPS"]

DEFAULT_CHIPS = ("neuromorphic:loihi", "neuromorphic:truenorth")


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


def chip_backends(chips) -> dict:
    """The backends of the chips a spiking network is priced on, by the name given.

    Raises
    ------
    TargetError
        A target whose family does not run spiking networks.
    """
    out = {}
    for c in chips:
        t = resolve(c)
        if family(t.family).workload != "spiking":
            raise TargetError(f"Spiking networks are priced on targets that run them (such as {DEFAULT_CHIPS[0]}), "
                              f"not '{t.name}'")
        out[c] = make_backend(t)
    return out


def snn_sweep(model: str | os.PathLike, data: str, timesteps, chips=DEFAULT_CHIPS, calibration: str | None = None,
              percentile: float = 99.9, samples: int | None = None, ann_target: str | None = ANN_TARGET,
              tolerance: float = 0.01, store: str | os.PathLike | None = None, progress=None) -> SnnSweep:
    """Accuracy, spikes, synaptic ops and energy on each chip for every T in ``timesteps``, of the float
    ReLU ``model`` (an ``.onnx`` file) converted at ``percentile`` with ``calibration`` data (default:
    the training split of ``data``), scored on ``data``'s first ``samples``.

    With ``ann_target``, the same network quantized to int8 is priced there, and its float accuracy
    is the mark :meth:`SnnSweep.matching` compares with. The points are kept in ``store`` when given.

    Raises
    ------
    InputError
        No time steps, or a model that is not a float .onnx file.
    TargetError
        A chip whose family does not run spiking networks.
    """
    steps = sorted(set(int(t) for t in timesteps))
    if not steps or steps[0] <= 0:
        raise InputError(f"timesteps must be positive integers, got {list(timesteps)}")
    chip_backends(chips)  # refuse a wrong chip before anything runs
    per_chip = {}
    with tempfile.TemporaryDirectory(prefix="mlaccel-snn-") as tmp:
        db = Store(Path(store) if store is not None else Path(tmp) / "sweep.sqlite")
        try:
            for i, chip in enumerate(chips):
                doc = {"space": {"base": chip, "models": [str(model)], "datasets": [data],
                                 "snn": {"timesteps": steps, "percentile": [percentile]}},
                       "objectives": {"minimize": ["energy_pj"], "maximize": ["accuracy"]}}
                if calibration:
                    doc["space"]["calibration"] = calibration
                if samples is not None:
                    doc["space"]["samples"] = samples
                space = make_space(doc, f"snn-{resolve(chip).name}", ".", "The time-step sweep")
                report = None if progress is None else (
                    lambda done, total, what, i=i: progress(i * len(steps) + done, len(chips) * len(steps), chip))
                summary = run_sweep(space, db, workers=1, progress=report)
                per_chip[chip] = {p.config["snn.timesteps"]: p for p in db.points(summary.sweep)}
        finally:
            db.close()
    points = []
    for t in steps:
        first = per_chip[chips[0]][t]
        model_summary = next(iter(first.models.values()))
        points.append(SnnPoint(t, first.metrics["accuracy"], model_summary["spikes"], model_summary["synops"],
                               {c: per_chip[c][t].metrics["energy_pj"] for c in chips},
                               {c: per_chip[c][t].metrics["latency_s"] for c in chips},
                               {c: next(iter(per_chip[c][t].models.values()))["cores"] for c in chips}))
    ann_accuracy = ann = None
    if ann_target is not None:
        from ..compress.flows import calibration_samples, from_onnx
        from ..session import Model
        from ..verify.accuracy import evaluate
        from .workloads import dataset

        graph = from_onnx(model)
        ann_accuracy = evaluate(Model(graph), dataset(data, samples)).accuracy
        ann = ann_cost(graph, calibration_samples(calibration or data.partition(":")[0], graph), ann_target)
    return SnnSweep(Path(str(model)).name, points, tuple(chips), ann_accuracy, ann, tolerance)


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
    energies = [p.energy_pj[c] for p in sweep.points for c in sweep.chips]
    for c in sweep.chips:
        ax2.plot(ts, [p.energy_pj[c] for p in sweep.points], "o-", label=c)
    if sweep.ann is not None:
        energies.append(sweep.ann.energy_pj)
        ax2.axhline(sweep.ann.energy_pj, color="grey", ls="--", lw=1, label=f"ANN int8 on {sweep.ann.target}")
    m = sweep.matching()
    if m is not None:
        ax2.axvline(m.timesteps, color="green", ls=":", lw=1, label=f"T = {m.timesteps}: ANN accuracy - 1 point")
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(ts, [str(t) for t in ts])
    ax2.set_yscale("log")
    ax2.set_xlabel("time steps T")
    readable_axis(ax2.yaxis, energies, "energy_pj", "energy per inference")
    ax2.legend(fontsize=7)
    fig.suptitle(title or f"{sweep.model}: when do spikes pay?")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
