"""Silicon area of a neuromorphic system: its cores, routers and each chip's remainder (I/O,
management cores), from the published die figures the presets cite."""

from __future__ import annotations

from ...area import AreaBreakdown
from .config import NeuromorphicConfig

__all__ = ["chip_area"]


def chip_area(config: NeuromorphicConfig) -> AreaBreakdown:
    """The system's area by component (cores, routers, the rest of each chip), mm^2."""
    return AreaBreakdown({"cores": config.cores * config.core_mm2, "routers": config.routers * config.router_mm2,
                          "uncore": config.chips * config.uncore_mm2})
