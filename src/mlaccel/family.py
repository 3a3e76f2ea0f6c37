"""The shape every hardware family has, so that targets, the CLI and reports treat them alike.

A family is a package ``mlaccel/hw/<family>/`` with two rooms, ``config.py`` (a frozen, validated
Config dataclass, ``PRESETS``, ``preset(name)``, ``load_config(path)``) and ``backend.py`` (the
Backend), and a :class:`Family` record in its ``__init__.py`` that :mod:`mlaccel.targets` finds by
the family's prefix. See docs/architecture.md, "Adding a hardware family".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping

__all__ = ["Family", "preset_or_file"]


def _nothing(config: Any) -> Hashable:
    return ()


def preset_or_file(preset: Callable[[str], Any], load_config: Callable[[str], Any]) -> Callable[[str], Any]:
    """The usual ``resolve``: a ``.toml``/``.yaml``/``.yml`` spec is a config file, anything else a
    preset name."""

    def resolve(spec: str) -> Any:
        return load_config(spec) if spec.endswith((".toml", ".yaml", ".yml")) else preset(spec)

    return resolve


@dataclass(frozen=True)
class Family:
    """How :mod:`mlaccel.targets` turns ``PREFIX:SPEC`` into a configured backend.

    Attributes
    ----------
    prefix : str
        The target prefix, e.g. ``"systolic"``; also the table name in config files.
    config_type : type or None
        The family's Config dataclass (None for the config-less reference target).
    presets : mapping of str to Config
    load_config : callable or None
        ``load_config(path) -> Config`` for TOML/YAML files.
    resolve : callable
        ``resolve(spec) -> Config`` for the text after ``prefix:`` (a preset name, a config file,
        or anything else the family accepts, such as a SoC project folder).
    backend : callable
        ``backend(config) -> Backend``; may be slow (it builds what the config describes).
    summary : str
        One line for ``--help``.
    fingerprint : callable
        ``fingerprint(config) -> hashable``: what, besides the config, decides whether a prepared
        backend can be reused (for example the modification times of a project's files).
    timed : bool
        Whether its Stats have cycles and time (False for ``reference``).
    area : callable or None
        ``area(config) -> AreaBreakdown``: the design's silicon area from a sourced table (None: the
        family reports no area).
    """

    prefix: str
    config_type: type | None
    presets: Mapping[str, Any]
    load_config: Callable[[str], Any] | None
    resolve: Callable[[str], Any]
    backend: Callable[[Any], Any]
    summary: str
    fingerprint: Callable[[Any], Hashable] = _nothing
    timed: bool = True
    area: Callable[[Any], Any] | None = None
