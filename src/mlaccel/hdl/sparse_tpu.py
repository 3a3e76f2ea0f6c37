"""A 2:4 sparse variant of the Lab 3 TPU: a 4x4 output-stationary array whose weights (B) keep two
of every four values along K, with 2-bit indices that drive an operand mux in each PE.

Per reduction group of four k, each PE multiplies twice instead of four times: the array streams
``S = 2 * ceil(K / 4)`` compressed steps instead of K. A carries the group's four activations of
its row (a 32-bit register moving right); B carries one kept weight and its index (moving down);
PE (i, j) adds ``group[index] * weight`` to its accumulator.

Ports (module ``SparseTPU``): as the TPU's (``clk``, ``rst_n``, ``in_valid``, ``K``, ``M``, ``N``,
``busy``, ``A_*``, ``B_*``, ``C_*``), with wider buffer words:

* A word[(m/4) * G + g] (128 bits) = rows m..m+3 of the group g, row m in bits 127:96, each row's
  32 bits {A[m][4g], .., A[m][4g+3]} with the first in the top byte (G = ceil(K/4); read twice, once
  per compressed step);
* B word[(n/4) * S + s] (40 bits) = the kept weights of step s (group s/2, slot s%2) of columns
  n..n+3 in bits 39:8, first in the top byte, and their 2-bit indices in bits 7:0, first in the top
  two bits;
* C as the TPU's.

Each tile takes ``1 + (S + r + c - 2) + r`` cycles: the sparse output-stationary fold of
:mod:`mlaccel.hw.systolic.sparse_pe` (N:M weights, os) plus the buffer read and the C writes.
:func:`sparse_tpu_reference` computes the same results and cycles with that PE model.
"""

from __future__ import annotations

from math import ceil

import numpy as np
from amaranth.hdl import Array, Cat, Elaboratable, Module, Mux, Signal, signed

from .array import feed_skewed
from .tpu import TPU_PORTS, BufferInterface

__all__ = ["SparseOSArray", "SparseTPU", "sparse_tpu_reference", "pack_a_groups", "pack_b_2_4", "SPARSE_TPU_PORTS",
           "dense_twin_cells"]

R = C = 4
SPARSE_TPU_PORTS = TPU_PORTS


class SparseOSArray(Elaboratable):
    """An R x C output-stationary array with a 4:1 operand mux per PE.

    While ``step`` is high, row i's group ``a_in[i]`` (four int8 lanes, the first in the top byte)
    reaches PE (i, 0) i cycles later and moves right; column j's weight ``b_in[j]`` and index
    ``i_in[j]`` reach PE (0, j) j cycles later and move down; every PE adds
    ``lane[index] * weight`` to its accumulator. ``clear`` empties every register.
    """

    def __init__(self, rows: int = R, cols: int = C):
        self.rows, self.cols = rows, cols
        self.a_in = [Signal(32, name=f"a_in_{i}") for i in range(rows)]
        self.b_in = [Signal(signed(8), name=f"b_in_{j}") for j in range(cols)]
        self.i_in = [Signal(2, name=f"i_in_{j}") for j in range(cols)]
        self.step = Signal()
        self.clear = Signal()
        self.acc = [[Signal(32, name=f"acc_{i}_{j}") for j in range(cols)] for i in range(rows)]

    def elaborate(self, platform):
        m = Module()
        rows, cols = self.rows, self.cols
        a = [[Signal(32, name=f"a_{i}_{j}") for j in range(cols)] for i in range(rows)]
        b = [[Signal(signed(8), name=f"b_{i}_{j}") for j in range(cols)] for i in range(rows)]
        x = [[Signal(2, name=f"x_{i}_{j}") for j in range(cols)] for i in range(rows)]
        a_delay = [[Signal(32, name=f"ad_{i}_{s}") for s in range(i)] for i in range(rows)]
        b_delay = [[Signal(signed(8), name=f"bd_{j}_{s}") for s in range(j)] for j in range(cols)]
        x_delay = [[Signal(2, name=f"xd_{j}_{s}") for s in range(j)] for j in range(cols)]
        registers = [r for group in (a, b, x, self.acc, a_delay, b_delay, x_delay) for line in group for r in line]
        with m.If(self.clear):
            m.d.sync += [r.eq(0) for r in registers]
        with m.Elif(self.step):
            for i in range(rows):
                feed_skewed(m, self.a_in[i], a_delay[i], a[i])
            for j in range(cols):
                for src, delay, grid in ((self.b_in[j], b_delay[j], b), (self.i_in[j], x_delay[j], x)):
                    feed_skewed(m, src, delay, [grid[i][j] for i in range(rows)])
            for i in range(rows):
                for j in range(cols):
                    lanes = Array(a[i][j].word_select(3 - lane, 8).as_signed() for lane in range(4))
                    m.d.sync += self.acc[i][j].eq(self.acc[i][j] + lanes[x[i][j]] * b[i][j])
        return m


class SparseTPU(BufferInterface):
    """The 4x4 2:4 sparse TPU (signed int8 operands, wrapping 32-bit sums)."""

    def __init__(self):
        super().__init__({"A": 128, "B": 40, "C": 128})

    def elaborate(self, platform):
        m = Module()
        k, mm, nn = Signal(8), Signal(8), Signal(8)
        mt, nt = Signal(8), Signal(8)
        groups, steps = Signal(7), Signal(8)
        s = Signal(9)  # the compressed step being read
        t = Signal(10)  # cycle within the streaming phase
        row = Signal(range(R))
        m0, n0 = Signal(16), Signal(16)
        rows_used, cols_used = Signal(range(R + 1)), Signal(range(C + 1))
        reading = Signal()
        m.d.comb += [
            groups.eq((k + 3) >> 2), steps.eq(groups << 1),
            m0.eq(mt * R), n0.eq(nt * C),
            rows_used.eq(Mux(mm - m0 >= R, R, mm - m0)),
            cols_used.eq(Mux(nn - n0 >= C, C, nn - n0)),
            reading.eq(s < steps),
        ]
        m.submodules.array = array = SparseOSArray(R, C)
        m.d.comb += [array.clear.eq(0), array.step.eq(0)]
        m.d.comb += [self.A_wr_en.eq(0), self.B_wr_en.eq(0), self.A_data_in.eq(0), self.B_data_in.eq(0),
                     self.A_index.eq(mt * groups + (s >> 1)), self.B_index.eq(nt * steps + s)]
        last_tile = Signal()
        m.d.comb += last_tile.eq((m0 + R >= mm) & (n0 + C >= nn))
        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.in_valid):
                    m.d.sync += [k.eq(self.K), mm.eq(self.M), nn.eq(self.N), mt.eq(0), nt.eq(0), t.eq(0), s.eq(0),
                                 self.busy.eq(1)]
                    m.d.comb += array.clear.eq(1)
                    m.next = "STREAM"
            with m.State("STREAM"):
                # The buffers read on the negative edge: this cycle's words arrive in its second half.
                m.d.comb += array.step.eq(1)
                for i in range(R):
                    real = reading & (m0 + i < mm)
                    m.d.comb += array.a_in[i].eq(Mux(real, self.A_data_out.word_select(3 - i, 32), 0))
                for j in range(C):
                    real = reading & (n0 + j < nn)
                    m.d.comb += [array.b_in[j].eq(Mux(real, self.B_data_out.word_select(4 - j, 8), 0)),
                                 array.i_in[j].eq(Mux(real, self.B_data_out.word_select(3 - j, 2), 0))]
                m.d.sync += t.eq(t + 1)
                with m.If(reading):
                    m.d.sync += s.eq(s + 1)
                with m.If(t == steps + rows_used + cols_used - 2):
                    m.d.sync += row.eq(0)
                    m.next = "WRITE"
            with m.State("WRITE"):
                grid = Array([Array(r) for r in array.acc])
                lanes = [Mux(j < cols_used, grid[row][j], 0) for j in range(C)]
                m.d.comb += [self.C_wr_en.eq(1), self.C_index.eq(nt * mm + m0 + row),
                             self.C_data_in.eq(Cat(*reversed(lanes)))]
                with m.If(row == rows_used - 1):
                    m.d.sync += [t.eq(0), s.eq(0)]
                    with m.If(last_tile):
                        m.d.sync += self.busy.eq(0)
                        m.next = "IDLE"
                    with m.Else():
                        m.d.comb += array.clear.eq(1)
                        with m.If(n0 + C >= nn):
                            m.d.sync += [nt.eq(0), mt.eq(mt + 1)]
                        with m.Else():
                            m.d.sync += nt.eq(nt + 1)
                        m.next = "STREAM"
                with m.Else():
                    m.d.sync += row.eq(row + 1)
        return m


def _groups(a: np.ndarray) -> np.ndarray:
    """(M, K) -> (M, G, 4), zero-padded along K."""
    m, k = a.shape
    out = np.zeros((m, ceil(k / 4) * 4), np.int64)
    out[:, :k] = a
    return out.reshape(m, -1, 4)


def pack_a_groups(a: np.ndarray) -> list[int]:
    """A buffer words of the sparse TPU (see the module docstring)."""
    g = _groups(np.asarray(a))
    m, groups = g.shape[:2]
    words = []
    for m0 in range(0, m, 4):
        for gi in range(groups):
            w = 0
            for i in range(4):
                for lane in range(4):
                    v = int(g[m0 + i, gi, lane]) & 0xFF if m0 + i < m else 0
                    w |= v << (32 * (3 - i) + 8 * (3 - lane))
            words.append(w)
    return words


def pack_b_2_4(b: np.ndarray) -> list[int]:
    """B buffer words of the sparse TPU: kept weights and indices of 2:4 weights ``b`` (K x N).

    Raises
    ------
    ValueError
        A group of four has more than two non-zeros (the message names it).
    """
    from ..hw.systolic.sparse_pe import compress_nm

    values, index = compress_nm(_groups(np.asarray(b).T).transpose(1, 2, 0), 2)  # (G, 2, N)
    groups, _, n = values.shape
    words = []
    for n0 in range(0, n, 4):
        for step in range(2 * groups):
            gi, slot = divmod(step, 2)
            w = 0
            for j in range(4):
                if n0 + j < n:
                    w |= (int(values[gi, slot, n0 + j]) & 0xFF) << (8 + 8 * (3 - j))
                    w |= int(index[gi, slot, n0 + j]) << (2 * (3 - j))
            words.append(w)
    return words


def sparse_tpu_reference(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """C = A @ B and the sparse TPU's cycles, from the cycle-stepped sparse PE model (2:4, os).

    Returns
    -------
    c : (M, N) uint32 words as the TPU writes them
    cycles : int
        From the edge that samples ``in_valid`` to the edge after which ``busy`` is low.
    """
    from ..hw.systolic.sparse_pe import simulate_sparse_gemm
    from ..hw.systolic.sparsity import SparseSpec

    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    m, n = a.shape[0], b.shape[1]
    spec = SparseSpec(2, 4, False, "none", "nm")
    c = np.zeros((m, n), np.int64)
    cycles = 0
    for m0 in range(0, m, R):
        for n0 in range(0, n, C):
            run = simulate_sparse_gemm(a[m0:m0 + R], b[:, n0:n0 + C], R, C, "os", spec, acc_bits=32)
            c[m0:m0 + R, n0:n0 + C] = run.out
            cycles += 1 + run.cycles + min(R, m - m0)
    return (c & 0xFFFFFFFF).astype(np.uint32), cycles



def dense_twin_cells() -> dict:
    """Yosys counts (``cells``, ``dffs``, ``types``) of the dense signed 4x4 TPU, for comparison."""
    from .export import synthesize_design
    from .tpu import TPU

    return synthesize_design(TPU(True, R, C), "TPU", clk="clk", rst="rst_n", active_low=True, async_reset=True)
