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
from amaranth.hdl import Array, Cat, Const, Elaboratable, Module, Mux, Signal

from .array import OSArray

__all__ = ["TPU", "tpu_reference", "TPU_PORTS", "pack_a", "pack_b", "unpack_c"]

R = C = 4
TPU_PORTS = ["in_valid", "K", "M", "N", "busy", "A_wr_en", "A_index", "A_data_in", "A_data_out", "B_wr_en",
             "B_index", "B_data_in", "B_data_out", "C_wr_en", "C_index", "C_data_in", "C_data_out"]


class TPU(Elaboratable):
    """Parameters
    ----------
    is_signed : bool
        int8 operands and int32 sums (default); False: uint8 operands and wrapping uint32 sums,
        as the 2023 course testbench uses.
    """

    def __init__(self, is_signed: bool = True):
        self.is_signed = is_signed
        self.in_valid = Signal()
        self.K = Signal(8)
        self.M = Signal(8)
        self.N = Signal(8)
        self.busy = Signal()
        for buf, width in (("A", 32), ("B", 32), ("C", 128)):
            setattr(self, f"{buf}_wr_en", Signal(name=f"{buf}_wr_en"))
            setattr(self, f"{buf}_index", Signal(16, name=f"{buf}_index"))
            setattr(self, f"{buf}_data_in", Signal(width, name=f"{buf}_data_in"))
            setattr(self, f"{buf}_data_out", Signal(width, name=f"{buf}_data_out"))

    @property
    def ports(self) -> list[Signal]:
        return [getattr(self, p) for p in TPU_PORTS]

    def elaborate(self, platform):
        m = Module()
        k, mm, nn = Signal(8), Signal(8), Signal(8)  # latched K, M, N
        mt, nt = Signal(6), Signal(6)  # tile indices
        t = Signal(9)  # cycle within the streaming phase
        row = Signal(2)  # row being written
        rows_used = Signal(3)
        cols_used = Signal(3)
        m.d.comb += [
            rows_used.eq(Mux(mm - (mt << 2) >= 4, 4, mm - (mt << 2))),
            cols_used.eq(Mux(nn - (nt << 2) >= 4, 4, nn - (nt << 2))),
        ]
        feeding = Signal()
        m.d.comb += feeding.eq(t < k)

        m.submodules.array = array = OSArray(R, C, self.is_signed)
        acc = array.acc

        def lane(word, i):  # element i of a packed word, element 0 in the top byte
            return word.word_select(3 - i, 8).as_signed() if self.is_signed else word.word_select(3 - i, 8)

        clear, stream = array.clear, array.step
        m.d.comb += [x.eq(Mux(feeding, lane(self.A_data_out, i), 0)) for i, x in enumerate(array.a_in)]
        m.d.comb += [x.eq(Mux(feeding, lane(self.B_data_out, j), 0)) for j, x in enumerate(array.b_in)]

        m.d.comb += [
            self.A_wr_en.eq(0), self.B_wr_en.eq(0), self.A_data_in.eq(0), self.B_data_in.eq(0),
            self.A_index.eq(mt * k + t), self.B_index.eq(nt * k + t),
        ]
        last_tile = Signal()
        m.d.comb += last_tile.eq(((mt + 1) << 2 >= mm) & ((nt + 1) << 2 >= nn))

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.in_valid):
                    m.d.sync += [k.eq(self.K), mm.eq(self.M), nn.eq(self.N), mt.eq(0), nt.eq(0), t.eq(0),
                                 self.busy.eq(1)]
                    m.d.comb += clear.eq(1)
                    m.next = "STREAM"
            with m.State("STREAM"):
                m.d.comb += stream.eq(1)
                m.d.sync += t.eq(t + 1)
                with m.If(t == k + rows_used + cols_used - 2):
                    m.d.sync += row.eq(0)
                    m.next = "WRITE"
            with m.State("WRITE"):
                rows = Array([Array(r) for r in acc])
                m.d.comb += [
                    self.C_wr_en.eq(1),
                    self.C_index.eq(nt * mm + (mt << 2) + row),
                    self.C_data_in.eq(Cat(*[Mux(Const(3 - j) < cols_used, rows[row][3 - j], 0)
                                             for j in range(C)])),
                ]
                m.d.sync += row.eq(row + 1)
                with m.If(row == rows_used - 1):
                    m.d.sync += t.eq(0)
                    with m.If(last_tile):
                        m.d.sync += self.busy.eq(0)
                        m.next = "IDLE"
                    with m.Else():
                        m.d.comb += clear.eq(1)
                        with m.If((nt + 1) << 2 >= nn):
                            m.d.sync += [nt.eq(0), mt.eq(mt + 1)]
                        with m.Else():
                            m.d.sync += nt.eq(nt + 1)
                        m.next = "STREAM"
        return m


def tpu_reference(a: np.ndarray, b: np.ndarray, is_signed: bool = True, stepped: bool = True
                  ) -> tuple[np.ndarray, int]:
    """C = A @ B and the TPU's cycle count, from the cycle-stepped PE model of mlaccel.hw.systolic.

    Parameters
    ----------
    a : (M, K) int8 (or uint8 when not ``is_signed``)
    b : (K, N)
    stepped : bool
        Step every tile through the PE model (True), or take each tile's cycles from the closed
        form and C from a matrix product (False; equal by the systolic property tests, and
        thousands of times faster for large cases).

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
    c = np.zeros((m, n), np.int64)
    cycles = 0
    for m0 in range(0, m, R):
        for n0 in range(0, n, C):
            at, bt = a[m0:m0 + R], b[:, n0:n0 + C]
            if stepped:
                run = simulate_gemm(at, bt, R, C, "os", acc_bits=32)
                c[m0:m0 + R, n0:n0 + C], fold = run.out, run.cycles
            else:
                c[m0:m0 + R, n0:n0 + C] = at @ bt
                fold = map_gemm(at.shape[0], k, bt.shape[1], R, C, "os").compute_cycles
            cycles += 1 + fold + at.shape[0]  # buffer read latency, the fold, the C writes
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
    """B buffer words: word[(n/4)*K + k] = {B[k][n], .., B[k][n+3]}, first in the top byte."""
    k, n = b.shape
    words = []
    for n0 in range(0, n, 4):
        for kk in range(k):
            w = 0
            for j in range(4):
                v = int(b[kk, n0 + j]) & 0xFF if n0 + j < n else 0
                w |= v << (8 * (3 - j))
            words.append(w)
    return words


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


def tiles(m: int, n: int) -> int:
    return ceil(m / R) * ceil(n / C)
