"""Silicon area of a systolic array: its PEs and its SRAMs, from the config's technology table.

A PE holds an int8 multiplier, a 32-bit adder, and registers for its weight, input and partial sum
(8 + 8 + ``acc_bits`` flip-flops). An SRAM's area is its bit cells over an array efficiency of 60%
(the rest is decoders, sense amplifiers and wiring: a CACTI-style allowance, our assumption). The
vector unit and control are not counted. At 45 nm: multiplier 282 um^2 and 32-bit adder 137 um^2
(Horowitz, ISSCC 2014), flip-flop 4.522 um^2 (NanGate FreePDK45 DFF_X1), 6T cell 0.346 um^2
(Intel 45 nm, Mistry et al. IEDM 2007); other nodes scale by the feature size squared
(``tech = "horowitz-45nm@7nm"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...energy import load_table
from ...errors import MlaccelError
from .config import SystolicConfig

__all__ = ["Area", "array_area", "SRAM_EFFICIENCY"]

SRAM_EFFICIENCY = 0.6


@dataclass(frozen=True)
class Area:
    """Area in mm^2 by component (``pe_array``, ``sram``) and in total."""

    pe_array: float
    sram: float

    @property
    def total(self) -> float:
        return self.pe_array + self.sram


def array_area(config: SystolicConfig) -> Area:
    """The array's and its SRAMs' area, mm^2."""
    t = load_table(config.tech)
    parts = {}
    for name in ("mult_int8", "add_int32", "dff_bit", "sram_bit"):
        a = t.area(name)
        if a is None:
            raise MlaccelError(f"Technology table '{t.name}' has no area for '{name}', which the systolic area "
                               f"model needs")
        parts[name] = a
    pe = parts["mult_int8"] + parts["add_int32"] + (16 + config.acc_bits) * parts["dff_bit"]
    sram_bits = 8 * sum(config.sram_bytes(b) for b in ("ifmap", "filter", "ofmap"))
    return Area(config.rows * config.cols * pe / 1e6, sram_bits * parts["sram_bit"] / SRAM_EFFICIENCY / 1e6)
