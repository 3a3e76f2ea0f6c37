"""ADD, SUB and MUL for int8 with broadcasting, bit-exact with TFLite-Micro.

ADD and SUB rescale both inputs to a common scale with 20 bits of headroom, add, and rescale to the
output (TFLM's AddFunc); MUL multiplies the offset inputs and requantizes once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from .base import Kernel, check_dtype, quant_of, tensor
from . import loops
from .requantize import activation_range, quantize_multiplier

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
    a, b = np.broadcast_arrays(*align([inputs[0], inputs[1]], list(p.shapes)))
    shape = a.shape
    a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    if p.kind == "MUL":
        m, s = p.out_mult
        out = loops.mul(a, b, p.offsets[0], p.offsets[1], m, max(s, 0), max(-s, 0), p.zero_point,
                        p.lo, p.hi)
    else:
        (ma, sa), (mb, sb), (mo, so) = p.in_mults[0], p.in_mults[1], p.out_mult
        out = loops.add_sub(a, b, 1 if p.kind == "ADD" else -1, p.offsets[0], p.offsets[1], _LEFT_SHIFT,
                            ma, -sa, mb, -sb, mo, -so, p.zero_point, p.lo, p.hi)
    return out.reshape(shape[:1] + p.out_shape)


ADD = Kernel(lambda op: _prepare(op, "ADD"), _eval)
SUB = Kernel(lambda op: _prepare(op, "SUB"), _eval)
MUL = Kernel(lambda op: _prepare(op, "MUL"), _eval)
