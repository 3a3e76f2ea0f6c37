"""The record every hardware family fills, so that targets, the session, the CLI, reports and design
sweeps treat families alike, and nothing outside ``hw/`` needs a family's name.

A family is a package ``mlaccel/hw/<family>/`` with four rooms: ``config.py`` (a frozen, validated
Config dataclass, ``PRESETS``, ``preset(name)``, ``load_config(path)``), ``backend.py`` (the Backend),
``cost.py`` (how it prices work, and its cost table) and ``area.py`` (its silicon area); and a
:class:`Family` record in its ``__init__.py`` that :mod:`mlaccel.targets` finds by the family's
prefix. See docs/architecture.md, "Adding a hardware family".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping

__all__ = ["Family", "preset_or_file", "WORKLOADS"]

# What a family runs: a Graph (int8, or float on the reference) through the kernels and the
# lowering, or a spiking network from mlaccel.snn (converted, trained or read from NIR).
WORKLOADS = ("graph", "spiking")


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
    """How :mod:`mlaccel.targets` turns ``PREFIX:SPEC`` into a configured backend, and what makes the
    family different from the others.

    Attributes
    ----------
    prefix : str
        The target prefix, e.g. ``"systolic"``; also the table name in config files.
    config_type : type or None
        The family's Config dataclass (None for the config-less reference target).
    presets : mapping of str to Config
    load_config : callable
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
    area : callable
        ``area(config) -> AreaBreakdown or None``: the design's silicon area from a sourced table
        (None: the target is not hardware).
    cost_table : callable
        ``cost_table(config) -> CostTable``: the energy of each action the family prices, with
        its source.
    workload : str
        What it runs (:data:`WORKLOADS`): ``"graph"`` or ``"spiking"``.
    exact : bool
        Whether its outputs are bit-exact with the reference kernels (every digital family). Where
        they are not (analog crossbars with noise or lossy converters, spiking networks), the
        outputs follow the hardware: reports show their agreement with the reference, and
        accuracy is measured on its own outputs.
    dense_twin : callable or None
        ``dense_twin(config) -> Config``: the same hardware without its sparse features, the
        baseline of ``run --compare dense`` (None: the family has none).
    """

    prefix: str
    config_type: type | None
    presets: Mapping[str, Any]
    load_config: Callable[[str], Any]
    resolve: Callable[[str], Any]
    backend: Callable[[Any], Any]
    summary: str
    area: Callable[[Any], Any]
    cost_table: Callable[[Any], Any]
    fingerprint: Callable[[Any], Hashable] = _nothing
    timed: bool = True
    workload: str = "graph"
    exact: bool = True
    dense_twin: Callable[[Any], Any] | None = None

    def __post_init__(self):
        if self.workload not in WORKLOADS:
            raise ValueError(f"Family '{self.prefix}': workload must be one of {WORKLOADS}, got {self.workload!r}")
