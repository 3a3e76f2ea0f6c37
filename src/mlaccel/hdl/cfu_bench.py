"""Drive an RTL CFU through CFU Playground's handshake in Amaranth's simulator.

:func:`run_ops` issues operations in order, waits ``gap`` idle cycles before each (the CPU's own
work between CFU instructions), and records every result, every latency (cycles from the command
handshake to the response, as the CPU would stall) and the total cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.sim import Simulator

__all__ = ["CfuRun", "run_ops"]


@dataclass(frozen=True)
class CfuRun:
    results: list[int]
    latencies: list[int]
    cycles: int


def run_ops(dut, ops, gap: int = 0) -> CfuRun:
    """``ops`` is a sequence of (funct3, funct7, in0, in1)."""
    results, latencies, total = [], [], [0]

    async def bench(ctx):
        cycles = 0
        for f3, f7, a, b in ops:
            for _ in range(gap):
                await ctx.tick()
                cycles += 1
            ctx.set(dut.cmd_payload_function_id, (f7 << 3) | f3)
            ctx.set(dut.cmd_payload_inputs_0, a & 0xFFFFFFFF)
            ctx.set(dut.cmd_payload_inputs_1, b & 0xFFFFFFFF)
            ctx.set(dut.cmd_valid, 1)
            ctx.set(dut.rsp_ready, 1)
            latency = 0
            while not ctx.get(dut.cmd_ready):  # a busy CFU holds the CPU here
                await ctx.tick()
                latency += 1
                cycles += 1
            await ctx.tick()  # handshake
            cycles += 1
            latency += 1
            ctx.set(dut.cmd_valid, 0)
            while not ctx.get(dut.rsp_valid):
                await ctx.tick()
                latency += 1
                cycles += 1
            results.append(ctx.get(dut.rsp_payload_outputs_0))
            latencies.append(latency)
            await ctx.tick()  # the response is taken
            cycles += 1
        total[0] = cycles

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return CfuRun(results, latencies, total[0])
