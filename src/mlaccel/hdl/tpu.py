"""The course's Lab 3 TPU: a 4x4 output-stationary systolic array behind the global-buffer interface.

Ports (the exported module is ``TPU``): ``clk``, ``rst_n`` (asynchronous, active low), ``in_valid``,
``K``, ``M``, ``N`` (8 bits), ``busy``, and for each of the A, B, C global buffers ``*_wr_en``,
``*_index`` (16 bits), ``*_data_in`` (to the buffer) and ``*_data_out`` (from it; 32 bits for A and
B, 128 for C). The buffers live outside, read and write on the negative clock edge, and register
their read data.

Layouts: A word[(m/4)*K + k] = {A[m][k], A[m+1][k], A[m+2][k], A[m+3][k]} (A[m][k] in bits 31:24);
B word[(n/4)*K + k] = {B[k][n], .., B[k][n+3]} (first in the top byte); C word[(n/4)*M + m] =
{C[m][n], .., C[m][n+3]} (C[m][n] in bits 127:96); lanes past M or N are zero.

Schedule of each 4x4 output tile (rows ``r = min(4, M - m0)``, columns ``c = min(4, N - n0)``):
``K + r + c - 1`` cycles of streaming (one cycle of buffer latency, then the output-stationary
fold of ``mlaccel.hw.systolic``, which ends when PE (r-1, c-1) has its last product), then ``r``
cycles writing C rows. ``busy`` rises at the edge that samples ``in_valid`` and falls after the
last C write. :func:`tpu_reference` computes the same results and cycles with the cycle-stepped
PE model.
"""

from __future__ import annotations

from math import ceil

import numpy as np
from amaranth.hdl import Array, Cat, Elaboratable, Module, Mux, Signal

from .array import OSArray

__all__ = ["TPU", "BufferInterface", "tpu_reference", "TPU_PORTS", "pack_a", "pack_b", "unpack_c"]

R = C = 4
TPU_PORTS = ["in_valid", "K", "M", "N", "busy", "A_wr_en", "A_index", "A_data_in", "A_data_out", "B_wr_en",
             "B_index", "B_data_in", "B_data_out", "C_wr_en", "C_index", "C_data_in", "C_data_out"]


class BufferInterface(Elaboratable):
    """The course's TPU interface: ``in_valid``, ``K``, ``M``, ``N``, ``busy``, and per global buffer
    ``*_wr_en``, ``*_index`` (16 bits), ``*_data_in`` and ``*_data_out`` of the given word widths."""

    def __init__(self, widths: dict[str, int]):
        self.in_valid = Signal()
        self.K = Signal(8)
        self.M = Signal(8)
        self.N = Signal(8)
        self.busy = Signal()
        for buf, width in widths.items():
            setattr(self, f"{buf}_wr_en", Signal(name=f"{buf}_wr_en"))
            setattr(self, f"{buf}_index", Signal(16, name=f"{buf}_index"))
            setattr(self, f"{buf}_data_in", Signal(width, name=f"{buf}_data_in"))
            setattr(self, f"{buf}_data_out", Signal(width, name=f"{buf}_data_out"))

    @property
    def ports(self) -> list[Signal]:
        return [getattr(self, p) for p in TPU_PORTS]


class TPU(BufferInterface):
    """Parameters
    ----------
    rows, cols : int
        Array size, multiples of 4 (a buffer word carries four lanes). With more than one word per
        row or column of operands, each k's operands are gathered over ``max(rows, cols) / 4``
        cycles before the array steps.
    is_signed : bool
        int8 operands and int32 sums (default); False: uint8 operands and wrapping uint32 sums,
        as the 2023 course testbench uses.
    """

    def __init__(self, is_signed: bool = True, rows: int = 4, cols: int = 4):
        from ..errors import MlaccelError

        if rows < 4 or cols < 4 or rows % 4 or cols % 4:
            self._MustUse__silence = True  # refused, so never elaborated: no "unused" warning
            raise MlaccelError(f"TPU rows and cols must be positive multiples of 4 (four lanes per buffer "
                               f"word), got {rows}x{cols}")
        super().__init__({"A": 32, "B": 32, "C": 128})
        self.is_signed = is_signed
        self.rows, self.cols = rows, cols

    def elaborate(self, platform):
        m = Module()
        rows, cols = self.rows, self.cols
        p, q = rows // 4, cols // 4  # buffer words per operand vector
        steps = max(p, q)  # read cycles per k
        k, mm, nn = Signal(8), Signal(8), Signal(8)  # latched K, M, N
        mt, nt = Signal(8), Signal(8)  # tile indices
        kk = Signal(9)  # the k being read
        sub = Signal(range(steps))  # which word of it
        reading = Signal()
        t = Signal(18)  # cycle within the streaming phase
        row = Signal(range(rows))  # C row being written
        word = Signal(range(q))  # C word of that row
        m0, n0 = Signal(16), Signal(16)
        rows_used, cols_used = Signal(range(rows + 1)), Signal(range(cols + 1))
        m.d.comb += [
            m0.eq(mt * rows), n0.eq(nt * cols),
            rows_used.eq(Mux(mm - m0 >= rows, rows, mm - m0)),
            cols_used.eq(Mux(nn - n0 >= cols, cols, nn - n0)),
            reading.eq(kk < k),
        ]

        m.submodules.array = array = OSArray(rows, cols, self.is_signed)
        acc = array.acc

        def lane(word_signal, i):  # element i of a packed word, element 0 in the top byte
            v = word_signal.word_select(3 - i, 8)
            return v.as_signed() if self.is_signed else v

        # The buffers read on the negative edge: a word addressed this cycle arrives in its second
        # half, so this cycle's group, and whether it is real, are known now.
        got_sub = Signal(range(steps))
        got_a, got_b = Signal(), Signal()
        last_of_k = Signal()  # this cycle completes a k's operand vectors
        shape = array.a_in[0].shape()
        a_stage = [Signal(shape, name=f"a_stage_{i}") for i in range(rows)]
        b_stage = [Signal(shape, name=f"b_stage_{j}") for j in range(cols)]

        def incoming(i, stage, group_valid, data):
            g, l = divmod(i, 4)
            fresh = Mux(group_valid & (got_sub == g), lane(data, l), 0)
            return Mux(got_sub == g, fresh, stage[i])

        a_now = [incoming(i, a_stage, got_a, self.A_data_out) for i in range(rows)]
        b_now = [incoming(j, b_stage, got_b, self.B_data_out) for j in range(cols)]

        clear, stream = array.clear, Signal()
        m.d.comb += clear.eq(0)
        draining = Signal()
        m.d.comb += draining.eq(~reading & ~last_of_k)
        with m.If(stream):
            with m.If(last_of_k):
                m.d.comb += [array.step.eq(1)] + [x.eq(v) for x, v in zip(array.a_in, a_now)] + \
                            [x.eq(v) for x, v in zip(array.b_in, b_now)]
            with m.Elif(draining):
                m.d.comb += array.step.eq(1)  # zeros flow in while the last products finish
            m.d.sync += [s_.eq(v) for s_, v in zip(a_stage + b_stage, a_now + b_now)]

        a_group, b_group = Signal(8), Signal(8)
        m.d.comb += [
            a_group.eq(mt * p + sub), b_group.eq(nt * q + sub),
            self.A_wr_en.eq(0), self.B_wr_en.eq(0), self.A_data_in.eq(0), self.B_data_in.eq(0),
            self.A_index.eq(a_group * k + kk), self.B_index.eq(b_group * k + kk),
        ]
        last_tile = Signal()
        m.d.comb += last_tile.eq((m0 + rows >= mm) & (n0 + cols >= nn))
        end = Signal(18)  # the streaming phase's last cycle
        m.d.comb += end.eq(k * steps + rows_used + cols_used - 2)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.in_valid):
                    m.d.sync += [k.eq(self.K), mm.eq(self.M), nn.eq(self.N), mt.eq(0), nt.eq(0), t.eq(0),
                                 kk.eq(0), sub.eq(0), self.busy.eq(1)]
                    m.d.comb += clear.eq(1)
                    m.next = "STREAM"
            with m.State("STREAM"):
                m.d.comb += stream.eq(1)
                m.d.sync += t.eq(t + 1)
                m.d.comb += [got_sub.eq(sub), got_a.eq(reading & (sub < p) & ((mt * p + sub) * 4 < mm)),
                             got_b.eq(reading & (sub < q) & ((nt * q + sub) * 4 < nn)),
                             last_of_k.eq(reading & (sub == steps - 1))]
                with m.If(reading):
                    with m.If(sub == steps - 1):
                        m.d.sync += [sub.eq(0), kk.eq(kk + 1)]
                    with m.Else():
                        m.d.sync += sub.eq(sub + 1)
                with m.If(t == end):
                    m.d.sync += [row.eq(0), word.eq(0)]
                    m.next = "WRITE"
            with m.State("WRITE"):
                grid = Array([Array(r) for r in acc])
                lanes = []
                for j in range(4):
                    col = word * 4 + j
                    lanes.append(Mux(col < cols_used, grid[row][col], 0))
                m.d.comb += [
                    self.C_wr_en.eq(1),
                    self.C_index.eq((nt * q + word) * mm + m0 + row),
                    self.C_data_in.eq(Cat(*reversed(lanes))),
                ]
                words_used = Signal(range(q + 1))
                m.d.comb += words_used.eq((cols_used + 3) >> 2)
                with m.If(word == words_used - 1):
                    m.d.sync += [word.eq(0), row.eq(row + 1)]
                    with m.If(row == rows_used - 1):
                        m.d.sync += [t.eq(0), kk.eq(0), sub.eq(0)]
                        with m.If(last_tile):
                            m.d.sync += self.busy.eq(0)
                            m.next = "IDLE"
                        with m.Else():
                            m.d.comb += clear.eq(1)
                            with m.If(n0 + cols >= nn):
                                m.d.sync += [nt.eq(0), mt.eq(mt + 1)]
                            with m.Else():
                                m.d.sync += nt.eq(nt + 1)
                            m.next = "STREAM"
                with m.Else():
                    m.d.sync += word.eq(word + 1)
        return m


def tpu_reference(a: np.ndarray, b: np.ndarray, is_signed: bool = True, stepped: bool = True,
                  rows: int = 4, cols: int = 4) -> tuple[np.ndarray, int]:
    """C = A @ B and the TPU's cycle count, from the cycle-stepped PE model of mlaccel.hw.systolic.

    Each ``rows x cols`` tile (``r x c`` used) takes ``1 + fold + (S - 1) * K + r * ceil(c / 4)``
    cycles: the buffer read of the first operands, the output-stationary fold (K + r + c - 2), the
    extra read cycles when a k's operands span S = max(rows, cols) / 4 buffer words, and the C
    writes.

    Parameters
    ----------
    a : (M, K) int8 (or uint8 when not ``is_signed``)
    b : (K, N)
    stepped : bool
        Step every tile through the PE model (True), or take each tile's cycles from the closed
        form and C from a matrix product (False; equal by the systolic property tests, and
        thousands of times faster for large cases).
    rows, cols : int
        The array size.

    Returns
    -------
    c : (M, N) uint32 words as the TPU writes them
    cycles : int
        From the edge that samples ``in_valid`` to the edge after which ``busy`` is low.
    """
    from ..hw.systolic.dataflow import map_gemm
    from ..hw.systolic.pe_array import simulate_gemm

    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    m, k = a.shape
    n = b.shape[1]
    steps = max(rows, cols) // 4
    c = np.zeros((m, n), np.int64)
    cycles = 0
    for m0 in range(0, m, rows):
        for n0 in range(0, n, cols):
            at, bt = a[m0:m0 + rows], b[:, n0:n0 + cols]
            if stepped:
                run = simulate_gemm(at, bt, rows, cols, "os", acc_bits=32)
                c[m0:m0 + rows, n0:n0 + cols], fold = run.out, run.cycles
            else:
                c[m0:m0 + rows, n0:n0 + cols] = at @ bt
                fold = map_gemm(at.shape[0], k, bt.shape[1], rows, cols, "os").compute_cycles
            cycles += 1 + fold + (steps - 1) * k + at.shape[0] * ceil(bt.shape[1] / 4)
    return (c & 0xFFFFFFFF).astype(np.uint32), cycles


def pack_a(a: np.ndarray) -> list[int]:
    """A buffer words: word[(m/4)*K + k] = {A[m][k], .., A[m+3][k]}, A[m][k] in bits 31:24."""
    m, k = a.shape
    words = []
    for m0 in range(0, m, 4):
        for kk in range(k):
            w = 0
            for i in range(4):
                v = int(a[m0 + i, kk]) & 0xFF if m0 + i < m else 0
                w |= v << (8 * (3 - i))
            words.append(w)
    return words


def pack_b(b: np.ndarray) -> list[int]:
    """B buffer words: word[(n/4)*K + k] = {B[k][n], .., B[k][n+3]}, first in the top byte; the A
    layout of B transposed."""
    return pack_a(np.asarray(b).T)


def unpack_c(words: dict[int, int] | list[int], m: int, n: int) -> np.ndarray:
    """C from its buffer words: word[(n/4)*M + m] = {C[m][n], .., C[m][n+3]}, C[m][n] in bits 127:96."""
    c = np.zeros((m, n), np.uint32)
    for n0 in range(0, n, 4):
        for mm in range(m):
            w = words[(n0 // 4) * m + mm]
            for j in range(4):
                if n0 + j < n:
                    c[mm, n0 + j] = (w >> (32 * (3 - j))) & 0xFFFFFFFF
    return c

