"""Cycle-stepped model of an R x C systolic array: operands move one PE per cycle.

Every PE has an operand register that passes right (A in ws/os, B in is), a register that passes
down (partial sums in ws/is, B in os), and a weight, input or accumulator register that stays.
The edge feeders inject row i's operands i cycles late and column j's j cycles late (the skew), so
that matching operands meet. Each cycle is one NumPy step over the whole array.

The model returns the GEMM's accumulators, wrapped to the accumulator width as hardware wraps,
together with the cycles and the SRAM element accesses it made. For verification of small arrays;
:mod:`.dataflow` gives the same cycles in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ArrayRun", "simulate_gemm", "wrap"]


def wrap(x: np.ndarray, bits: int) -> np.ndarray:
    """Two's-complement wraparound of int64 values to ``bits`` bits."""
    if bits >= 64:
        return x
    half = np.int64(1) << (bits - 1)
    return ((x + half) & ((half << 1) - 1)) - half


@dataclass
class ArrayRun:
    """Result of one simulated GEMM.

    Attributes
    ----------
    out : ndarray of int64, (M, N)
        Accumulators, wrapped to the accumulator width.
    cycles : int
    pe_cycles : int
        ``cycles * rows * cols``: simulated PE-cycles, for speed reports.
    elements : dict
        SRAM element accesses: ``ifmap_reads``, ``filter_reads``, ``ofmap_writes``, ``ofmap_reads``.
    """

    out: np.ndarray
    cycles: int
    pe_cycles: int
    elements: dict


def _shift_in_stationary(tile: np.ndarray) -> tuple[np.ndarray, int]:
    """Shift a stationary tile in from the top, one row per cycle; returns it and the cycles."""
    rows = tile.shape[0]
    reg = np.zeros_like(tile)
    cycles = 0
    for cycle in range(rows):
        reg[1:] = reg[:-1]
        reg[0] = tile[rows - 1 - cycle]
        cycles += 1
    return reg, cycles


def simulate_gemm(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str,
                  acc_bits: int = 32) -> ArrayRun:
    """Run ``a @ b`` (integer matrices, M x K and K x N) on an R x C array, cycle by cycle."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), np.int64)
    counts = dict(ifmap_reads=0, filter_reads=0, ofmap_writes=0, ofmap_reads=0)
    ri = np.arange(rows)[:, None]  # row index, as a column
    cj = np.arange(cols)[None, :]  # column index, as a row
    cycles = 0
    if dataflow == "ws":
        for n0 in range(0, n, cols):
            for k0 in range(0, k, rows):
                cycles += _stationary_fold(a[:, k0:k0 + rows], b[k0:k0 + rows, n0:n0 + cols], out,
                                           n0, k0 > 0, rows, cols, acc_bits, counts, ri, cj, "ws")
    elif dataflow == "is":
        for m0 in range(0, m, cols):
            for k0 in range(0, k, rows):
                cycles += _stationary_fold(b[k0:k0 + rows, :].T, a[m0:m0 + cols, k0:k0 + rows].T,
                                           out, m0, k0 > 0, rows, cols, acc_bits, counts, ri, cj, "is")
    else:
        for m0 in range(0, m, rows):
            for n0 in range(0, n, cols):
                cycles += _os_fold(a[m0:m0 + rows], b[:, n0:n0 + cols], out, m0, n0, rows, cols,
                                   acc_bits, counts, ri, cj)
    return ArrayRun(out, cycles, cycles * rows * cols, counts)


def _stationary_fold(stream, tile, out, offset, accumulate, rows, cols, acc_bits, counts, ri, cj, df):
    """One ws or is fold.

    ``tile`` (kr x nc) is held in the PEs; ``stream`` (T x kr) enters row i from the left with
    skew i; partial sums flow down and leave the bottom of column j with skew j. For ws, ``stream``
    is A's rows and the outputs are C[t, offset + j]; for is, ``stream`` is B's columns and the
    outputs are C[offset + j, t].
    """
    t_len, kr = stream.shape
    nc = tile.shape[1]
    full = np.zeros((rows, cols), np.int64)
    full[:kr, :nc] = tile
    held, cycles = _shift_in_stationary(full)
    counts["ifmap_reads" if df == "is" else "filter_reads"] += kr * nc
    moving = np.zeros((rows, cols), np.int64)
    psum = np.zeros((rows, cols), np.int64)
    remaining = t_len * nc  # outputs still to leave the bottom edge
    cycle = 0
    while remaining:
        moving[:, 1:] = moving[:, :-1]
        idx = cycle - ri[:, 0]
        valid = (idx >= 0) & (idx < t_len) & (ri[:, 0] < kr)
        moving[:, 0] = np.where(valid, stream[np.clip(idx, 0, t_len - 1), np.minimum(ri[:, 0], kr - 1)], 0)
        counts["filter_reads" if df == "is" else "ifmap_reads"] += int(valid.sum())
        above = np.vstack([np.zeros((1, cols), np.int64), psum[:-1]])
        psum = wrap(above + moving * held, acc_bits)
        t_out = cycle - (rows - 1) - cj[0]
        done = (t_out >= 0) & (t_out < t_len) & (cj[0] < nc)
        if done.any():
            js = np.nonzero(done)[0]
            rows_out, cols_out = (t_out[js], offset + js) if df == "ws" else (offset + js, t_out[js])
            out[rows_out, cols_out] = wrap(out[rows_out, cols_out] + psum[rows - 1, js], acc_bits)
            counts["ofmap_writes"] += len(js)
            if accumulate:
                counts["ofmap_reads"] += len(js)
            remaining -= len(js)
        cycle += 1
    return cycles + cycle


def _os_fold(a_strip, b_strip, out, m0, n0, rows, cols, acc_bits, counts, ri, cj):
    """One os fold: A rows enter from the left, B columns from the top, C stays in the PEs."""
    mr, k = a_strip.shape
    nc = b_strip.shape[1]
    a_reg = np.zeros((rows, cols), np.int64)
    b_reg = np.zeros((rows, cols), np.int64)
    a_ok = np.zeros((rows, cols), bool)  # which registers hold a real (not skew-padding) operand
    b_ok = np.zeros((rows, cols), bool)
    acc = np.zeros((rows, cols), np.int64)
    # The fold ends when the last used PE, (mr-1, nc-1), has met its last operand pair.
    pending = k
    cycle = 0
    while pending:
        a_reg[:, 1:], a_ok[:, 1:] = a_reg[:, :-1], a_ok[:, :-1]
        ka = cycle - ri[:, 0]
        va = (ka >= 0) & (ka < k)
        a_reg[:, 0] = np.where(va & (ri[:, 0] < mr), a_strip[np.minimum(ri[:, 0], mr - 1), np.clip(ka, 0, k - 1)], 0)
        a_ok[:, 0] = va
        b_reg[1:], b_ok[1:] = b_reg[:-1], b_ok[:-1]
        kb = cycle - cj[0]
        vb = (kb >= 0) & (kb < k)
        b_reg[0] = np.where(vb & (cj[0] < nc), b_strip[np.clip(kb, 0, k - 1), np.minimum(cj[0], nc - 1)], 0)
        b_ok[0] = vb
        counts["ifmap_reads"] += int((va & (ri[:, 0] < mr)).sum())
        counts["filter_reads"] += int((vb & (cj[0] < nc)).sum())
        acc = wrap(acc + a_reg * b_reg, acc_bits)
        pending -= int(a_ok[mr - 1, nc - 1] and b_ok[mr - 1, nc - 1])
        cycle += 1
    out[m0:m0 + mr, n0:n0 + nc] = acc[:mr, :nc]
    counts["ofmap_writes"] += mr * nc
    return cycle
