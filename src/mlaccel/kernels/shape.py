"""Data-movement ops: RESHAPE, PAD, STRIDED_SLICE and CONCATENATION (no arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError, UnsupportedOpError
from ..graph import Op
from .base import Kernel, constant, quant_of, tensor

__all__ = ["RESHAPE", "PAD", "STRIDED_SLICE", "CONCATENATION"]


def _prepare_reshape(op: Op) -> tuple:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    if x.size != out.size:
        raise KernelError(f"Op {op.label}: cannot reshape {x.shape} ({x.size} elements) "
                          f"to {out.shape} ({out.size})")
    return out.shape


def _eval_reshape(out_shape: tuple, inputs: list) -> np.ndarray:
    x = inputs[0]
    return x.reshape(x.shape[:1] + out_shape)


@dataclass(frozen=True)
class PadParams:
    pads: tuple
    value: int | float
    out_shape: tuple


def _prepare_pad(op: Op) -> PadParams:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    pads = constant(op, 1, "paddings").astype(np.int64).reshape(-1, 2)
    if pads.shape[0] != len(x.shape) or np.any(pads < 0):
        raise KernelError(f"Op {op.label}: paddings {pads.tolist()} do not fit input {x.shape}")
    shape = tuple(int(d + a + b) for d, (a, b) in zip(x.shape, pads))
    if shape != tuple(out.shape):
        raise KernelError(f"Op {op.label}: padding {x.shape} gives {shape}, output is {out.shape}")
    if op.input(2) is not None:
        value = constant(op, 2, "constant value").reshape(-1)[0].item()
    elif out.quant is not None and np.issubdtype(out.dtype, np.integer):
        value = quant_of(op, out, "output").zp  # quantized zero, as TFLM pads
    else:
        value = 0
    return PadParams(tuple((int(a), int(b)) for a, b in pads), value, out.shape)


def _eval_pad(p: PadParams, inputs: list) -> np.ndarray:
    return np.pad(inputs[0], ((0, 0),) + p.pads, constant_values=p.value)


def _slice_indices(begin, end, stride, size, begin_masked, end_masked, shrink, offset) -> np.ndarray:
    """TFLite's StartForAxis/StopForAxis, as explicit indices along one axis."""
    if stride == 0:
        raise KernelError("stride 0")
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    else:
        start = begin + size if begin < 0 else begin
        start = min(max(start, 0), size) if stride > 0 else min(max(start, -1), size - 1)
    if shrink:
        return np.array([start])
    if end_masked:
        stop = size if stride > 0 else -1
    else:
        stop = begin + end if offset else end
        stop = stop + size if stop < 0 else stop
        stop = min(max(stop, 0), size) if stride > 0 else min(max(stop, -1), size - 1)
    return np.arange(start, stop, stride)


def _prepare_strided_slice(op: Op) -> tuple:
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    a = op.attrs
    if a.get("ellipsis_mask", 0) or a.get("new_axis_mask", 0):
        raise UnsupportedOpError(f"Op {op.label}: ellipsis_mask and new_axis_mask are not supported",
                                 op_type=op.type, op_index=op.index)
    begin, end, strides = (constant(op, i, r).astype(np.int64).reshape(-1)
                           for i, r in ((1, "begin"), (2, "end"), (3, "strides")))
    rank = len(x.shape)
    if not (len(begin) == len(end) == len(strides) <= rank):
        raise KernelError(f"Op {op.label}: begin/end/strides lengths do not fit input rank {rank}")
    index = []
    for axis in range(rank):
        if axis >= len(begin):
            index.append(np.arange(x.shape[axis]))
            continue
        bit = 1 << axis
        if strides[axis] == 0:
            raise KernelError(f"Op {op.label}: stride of axis {axis} is 0")
        index.append(_slice_indices(int(begin[axis]), int(end[axis]), int(strides[axis]), x.shape[axis],
                                    a.get("begin_mask", 0) & bit, a.get("end_mask", 0) & bit,
                                    a.get("shrink_axis_mask", 0) & bit, a.get("offset", False)))
    size = int(np.prod([len(i) for i in index]))
    if size != out.size:
        raise KernelError(f"Op {op.label}: the slice has {size} elements, output {out.shape} has {out.size}")
    return tuple(_as_slice(i) for i in index), out.shape


def _as_slice(idx: np.ndarray) -> slice:
    """An arithmetic progression of indices as a Python slice (negative strides included)."""
    if len(idx) == 0:
        return slice(0, 0)
    step = int(idx[1] - idx[0]) if len(idx) > 1 else 1
    stop = int(idx[0]) + step * len(idx)
    return slice(int(idx[0]), stop if stop >= 0 else None, step)


def _eval_strided_slice(params: tuple, inputs: list) -> np.ndarray:
    slices, out_shape = params
    x = inputs[0]
    return x[(slice(None),) + slices].reshape(x.shape[:1] + out_shape)


@dataclass(frozen=True)
class ConcatParams:
    axis: int
    shapes: tuple


def _prepare_concat(op: Op) -> ConcatParams:
    out = tensor(op, 0, "output", output=True)
    ins = [tensor(op, i, f"input{i}") for i in range(len(op.inputs))]
    rank = len(out.shape)
    axis = op.attrs.get("axis", 0)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise KernelError(f"Op {op.label}: axis {op.attrs.get('axis')} is out of range for rank {rank}")
    for t in ins:
        if len(t.shape) != rank or any(t.shape[d] != out.shape[d] for d in range(rank) if d != axis):
            raise KernelError(f"Op {op.label}: input {t.shape} does not fit output {out.shape} on axis {axis}")
        if t.quant is not None and out.quant is not None and (
                t.quant.s != out.quant.s or t.quant.zp != out.quant.zp):
            raise UnsupportedOpError(f"Op {op.label}: input '{t.name}' is quantized differently from "
                                     f"the output; requantizing concatenation is not supported",
                                     op_type=op.type, op_index=op.index)
    if sum(t.shape[axis] for t in ins) != out.shape[axis]:
        raise KernelError(f"Op {op.label}: inputs do not add up to output {out.shape} on axis {axis}")
    return ConcatParams(axis, tuple(t.shape for t in ins))


def _eval_concat(p: ConcatParams, inputs: list) -> np.ndarray:
    n = max(x.shape[0] for x in inputs)
    return np.concatenate([np.broadcast_to(x, (n,) + x.shape[1:]) for x in inputs], axis=p.axis + 1)


RESHAPE = Kernel(_prepare_reshape, _eval_reshape)
PAD = Kernel(_prepare_pad, _eval_pad)
STRIDED_SLICE = Kernel(_prepare_strided_slice, _eval_strided_slice)
CONCATENATION = Kernel(_prepare_concat, _eval_concat)
