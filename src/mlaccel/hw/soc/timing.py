"""Timing parameters of the simulated core, each with its default's source."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .core import TIMING_FIELDS

__all__ = ["CoreTiming"]


@dataclass(frozen=True)
class CoreTiming:
    """An in-order RV32IM core resembling CFU Playground's VexRiscv ("full+cfu").

    Attributes
    ----------
    icache_bytes, dcache_bytes : int
        8192 each: CFU Playground's VexRiscv_FullCfu is generated with
        ``GenCoreDefault --iCacheSize 8192 --dCacheSize 8192`` (docs, "Customizing the CPU").
    line_bytes : int
        32: VexRiscv's GenCoreDefault caches use 32-byte lines, one way (direct mapped).
    miss_penalty : int
        Cycles to refill a line from main RAM. 30 is an estimate for LiteDRAM DDR3 on the Arty
        board behind a 32-bit Wishbone bus (8 beats plus controller latency); it is the parameter
        the calibration against CFU Playground's published totals exercises most.
    branch_penalty : int
        3: VexRiscv's BranchPlugin with ``earlyBranch = false`` resolves branches in the memory
        stage, flushing the fetch, decode and execute stages on a misprediction or a ``jalr``.
    jump_penalty : int
        1: with STATIC prediction (GenCoreDefault's default) a predicted-taken branch or ``jal``
        redirects fetch from decode, one bubble.
    load_use_penalty : int
        1: with full bypassing (``bypass = true``) a load's data is forwarded from writeback, so
        one dependent instruction waits one cycle.
    mul_latency : int
        1: ``singleCycleMulDiv = true`` gives a pipelined multiplier (MulPlugin), issue every cycle.
    div_latency : int
        34: VexRiscv's DivPlugin divides iteratively, one quotient bit per cycle plus set-up.
    """

    icache_bytes: int = 8192
    dcache_bytes: int = 8192
    line_bytes: int = 32
    miss_penalty: int = 30
    branch_penalty: int = 3
    jump_penalty: int = 1
    load_use_penalty: int = 1
    mul_latency: int = 1
    div_latency: int = 34

    def __post_init__(self):
        from .config import SocConfigError

        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or v < 0:
                raise SocConfigError(f"Timing field '{f.name}' must be a non-negative integer, got {v!r}")
        for f in ("icache_bytes", "dcache_bytes", "line_bytes"):
            v = getattr(self, f)
            if v < 4 or v & (v - 1):
                raise SocConfigError(f"Timing field '{f}' must be a power of two >= 4, got {v}")
        if self.mul_latency < 1 or self.div_latency < 1:
            raise SocConfigError("Timing fields 'mul_latency' and 'div_latency' must be at least 1")

    def as_array(self) -> np.ndarray:
        values = {"icache_lines": self.icache_bytes // self.line_bytes,
                  "dcache_lines": self.dcache_bytes // self.line_bytes}
        values.update({f.name: getattr(self, f.name) for f in fields(self)})
        return np.array([values[name] for name in TIMING_FIELDS], np.int64)
