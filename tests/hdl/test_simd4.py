"""The SIMD MAC CFU in RTL equals its Python twin: results and latency, in the Amaranth simulator."""

import importlib.util

import numpy as np
from amaranth.sim import Simulator

from mlaccel.hdl.export import synthesize, to_verilog
from mlaccel.hdl.simd4 import Simd4Cfu
from mlaccel.hw.soc.config import EXAMPLES_DIR


def python_twin():
    spec = importlib.util.spec_from_file_location("simd4_cfu_for_rtl_test", EXAMPLES_DIR / "simd4" / "cfu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_cfu()


def random_commands(rng, n):
    ops = []
    for _ in range(n):
        f3 = 1 if rng.random() < 0.1 else 0
        f7 = int(rng.random() < 0.3) if f3 == 0 else 0
        ops.append((f3, f7, int(rng.integers(0, 2**32)), int(rng.integers(0, 2**32)), int(rng.integers(0, 3))))
    return ops


def run_rtl(ops):
    dut = Simd4Cfu()
    out = []

    async def bench(ctx):
        for f3, f7, a, b, stall in ops:
            ctx.set(dut.cmd_payload_function_id, (f7 << 3) | f3)
            ctx.set(dut.cmd_payload_inputs_0, a)
            ctx.set(dut.cmd_payload_inputs_1, b)
            ctx.set(dut.cmd_valid, 1)
            ctx.set(dut.rsp_ready, 0)
            while not ctx.get(dut.cmd_ready):
                await ctx.tick()
            await ctx.tick()  # the handshake edge
            ctx.set(dut.cmd_valid, 0)
            ctx.set(dut.cmd_payload_inputs_0, 0xDEADBEEF)  # operands are valid only in that cycle
            latency = 1
            while not ctx.get(dut.rsp_valid):
                await ctx.tick()
                latency += 1
            for _ in range(stall):  # the CPU may take its time to accept the response
                await ctx.tick()
            result = ctx.get(dut.rsp_payload_outputs_0)
            ctx.set(dut.rsp_ready, 1)
            await ctx.tick()
            ctx.set(dut.rsp_ready, 0)
            out.append((result, latency))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return out


def test_rtl_matches_python_twin():
    ops = random_commands(np.random.default_rng(7), 300)
    twin = python_twin()
    want = [tuple(int(v) for v in twin.op(f3, f7, a, b)) for f3, f7, a, b, _ in ops]
    assert run_rtl(ops) == want


def test_exports_and_synthesizes(tmp_path):
    d = Simd4Cfu()
    v = to_verilog(d, "Cfu", d.ports)
    for port in ("clk", "reset", "cmd_valid", "cmd_ready", "cmd_payload_function_id", "cmd_payload_inputs_0",
                 "cmd_payload_inputs_1", "rsp_valid", "rsp_ready", "rsp_payload_outputs_0"):
        assert f" {port}" in v.split(";")[0] or f"({port}" in v.split(";")[0]
    (tmp_path / "cfu.v").write_text(v)
    stats = synthesize(tmp_path / "cfu.v", "Cfu")
    assert stats["dffs"] == 97  # accumulator, offset and result (32 each) and rsp_valid
    assert stats["cells"] > 1000
