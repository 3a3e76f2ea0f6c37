"""Silicon area of the SoC: the core, its caches and the CFU, from the technology table.

The core is taken as lowRISC's Ibex in its "small" configuration (RV32IMC), 26.60 kGE in Yosys
(the Ibex README's area table), priced at one NAND2 per gate equivalent; our core's timing follows
VexRiscv, whose ASIC area is not published. Caches are their data bits in 6T cells over the 60%
SRAM array efficiency (tags not counted). A CFU's area comes from its project: ``cfu.py`` may
define ``area_um2(tech)`` (the RTL projects of :mod:`mlaccel.hdl` synthesize their design with
Yosys and price it gate by gate), or the CFU class declares ``AREA``, table cells
(``{"mult_int8": 4, "dff_bit": 64}``) beside its ``ENERGY``. A CFU that does neither has no area,
and the breakdown says so.
"""

from __future__ import annotations

from pathlib import Path

from ...area import SRAM_EFFICIENCY, AreaBreakdown
from ...energy import load_table
from ...errors import MlaccelError
from .config import SocConfig

__all__ = ["soc_area", "CORE_KGE"]

CORE_KGE = 26.60


def _cfu_um2(config: SocConfig) -> tuple[float | None, str]:
    """The CFU's area, um^2, and how it was found (None: unknown)."""
    from .project import Project

    if config.project is None and config.cfu is None:
        return 0.0, "no CFU"
    if config.project is None:
        decl = getattr(config.cfu(), "AREA", None)
    else:
        module = Project(Path(config.project)).load_cfu_module(config.cfu_timeout_s)
        if hasattr(module, "area_um2"):  # the project prices itself, e.g. an RTL CFU through Yosys
            return float(module.area_um2(config.tech)), getattr(module, "AREA_SOURCE", "CFU from its area_um2()")
        decl = getattr(module.make_cfu(), "AREA", None)
    if decl is None:
        return None, "the CFU declares no AREA"
    if not isinstance(decl, dict):
        raise MlaccelError(f"The CFU's AREA must map table cells to counts, got {type(decl).__name__}")
    return load_table(config.tech).area_of(decl, "the CFU's AREA"), "CFU from its AREA"


def soc_area(config: SocConfig) -> AreaBreakdown:
    """The SoC's area by component (``core``, ``caches``, ``cfu``), mm^2."""
    t = load_table(config.tech)
    core = t.area_of({"nand2": CORE_KGE * 1000}, "the SoC core's area")
    bits = 8 * (config.timing.icache_bytes + config.timing.dcache_bytes)
    caches = t.area_of({"sram_bit": bits}, "the SoC cache area") / SRAM_EFFICIENCY
    cfu, how = _cfu_um2(config)
    parts = {"core": core / 1e6, "caches": caches / 1e6}
    if cfu is not None:
        parts["cfu"] = cfu / 1e6
    return AreaBreakdown(parts, (f"core: Ibex 'small' {CORE_KGE} kGE", how))
