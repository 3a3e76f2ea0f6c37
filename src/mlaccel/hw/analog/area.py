"""Silicon area of an analog accelerator by component, from its component table (ISAAC Table 2 at
32 nm for the shipped presets)."""

from __future__ import annotations

from ...area import AreaBreakdown
from .components import load_components
from .isaac import ima_units

__all__ = ["chip_area"]


def chip_area(config) -> AreaBreakdown:
    """The chip's area by component, mm^2, from the config's component table (ISAAC Table 2 at
    32 nm for the shipped presets): converters, crossbars and registers summed over every IMA,
    then the tiles' eDRAM, buses and routers, then the chip's own units."""
    comp = load_components(config.components)
    imas = config.imas_per_tile * config.tiles
    parts = {name: imas * mm2 for name, (_, mm2) in ima_units(config, comp).items()}
    for name, u in comp.tile.items():
        parts[name] = parts.get(name, 0.0) + config.tiles * u.count * u.area_mm2
    for name, u in comp.chip.items():
        parts[name] = parts.get(name, 0.0) + u.count * u.area_mm2
    return AreaBreakdown(parts, (f"component table {comp.name}",))
