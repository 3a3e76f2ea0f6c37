"""SOFTMAX, LOGISTIC and TANH for int8 in TFLite-Micro's gemmlowp fixed-point form; RELU and RELU6."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from . import fixedpoint as fp
from .base import Kernel, check_dtype, quant_of, tensor
from .requantize import multiply_by_quantized_multiplier, quantize_multiplier, round_half_away

__all__ = ["SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6"]

_SOFTMAX_DIFF_BITS = 5  # kScaledDiffIntegerBits
_SOFTMAX_ACCUM_BITS = 12  # kAccumulationIntegerBits
_LOGISTIC_INPUT_BITS = 4


def _input_radius(integer_bits: int, left_shift: int) -> int:
    """CalculateInputRadius with 31 total signed bits."""
    return math.floor(((1 << integer_bits) - 1) * float(1 << (31 - integer_bits)) / float(2**left_shift))


def _check_output(op: Op, zero_point: int = -128, scale: str = "1/256") -> None:
    out = tensor(op, 0, "output", output=True)
    check_dtype(op, out, "output", np.int8)
    q = quant_of(op, out, "output")
    if q.zp != zero_point:
        raise KernelError(f"Op {op.label}: int8 output must have zero point {zero_point} (scale {scale}), "
                          f"got zero point {q.zp}")


@dataclass(frozen=True)
class SoftmaxParams:
    multiplier: int
    left_shift: int
    diff_min: int


def _prepare_softmax(op: Op) -> SoftmaxParams:
    x = tensor(op, 0, "input")
    check_dtype(op, x, "input", np.int8)
    _check_output(op)
    beta = np.float64(np.float32(op.attrs.get("beta", 1.0)))
    if not beta > 0:  # TFLite-Micro aborts the process on these
        raise KernelError(f"Op {op.label}: softmax beta must be positive, got {beta}")
    real = beta * np.float64(quant_of(op, x, "input").s) * float(1 << (31 - _SOFTMAX_DIFF_BITS))
    real = min(real, float((1 << 31) - 1))
    m, s = (int(v) for v in quantize_multiplier(real))
    return SoftmaxParams(m, s, -_input_radius(_SOFTMAX_DIFF_BITS, s))


def _eval_softmax(p: SoftmaxParams, inputs: list) -> np.ndarray:
    x = inputs[0].astype(np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    valid = diff >= p.diff_min
    rescaled = fp.srdhm(diff << p.left_shift, p.multiplier)
    exps = fp.exp_on_negative_values(rescaled, _SOFTMAX_DIFF_BITS)
    terms = np.where(valid, fp.rdbpot(exps, _SOFTMAX_ACCUM_BITS), 0)
    scale, bits = fp.reciprocal(terms.sum(axis=-1, keepdims=True), _SOFTMAX_ACCUM_BITS)
    out = fp.rdbpot(fp.srdhm(scale, exps), bits + 31 - 8) - 128
    out = np.where(valid, np.clip(out, -128, 127), -128)
    return out.astype(np.int8)


@dataclass(frozen=True)
class LogisticParams:
    zero_point: int
    radius: int
    multiplier: int
    left_shift: int


def _prepare_logistic(op: Op) -> LogisticParams:
    _check_output(op)
    return _sigmoid_params(op)


def _prepare_tanh(op: Op) -> LogisticParams:
    _check_output(op, 0, "1/128")
    return _sigmoid_params(op)


def _sigmoid_params(op: Op) -> LogisticParams:
    """The Q4 input rescaling that TFLM's int8 LOGISTIC and TANH share."""
    x = tensor(op, 0, "input")
    check_dtype(op, x, "input", np.int8)
    q = quant_of(op, x, "input")
    real = np.float64(q.s) * float(1 << (31 - _LOGISTIC_INPUT_BITS))
    frac, left_shift = math.frexp(real)
    multiplier = int(round_half_away(frac * float(1 << 31)))
    return LogisticParams(q.zp, _input_radius(_LOGISTIC_INPUT_BITS, left_shift), multiplier, left_shift)


def _eval_logistic(p: LogisticParams, inputs: list) -> np.ndarray:
    x = inputs[0].astype(np.int64) - p.zero_point
    in_q4 = multiply_by_quantized_multiplier(x, p.multiplier, p.left_shift)
    out = fp.rdbpot(fp.logistic(in_q4, _LOGISTIC_INPUT_BITS), 31 - 8) - 128
    out = np.clip(out, -128, 127)
    out = np.where(x <= -p.radius, -128, np.where(x >= p.radius, 127, out))
    return out.astype(np.int8)


def _eval_tanh(p: LogisticParams, inputs: list) -> np.ndarray:
    x = inputs[0].astype(np.int64) - p.zero_point
    in_q4 = multiply_by_quantized_multiplier(x, p.multiplier, p.left_shift)
    out = np.clip(fp.rdbpot(fp.tanh(in_q4, _LOGISTIC_INPUT_BITS), 31 - 7), -128, 127)
    out = np.where(x <= -p.radius, -128, np.where(x >= p.radius, 127, out))
    return out.astype(np.int8)


@dataclass(frozen=True)
class ReluParams:
    table: np.ndarray  # (256,) int8 output for each int8 input, indexed by q + 128


def _prepare_relu(op: Op, six: bool) -> ReluParams:
    """TFLM's ReluQuantized (rescales to the output) or Relu6Quantized (clamps in the input's scale)."""
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, out, "output", np.int8)
    qi, qo = quant_of(op, x, "input"), quant_of(op, out, "output")
    q = np.arange(-128, 128, dtype=np.int64)
    if six:
        top = min(127, qi.zp + int(round_half_away(6.0 / np.float64(np.float32(qi.s)))))
        table = np.clip(q, qi.zp, top)
    else:
        m, shift = quantize_multiplier(np.float64(qi.s) / np.float64(qo.s))
        table = qo.zp + multiply_by_quantized_multiplier(q - qi.zp, int(m), int(shift))
        table = np.clip(table, max(-128, qo.zp), 127)
    return ReluParams(table.astype(np.int8))


def _eval_lookup(p: ReluParams, inputs: list) -> np.ndarray:
    return p.table[inputs[0].astype(np.int16) + 128]


SOFTMAX = Kernel(_prepare_softmax, _eval_softmax)
LOGISTIC = Kernel(_prepare_logistic, _eval_logistic)
TANH = Kernel(_prepare_tanh, _eval_tanh)
RELU = Kernel(lambda op: _prepare_relu(op, False), _eval_lookup)
RELU6 = Kernel(lambda op: _prepare_relu(op, True), _eval_lookup)
