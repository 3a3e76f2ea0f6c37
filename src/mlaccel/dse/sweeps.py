"""Sweeps of an analog accelerator's parameters: accuracy (or top-1 agreement with the reference)
and energy per inference, Monte Carlo over device draws.

    >>> s = analog_sweep(model, "adc_bits", range(3, 11), data=load_dataset("digits"))  # doctest: +SKIP
    >>> print(sweep_table(s))                                                             # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from ..verify.accuracy import model_inputs, top1_agreement
from ..data import Dataset
from ..errors import InputError, TargetError
from ..session import Model
from ..targets import resolve

__all__ = ["SweepPoint", "Sweep", "analog_sweep", "parse_values", "sweep_plot", "SWEEPABLE"]

# The fields a sweep takes, with the CLI option that names each.
SWEEPABLE = {"adc_bits": "--adc-bits", "cell_bits": "--cell-bits", "dac_bits": "--dac-bits",
             "prog_noise": "--prog-noise", "read_noise": "--read-noise", "drift_time_s": "--drift-time",
             "rows": "--rows", "stuck_off": "--stuck-off", "adc_percentile": "--adc-percentile"}


@dataclass(frozen=True)
class SweepPoint:
    """One value of the swept parameter.

    Attributes
    ----------
    value : int or float
    mean, std : float
        Accuracy or agreement in [0, 1], over the draws (std 0 for one draw).
    draws : int
    energy_pj : float
        Energy per inference, mean over draws, in pJ.
    adc_share : float
        The ADCs' share of that energy.
    """

    value: Any
    mean: float
    std: float
    draws: int
    energy_pj: float
    adc_share: float


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: ``metric`` is ``"accuracy"`` (labels given) or ``"agreement"`` (top-1
    agreement with the reference); ``reference`` is the reference target's accuracy (or None)."""

    parameter: str
    metric: str
    base: str
    samples: int
    reference: float | None
    points: tuple

    def as_dict(self) -> dict:
        return {"parameter": self.parameter, "metric": self.metric, "base": self.base, "samples": self.samples,
                "reference": self.reference, "points": [dataclasses.asdict(p) for p in self.points]}


def parse_values(text: str, what: str = "values") -> list:
    """``"3..10"`` (integers, inclusive), ``"0.02,0.05,0.1"`` or one number.

    Raises
    ------
    InputError
        Not of those forms (the message names ``what``).
    """
    text = str(text).strip()
    try:
        if ".." in text:
            lo, hi = (int(v) for v in text.split(".."))
            if hi < lo:
                raise ValueError
            return list(range(lo, hi + 1))
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{what} must be 'A..B' (integers) or comma-separated numbers, got {text!r}") from None
    if not values:
        raise InputError(f"{what} names no value")
    return [int(v) if v.is_integer() and "." not in text and "e" not in text.lower() else v for v in values]


def analog_sweep(model: Model, parameter: str, values: Iterable, base="analog:isaac", data: Dataset | None = None,
                 inputs: np.ndarray | None = None, draws: int = 1,
                 progress: Callable[[int, int, str], None] | None = None) -> Sweep:
    """Run ``model`` on the analog config ``base`` with ``parameter`` set to each of ``values``.

    Parameters
    ----------
    parameter : str
        A field of :class:`~mlaccel.hw.analog.AnalogConfig` (see :data:`SWEEPABLE`).
    data : Dataset, optional
        Labeled samples: the metric is top-1 accuracy. Without it, ``inputs`` (model-ready
        samples) give the top-1 agreement with the reference target.
    draws : int
        Monte Carlo draws per value: seeds ``base.seed`` to ``base.seed + draws - 1``.

    Raises
    ------
    TargetError
        ``base`` is not an analog target.
    InputError
        Unknown parameter, no samples, or draws < 1.
    ConfigError
        A value the config refuses (the message names the field).
    """
    t = resolve(base)
    if t.family != "analog":
        raise TargetError(f"An analog sweep needs an analog target (analog:ideal, analog:isaac, analog:pcm or a "
                          f"config file), got '{t.name}'")
    cfg = t.config
    if parameter not in SWEEPABLE:
        raise InputError(f"Cannot sweep '{parameter}'; sweepable: {', '.join(SWEEPABLE)}")
    if draws < 1:
        raise InputError(f"draws must be at least 1, got {draws}")
    x = model_inputs(model, data.x) if data is not None else inputs
    if x is None or len(x) == 0:
        raise InputError("A sweep needs samples: a labeled dataset, or inputs to compare with the reference")
    values = list(values)
    configs = [cfg.replace(**{parameter: v}) for v in values]  # every value checked before anything runs

    def top1(target) -> np.ndarray:
        fresh = Model(model.graph, model.source)  # its prepared crossbars go when it does
        res = fresh.run(x, target=target)
        y = np.asarray(res.outputs[0])
        return y.reshape(len(y), -1).argmax(axis=1), res.total

    ref_pred, _ = top1("reference")
    reference = float(np.mean(ref_pred == data.y)) if data is not None else None
    points = []
    for i, (value, c) in enumerate(zip(values, configs)):
        scores, energies, adc = [], [], []
        for d in range(draws):
            if progress is not None:
                progress(i * draws + d, len(values) * draws, f"{parameter} = {value}, draw {d + 1}")
            pred, total = top1(c.replace(seed=cfg.seed + d, name=f"{cfg.name} {parameter}={value}"))
            scores.append(float(np.mean(pred == data.y)) if data is not None else top1_agreement(pred, ref_pred))
            energies.append(total.energy_total_pj)
            adc.append(total.energy_pj.get("adc", 0.0) / max(total.energy_total_pj, 1e-12))
        points.append(SweepPoint(value, float(np.mean(scores)), float(np.std(scores)), draws, float(np.mean(energies)),
                                 float(np.mean(adc))))
    if progress is not None:
        progress(len(values) * draws, len(values) * draws, "done")
    return Sweep(parameter, "accuracy" if data is not None else "agreement", t.name, len(x), reference, tuple(points))


def sweep_plot(sweep: Sweep, path, title: str = "") -> None:
    """Metric (mean, with a band of one std) against the swept value, energy on a second axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p.value for p in sweep.points]
    mean = np.array([100 * p.mean for p in sweep.points])
    std = np.array([100 * p.std for p in sweep.points])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, mean, "o-", color="#4C72B0", label=sweep.metric)
    ax.fill_between(xs, mean - std, mean + std, color="#4C72B0", alpha=0.2)
    if sweep.reference is not None:
        ax.axhline(100 * sweep.reference, color="grey", ls="--", lw=1, label="reference (digital int8)")
    ax.set_xlabel(sweep.parameter)
    ax.set_ylabel(f"{sweep.metric} (%)")
    ax2 = ax.twinx()
    ax2.plot(xs, [p.energy_pj / 1e6 for p in sweep.points], "s:", color="#DD8452", label="energy per inference")
    ax2.set_ylabel("energy per inference (uJ)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower right", fontsize=8)
    ax.set_title(title or f"{sweep.base}: {sweep.metric} against {sweep.parameter}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
