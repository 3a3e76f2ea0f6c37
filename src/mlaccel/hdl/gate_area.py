"""Area of RTL from Yosys' generic cells, to hold the area models against real designs.

``synth -noabc`` (see :func:`mlaccel.hdl.export.synthesize`) leaves Yosys' generic gates
(``$_AND_``, ``$_MUX_``, ``$_DFFE_PN0P_``, ...). Each is priced as the NanGate FreePDK45 cell that
implements it, from the technology table (``and2``, ``mux2_bit``, ``dff_bit``, ...); a flip-flop
with an enable is a flip-flop and a multiplexer, one with an asynchronous reset a ``DFFR_X1``.
Without ABC's optimization the gates are not minimized, so the figure is an upper bound of what a
synthesis tool would make of the same RTL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..energy import load_table
from ..errors import MlaccelError

__all__ = ["GATE_CELLS", "cells_of", "rtl_area_um2", "design_area_um2", "RtlCheck", "systolic_rtl_check"]

# Yosys' combinational generic gates -> table components.
GATE_CELLS = {
    "$_NOT_": {"inv": 1}, "$_BUF_": {},
    "$_AND_": {"and2": 1}, "$_OR_": {"and2": 1}, "$_NAND_": {"nand2": 1}, "$_NOR_": {"nand2": 1},
    "$_XOR_": {"xor2": 1}, "$_XNOR_": {"xor2": 1},
    "$_ANDNOT_": {"and2": 1, "inv": 1}, "$_ORNOT_": {"and2": 1, "inv": 1},
    "$_MUX_": {"mux2_bit": 1}, "$_NMUX_": {"mux2_bit": 1, "inv": 1},
    "$_AOI3_": {"aoi21": 1}, "$_OAI3_": {"aoi21": 1}, "$_AOI4_": {"aoi22": 1}, "$_OAI4_": {"aoi22": 1},
}
_FLOP = re.compile(r"^\$_(S?DFF|DFFE|SDFFE|SDFFCE|DFFSR|DFFSRE|ALDFF|ALDFFE|DLATCH)_([A-Z0-9]*)_$")


def cells_of(cell_type: str) -> dict:
    """The table components of one Yosys generic cell.

    Raises
    ------
    MlaccelError
        A cell type this mapping does not know (the message names it).
    """
    if cell_type in GATE_CELLS:
        return GATE_CELLS[cell_type]
    m = _FLOP.match(cell_type)
    if not m:
        raise MlaccelError(f"Yosys cell '{cell_type}' has no area mapping; known: {', '.join(GATE_CELLS)} and "
                           f"the $_DFF*_ flip-flops")
    kind = m.group(1)
    cells = {"dffr_bit": 1} if kind in ("DFF", "DFFE", "DFFSR", "DFFSRE") and len(m.group(2)) > 1 else {"dff_bit": 1}
    if kind.startswith("SDFF"):  # a synchronous reset is a gate before D
        cells["and2"] = 1
    if "E" in kind[1:]:  # an enable holds the value through a multiplexer
        cells["mux2_bit"] = 1
    return cells


def rtl_area_um2(types: dict, tech: str = "horowitz-45nm") -> float:
    """The area of ``{yosys cell type: count}`` (a :class:`~mlaccel.hdl.export.SynthResult`'s
    ``types``), um^2."""
    table = load_table(tech)
    counts: dict = {}
    for t, n in types.items():
        for name, k in cells_of(t).items():
            counts[name] = counts.get(name, 0) + k * n
    return table.area_of(counts, "the RTL area")


@lru_cache(maxsize=16)
def design_area_um2(make, tech: str = "horowitz-45nm", module: str = "Cfu") -> float:
    """Synthesize ``make()`` (an Amaranth design with ``ports``) and price its cells, um^2 (cached
    per design class and table)."""
    from .export import synthesize_design

    return rtl_area_um2(synthesize_design(make(), module)["types"], tech)


@dataclass(frozen=True)
class RtlCheck:
    """The systolic area model beside Yosys' count of the course TPU RTL at one size.

    Attributes
    ----------
    rows, cols : int
    rtl_um2, model_um2 : float
        The RTL's area (all its logic) and the model's PE array, um^2.
    rtl_dffs, model_dffs : int
        Flip-flops in the RTL and in the model's PEs.
    """

    rows: int
    cols: int
    rtl_um2: float
    model_um2: float
    rtl_dffs: int
    model_dffs: int

    @property
    def ratio(self) -> float:
        """Model area over RTL area."""
        return self.model_um2 / self.rtl_um2


def systolic_rtl_check(rows: int = 4, cols: int = 4, tech: str = "horowitz-45nm") -> RtlCheck:
    """Synthesize the course TPU (:class:`mlaccel.hdl.tpu.TPU`, signed) at ``rows x cols`` and
    compare its area and flip-flops with :func:`mlaccel.hw.systolic.area.array_area`'s PE array."""
    from ..hw.systolic.area import pe_cells
    from ..hw.systolic.config import SystolicConfig
    from .designs import check_tpu_size
    from .export import synthesize_design
    from .tpu import TPU

    check_tpu_size(rows, cols)
    synth = synthesize_design(TPU(True, rows, cols), "TPU", clk="clk", rst="rst_n", active_low=True,
                              async_reset=True)
    cfg = SystolicConfig(rows, cols, "os", tech=tech)
    pe = pe_cells(cfg)
    model = load_table(tech).area_of(pe, "the systolic area model") * rows * cols
    return RtlCheck(rows, cols, rtl_area_um2(synth["types"], tech), model, synth["dffs"], pe["dff_bit"] * rows * cols)
