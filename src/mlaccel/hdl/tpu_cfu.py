"""Lab 5: the systolic array inside a CFU, with BRAM-style A/B buffers, and a double-buffered variant.

The protocol is the ``systolic`` example project's (``mlaccel/hw/soc/projects/systolic/cfu.py``):
CONFIG (K, input offset), WRITE_A (4 packed rows at k), WRITE_B (4 packed columns at k), EXECUTE,
READ_C (index 4*row + col). C = (A + offset) @ B on a 4x4 output-stationary array.

Timing: every operation answers one cycle after its handshake, except EXECUTE. Single-buffered,
EXECUTE answers when C is complete: one cycle to read the buffers (registered, as BRAM is), one to
decode, and the OS fold, K + R + C cycles in all. Double-buffered (``double_buffered=True``), the
A/B writes go to one bank while the array reads the other: EXECUTE swaps the banks, starts the
array and answers at once; READ_C (and the next EXECUTE or CONFIG) waits until the array is done,
so the CPU's writes of the next tile overlap the current computation.
"""

from __future__ import annotations

from amaranth.hdl import Array, Module, Mux, Signal, signed
from amaranth.lib.memory import Memory

from .array import OSArray
from .cfu_port import CfuPort

__all__ = ["TpuCfu", "CONFIG", "WRITE_A", "WRITE_B", "EXECUTE", "READ_C"]

CONFIG, WRITE_A, WRITE_B, EXECUTE, READ_C = range(5)
R = C = 4


class TpuCfu(CfuPort):
    """Parameters
    ----------
    depth : int
        Largest K the buffers hold (words per bank).
    double_buffered : bool
    """

    def __init__(self, depth: int = 512, double_buffered: bool = False):
        super().__init__()
        self.depth = depth
        self.double_buffered = double_buffered

    def elaborate(self, platform):
        m = Module()
        banks = 2 if self.double_buffered else 1
        words = self.depth * banks
        m.submodules.mem_a = mem_a = Memory(shape=32, depth=words, init=[])
        m.submodules.mem_b = mem_b = Memory(shape=32, depth=words, init=[])
        wa, wb = mem_a.write_port(), mem_b.write_port()
        ra, rb = mem_a.read_port(), mem_b.read_port()
        m.submodules.array = array = OSArray(R, C, True, a_shape=signed(10))

        k = Signal(range(self.depth + 1))
        offset = Signal(signed(10))
        write_bank = Signal()  # the bank the CPU writes
        read_bank = Signal()  # the bank the array reads
        running = Signal()
        t = Signal(range(self.depth + R + C + 2))
        feed = Signal()  # the read data of this cycle is an operand (t-1 < K)
        pending = Signal()  # a response is owed when the array finishes (single-buffered EXECUTE)

        funct3 = self.cmd_payload_function_id[:3]
        in0, in1 = self.cmd_payload_inputs_0, self.cmd_payload_inputs_1
        handshake = Signal()
        # While the array runs, only writes may proceed (double-buffered); everything else waits.
        blocked = Signal()
        m.d.comb += blocked.eq(running & ~((funct3 == WRITE_A) | (funct3 == WRITE_B)) if self.double_buffered
                               else running)
        m.d.comb += [
            self.cmd_ready.eq((~self.rsp_valid | self.rsp_ready) & ~blocked & ~pending),
            handshake.eq(self.cmd_valid & self.cmd_ready),
        ]
        with m.If(self.rsp_valid & self.rsp_ready):
            m.d.sync += self.rsp_valid.eq(0)

        bank_base = lambda bank: bank * self.depth if banks > 1 else 0  # noqa: E731
        m.d.comb += [
            wa.addr.eq(Mux(write_bank, bank_base(1), 0) + in1), wa.data.eq(in0),
            wb.addr.eq(Mux(write_bank, bank_base(1), 0) + in1), wb.data.eq(in0),
            ra.addr.eq(Mux(read_bank, bank_base(1), 0) + t), rb.addr.eq(Mux(read_bank, bank_base(1), 0) + t),
        ]
        m.d.comb += [
            x.eq(Mux(feed, ra.data.word_select(i, 8).as_signed() + offset, 0)) for i, x in enumerate(array.a_in)
        ]
        m.d.comb += [x.eq(Mux(feed, rb.data.word_select(j, 8).as_signed(), 0)) for j, x in enumerate(array.b_in)]
        acc = Array([Array(row) for row in array.acc])

        with m.If(handshake):
            m.d.sync += self.rsp_valid.eq(1)
            m.d.sync += self.rsp_payload_outputs_0.eq(0)
            with m.Switch(funct3):
                with m.Case(CONFIG):
                    m.d.sync += [k.eq(in0), offset.eq(in1.as_signed())]
                with m.Case(WRITE_A):
                    m.d.comb += wa.en.eq(1)
                with m.Case(WRITE_B):
                    m.d.comb += wb.en.eq(1)
                with m.Case(EXECUTE):
                    m.d.comb += array.clear.eq(1)
                    m.d.sync += [running.eq(1), t.eq(0), feed.eq(0)]
                    if self.double_buffered:
                        m.d.sync += [read_bank.eq(write_bank), write_bank.eq(~write_bank)]
                    else:
                        m.d.sync += [self.rsp_valid.eq(0), pending.eq(1)]
                with m.Case(READ_C):
                    m.d.sync += self.rsp_payload_outputs_0.eq(acc[in0[2:4]][in0[0:2]])

        # The array: read address t, its data arrives next cycle and feeds row/column 0.
        with m.If(running):
            m.d.comb += array.step.eq(1)
            m.d.sync += [t.eq(t + 1), feed.eq(t < k)]
            with m.If(t == k + R + C - 1):  # the last product is in
                m.d.sync += running.eq(0)
                if not self.double_buffered:
                    m.d.sync += [pending.eq(0), self.rsp_valid.eq(1), self.rsp_payload_outputs_0.eq(0)]
        return m
