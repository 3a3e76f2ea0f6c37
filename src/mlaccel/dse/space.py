"""A design space in TOML: a family's config fields to vary, the models to run, constraints, objectives
and a search method.

.. code-block:: toml

    [space]
    base = "systolic:edge-16x16-os"       # the config the fields vary
    models = ["kws", "resnet50"]          # shipped models, .tflite files, or resnet50
    method = "grid"                       # grid, random, nsga2 or tpe (random/optuna: "points" of them)
    points = 200
    seed = 0

    [space.fields]                        # the base config's fields, each with its values
    rows = [8, 16, 32]
    dataflow = ["ws", "os", "is"]

    [constraints]                         # metric <= or >= a value
    area_mm2 = "<= 5"

    [objectives]
    minimize = ["latency_s", "energy_pj"]

Float ``.onnx`` models are quantized (and pruned) per point; ``datasets`` gives each model labeled
data, so ``accuracy`` can be an objective or a constraint:

.. code-block:: toml

    [space]
    base = "systolic:edge-16x16-os"
    models = ["digits-cnn.onnx"]
    datasets = ["digits:test"]            # one for all models, or one per model
    calibration = "digits"                # PTQ samples (default: each dataset's training split)

    [space.compress]                      # compression settings, swept like fields
    weight_bits = [8, 4, "4,#0=8"]        # 8, 4, or per-layer: a default then #OP=BITS
    sparsity = [0, 0.5, "2:4"]            # magnitude pruning: 0 (none), a fraction, or N:M
    epochs = [0, 3]                       # fine-tuning after pruning (torch), on the training split

    [space.snn]                           # neuromorphic bases: the conversion's settings
    timesteps = [8, 16, 32]

    [objectives]
    minimize = ["energy_pj", "area_mm2"]
    maximize = ["accuracy"]

A point is a dict: the config fields by name, compression settings as ``compress.NAME`` and
spiking settings as ``snn.NAME``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, MlaccelError
from ..targets import family, resolve

__all__ = ["Space", "SpaceError", "load_space", "make_space", "sweepable_fields", "METRICS", "METHODS", "COMPRESS", "SNN", "hardware_values",
           "settings", "with_fields"]

METRICS = ("latency_s", "energy_pj", "area_mm2", "edp", "cycles", "accuracy", "agreement")
COMPRESS = ("weight_bits", "sparsity", "epochs")
SNN = ("timesteps", "percentile")
METHODS = ("grid", "random", "nsga2", "tpe")


class SpaceError(ConfigError):
    """A design space that cannot be swept; the message names the key."""


@dataclass(frozen=True)
class Space:
    """A parsed design space.

    Attributes
    ----------
    base : str
        The target whose config the fields vary.
    fields : dict
        Field name -> tuple of values (``compress.NAME`` and ``snn.NAME`` for the settings).
    models : tuple of str
        Shipped model names, ``resnet50``, or paths, as the space file gives them.
    method : str
    points : int
        Points for ``random``, ``nsga2`` and ``tpe``.
    constraints : dict
        Metric -> (``"<="`` or ``">="``, value).
    minimize, maximize : tuple of str
        Objectives.
    seed : int
    name : str
    datasets : tuple of str
        Labeled data per model (one entry: for all), for accuracy and for data-dependent costs.
    calibration : str or None
        Calibration data for quantizing float models (None: each dataset's training split).
    samples : int or None
        Dataset samples scored per point (None: all).
    paths : tuple of str
        The models as files (resolved when the space was read; ``resnet50`` as it is).
    """

    base: str
    fields: dict
    models: tuple
    method: str = "grid"
    points: int = 100
    constraints: dict = field(default_factory=dict)
    minimize: tuple = ("latency_s", "energy_pj")
    seed: int = 0
    name: str = "space"
    maximize: tuple = ()
    datasets: tuple = ()
    calibration: str | None = None
    samples: int | None = None
    paths: tuple = ()

    @property
    def objectives(self) -> tuple:
        """``(metric, +1)`` to minimize, ``(metric, -1)`` to maximize, in order."""
        return tuple((m, 1) for m in self.minimize) + tuple((m, -1) for m in self.maximize)

    def dataset_for(self, i: int) -> str | None:
        """Model ``i``'s dataset spec, or None."""
        if not self.datasets:
            return None
        return self.datasets[0] if len(self.datasets) == 1 else self.datasets[i]

    @property
    def size(self) -> int:
        """Points in the full grid."""
        return int(np.prod([len(v) for v in self.fields.values()]))

    def config(self, values: dict):
        """The base config with the point's config fields set (validated by the family)."""
        return with_fields(resolve(self.base).config, hardware_values(values))

    def grid(self) -> list[dict]:
        names = list(self.fields)
        return [dict(zip(names, combo)) for combo in itertools.product(*(self.fields[n] for n in names))]

    def refusal(self, values: dict) -> str | None:
        """Why the family refuses a point's config (fields valid alone can clash), or None."""
        try:
            self.config(values)
        except ConfigError as e:
            return str(e)
        return None

    def sample(self) -> list[dict]:
        """The points a ``grid`` or ``random`` search visits, in order (optuna's methods ask as they go):
        the grid's combinations that the family accepts.

        Raises
        ------
        SpaceError
            The family refuses every combination (a contradictory space).
        """
        full = _accepted(resolve(self.base).config, self.fields, f"Space '{self.name}'")
        if self.method == "grid":
            return full
        rng = np.random.default_rng(self.seed)
        pick = rng.choice(len(full), size=min(self.points, len(full)), replace=False)
        return [full[i] for i in sorted(pick)]

    def digest(self) -> str:
        """A hash of everything that decides the sweep's points."""
        d = dataclasses.asdict(self)
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def hardware_values(values: dict) -> dict:
    """A point's config fields (without its ``compress.`` and ``snn.`` settings); a nested field
    is ``"table.field"`` (``timing.dcache_bytes``)."""
    return {k: v for k, v in values.items() if k.partition(".")[0] not in ("compress", "snn")}


def with_fields(config, values: dict):
    """``config`` with ``values`` set, nested ones (``"timing.dcache_bytes"``) in their sub-config;
    the family validates the result."""
    flat = {k: v for k, v in values.items() if "." not in k}
    for table in {k.partition(".")[0] for k in values if "." in k}:
        sub = {k.partition(".")[2]: v for k, v in values.items() if k.startswith(table + ".")}
        flat[table] = dataclasses.replace(getattr(config, table), **sub)
    return config.replace(**flat)


def settings(values: dict, prefix: str) -> dict:
    """A point's settings under ``prefix`` (``"compress"`` or ``"snn"``), by their own names."""
    return {k.partition(".")[2]: v for k, v in values.items() if k.startswith(prefix + ".")}


def _values(name: str, v) -> tuple:
    if isinstance(v, list) and v:
        return tuple(v)
    if isinstance(v, dict) and {"from", "to"} <= set(v):
        lo, hi, step = v["from"], v["to"], v.get("step", 1)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, hi, step)):
            raise SpaceError(f"Space field '{name}': from, to and step must be whole numbers, got {v!r}")
        if step < 1:
            raise SpaceError(f"Space field '{name}': step must be at least 1, got {step}")
        values = tuple(range(lo, hi + 1, step))
        if not values:
            raise SpaceError(f"Space field '{name}': from {lo} to {hi} holds no value (from must not exceed to)")
        return values
    raise SpaceError(f"Space field '{name}' needs a non-empty list of values or {{from, to, step}}, got {v!r}")


def _model_path(name: str, here: Path) -> str:
    """A model as the sweep reads it: a shipped name as it is, a file relative to the working folder
    or else to the space file's folder."""
    from ..model.zoo import resolve_model

    if name == "resnet50":
        return name
    if name.endswith((".onnx", ".tflite")):
        for p in (Path(name), here / name):
            if p.is_file():
                return str(p.resolve())
        raise SpaceError(f"Space model '{name}' is not a file (looked in the working folder and in {here})")
    from ..model.zoo import MODEL_ALIASES

    if name not in MODEL_ALIASES:
        raise SpaceError(f"Space model '{name}' is neither a shipped model ({', '.join(MODEL_ALIASES)}, resnet50) nor "
                         f"a .tflite or .onnx file")
    try:
        return str(resolve_model(name))
    except MlaccelError as e:
        raise SpaceError(f"Space model '{name}': {e}") from None


def _check_setting(key: str, value) -> None:
    """Refuse a compression or spiking value now, not mid-sweep."""
    from ..compress.prune import parse_sparsity
    from ..compress.quantize import QuantConfig, parse_weight_bits

    section, _, name = key.partition(".")
    try:
        if name == "weight_bits":
            QuantConfig(weight_bits=parse_weight_bits(str(value)))
        elif name == "sparsity":
            if value not in (0, "0", "none"):
                parse_sparsity(str(value))
        elif name == "epochs":
            if not isinstance(value, int) or value < 0:
                raise SpaceError(f"must be a whole number >= 0, got {value!r}")
        elif name == "timesteps":
            if not isinstance(value, int) or value < 1:
                raise SpaceError(f"must be a whole number >= 1, got {value!r}")
        elif name == "percentile":
            if not isinstance(value, (int, float)) or not 0 < value <= 100:
                raise SpaceError(f"must be in (0, 100], got {value!r}")
    except MlaccelError as e:
        raise SpaceError(f"Space setting '{key}' = {value!r}: {e}") from None


def _table_fields(s: dict, section: str, known: tuple, where: str) -> dict:
    table = s.get(section) or {}
    if not isinstance(table, dict):
        raise SpaceError(f"{where}: [space.{section}] must be a table")
    out = {}
    for name, v in table.items():
        if name not in known:
            raise SpaceError(f"Space setting '{section}.{name}' is unknown; [space.{section}] takes: "
                             f"{', '.join(known)}")
        key = f"{section}.{name}"
        out[key] = _values(key, v)
        for value in out[key]:
            _check_setting(key, value)
    return out


def _check_models(models: tuple, fields: dict, base, datasets: tuple, needs_data: bool) -> None:
    floats = [m for m in models if m.endswith(".onnx")]
    if family(base.family).workload == "spiking":
        if len(floats) != len(models):
            raise SpaceError(f"A {base.family} space converts float models to spiking networks: every model must be "
                             f"a float .onnx file")
        if any(k.startswith("compress.") for k in fields):
            raise SpaceError(f"[space.compress] applies to int8 targets; a {base.family} space varies [space.snn]")
        if not datasets:
            raise SpaceError(f"A {base.family} space needs datasets = [...]: spike counts, and so costs, follow the "
                             f"inputs")
    elif any(k.startswith("snn.") for k in fields):
        raise SpaceError(f"[space.snn] applies to bases that run spiking networks, not {base.family}")
    for name in ("weight_bits", "epochs"):
        if f"compress.{name}" in fields and len(floats) != len(models):
            raise SpaceError(f"compress.{name} works on float models: every model must be a float .onnx file "
                             f"(int8 .tflite models can still be pruned with compress.sparsity)")
    if "resnet50" in models and (datasets or any(k.startswith("compress.") for k in fields)):
        raise SpaceError("Model 'resnet50' is its topology only (no weights): it takes no datasets and no "
                         "compression")
    if needs_data and not datasets:
        raise SpaceError("Accuracy as an objective or constraint needs datasets = [\"digits:test\", ...] in "
                         "[space]")


def _accepted(config, fields: dict, what: str) -> list[dict]:
    """The grid's points (in order) whose config fields the family accepts.

    Raises
    ------
    SpaceError
        The family refuses every combination (a contradictory space); the message gives one refusal.
    """
    names = list(fields)
    out, first = [], None
    for combo in itertools.product(*(fields[n] for n in names)):
        v = dict(zip(names, combo))
        try:
            with_fields(config, hardware_values(v))
        except (ConfigError, TypeError) as e:
            first = first or (hardware_values(v), e)
            continue
        out.append(v)
    if not out:
        size = int(np.prod([len(v) for v in fields.values()]))
        raise SpaceError(f"{what} is contradictory: the family refuses all {size} combinations, e.g. "
                         f"{first[0]}: {first[1]}")
    return out


def _check_values(config, fields: dict, limit: int = 100_000) -> None:
    """Refuse, before the sweep, a value the family accepts in no combination (beside the others'
    first values when the grid is too large to walk)."""
    seen: set = set()
    if fields and int(np.prod([len(v) for v in fields.values()])) <= limit:
        for v in _accepted(config, fields, "The space"):
            seen.update((k, repr(x)) for k, x in v.items())
    first = {n: vals[0] for n, vals in fields.items()}
    for name, vals in fields.items():
        for value in vals:
            if (name, repr(value)) in seen:
                continue
            try:
                with_fields(config, {**first, name: value})
            except (ConfigError, TypeError) as e:
                raise SpaceError(f"Space field '{name}' = {value!r}: {e}") from None


def sweepable_fields(config) -> dict[str, object]:
    """Every field of a family's config a space (or a sweep command) can vary, by name, with its
    current value: the dataclass's fields but ``name``, and a nested config's as ``table.field``
    (``timing.dcache_bytes``). The one list every sweep takes its fields from."""
    out = {}
    for f in dataclasses.fields(config):
        if f.name == "name" or not f.init:
            continue
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            out.update({f"{f.name}.{g.name}": getattr(value, g.name) for g in dataclasses.fields(value) if g.init})
        else:
            out[f.name] = value
    return out


def _fields(base, given: dict, where: str) -> dict:
    """A space's ``[space.fields]`` table checked against the base config's fields."""
    known = [f.name for f in dataclasses.fields(base.config) if f.name != "name"]
    fields = {}
    for name, v in given.items():
        if name not in known:
            raise SpaceError(f"{where}: field '{name}' is not a field of {base.family} configs; known fields: "
                             f"{', '.join(known)}")
        sub = getattr(base.config, name)
        if dataclasses.is_dataclass(sub) and isinstance(v, dict) and not {"from", "to"} <= set(v):
            inner = [f.name for f in dataclasses.fields(sub)]
            for k, sv in v.items():  # a nested table: [space.fields.timing]
                if k not in inner:
                    raise SpaceError(f"{where}: field '{name}.{k}' is not a field of {name}; known: {', '.join(inner)}")
                fields[f"{name}.{k}"] = _values(f"{name}.{k}", sv)
            continue
        fields[name] = _values(name, v)
    return fields


def load_space(path: str | os.PathLike) -> Space:
    """Read and check a space file (see :func:`make_space` for what it may hold).

    Raises
    ------
    SpaceError
        The file is missing or cannot be parsed, or :func:`make_space` refuses it.
    """
    p = Path(path)
    if not p.is_file():
        raise SpaceError(f"Space file '{p}' does not exist")
    try:
        d = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SpaceError(f"Space file '{p}' cannot be parsed: {e}") from None
    return make_space(d, p.stem, p.parent, f"Space file '{p}'")


def make_space(d: dict, name: str = "space", here: str | os.PathLike = ".", where: str = "Space") -> Space:
    """Check a space given as the tables of a space file (``{"space": {...}, "constraints": {...},
    "objectives": {...}}``) and make it; sweep commands build spaces this way too.

    ``here`` is where relative model files are looked for besides the working folder.

    Raises
    ------
    SpaceError
        A missing section, an unknown field (the message lists the known ones), a value the family
        refuses, an unknown metric, method or dataset, or settings the models cannot take.
    """
    here = Path(here)
    s = d.get("space")
    if not isinstance(s, dict) or "base" not in s:
        raise SpaceError(f"{where} needs a [space] table with base = \"FAMILY:PRESET\"")
    base = resolve(s["base"])
    if base.config is None:
        raise SpaceError(f"Space base '{s['base']}' has no config to vary")
    fields = _fields(base, s.get("fields") or {}, where)
    _check_values(base.config, fields)
    fields.update(_table_fields(s, "compress", COMPRESS, where))
    fields.update(_table_fields(s, "snn", SNN, where))
    if not fields:
        raise SpaceError(f"{where} varies nothing: add [space.fields] (or [space.compress], [space.snn])")
    models = s.get("models")
    if not models or not isinstance(models, list):
        raise SpaceError(f"{where} needs models = [\"kws\", ...]")
    models = tuple(str(m) for m in models)
    paths = tuple(_model_path(m, here) for m in models)
    datasets = tuple(str(x) for x in s.get("datasets", ()))
    if datasets and len(datasets) not in (1, len(models)):
        raise SpaceError(f"Space datasets: give one for all models or one per model ({len(models)}), "
                         f"got {len(datasets)}")
    for spec in datasets:
        from ..data import load_dataset

        try:
            load_dataset(spec)
        except MlaccelError as e:
            raise SpaceError(f"Space dataset '{spec}': {e}") from None
    method = s.get("method", "grid")
    if method not in METHODS:
        raise SpaceError(f"Space method '{method}' is not one of {', '.join(METHODS)}")
    cons = {}
    for metric, text in (d.get("constraints") or {}).items():
        if metric not in METRICS:
            raise SpaceError(f"Constraint on '{metric}': metrics are {', '.join(METRICS)}")
        op, _, num = str(text).strip().partition(" ")
        if op not in ("<=", ">=") or not num:
            raise SpaceError(f"Constraint '{metric} = {text!r}' must read like \"<= 5\" or \">= 0.9\"")
        try:
            cons[metric] = (op, float(num))
        except ValueError:
            raise SpaceError(f"Constraint '{metric} = {text!r}': '{num}' is not a number") from None
    obj = d.get("objectives") or {}
    minimize = tuple(obj.get("minimize", ("latency_s", "energy_pj") if "maximize" not in obj else ()))
    maximize = tuple(obj.get("maximize", ()))
    for m in minimize + maximize:
        if m not in METRICS:
            raise SpaceError(f"Objective '{m}': metrics are {', '.join(METRICS)}")
    if set(minimize) & set(maximize):
        raise SpaceError(f"Objective(s) {', '.join(sorted(set(minimize) & set(maximize)))} both minimized and "
                         f"maximized")
    if not minimize + maximize:
        raise SpaceError(f"{where} has no objectives: give [objectives] minimize and/or maximize")
    _check_models(paths, fields, base, datasets, "accuracy" in set(cons) | set(minimize + maximize))
    points = s.get("points", 100)
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise SpaceError(f"Space points must be a whole number >= 1, got {points!r}")
    samples = s.get("samples")
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int) or samples < 1):
        raise SpaceError(f"Space samples must be a whole number >= 1, got {samples!r}")
    calibration = s.get("calibration")
    seed = s.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpaceError(f"Space seed must be a whole number, got {seed!r}")
    return Space(s["base"], fields, models, method, points, cons, minimize, seed, name, maximize, datasets,
                 None if calibration is None else str(calibration), samples, paths)
