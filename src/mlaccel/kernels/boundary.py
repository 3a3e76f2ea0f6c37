"""QUANTIZE and DEQUANTIZE: the float boundary of int8 models, and int8 requantization."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import Op
from .base import Kernel, check_dtype, quant_of, tensor
from .requantize import multiply_by_quantized_multiplier, quantize_multiplier, round_half_away

__all__ = ["QUANTIZE", "DEQUANTIZE", "quantize_float"]


@dataclass(frozen=True)
class QuantizeParams:
    from_float: bool
    scale: np.float32
    in_zero_point: int
    zero_point: int
    multiplier: tuple
    dtype: np.dtype


def _prepare_quantize(op: Op) -> QuantizeParams:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.float32, np.int8)
    check_dtype(op, out, "output", np.int8)
    qo = quant_of(op, out, "output")
    if x.dtype == np.float32:
        return QuantizeParams(True, np.float32(qo.s), 0, qo.zp, (), out.dtype)
    qi = quant_of(op, x, "input")
    mult = tuple(int(v) for v in quantize_multiplier(np.float64(qi.s) / np.float64(qo.s)))
    return QuantizeParams(False, np.float32(qo.s), qi.zp, qo.zp, mult, out.dtype)


def _eval_quantize(p: QuantizeParams, inputs: list) -> np.ndarray:
    info = np.iinfo(p.dtype)
    x = inputs[0]
    if p.from_float:
        return quantize_float(x, p.scale, p.zero_point, p.dtype)
    q = multiply_by_quantized_multiplier(x.astype(np.int64) - p.in_zero_point, *p.multiplier)
    return np.clip(q + p.zero_point, info.min, info.max).astype(p.dtype)


def quantize_float(x: np.ndarray, scale: float, zero_point: int, dtype=np.int8) -> np.ndarray:
    """Float to int8 exactly as TFLite-Micro's QUANTIZE does (AffineQuantize).

    Float32 division, std::round, static_cast<int32_t>, + zero point in int32, then the clamp. That
    cast of NaN or of a value outside int32 is undefined in C++; on x86-64, where the oracle (PyPI
    tflite-micro) runs, it gives INT32_MIN (cvttss2si's "integer indefinite"), and the zero point's
    addition wraps: with a negative zero point, -inf, NaN and huge values of either sign come out as
    +127. We reproduce that build.
    """
    info = np.iinfo(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        r = round_half_away(np.asarray(x).astype(np.float32) / np.float32(scale))
        fits = (r >= -2.0**31) & (r < 2.0**31)
        i32 = np.where(fits, np.where(fits, r, 0).astype(np.int64), -(2**31))
    q = (i32 + zero_point + 2**31) % 2**32 - 2**31
    return np.clip(q, info.min, info.max).astype(dtype)


def _prepare_dequantize(op: Op) -> tuple[float, int]:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, out, "output", np.float32)
    q = quant_of(op, x, "input")
    return float(np.float64(q.s)), q.zp


def _eval_dequantize(p: tuple[float, int], inputs: list) -> np.ndarray:
    scale, zp = p
    return (scale * (inputs[0].astype(np.float64) - zp)).astype(np.float32)


QUANTIZE = Kernel(_prepare_quantize, _eval_quantize)
DEQUANTIZE = Kernel(_prepare_dequantize, _eval_dequantize)
