"""A testbench for the TPU in Amaranth's simulator, with the course's global buffers.

The buffers act on the negative clock edge: a write stores ``*_data_in`` at ``*_index`` when
``*_wr_en`` is high, and a read registers ``mem[*_index]`` into ``*_data_out``. Inputs change on the
negative edge too, so they are stable at the positive edge that samples them.
"""

from __future__ import annotations

import numpy as np
from amaranth.sim import Simulator

from .export import with_clock
from .tpu import TPU, pack_a, pack_b, unpack_c

__all__ = ["simulate_tpu", "simulate_sparse_tpu", "run_buffered"]


def simulate_tpu(a: np.ndarray, b: np.ndarray, is_signed: bool = True, max_cycles: int = 1_500_000,
                 rows: int = 4, cols: int = 4) -> tuple[np.ndarray, int]:
    """Run one matmul on the RTL; returns C (uint32 words) and the cycles from the edge that samples
    ``in_valid`` to the edge after which ``busy`` is low."""
    mem = {"A": dict(enumerate(pack_a(a))), "B": dict(enumerate(pack_b(b))), "C": {}}
    cycles = run_buffered(TPU(is_signed, rows, cols), mem, a.shape[0], a.shape[1], b.shape[1], max_cycles)
    return unpack_c(mem["C"], a.shape[0], b.shape[1]), cycles


def simulate_sparse_tpu(a: np.ndarray, b: np.ndarray, max_cycles: int = 1_500_000) -> tuple[np.ndarray, int]:
    """Run one matmul with 2:4 weights ``b`` on the sparse TPU's RTL; as :func:`simulate_tpu`."""
    from .sparse_tpu import SparseTPU, pack_a_groups, pack_b_2_4

    mem = {"A": dict(enumerate(pack_a_groups(a))), "B": dict(enumerate(pack_b_2_4(b))), "C": {}}
    cycles = run_buffered(SparseTPU(), mem, a.shape[0], a.shape[1], b.shape[1], max_cycles)
    return unpack_c(mem["C"], a.shape[0], b.shape[1]), cycles


def run_buffered(tpu, mem: dict, m: int, k: int, n: int, max_cycles: int) -> int:
    """Drive a design with the course's buffer interface over memories ``mem`` (``{"A": {index: word},
    ...}``, C filled in place); returns the cycles ``busy`` was high."""
    top = with_clock(tpu, clk="clk", rst="rst_n", active_low=True, async_reset=True)
    result = {}

    async def bench(ctx):
        half = 5e-9

        def negedge():
            for buf in ("A", "B", "C"):
                index = ctx.get(getattr(tpu, f"{buf}_index"))
                if ctx.get(getattr(tpu, f"{buf}_wr_en")):
                    mem[buf][index] = ctx.get(getattr(tpu, f"{buf}_data_in"))
                ctx.set(getattr(tpu, f"{buf}_data_out"), mem[buf].get(index, 0))

        ctx.set(top.rst, 0)
        await ctx.delay(half)
        ctx.set(top.rst, 1)
        # one idle cycle, then in_valid for exactly one cycle
        for cycle in range(max_cycles + 3):
            ctx.set(top.clk, 1)  # posedge
            await ctx.delay(half)
            if cycle >= 1 and result.get("start") is not None and not ctx.get(tpu.busy):
                result["cycles"] = cycle - result["start"]
                break
            ctx.set(top.clk, 0)  # negedge
            negedge()
            if cycle == 0:
                ctx.set(tpu.in_valid, 1)
                ctx.set(tpu.K, k)
                ctx.set(tpu.M, m)
                ctx.set(tpu.N, n)
            elif cycle == 1:
                result["start"] = 1  # the posedge that begins cycle 1 sampled in_valid
                ctx.set(tpu.in_valid, 0)
                await ctx.delay(half / 2)
                if not ctx.get(tpu.busy):
                    raise AssertionError("busy is not high at the negative edge after in_valid falls")
                await ctx.delay(half / 2)
                continue
            await ctx.delay(half)

    sim = Simulator(top)
    sim.add_testbench(bench)
    sim.run()
    if "cycles" not in result:
        raise AssertionError(f"busy still high after {max_cycles} cycles")
    return result["cycles"]
