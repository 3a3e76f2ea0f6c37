"""RTL CFUs on the SoC simulator's CFU port, through Verilator.

:func:`verilated_cfu` builds a design's Verilog with a small C++ shim into a shared library and
returns a CFU object whose ``op`` drives the RTL through CFU Playground's handshake, so the SoC
charges the latency the RTL actually takes.
"""

from __future__ import annotations

import ctypes

from .export import to_verilog
from .verilator import TESTBENCH_DIR, build

__all__ = ["VerilatedCfu", "verilated_cfu"]


class VerilatedCfu:
    """A CFU whose every operation runs on a Verilated RTL model."""

    def __init__(self, library: str, energy: dict | None = None):
        if energy is not None:
            self.ENERGY = energy
        self._lib = ctypes.CDLL(library)
        self._lib.cfu_call.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
                                       ctypes.POINTER(ctypes.c_uint32)]
        self._lib.cfu_call.restype = ctypes.c_int
        self._out = ctypes.c_uint32()
        self._lib.cfu_reset()

    def reset(self) -> None:
        """Reset the RTL (before every inference)."""
        self._lib.cfu_reset()

    def op(self, funct3: int, funct7: int, in0: int, in1: int) -> tuple[int, int]:
        latency = self._lib.cfu_call((funct7 << 3) | funct3, in0 & 0xFFFFFFFF, in1 & 0xFFFFFFFF,
                                     ctypes.byref(self._out))
        return self._out.value, latency


def verilated_cfu(core) -> VerilatedCfu:
    """Build (cached) and load an Amaranth CFU design with CFU Playground's port as a CFU.

    The design's ``ENERGY`` (the actions its datapath takes per operation), if it declares one,
    prices its operations in the SoC's energy model.
    """
    verilog = to_verilog(core, "Cfu", core.ports)
    lib = build(verilog, "Cfu", TESTBENCH_DIR / "cfu_shim.cpp",
                extra_args=("-CFLAGS", "-fPIC", "-LDFLAGS", "-shared", "-o", "libcfu.so"))
    return VerilatedCfu(str(lib), getattr(core, "ENERGY", None))
