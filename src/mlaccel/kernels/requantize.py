"""TFLite-Micro's quantization arithmetic: multipliers, activation ranges and requantization.

The functions mirror TFLite's ``QuantizeMultiplier``, ``MultiplyByQuantizedMultiplier`` (double
rounding, as TFLM builds it) and ``CalculateActivationRangeQuantized``, including where TFLite
computes in float32 and where in float64.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from .fixedpoint import rdbpot, srdhm

__all__ = [
    "round_half_away",
    "quantize_multiplier",
    "multiply_by_quantized_multiplier",
    "Requant",
    "activation_range",
]


def round_half_away(x) -> np.ndarray:
    """``std::round``: to nearest, ties away from zero, exact for every float."""
    x = np.asarray(x)
    t = np.trunc(x)
    return t + np.sign(x) * (np.abs(x - t) >= 0.5)


def quantize_multiplier(real) -> tuple[np.ndarray, np.ndarray]:
    """TFLite's QuantizeMultiplier, elementwise.

    Parameters
    ----------
    real : array_like of float64
        Real multipliers.

    Returns
    -------
    multiplier : ndarray of int64
        Q0.31 significands in [2**30, 2**31), or 0.
    shift : ndarray of int64
        Power-of-two exponents: ``real ~ multiplier * 2**(shift - 31)``.
    """
    real = np.asarray(real, np.float64)
    q, shift = np.frexp(real)
    q_fixed = round_half_away(q * float(1 << 31)).astype(np.int64)
    full = q_fixed == (1 << 31)
    q_fixed = np.where(full, q_fixed // 2, q_fixed)
    shift = np.where(full, shift + 1, shift).astype(np.int64)
    tiny = shift < -31  # flushed to zero, as TFLite does
    return np.where(tiny, 0, q_fixed), np.where(tiny, 0, shift)


def multiply_by_quantized_multiplier(x, multiplier, shift) -> np.ndarray:
    """TFLite's MultiplyByQuantizedMultiplier (int32 input, double rounding)."""
    x = np.asarray(x, np.int64)
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return rdbpot(srdhm(x << left, multiplier), right)


class Requant:
    """Per-channel requantization from int32 accumulators to a clamped integer output.

    Precomputes everything that depends only on the multipliers, so the per-call work is a few
    in-place passes. Equal, value for value, to ``clip(multiply_by_quantized_multiplier(acc, m, s)
    + zero_point, lo, hi)``; the tests check it against that literal form.

    Parameters
    ----------
    multiplier, shift : array_like of int
        From :func:`quantize_multiplier`, one per output channel (last axis) or one in all.
    zero_point : int
        Output zero point.
    lo, hi : int
        Activation range after the zero point is added.
    dtype : numpy dtype
        Output type.
    """

    def __init__(self, multiplier, shift, zero_point: int, lo: int, hi: int, dtype=np.int8):
        m = np.asarray(multiplier, np.int64)
        s = np.asarray(shift, np.int64)
        self.multiplier = m
        self.left = np.maximum(s, 0)
        self.right = np.maximum(-s, 0)
        self.any_left = bool(np.any(self.left))
        self.any_right = bool(np.any(self.right))
        self.all_right = bool(np.all(self.right > 0))
        self.has_right = self.right > 0
        self.half = (np.int64(1) << self.right) >> 1
        self.zero_point = int(zero_point)
        self.lo, self.hi = int(lo), int(hi)
        self.dtype = np.dtype(dtype)

    def __call__(self, acc: np.ndarray) -> np.ndarray:
        """Requantize int64 accumulators (channels on the last axis); modifies ``acc``."""
        x = acc
        if self.any_left:
            x <<= self.left
        x *= self.multiplier
        x += 1 << 30
        x >>= 31
        if self.any_right:
            neg = x < 0
            if not self.all_right:
                neg &= self.has_right
            x += self.half
            x -= neg
            x >>= self.right
        x += self.zero_point
        np.clip(x, self.lo, self.hi, out=x)
        return x.astype(self.dtype)


_ACT_LIMITS = {"NONE": (None, None), "RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


def activation_range(activation: str, scale: float, zero_point: int, dtype=np.int8,
                     op_label: str = "") -> tuple[int, int]:
    """CalculateActivationRangeQuantized: the clamp range of a fused activation, in output units.

    Raises
    ------
    UnsupportedOpError
        For TANH and SIGN_BIT, which TFLM does not fuse either.
    """
    info = np.iinfo(dtype)
    if activation not in _ACT_LIMITS:
        raise UnsupportedOpError(f"Op {op_label}: fused activation {activation} is not supported")
    lo_real, hi_real = _ACT_LIMITS[activation]

    def quantize(f: float) -> int:
        # float32 division, as TFLite's lambda computes f / scale on floats
        return zero_point + int(round_half_away(np.float32(f) / np.float32(scale)))

    lo = info.min if lo_real is None else max(info.min, quantize(lo_real))
    hi = info.max if hi_real is None else min(info.max, quantize(hi_real))
    return int(lo), int(hi)
