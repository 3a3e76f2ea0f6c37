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

from ..errors import ConfigError
from ..targets import resolve

__all__ = ["Space", "SpaceError", "load_space", "METRICS", "METHODS"]

METRICS = ("latency_s", "energy_pj", "area_mm2", "edp", "cycles")
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
        Field name -> tuple of values.
    models : tuple of str
    method : str
    points : int
        Points for ``random``, ``nsga2`` and ``tpe``.
    constraints : dict
        Metric -> (``"<="`` or ``">="``, value).
    minimize : tuple of str
        Objectives.
    seed : int
    name : str
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

    @property
    def size(self) -> int:
        """Points in the full grid."""
        return int(np.prod([len(v) for v in self.fields.values()]))

    def config(self, values: dict):
        """The base config with ``values`` set (validated by the family)."""
        return resolve(self.base).config.replace(**values)

    def grid(self) -> list[dict]:
        names = list(self.fields)
        return [dict(zip(names, combo)) for combo in itertools.product(*(self.fields[n] for n in names))]

    def sample(self) -> list[dict]:
        """The points a ``grid`` or ``random`` search visits, in order (optuna's methods ask as they go)."""
        full = self.grid()
        if self.method == "grid":
            return full
        rng = np.random.default_rng(self.seed)
        pick = rng.choice(len(full), size=min(self.points, len(full)), replace=False)
        return [full[i] for i in sorted(pick)]

    def digest(self) -> str:
        """A hash of everything that decides the sweep's points."""
        d = dataclasses.asdict(self)
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _values(name: str, v) -> tuple:
    if isinstance(v, list) and v:
        return tuple(v)
    if isinstance(v, dict) and {"from", "to"} <= set(v):
        step = v.get("step", 1)
        return tuple(range(v["from"], v["to"] + 1, step))
    raise SpaceError(f"Space field '{name}' needs a non-empty list of values or {{from, to, step}}, got {v!r}")


def load_space(path: str | os.PathLike) -> Space:
    """Read and check a space file.

    Raises
    ------
    SpaceError
        A missing section, an unknown field (the message lists the known ones), a value the family
        refuses, an unknown metric or method.
    """
    p = Path(path)
    if not p.is_file():
        raise SpaceError(f"Space file '{p}' does not exist")
    try:
        d = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SpaceError(f"Space file '{p}' cannot be parsed: {e}") from None
    s = d.get("space")
    if not isinstance(s, dict) or "base" not in s:
        raise SpaceError(f"Space file '{p}' needs a [space] table with base = \"FAMILY:PRESET\"")
    base = resolve(s["base"])
    if base.config is None:
        raise SpaceError(f"Space base '{s['base']}' has no config to vary")
    known = [f.name for f in dataclasses.fields(base.config) if f.name != "name"]
    fields = {}
    for name, v in (s.get("fields") or {}).items():
        if name not in known:
            raise SpaceError(f"Space field '{name}' is not a field of {base.family} configs; known fields: "
                             f"{', '.join(known)}")
        fields[name] = _values(name, v)
    first = {n: vals[0] for n, vals in fields.items()}
    for name, vals in fields.items():
        for value in vals:  # the family checks each value now (beside the others' first), not mid-sweep
            try:
                base.config.replace(**{**first, name: value})
            except ConfigError as e:
                raise SpaceError(f"Space field '{name}' = {value!r}: {e}") from None
    if not fields:
        raise SpaceError(f"Space file '{p}' varies nothing: add [space.fields]")
    models = s.get("models")
    if not models or not isinstance(models, list):
        raise SpaceError(f"Space file '{p}' needs models = [\"kws\", ...]")
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
        cons[metric] = (op, float(num))
    minimize = tuple((d.get("objectives") or {}).get("minimize", ("latency_s", "energy_pj")))
    for m in minimize:
        if m not in METRICS:
            raise SpaceError(f"Objective '{m}': metrics are {', '.join(METRICS)}")
    points = int(s.get("points", 100))
    if points < 1:
        raise SpaceError(f"Space points must be >= 1, got {points}")
    return Space(s["base"], fields, tuple(models), method, points, cons, minimize, int(s.get("seed", 0)), p.stem)
