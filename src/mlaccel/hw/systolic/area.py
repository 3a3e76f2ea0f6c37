"""Silicon area of a systolic array: its PEs and its SRAMs, from the config's technology table.

A PE holds an int8 multiplier, a 32-bit adder, and registers for its weight, input and partial sum
(8 + 8 + ``acc_bits`` flip-flops). An N:M sparse array adds, per PE, an 8-bit M-to-1 multiplexer
that picks the activation of each kept weight, and a register for its log2(M)-bit index. An SRAM's
area is its bit cells over an array efficiency of 60% (the rest is decoders, sense amplifiers and
wiring: a CACTI-style allowance, our assumption). The vector unit and control are not counted. At
45 nm: multiplier 282 um^2 and 32-bit adder 137 um^2 (Horowitz, ISSCC 2014), flip-flop 4.522 um^2
and 2-input multiplexer 1.862 um^2 (NanGate FreePDK45 DFF_X1, MUX2_X1), 6T cell 0.346 um^2 (Intel
45 nm, Mistry et al. IEDM 2007); other nodes scale by the feature size squared
(``tech = "horowitz-45nm@7nm"``). :mod:`mlaccel.hdl.gate_area` holds the model against Yosys
counts of the RTL.
"""

from __future__ import annotations

from math import ceil, log2

from ...area import SRAM_EFFICIENCY, AreaBreakdown
from ...energy import load_table
from .config import SystolicConfig

__all__ = ["array_area", "pe_cells"]


def pe_cells(config: SystolicConfig) -> dict:
    """One PE as ``{table component: count}``."""
    cells = {"mult_int8": 1, "add_int32": 1, "dff_bit": 16 + config.acc_bits}
    spec = config.sparse
    if spec.m > 1:  # N:M: an 8-bit M:1 mux is M - 1 two-input muxes per bit
        cells["mux2_bit"] = 8 * (spec.m - 1)
        cells["dff_bit"] += ceil(log2(spec.m))
    return cells


def array_area(config: SystolicConfig) -> AreaBreakdown:
    """The array's and its SRAMs' area, mm^2 (``pe_array`` and ``sram``)."""
    t = load_table(config.tech)
    what = "the systolic area model"
    pe = t.area_of(pe_cells(config), what)
    sram_bits = 8 * sum(config.sram_bytes(b) for b in ("ifmap", "filter", "ofmap"))
    sram = t.area_of({"sram_bit": sram_bits}, what) / SRAM_EFFICIENCY
    return AreaBreakdown({"pe_array": config.rows * config.cols * pe / 1e6, "sram": sram / 1e6},
                         ("vector unit and control not counted",))
