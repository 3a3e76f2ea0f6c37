"""Lab 2's SIMD multiply-accumulate CFU in Amaranth, behind CFU Playground's CFU port.

Same semantics as the ``simd4`` Python CFU (``mlaccel/hw/soc/projects/simd4/cfu.py``):
funct3 0 (MAC4): ``acc = (funct7 == 1 ? 0 : acc) + sum_i (in0.byte[i] + offset) * in1.byte[i]``;
funct3 1 (SET_OFFSET): ``offset = in0``. The response comes one cycle after the command handshake
(latency 1), and operands are used only in the handshake cycle.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal, signed

from .cfu_port import CfuPort

__all__ = ["Simd4Cfu"]


class Simd4Cfu(CfuPort):
    """Ports as CFU Playground names them (``function_id`` is {funct7, funct3}); clocked by the
    ``sync`` domain. :func:`mlaccel.hdl.export.with_clock` gives it ``clk``/``reset`` ports."""

    # The datapath's actions per operation, for the SoC's energy model (mlaccel.hw.soc.cost): four
    # offset adds, four 8-bit multiplies and four 32-bit adds into the accumulator per MAC4.
    ENERGY = {0: {"op": {"add_int8": 4, "mult_int8": 4, "add_int32": 4}}, 1: {"op": {}}}

    def elaborate(self, platform):
        m = Module()
        acc = Signal(signed(32))
        offset = Signal(signed(32))
        funct3 = self.cmd_payload_function_id[:3]
        funct7 = self.cmd_payload_function_id[3:]
        in0, in1 = self.cmd_payload_inputs_0, self.cmd_payload_inputs_1
        dot = sum((in0.word_select(i, 8).as_signed() + offset) * in1.word_select(i, 8).as_signed()
                  for i in range(4))
        start = Signal(signed(32))
        m.d.comb += start.eq(0)
        with m.If(funct7 != 1):
            m.d.comb += start.eq(acc)
        total = Signal(signed(32))
        m.d.comb += total.eq(start + dot)

        m.d.comb += self.cmd_ready.eq(~self.rsp_valid | self.rsp_ready)
        with m.If(self.rsp_valid & self.rsp_ready):
            m.d.sync += self.rsp_valid.eq(0)
        with m.If(self.cmd_valid & self.cmd_ready):
            m.d.sync += self.rsp_valid.eq(1)
            with m.Switch(funct3):
                with m.Case(0):
                    m.d.sync += [acc.eq(total), self.rsp_payload_outputs_0.eq(total)]
                with m.Case(1):
                    m.d.sync += [offset.eq(in0.as_signed()), self.rsp_payload_outputs_0.eq(0)]
                with m.Default():
                    m.d.sync += self.rsp_payload_outputs_0.eq(0)
        return m
