"""ADD, SUB and MUL for int8 with broadcasting, bit-exact with TFLite-Micro."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from .base import Kernel, check_dtype, quant_of, tensor
from .requantize import activation_range, multiply_by_quantized_multiplier, quantize_multiplier

__all__ = ["ADD", "SUB", "MUL", "align"]

_LEFT_SHIFT = 20  # TFLM's headroom for int8 add/sub


def align(arrays: list[np.ndarray], shapes: list[tuple]) -> list[np.ndarray]:
    """Give arrays with a leading sample axis a common rank, so NumPy broadcasts as TFLite does.

    TFLite broadcasting aligns shapes on the right; the sample axis must stay leftmost, so each
    model shape is left-padded with 1s to the same rank before the sample axis is put back.
    """
    rank = max(len(s) for s in shapes)
    return [a.reshape(a.shape[:1] + (1,) * (rank - len(s)) + tuple(s)) for a, s in zip(arrays, shapes)]


@dataclass(frozen=True)
class BinaryParams:
    kind: str
    shapes: tuple
    out_shape: tuple
    offsets: tuple[int, int]
    in_mults: tuple  # ((m1, s1), (m2, s2)) for ADD/SUB
    out_mult: tuple  # (m, s)
    zero_point: int
    lo: int
    hi: int


def _prepare(op: Op, kind: str) -> BinaryParams:
    a, b = tensor(op, 0, "input1"), tensor(op, 1, "input2")
    out = tensor(op, 0, "output", output=True)
    for t, role in ((a, "input1"), (b, "input2"), (out, "output")):
        check_dtype(op, t, role, np.int8)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise KernelError(f"Op {op.label}: shapes {a.shape} and {b.shape} do not broadcast") from None
    if tuple(shape) != tuple(out.shape) and int(np.prod(shape)) != out.size:
        raise KernelError(f"Op {op.label}: inputs broadcast to {shape}, output is {out.shape}")
    qa, qb, qo = quant_of(op, a, "input1"), quant_of(op, b, "input2"), quant_of(op, out, "output")
    lo, hi = activation_range(op.attrs.get("activation", "NONE"), qo.s, qo.zp, np.int8, op.label)
    sa, sb, so = np.float64(qa.s), np.float64(qb.s), np.float64(qo.s)
    if kind == "MUL":
        in_mults = ()
        out_real = sa * sb / so
    else:
        twice_max = 2 * max(sa, sb)
        in_mults = tuple(tuple(int(v) for v in quantize_multiplier(s / twice_max)) for s in (sa, sb))
        out_real = twice_max / ((1 << _LEFT_SHIFT) * so)
    out_mult = tuple(int(v) for v in quantize_multiplier(out_real))
    return BinaryParams(kind, (a.shape, b.shape), tuple(out.shape), (-qa.zp, -qb.zp), in_mults, out_mult,
                        qo.zp, lo, hi)


def _eval(p: BinaryParams, inputs: list) -> np.ndarray:
    a, b = align([inputs[0], inputs[1]], list(p.shapes))
    a = a.astype(np.int64) + p.offsets[0]
    b = b.astype(np.int64) + p.offsets[1]
    if p.kind == "MUL":
        raw = a * b
    else:
        a = multiply_by_quantized_multiplier(a << _LEFT_SHIFT, *p.in_mults[0])
        b = multiply_by_quantized_multiplier(b << _LEFT_SHIFT, *p.in_mults[1])
        raw = a + b if p.kind == "ADD" else a - b
    out = multiply_by_quantized_multiplier(raw, *p.out_mult) + p.zero_point
    out = np.clip(out, p.lo, p.hi).astype(np.int8)
    return out.reshape(out.shape[:1] + p.out_shape)


ADD = Kernel(lambda op: _prepare(op, "ADD"), _eval)
SUB = Kernel(lambda op: _prepare(op, "SUB"), _eval)
MUL = Kernel(lambda op: _prepare(op, "MUL"), _eval)
