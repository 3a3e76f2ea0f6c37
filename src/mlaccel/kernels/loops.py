"""Compiled inner loops (numba) for the hot paths of the int8 kernels.

NumPy needs about ten full passes over an accumulator array to requantize it, and converting a
float array to int64 alone costs as much as the GEMM that produced it. These loops do the whole
epilogue (bias, MultiplyByQuantizedMultiplier, zero point, clamp) in one pass, build im2col
matrices straight from int8 data, and run depthwise convolution without temporaries (a float32
twin serves the float kernels, whose batches of spiking time steps are large). Their
arithmetic is TFLite's, integer for integer; ``tests/kernels/test_loops.py`` holds them against the
literal NumPy forms in :mod:`.requantize`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["requantize_rows", "im2col", "depthwise", "depthwise_float", "add_sub", "mul"]


@njit(inline="always", cache=True)
def _mbqm(x, multiplier, left, right):
    # MultiplyByQuantizedMultiplier: SaturatingRoundingDoublingHighMul (the multiplier is never
    # INT32_MIN, so it cannot saturate), then RoundingDivideByPOT. Branch-free so loops vectorize:
    # with right == 0 the mask is 0 and the rounding term vanishes.
    x = ((x << left) * multiplier + (1 << 30)) >> 31
    mask = (np.int64(1) << right) - 1
    threshold = (mask >> 1) - (x >> 63)
    return (x >> right) + ((x & mask) > threshold)


@njit(inline="always", cache=True)
def _tap_columns(kx, d_w, pad_left, s_w, in_w, out_w):
    # the input column offset of tap kx, and the output columns whose tap falls inside the input:
    # 0 <= ox * s_w + shift < in_w
    shift = kx * d_w - pad_left
    return shift, max(0, (-shift + s_w - 1) // s_w), min(out_w, (in_w - shift + s_w - 1) // s_w)


@njit(cache=True, nogil=True)
def requantize_rows(acc, bias, multiplier, left, right, zero_point, lo, hi, out):
    """``out = int8 clip(mbqm(acc + bias) + zero_point, lo, hi)``; channels on the last axis of 2-D ``acc``."""
    rows, cols = acc.shape
    for r in range(rows):
        for c in range(cols):
            v = _mbqm(np.int64(acc[r, c]) + bias[c], multiplier[c], left[c], right[c]) + zero_point
            out[r, c] = min(max(v, lo), hi)


@njit(cache=True, nogil=True)
def im2col(x, offset, k_h, k_w, s_h, s_w, d_h, d_w, pad_top, pad_left, out_h, out_w, out):
    """Fill ``out[(b, oy, ox), (ky, kx, c)]`` with ``x + offset``, or 0 outside the input."""
    batch, in_h, in_w, ch = x.shape
    for b in range(batch):
        for oy in range(out_h):
            for ox in range(out_w):
                row = (b * out_h + oy) * out_w + ox
                for ky in range(k_h):
                    iy = oy * s_h - pad_top + ky * d_h
                    for kx in range(k_w):
                        ix = ox * s_w - pad_left + kx * d_w
                        base = (ky * k_w + kx) * ch
                        if 0 <= iy < in_h and 0 <= ix < in_w:
                            for c in range(ch):
                                out[row, base + c] = x[b, iy, ix, c] + offset
                        else:
                            for c in range(ch):
                                out[row, base + c] = 0


@njit(cache=True, nogil=True)
def depthwise(x, w, depth_mult, offset, s_h, s_w, d_h, d_w, pad_top, pad_left, out_h, out_w,
              bias, multiplier, left, right, zero_point, lo, hi):
    """DepthwiseConvPerChannel: int8 (B, H, W, C) and (KH, KW, C*m) int32 weights to int8 output.

    Works a whole output row at a time: each tap's valid column range is found once per row, and
    the inner loop runs over contiguous channels. Accumulates in int32 as TFLM does.
    """
    batch, in_h, in_w, c_in = x.shape
    k_h, k_w, c_out = w.shape
    off = np.int32(offset)  # keep the multiply-accumulate in int32 so it vectorizes
    out = np.empty((batch, out_h, out_w, c_out), np.int8)
    acc = np.empty((out_w, c_out), np.int32)
    for b in range(batch):
        for oy in range(out_h):
            acc[:, :] = 0
            for ky in range(k_h):
                iy = oy * s_h - pad_top + ky * d_h
                if iy < 0 or iy >= in_h:
                    continue
                for kx in range(k_w):
                    shift, ox0, ox1 = _tap_columns(kx, d_w, pad_left, s_w, in_w, out_w)
                    for ox in range(ox0, ox1):
                        ix = ox * s_w + shift
                        if depth_mult == 1:
                            for c in range(c_out):
                                acc[ox, c] += w[ky, kx, c] * (np.int32(x[b, iy, ix, c]) + off)
                        else:
                            for c in range(c_out):
                                acc[ox, c] += w[ky, kx, c] * (np.int32(x[b, iy, ix, c // depth_mult]) + off)
            for ox in range(out_w):
                for c in range(c_out):
                    v = _mbqm(np.int64(acc[ox, c]) + bias[c], multiplier[c], left[c], right[c]) + zero_point
                    out[b, oy, ox, c] = min(max(v, lo), hi)
    return out


@njit(cache=True, nogil=True)
def depthwise_float(x, w, depth_mult, s_h, s_w, d_h, d_w, pad_top, pad_left, out_h, out_w, bias):
    """Float32 depthwise convolution, (B, H, W, C) and (KH, KW, C*m) weights; taps are added in
    (ky, kx) order from zero, then the bias, as the NumPy form adds them."""
    batch, in_h, in_w, c_in = x.shape
    k_h, k_w, c_out = w.shape
    out = np.empty((batch, out_h, out_w, c_out), np.float32)
    acc = np.empty((out_w, c_out), np.float32)
    for b in range(batch):
        for oy in range(out_h):
            acc[:, :] = 0
            for ky in range(k_h):
                iy = oy * s_h - pad_top + ky * d_h
                if iy < 0 or iy >= in_h:
                    continue
                for kx in range(k_w):
                    shift, ox0, ox1 = _tap_columns(kx, d_w, pad_left, s_w, in_w, out_w)
                    for ox in range(ox0, ox1):
                        ix = ox * s_w + shift
                        if depth_mult == 1:
                            for c in range(c_out):
                                acc[ox, c] += w[ky, kx, c] * x[b, iy, ix, c]
                        else:
                            for c in range(c_out):
                                acc[ox, c] += w[ky, kx, c] * x[b, iy, ix, c // depth_mult]
            for ox in range(out_w):
                for c in range(c_out):
                    out[b, oy, ox, c] = acc[ox, c] + bias[c]
    return out


@njit(cache=True, nogil=True)
def add_sub(a, b, sign, off_a, off_b, left_shift, m_a, r_a, m_b, r_b, m_out, r_out, zero_point, lo, hi):
    """TFLM's int8 AddFunc/SubFunc over flat, equally long arrays (``sign`` is +1 or -1)."""
    out = np.empty(a.size, np.int8)
    for i in range(a.size):
        va = _mbqm((np.int64(a[i]) + off_a) << left_shift, m_a, 0, r_a)
        vb = _mbqm((np.int64(b[i]) + off_b) << left_shift, m_b, 0, r_b)
        v = _mbqm(va + sign * vb, m_out, 0, r_out) + zero_point
        out[i] = min(max(v, lo), hi)
    return out


@njit(cache=True, nogil=True)
def mul(a, b, off_a, off_b, multiplier, left, right, zero_point, lo, hi):
    """TFLM's int8 MulElementwise over flat, equally long arrays."""
    out = np.empty(a.size, np.int8)
    for i in range(a.size):
        v = _mbqm((np.int64(a[i]) + off_a) * (np.int64(b[i]) + off_b), multiplier, left, right)
        out[i] = min(max(v + zero_point, lo), hi)
    return out
