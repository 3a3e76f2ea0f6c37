"""Lab 2's SIMD MAC CFU as RTL: the Amaranth design (mlaccel.hdl.simd4) under Verilator.

It runs the simd4 project's C kernels; every CFU instruction goes through the RTL's handshake, so
the core stalls for the latency the RTL takes. Results and cycles must equal the Python simd4 CFU.
"""

from mlaccel.hdl.cosim import verilated_cfu
from mlaccel.hdl.gate_area import design_area_um2
from mlaccel.hdl.simd4 import Simd4Cfu
from mlaccel.hw.soc.config import EXAMPLES_DIR

SOURCES = [str(EXAMPLES_DIR / "simd4" / "src" / "simd4_kernels.c")]


AREA_SOURCE = "CFU from Yosys (mlaccel.hdl.gate_area)"


def area_um2(tech: str) -> float:
    """The RTL's area, um^2: Yosys' generic cells priced as NanGate cells (mlaccel.hw.soc.area)."""
    return design_area_um2(Simd4Cfu, tech)


def make_cfu():
    return verilated_cfu(Simd4Cfu())
