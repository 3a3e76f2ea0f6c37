"""DEPTHWISE_CONV_2D on the array: every column is a systolic FIR filter for one channel.

A depthwise convolution has no operand that a row or a column of PEs could share (each output
channel reads its own input channel), which is why mapping it one channel at a time as a GEMM
leaves an array about 1% busy. This mapping instead gives each column one channel:

* the KH*KW taps of that channel's filter sit in rows 0..KK-1 (stationary, largest input offset in
  row 0), shifted in from the top in R cycles as in ws;
* the channel's input, zero-padded and flattened row-major (width Wp), streams into the top of the
  column, one element per cycle, down a delay line; row t taps it after
  ``D_t = t + off_0 - off_t`` cycles, where ``off_t = dy*dil_h*Wp + dx*dil_w`` is the tap's offset;
* partial sums flow down one row per cycle, so the sum for window anchor ``p`` meets, in row t,
  exactly input ``p + off_t``. The finished sum leaves the bottom row R-1.

Anchors of strided or wrapped windows pass by unused. All channels run in parallel (one per
column); channels beyond C, and taps beyond R, fold (tap folds accumulate partial sums in the ofmap
SRAM). The extra hardware is the per-PE delay line (2 registers per tap within a filter row, a line
buffer of about Wp between filter rows) in a depthwise mode of the array.

Per fold: ``R`` cycles to load taps, then the last anchor ``p_last`` enters at cycle
``p_last + off_0`` and leaves R-1 rows later: ``2R + off_0 + p_last`` cycles. Utilization is about
``(KK/R) * (channels/C) * (OH*OW) / (Hp*Wp)``: 25% for a 3x3, stride-1 layer of 32+ channels on a
32x32 array, against 0.9% for channel-at-a-time GEMMs.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np

from .pe_array import wrap

__all__ = ["DepthwiseGeometry", "DepthwiseMapping", "map_depthwise", "simulate_depthwise"]


@dataclass(frozen=True)
class DepthwiseGeometry:
    """A depthwise layer's shape (one sample), with TFLite's padding already resolved."""

    in_h: int
    in_w: int
    channels_in: int
    multiplier: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    pad_top: int
    pad_left: int
    out_h: int
    out_w: int

    @property
    def channels(self) -> int:
        return self.channels_in * self.multiplier

    @property
    def padded_h(self) -> int:
        return max(self.pad_top + self.in_h, (self.out_h - 1) * self.stride_h + (self.k_h - 1) * self.dil_h + 1)

    @property
    def padded_w(self) -> int:
        return max(self.pad_left + self.in_w, (self.out_w - 1) * self.stride_w + (self.k_w - 1) * self.dil_w + 1)

    def offsets(self) -> np.ndarray:
        """Flattened input offset of each tap, in TFLite's (dy, dx) tap order."""
        dy, dx = np.meshgrid(np.arange(self.k_h), np.arange(self.k_w), indexing="ij")
        return (dy * self.dil_h * self.padded_w + dx * self.dil_w).reshape(-1)

    def last_anchor(self) -> int:
        return (self.out_h - 1) * self.stride_h * self.padded_w + (self.out_w - 1) * self.stride_w


@dataclass(frozen=True)
class DepthwiseMapping:
    """Timing and SRAM element counts of a depthwise layer in column-FIR mode."""

    rows: int
    cols: int
    geometry: DepthwiseGeometry
    channel_folds: int
    tap_folds: int
    compute_cycles: int
    elements: dict

    @property
    def folds(self) -> int:
        return self.channel_folds * self.tap_folds

    @property
    def macs(self) -> int:
        g = self.geometry
        return g.out_h * g.out_w * g.channels * g.k_h * g.k_w

    @property
    def utilization(self) -> float:
        return self.macs / (self.compute_cycles * self.rows * self.cols)

    @property
    def mapping_efficiency(self) -> float:
        g = self.geometry
        return g.channels * g.k_h * g.k_w / (self.folds * self.rows * self.cols)


def _tap_groups(offsets: np.ndarray, rows: int) -> list[np.ndarray]:
    """Taps split into folds of at most R rows, each sorted by decreasing offset."""
    order = np.argsort(-offsets, kind="stable")
    return [order[i:i + rows] for i in range(0, len(order), rows)]


def _real_inputs_before(g: DepthwiseGeometry, q_max: int) -> int:
    """How many non-padding input positions the stream carries up to flattened index q_max."""
    wp = g.padded_w
    y = np.arange(g.pad_top, g.pad_top + g.in_h)
    x = np.arange(g.pad_left, g.pad_left + g.in_w)
    return int(((y[:, None] * wp + x[None, :]) <= q_max).sum())


def map_depthwise(g: DepthwiseGeometry, rows: int, cols: int) -> DepthwiseMapping:
    """Closed-form cycles and SRAM element counts of the column-FIR mapping."""
    offsets = g.offsets()
    groups = _tap_groups(offsets, rows)
    channel_folds = ceil(g.channels / cols)
    p_last = g.last_anchor()
    cycles = 0
    ifmap_reads = 0
    for grp in groups:
        off0 = int(offsets[grp[0]])
        cycles += channel_folds * (2 * rows + off0 + p_last)
        ifmap_reads += g.channels * _real_inputs_before(g, p_last + off0)
    outputs = g.out_h * g.out_w * g.channels
    elements = dict(ifmap_reads=ifmap_reads, filter_reads=g.channels * len(offsets),
                    ofmap_writes=outputs * len(groups), ofmap_reads=outputs * (len(groups) - 1))
    return DepthwiseMapping(rows, cols, g, channel_folds, len(groups), cycles, elements)


def simulate_depthwise(x: np.ndarray, w: np.ndarray, g: DepthwiseGeometry, rows: int, cols: int,
                       acc_bits: int = 32) -> tuple[np.ndarray, int, dict]:
    """Run one sample, cycle by cycle, in column-FIR mode.

    Parameters
    ----------
    x : ndarray (H, W, C_in) of int
        Input with the zero point already subtracted.
    w : ndarray (KH, KW, C_out) of int
        Filter.

    Returns
    -------
    acc : ndarray (OH, OW, C_out) of int64
        Accumulators (without bias), wrapped to ``acc_bits``.
    cycles : int
    elements : dict
        SRAM element accesses, as :func:`map_depthwise` counts them.
    """
    hp, wp = g.padded_h, g.padded_w
    xp = np.zeros((hp, wp, g.channels_in), np.int64)
    xp[g.pad_top:g.pad_top + g.in_h, g.pad_left:g.pad_left + g.in_w] = x
    real = np.zeros((hp, wp), bool)
    real[g.pad_top:g.pad_top + g.in_h, g.pad_left:g.pad_left + g.in_w] = True
    stream_all = xp.reshape(hp * wp, g.channels_in)
    real_flat = real.reshape(-1)
    taps = w.reshape(g.k_h * g.k_w, g.channels).astype(np.int64)
    offsets = g.offsets()
    anchors = {int(oy * g.stride_h * wp + ox * g.stride_w): (oy, ox)
               for oy in range(g.out_h) for ox in range(g.out_w)}
    p_last = g.last_anchor()
    acc = np.zeros((g.out_h, g.out_w, g.channels), np.int64)
    counts = dict(ifmap_reads=0, filter_reads=0, ofmap_writes=0, ofmap_reads=0)
    cycles = 0
    for fold_index, grp in enumerate(_tap_groups(offsets, rows)):
        off0 = int(offsets[grp[0]])
        delay = np.zeros(rows, np.int64)
        delay[:len(grp)] = np.arange(len(grp)) + off0 - offsets[grp]
        line = int(delay.max()) + 1
        for c0 in range(0, g.channels, cols):
            cs = np.arange(c0, min(c0 + cols, g.channels))
            held = np.zeros((rows, cols), np.int64)
            held[:len(grp), :len(cs)] = taps[grp][:, cs]
            for _ in range(rows):  # shift the taps in from the top, one row per cycle
                cycles += 1
            counts["filter_reads"] += len(grp) * len(cs)
            src = cs // g.multiplier  # each output channel's input channel
            shift = np.zeros((line, cols), np.int64)  # the delay line of every column
            psum = np.zeros((rows, cols), np.int64)
            cycle = 0
            while True:
                shift[1:] = shift[:-1]
                q = cycle
                shift[0] = 0
                if q <= min(p_last + off0, hp * wp - 1):  # the feeder stops after the last needed input
                    shift[0, :len(cs)] = stream_all[q, src]
                    if real_flat[q]:
                        counts["ifmap_reads"] += len(cs)
                above = np.vstack([np.zeros((1, cols), np.int64), psum[:-1]])
                psum = wrap(above + held * shift[delay, :], acc_bits)
                anchor = cycle - off0 - (rows - 1)  # the sum leaving row R-1 this cycle
                cycle += 1
                if anchor in anchors:
                    oy, ox = anchors[anchor]
                    acc[oy, ox, cs] = wrap(acc[oy, ox, cs] + psum[rows - 1, :len(cs)], acc_bits)
                    counts["ofmap_writes"] += len(cs)
                    if fold_index:
                        counts["ofmap_reads"] += len(cs)
                if anchor >= p_last:
                    break
            cycles += cycle
    return acc, cycles, counts
