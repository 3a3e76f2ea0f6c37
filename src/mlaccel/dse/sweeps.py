"""Sweeps of one config field, as a design space (a thin preset over :mod:`mlaccel.dse`): accuracy
(or top-1 agreement with the reference kernels) and energy per inference against the field, Monte
Carlo over device draws (the config's ``seed``).

Any field :func:`~mlaccel.dse.space.sweepable_fields` lists can be swept; the points are stored like
any sweep's, in the given results store (``mlaccel results`` and ``mlaccel report`` read it), or in a
temporary one.

    >>> s = field_sweep("kws", "adc_bits", range(3, 11), "analog:isaac")   # doctest: +SKIP
    >>> [(p.value, p.mean) for p in s.points]                                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ..data import Dataset
from ..errors import InputError
from ..targets import family, resolve
from .space import make_space, sweepable_fields
from .store import Store
from .sweep import run_sweep

__all__ = ["SweepPoint", "Sweep", "field_sweep", "parse_values", "sweep_plot", "flag_of", "field_of_flag"]


@dataclass(frozen=True)
class SweepPoint:
    """One value of the swept field.

    Attributes
    ----------
    value : int, float, str or bool
    mean, std : float or None
        Accuracy or agreement in [0, 1], over the draws (std 0 for one draw); None where the sweep
        measures neither (an exact family without data).
    draws : int
    energy_pj : float
        Energy per inference, mean over draws, in pJ.
    shares : dict
        Each energy component's share of that energy (``shares["adc"]``: the ADCs').
    latency_s : float
        Time per inference, mean over draws.
    """

    value: Any
    mean: float | None
    std: float | None
    draws: int
    energy_pj: float
    shares: dict = field(default_factory=dict)
    latency_s: float = 0.0

    @property
    def adc_share(self) -> float:
        """The ADCs' share of the energy (0 where there are none)."""
        return self.shares.get("adc", 0.0)


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: ``metric`` is ``"accuracy"`` (labels given), ``"agreement"`` (top-1 agreement
    with the reference kernels, for a family whose outputs follow the hardware) or None;
    ``reference`` is the reference kernels' accuracy (or None); ``store`` and ``sweep`` say where the
    points are kept (None: a temporary store); ``inputs`` what each point was scored on."""

    parameter: str
    metric: str | None
    base: str
    samples: int
    reference: float | None
    points: tuple
    store: str | None = None
    sweep: int | None = None
    inputs: str = ""

    def as_dict(self) -> dict:
        return {"parameter": self.parameter, "metric": self.metric, "base": self.base, "samples": self.samples,
                "inputs": self.inputs,
                "reference": self.reference, "store": self.store, "sweep": self.sweep,
                "points": [dict(dataclasses.asdict(p), adc_share=p.adc_share) for p in self.points]}


def flag_of(name: str) -> str:
    """The command-line option of a config field: ``adc_percentile`` -> ``--adc-percentile``,
    ``timing.dcache_bytes`` -> ``--timing.dcache-bytes``."""
    return "--" + name.replace("_", "-")


def field_of_flag(flag: str, fields: Iterable[str]) -> str | None:
    """The field a ``--flag`` names (None: no field has it)."""
    return next((f for f in fields if flag_of(f) == flag), None)


def parse_values(text: str, what: str = "values") -> list:
    """``"3..10"`` (integers, inclusive), ``"0.02,0.05,0.1"``, ``"true,false"``, ``"ws,os"`` or one value.

    Raises
    ------
    InputError
        A range that is not of integers or runs backwards, or no value (the message names ``what``).
    """
    text = str(text).strip()
    if ".." in text:
        try:
            lo, hi = (int(v) for v in text.split(".."))
        except ValueError:
            raise InputError(f"{what}: a range 'A..B' takes whole numbers, got {text!r}") from None
        if hi < lo:
            raise InputError(f"{what}: the range {text!r} runs backwards; write {hi}..{lo}")
        return list(range(lo, hi + 1))
    values = [_value(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise InputError(f"{what} names no value")
    return values


def _value(v: str):
    low = v.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return v


def _model_file(model, tmp: Path) -> str:
    """A model as the engine reads it: a path or shipped name as given; a Model in memory saved to a file."""
    if isinstance(model, (str, os.PathLike)):
        return str(model)
    src = getattr(model, "source", None)
    if isinstance(src, (str, os.PathLike)) and str(src).endswith(".tflite"):
        return str(src)
    from ..model.writer import serialize_tflite

    path = tmp / "model.tflite"
    path.write_bytes(serialize_tflite(model.graph))
    return str(path)


def _data_spec(data, tmp: Path) -> str | None:
    if data is None or isinstance(data, (str, os.PathLike)):
        return None if data is None else str(data)
    path = tmp / "data.npz"
    np.savez(path, x=data.x, y=data.y)
    return str(path)


def field_sweep(model, parameter: str, values: Iterable, base="analog:isaac", data: "str | Dataset | None" = None,
                draws: int = 1, samples: int | None = None, store: str | os.PathLike | None = None,
                progress: Callable[[int, int, str], None] | None = None, workers: int = 1) -> Sweep:
    """Run ``model`` on ``base`` with config field ``parameter`` set to each of ``values``.

    Parameters
    ----------
    model : str, path or Model
        A shipped model's name, a ``.tflite`` file, or a Model (saved to a temporary file).
    parameter : str
        A field of the base's config (:func:`~mlaccel.dse.space.sweepable_fields`).
    data : str or Dataset, optional
        Labeled samples: the metric is top-1 accuracy. Without it, a family whose outputs follow
        the hardware is scored by its top-1 agreement with the reference kernels on the model's
        golden inputs (or ``samples`` random ones).
    draws : int
        Monte Carlo draws per value: seeds ``seed`` to ``seed + draws - 1`` of the base config.
    store : path, optional
        A results store to keep the points in (``mlaccel results``, ``mlaccel report``).

    Raises
    ------
    InputError
        A field the config does not have, draws < 1, draws on a config without a seed, no values.
    ConfigError
        A value the config refuses (the message names the field).
    """
    t = resolve(base)
    if t.config is None:
        raise InputError(f"Target '{t.name}' has no config to sweep")
    known = sweepable_fields(t.config)
    if parameter not in known:
        raise InputError(f"Cannot sweep '{parameter}': {t.family} configs have no such field; fields: "
                         f"{', '.join(known)}")
    values = list(values)
    if not values:
        raise InputError(f"No values of '{parameter}' to sweep")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise InputError(f"draws must be a whole number >= 1, got {draws!r}")
    fields: dict = {}
    table, _, inner = parameter.partition(".")
    fields[table] = {inner: values} if inner else values
    if draws > 1:
        if "seed" not in known:
            raise InputError(f"Draws vary the config's seed; {t.family} configs have none (give draws = 1)")
        fields["seed"] = [known["seed"] + d for d in range(draws)]
    fam = family(t.family)
    metric = "accuracy" if data is not None else (None if fam.exact else "agreement")
    with tempfile.TemporaryDirectory(prefix="mlaccel-sweep-") as tmp:
        tmp = Path(tmp)
        model_path = _model_file(model, tmp)
        spec = _data_spec(data, tmp)
        doc = {"space": {"base": t.config, "models": [model_path], "fields": fields, "method": "grid"},
               "objectives": {"minimize": ["energy_pj"], **({"maximize": [metric]} if metric else {})}}
        if spec is not None:
            doc["space"]["datasets"] = [spec]
        if samples is not None:
            doc["space"]["samples"] = samples
        space = make_space(doc, f"{t.family}-{parameter}", ".", f"The sweep of {parameter}")
        db = Store(Path(store) if store is not None else tmp / "sweep.sqlite")
        try:
            summary = run_sweep(space, db, workers=workers, progress=progress)
            points = db.points(summary.sweep)
        finally:
            db.close()
        reference = None
        if spec is not None:
            from .workloads import reference_accuracy

            reference = reference_accuracy(space.paths[0], ("8", "0", 0), None, spec, samples)
        count, inputs = _samples(space.paths[0], spec, samples, metric)
    out = []
    for v in values:
        mine = [p for p in points if p.config.get(parameter) == v]
        scores = [p.metrics.get(metric) for p in mine] if metric else []
        energy = [p.metrics["energy_pj"] for p in mine]
        shares = {}
        for p in mine:
            parts: dict = {}
            for rows in p.layers.values():
                for row in rows:
                    for k, pj in (row[4] if len(row) > 4 else {}).items():
                        parts[k] = parts.get(k, 0.0) + pj
            total = sum(parts.values()) or 1.0
            for k, pj in parts.items():
                shares[k] = shares.get(k, 0.0) + pj / total / len(mine)
        known_scores = [s for s in scores if s is not None]
        out.append(SweepPoint(v, float(np.mean(known_scores)) if known_scores else None,
                              float(np.std(known_scores)) if known_scores else None, len(mine),
                              float(np.mean(energy)), shares, float(np.mean([p.metrics["latency_s"] for p in mine]))))
    return Sweep(parameter, metric, t.name, count, reference, tuple(out),
                 None if store is None else str(store), None if store is None else summary.sweep, inputs)


def _samples(model: str, data: str | None, samples: int | None, metric: str | None) -> tuple[int, str]:
    """How many samples each point scored, and what they were."""
    from .evaluate import RANDOM_SAMPLES
    from .workloads import dataset

    if data is not None:
        n = len(dataset(data, samples))
        return n, f"{n} samples of {dataset(data, samples).name}"
    if metric is None:
        return 1, "one random input (seed 0)"
    from .. import session

    gold = session.load(model).goldens
    if gold is not None:
        n = len(gold[0]) if samples is None else min(samples, len(gold[0]))
        return n, f"its {n} golden inputs"
    n = samples or RANDOM_SAMPLES
    return n, f"{n} random inputs (seed 0)"


def sweep_plot(sweep: Sweep, path, title: str = "") -> None:
    """Metric (mean, with a band of one std) against the swept value, energy on a second axis in a
    readable unit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..units import readable_axis

    xs = [p.value for p in sweep.points]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    handles = []
    if sweep.metric is not None:
        mean = np.array([100 * (p.mean or 0) for p in sweep.points])
        std = np.array([100 * (p.std or 0) for p in sweep.points])
        ax.plot(xs, mean, "o-", color="#4C72B0", label=sweep.metric)
        ax.fill_between(xs, mean - std, mean + std, color="#4C72B0", alpha=0.2)
        if sweep.reference is not None:
            ax.axhline(100 * sweep.reference, color="grey", ls="--", lw=1, label="reference (digital int8)")
        ax.set_ylabel(f"{sweep.metric} (%)")
    ax.set_xlabel(sweep.parameter)
    ax2 = ax.twinx()
    energy = [p.energy_pj for p in sweep.points]
    ax2.plot(xs, energy, "s:", color="#DD8452", label="energy per inference")
    readable_axis(ax2.yaxis, energy, "energy_pj", "energy per inference")
    for a in (ax, ax2):
        handles += list(zip(*a.get_legend_handles_labels()))
    ax.legend([h for h, _ in handles], [lab for _, lab in handles], loc="lower right", fontsize=8)
    ax.set_title(title or f"{sweep.base}: {sweep.metric or 'energy'} against {sweep.parameter}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
