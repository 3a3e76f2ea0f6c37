"""Hardware config files (TOML or YAML), shared by every family's ``load_config``.

A file holds the fields of one family's Config dataclass, either at the top level or under a
table named after the family (``[systolic]``, ``[soc]``). ``preset = "name"`` starts from a preset;
nested dataclass fields (the SoC's ``timing``) are sub-tables. Unknown keys are errors.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Mapping

from .errors import ConfigError

__all__ = ["read_config_file", "config_from_fields", "check_number", "named_preset", "family_config_file"]

SUFFIXES = (".toml", ".yaml", ".yml")


def read_config_file(path: str | os.PathLike, error: type[ConfigError] = ConfigError) -> dict:
    """Parse a TOML or YAML file into a dict of tables.

    Raises
    ------
    ConfigError
        The file is missing, is a folder, cannot be parsed, or does not hold a table.
    """
    p = Path(path)
    if p.is_dir():
        raise error(f"Config file '{p}' is a folder, not a file")
    if not p.is_file():
        raise error(f"Config file '{p}' does not exist")
    if p.suffix not in SUFFIXES:
        raise error(f"Config file '{p}' must end in .toml, .yaml or .yml")
    try:
        text = p.read_text()
        if p.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text) or {}
    except Exception as e:  # noqa: BLE001 - both parsers' errors carry the line; decoding errors the byte
        raise error(f"Config file '{p}' cannot be parsed: {e}") from None
    if not isinstance(data, dict):
        raise error(f"Config file '{p}' must hold a table of fields, not {type(data).__name__}")
    return data


def config_from_fields(cls: type, data: Mapping, *, family: str, presets: Mapping, where: str,
                       error: type[ConfigError], nested: Mapping[str, type] = {},
                       default_name: str = "") -> object:
    """Build a Config of type ``cls`` from a mapping of field values.

    Parameters
    ----------
    data : mapping
        Field values; the family's table if the mapping has one. ``preset`` names the starting
        point (default: the dataclass defaults).
    where : str
        How errors name the source, e.g. ``"Config file 'a.toml'"``.
    nested : mapping of str to type
        Fields whose value is a sub-table building another dataclass.
    default_name : str
        The ``name`` field when the data gives none (a file's stem).
    """
    table = data.get(family)
    data = dict(table if isinstance(table, dict) else data)
    data.pop("family", None)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    start = data.pop("preset", None)
    if start is not None:
        if start not in presets:
            raise error(f"{where}: unknown {family} preset {start!r}; presets: {', '.join(presets)}")
        base = presets[start]
    else:
        base = cls()
    unknown = sorted(set(data) - known)
    if unknown:
        raise error(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for name, sub in nested.items():
        if name in data:
            value = data[name]
            if not isinstance(value, dict):
                raise error(f"{where}: field '{name}' must be a table of {sub.__name__} fields")
            sub_known = {f.name for f in dataclasses.fields(sub)}
            bad = sorted(set(value) - sub_known)
            if bad:
                raise error(f"{where}: unknown field(s) {', '.join(f'{name}.{b}' for b in bad)}; known: "
                            f"{', '.join(sorted(sub_known))}")
            try:
                data[name] = dataclasses.replace(getattr(base, name), **value)
            except ConfigError as e:
                raise error(f"{where}: {e}") from None
    if default_name and "name" in known and "name" not in data:
        data["name"] = default_name
    try:
        return dataclasses.replace(base, **data)
    except ConfigError as e:
        raise error(f"{where}: {e}") from None
    except TypeError as e:  # a value of a type the validation did not expect
        raise error(f"{where}: {e}") from None


def check_number(error: type[ConfigError], name: str, value, *, integer: bool = False, low=None, high=None,
                 low_open: bool = False, what: str = "Config field") -> None:
    """Raise ``error`` naming the field unless ``value`` is a number (an int when ``integer``) in range.

    Booleans are never numbers here.
    """
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or (not integer and value != value):
        raise error(f"{what} '{name}' must be {kind}, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        lo = "" if low is None else (f"> {low}" if low_open else f">= {low}")
        hi = "" if high is None else f"<= {high}"
        raise error(f"{what} '{name}' must be {kind} {' and '.join(x for x in (lo, hi) if x)}, got {value!r}")



def named_preset(presets: Mapping, name: str, family: str, error: type[ConfigError]):
    """``presets[name]``; the error lists the known names and points to config files."""
    if name not in presets:
        raise error(f"Unknown {family} preset '{name}'; presets: {', '.join(presets)}, or a .toml/.yaml config file")
    return presets[name]


def family_config_file(cls: type, path: str | os.PathLike, family: str, presets: Mapping,
                       error: type[ConfigError]) -> object:
    """A family's config from a TOML or YAML file: the fields of ``cls``, optionally under a
    ``[family]`` table; ``preset = "name"`` starts from a preset; named after the file."""
    p = Path(path)
    return config_from_fields(cls, read_config_file(p, error), family=family, presets=presets,
                              where=f"Config file '{p}'", error=error, default_name=p.stem)
