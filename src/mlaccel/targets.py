"""The target registry: ``PREFIX:SPEC`` strings to a family, a config, and a backend.

Targets are ``reference``, ``systolic:PRESET``, ``soc:PRESET`` or ``soc:PROJECT_FOLDER``, ``analog:PRESET``,
``PREFIX:FILE.toml`` (or ``.yaml``), or a bare config file whose table names the family
(``[systolic]``, ``[soc]``). Resolving a target is cheap and never builds anything; the backend is
built by :func:`make_backend`, which the session caches.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .configfile import SUFFIXES, read_config_file
from .errors import TargetError
from .family import Family

__all__ = ["FAMILIES", "Target", "family", "families", "resolve", "area_of", "cost_table_of", "dense_twin",
           "make_backend", "target_help", "target_list"]

# Every family: its prefix and the module whose FAMILY describes it. A new family adds one line.
FAMILIES: dict[str, str] = {
    "reference": "mlaccel.hw.reference",
    "systolic": "mlaccel.hw.systolic",
    "soc": "mlaccel.hw.soc",
    "analog": "mlaccel.hw.analog",
    "neuromorphic": "mlaccel.hw.neuromorphic",
}


@dataclass(frozen=True)
class Target:
    """A resolved target: the family's prefix and its config (None for ``reference``)."""

    family: str
    config: Any = None

    @property
    def name(self) -> str:
        """``"systolic:edge-16x16-os"``, ``"reference"``: how reports name the target."""
        return self.family if self.config is None else f"{self.family}:{self.config.name}"

    def __str__(self) -> str:
        return self.name


def family(prefix: str) -> Family:
    """The family registered under ``prefix``.

    Raises
    ------
    TargetError
        No family has that prefix.
    """
    if prefix not in FAMILIES:
        raise TargetError(f"Unknown target family '{prefix}'; families: {', '.join(FAMILIES)}")
    return importlib.import_module(FAMILIES[prefix]).FAMILY


def families() -> dict[str, Family]:
    """Every registered family, by prefix."""
    return {p: family(p) for p in FAMILIES}


def resolve(target: "str | Target") -> Target:
    """The family and config a target names: a string, a family's Config object (such as a
    ``SystolicConfig``), or a Target (passed through).

    Raises
    ------
    TargetError
        The string names no family, or is not a string.
    ConfigError
        The family does not know the preset, or the config file is wrong (a subclass per family).
    """
    if isinstance(target, Target):
        return target
    if isinstance(target, str) and target in FAMILIES and family(target).config_type is None:
        return Target(target)  # a family without configs is named whole: "reference"
    if isinstance(target, Path):
        target = str(target)
    if not isinstance(target, str):
        for prefix in FAMILIES:
            cls = family(prefix).config_type
            if cls is not None and isinstance(target, cls):
                return Target(prefix, target)
        raise TargetError(f"A target must be a string such as 'reference' or 'systolic:edge-16x16-os', or a "
                          f"family's Config, got {target!r}")
    prefix, sep, spec = target.partition(":")
    if sep and prefix in FAMILIES:
        if not spec and family(prefix).config_type is not None:
            raise TargetError(f"Target '{target}' names no {prefix} config; {_choices(prefix)}")
        return Target(prefix, family(prefix).resolve(spec))
    if target.endswith(SUFFIXES) or Path(target).is_file():
        return _from_file(target)
    if target in FAMILIES:
        raise TargetError(f"Target '{target}' needs a config: write {target}:NAME; {_choices(target)}")
    raise TargetError(f"Unknown target '{target}'; known targets: {target_list()}")


def dense_twin(target: "str | Target") -> Target:
    """The same hardware without its sparse features (the baseline sparse features are measured
    against), from the family's ``dense_twin``.

    Raises
    ------
    TargetError
        The target's family has no sparse features.
    """
    t = resolve(target)
    twin = family(t.family).dense_twin
    if twin is None or t.config is None:
        with_twins = ", ".join(p for p, f in families().items() if f.dense_twin is not None)
        raise TargetError(f"'{t.name}' has no dense twin: only {with_twins} targets have sparse features to turn off")
    return Target(t.family, twin(t.config))


def cost_table_of(target) -> Any:
    """The cost table (:class:`mlaccel.stats.CostTable`) of a target given as a string, Config or Target."""
    t = resolve(target)
    return family(t.family).cost_table(t.config)


def area_of(target) -> Any:
    """The silicon area (an :class:`mlaccel.area.AreaBreakdown`, mm^2) of a target given as a string,
    Config or Target, or None when its family reports none (``reference``)."""
    t = resolve(target)
    return family(t.family).area(t.config)


def make_backend(target: Target):
    """Build the backend of a resolved target (this may compile firmware, load models, ...)."""
    return family(target.family).backend(target.config)


def _from_file(path: str) -> Target:
    """A config file's family: its table (``[soc]``), its ``family`` key, or else the one family
    whose Config has every key the file sets (and the preset it names)."""
    data = read_config_file(path)
    hw = [p for p in FAMILIES if family(p).config_type is not None]
    named = [p for p in hw if isinstance(data.get(p), dict)]
    if not named and isinstance(data.get("family"), str):
        named = [data["family"]] if data["family"] in hw else []
        if not named:
            raise TargetError(f"Config file '{path}': family {data['family']!r} is unknown; families: {', '.join(hw)}")
    if not named:
        keys = set(data) - {"preset", "family"}
        named = [p for p in hw if keys <= {f.name for f in fields(family(p).config_type)}
                 and data.get("preset", next(iter(family(p).presets), None)) in family(p).presets]
    if len(named) != 1:
        listed = ", ".join(f"[{p}]" for p in hw)
        what = "names no family" if not named else f"could configure several families ({', '.join(named)})"
        raise TargetError(f"Config file '{path}' {what}: put the fields under one table ({listed}), or write "
                          f"the target as FAMILY:{path}")
    return Target(named[0], family(named[0]).load_config(path))


def _choices(prefix: str) -> str:
    presets = ", ".join(family(prefix).presets) or "none"
    return f"presets: {presets}"


def target_list() -> str:
    """Every target form on one line (for error messages)."""
    parts = []
    for prefix, fam in families().items():
        parts.append(prefix if fam.config_type is None else f"{prefix}:{{{','.join(fam.presets)}}}")
    return ", ".join(parts) + ", or a .toml/.yaml config file (mlaccel run --help lists every form)"


def target_help() -> str:
    """One line per family: its target forms and presets (for ``--help`` and error messages)."""
    lines = []
    for prefix, fam in families().items():
        presets = ", ".join(fam.presets)
        lines.append(f"  {fam.summary}" + (f"\n      presets: {presets}" if presets else ""))
    tables = ", ".join(f"[{p}]" for p, fam in families().items() if fam.config_type is not None)
    lines.append(f"  FILE.toml | FILE.yaml: a config file whose table names the family ({tables})")
    return "\n".join(lines)
