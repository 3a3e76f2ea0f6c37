"""AVERAGE_POOL_2D and MAX_POOL_2D for int8, bit-exact with TFLite-Micro's reference kernels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from .base import Kernel, check_dtype, quant_of, tensor
from .requantize import activation_range
from .window import Window, padded, taps, window_of

__all__ = ["AVERAGE_POOL_2D", "MAX_POOL_2D"]


@dataclass(frozen=True)
class PoolParams:
    window: Window
    in_shape: tuple
    out_shape: tuple
    lo: int
    hi: int
    count: np.ndarray | None  # (OH, OW, 1) valid taps per output, for averaging


def _prepare(op: Op, average: bool) -> PoolParams:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, out, "output", np.int8)
    if x.shape[-1:] != out.shape[-1:]:
        raise KernelError(f"Op {op.label}: input {x.shape} and output {out.shape} differ in channels")
    win = window_of(op, x.shape, op.attrs.get("filter_h", 0), op.attrs.get("filter_w", 0), out.shape)
    q = quant_of(op, out, "output")
    lo, hi = activation_range(op.attrs.get("activation", "NONE"), q.s, q.zp, np.int8, op.label)
    count = None
    if average:
        def valid(n_out, stride, pad, k, size):
            origin = np.arange(n_out) * stride - pad
            return np.minimum(k, size - origin) - np.maximum(0, -origin)
        count = np.multiply.outer(valid(win.out_h, win.stride_h, win.pad_top, win.k_h, win.in_h),
                                  valid(win.out_w, win.stride_w, win.pad_left, win.k_w, win.in_w))
        count = count.astype(np.int32)[:, :, None]
    return PoolParams(win, x.shape, out.shape, lo, hi, count)


def _eval_average(p: PoolParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = padded(inputs[0].reshape((-1,) + p.in_shape[1:]).astype(np.int32), p.window)
    acc = None
    for _, _, view in taps(x, p.window):
        acc = view.copy() if acc is None else acc.__iadd__(view)
    # TFLM rounds half away from zero with C's truncating division.
    mag = (np.abs(acc) + p.count // 2) // p.count
    out = np.clip(np.sign(acc) * mag, p.lo, p.hi)
    return out.astype(np.int8).reshape((n,) + p.out_shape)


def _eval_max(p: PoolParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = padded(inputs[0].reshape((-1,) + p.in_shape[1:]), p.window, value=np.iinfo(np.int8).min)
    acc = None
    for _, _, view in taps(x, p.window):
        acc = view.copy() if acc is None else np.maximum(acc, view, out=acc)
    return np.clip(acc, p.lo, p.hi).astype(np.int8).reshape((n,) + p.out_shape)


AVERAGE_POOL_2D = Kernel(lambda op: _prepare(op, True), _eval_average)
MAX_POOL_2D = Kernel(lambda op: _prepare(op, False), _eval_max)
