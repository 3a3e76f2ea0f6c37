"""Silicon area, the same shape for every family: components in mm^2, each from a sourced table.

A family's ``Family.area(config)`` returns an :class:`AreaBreakdown`;
:func:`mlaccel.targets.area_of` finds it for any target. Families document their tables where they
compute them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AreaBreakdown", "SRAM_EFFICIENCY"]

# An SRAM macro's bit cells over its area: the rest is decoders, sense amplifiers and wiring (a
# CACTI-style allowance, our assumption).
SRAM_EFFICIENCY = 0.6


@dataclass(frozen=True)
class AreaBreakdown:
    """Area by component, mm^2.

    Attributes
    ----------
    parts : dict of str to float
        Component -> mm^2.
    notes : tuple of str
        What the total leaves out or assumes (shown in reports).
    """

    parts: dict
    notes: tuple = field(default=())

    @property
    def total(self) -> float:
        """The sum of the parts, mm^2."""
        return float(sum(self.parts.values()))

    def as_dict(self) -> dict:
        return {"total_mm2": self.total, "parts_mm2": dict(self.parts), "notes": list(self.notes)}
