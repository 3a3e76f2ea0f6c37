"""TFLite-Micro's quantization arithmetic: multipliers, activation ranges and requantization.

The functions mirror TFLite's ``QuantizeMultiplier``, ``MultiplyByQuantizedMultiplier`` (double
rounding, as TFLM builds it) and ``CalculateActivationRangeQuantized``, including where TFLite
computes in float32 and where in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedOpError
from . import loops
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


@dataclass(frozen=True, eq=False)
class Requant:
    """Per-channel requantization of int32 accumulators to a clamped int8 output.

    Equal, value for value, to ``clip(multiply_by_quantized_multiplier(acc + bias, m, s) +
    zero_point, lo, hi)``, done in one compiled pass.

    Attributes
    ----------
    multiplier, left, right : ndarray of int64
        One per output channel: Q0.31 significand and the left/right shifts of TFLite's
        MultiplyByQuantizedMultiplier.
    zero_point, lo, hi : int
        Output zero point and activation range (after the zero point).
    """

    multiplier: np.ndarray
    left: np.ndarray
    right: np.ndarray
    zero_point: int
    lo: int
    hi: int

    @classmethod
    def from_real(cls, real, channels: int, zero_point: int, lo: int, hi: int) -> "Requant":
        """Build from real multipliers (one, or one per channel)."""
        m, s = quantize_multiplier(real)
        m, s = (np.ascontiguousarray(np.broadcast_to(v, (channels,)), np.int64) for v in (m, s))
        return cls(m, np.maximum(s, 0), np.maximum(-s, 0), int(zero_point), int(lo), int(hi))

    def __call__(self, acc: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Requantize accumulators (any integer-valued dtype; channels on the last axis) to int8.

        ``out``, if given, is an int8 array of ``acc``'s shape that receives the result.
        """
        flat = acc.reshape(-1, acc.shape[-1])
        res = np.empty(flat.shape, np.int8) if out is None else out.reshape(flat.shape)
        loops.requantize_rows(flat, bias, self.multiplier, self.left, self.right, self.zero_point,
                              self.lo, self.hi, res)
        return res.reshape(acc.shape) if out is None else out


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
