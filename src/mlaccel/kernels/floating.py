"""Float32 kernels: the same ops and attributes as the int8 kernels, for float Graphs.

Float models (from ONNX or PyTorch) run on the ``reference`` target through these. They compute in
float32 as ONNX Runtime does, so the two agree to float32 rounding (about 1e-6 relative), not bit
for bit: summation order differs between BLAS libraries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from . import loops
from .base import Kernel, bias, check_dtype, constant, tensor
from .conv import conv_geometry, depthwise_geometry, gemm_tiles
from .elementwise import align
from .shape import CONCATENATION, PAD, RESHAPE, STRIDED_SLICE
from .window import Window, padded, taps, window_of

__all__ = ["FLOAT_KERNELS", "apply_activation"]

_F32 = np.float32


def apply_activation(x: np.ndarray, activation: str, label: str = "") -> np.ndarray:
    """Apply a fused activation (NONE, RELU, RELU6, RELU_N1_TO_1, TANH), in place where possible."""
    if activation == "NONE":
        return x
    if activation == "RELU":
        return np.maximum(x, 0, out=x)
    if activation == "RELU6":
        return np.clip(x, 0, 6, out=x)
    if activation == "RELU_N1_TO_1":
        return np.clip(x, -1, 1, out=x)
    if activation == "TANH":
        return np.tanh(x, out=x)
    raise KernelError(f"Op {label}: fused activation {activation} is not supported")


def _check_float(op: Op, *roles: tuple[int, str]) -> None:
    for i, role in roles:
        check_dtype(op, tensor(op, i, role), role, _F32)
    check_dtype(op, tensor(op, 0, "output", output=True), "output", _F32)


@dataclass(frozen=True)
class ConvParams:
    window: Window
    in_shape: tuple
    out_shape: tuple
    groups: int
    weights: np.ndarray  # (groups, KH*KW*Cin_per_group, Cout_per_group)
    bias: np.ndarray
    activation: str
    label: str


def _prepare_conv(op: Op) -> ConvParams:
    _check_float(op, (0, "input"), (1, "filter"))
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    filt = constant(op, 1, "filter").astype(_F32)
    groups, win = conv_geometry(op, filt.shape)
    c_out = filt.shape[0]
    mats = filt.reshape(groups, c_out // groups, -1).transpose(0, 2, 1)
    return ConvParams(win, x.shape, out.shape, groups, np.ascontiguousarray(mats), bias(op, 2, c_out, _F32, _F32),
                      op.attrs.get("activation", "NONE"), op.label)


def _eval_conv(p: ConvParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = inputs[0].reshape((-1,) + p.in_shape[1:])
    w = p.window
    out = np.empty((x.shape[0] * w.out_h * w.out_w, p.out_shape[-1]), _F32)
    for s0, acc in gemm_tiles(x, _F32(0), w, p.weights):
        out[s0 * w.out_h * w.out_w:][:acc.shape[0]] = acc
    out += p.bias
    return apply_activation(out, p.activation, p.label).reshape((n,) + p.out_shape)


def _prepare_depthwise(op: Op) -> ConvParams:
    _check_float(op, (0, "input"), (1, "filter"))
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    filt = constant(op, 1, "filter").astype(_F32)
    multiplier, win = depthwise_geometry(op, filt.shape)
    c_out = filt.shape[-1]
    # weights (KH, KW, C*m); groups holds the depth multiplier
    return ConvParams(win, x.shape, out.shape, multiplier, np.ascontiguousarray(filt[0]),
                      bias(op, 2, c_out, _F32, _F32), op.attrs.get("activation", "NONE"), op.label)


def _eval_depthwise(p: ConvParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = np.ascontiguousarray(inputs[0].reshape((-1,) + p.in_shape[1:]), _F32)
    w = p.window
    acc = loops.depthwise_float(x, p.weights, p.groups, w.stride_h, w.stride_w, w.dil_h, w.dil_w, w.pad_top,
                                w.pad_left, w.out_h, w.out_w, np.ascontiguousarray(p.bias, _F32))
    return apply_activation(acc, p.activation, p.label).reshape((n,) + p.out_shape)


@dataclass(frozen=True)
class FullyConnectedParams:
    depth: int
    out_shape: tuple
    weights: np.ndarray  # (K, Cout)
    bias: np.ndarray
    activation: str
    label: str


def _prepare_fc(op: Op) -> FullyConnectedParams:
    _check_float(op, (0, "input"), (1, "weights"))
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    w = constant(op, 1, "weights").astype(_F32)
    if w.ndim != 2:
        raise KernelError(f"Op {op.label}: weights must be 2-D (O, K), got {w.shape}")
    c_out, depth = w.shape
    if x.size % depth or out.size != (x.size // depth) * c_out:
        raise KernelError(f"Op {op.label}: input {x.shape} and weights {w.shape} do not give output {out.shape}")
    return FullyConnectedParams(depth, out.shape, np.ascontiguousarray(w.T), bias(op, 2, c_out, _F32, _F32),
                                op.attrs.get("activation", "NONE"), op.label)


def _eval_fc(p: FullyConnectedParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    acc = inputs[0].reshape(-1, p.depth) @ p.weights
    acc += p.bias
    return apply_activation(acc, p.activation, p.label).reshape((n,) + p.out_shape)


@dataclass(frozen=True)
class PoolParams:
    window: Window
    in_shape: tuple
    out_shape: tuple
    count: np.ndarray | None
    activation: str
    label: str


def _prepare_pool(op: Op, average: bool) -> PoolParams:
    _check_float(op, (0, "input"))
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    win = window_of(op, x.shape, op.attrs.get("filter_h", 0), op.attrs.get("filter_w", 0), out.shape)
    count = None
    if average:  # padding taps are not counted, as in TFLite and ONNX's count_include_pad=0
        ones = padded(np.ones((1, win.in_h, win.in_w, 1), _F32), win)
        count = sum(view for _, _, view in taps(ones, win))
    return PoolParams(win, x.shape, out.shape, count, op.attrs.get("activation", "NONE"), op.label)


def _eval_pool(p: PoolParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = inputs[0].reshape((-1,) + p.in_shape[1:])
    if p.count is None:
        acc = None
        for _, _, view in taps(padded(x, p.window, value=-np.inf), p.window):
            acc = view.copy() if acc is None else np.maximum(acc, view, out=acc)
    else:
        acc = np.zeros((x.shape[0], p.window.out_h, p.window.out_w, x.shape[-1]), _F32)
        for _, _, view in taps(padded(x, p.window), p.window):
            acc += view
        acc /= p.count
    return apply_activation(acc, p.activation, p.label).reshape((n,) + p.out_shape)


@dataclass(frozen=True)
class BinaryParams:
    ufunc: np.ufunc
    shapes: tuple
    out_shape: tuple
    activation: str
    label: str


def _prepare_binary(op: Op, ufunc: np.ufunc) -> BinaryParams:
    _check_float(op, (0, "input1"), (1, "input2"))
    a, b = tensor(op, 0, "input1"), tensor(op, 1, "input2")
    out = tensor(op, 0, "output", output=True)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise KernelError(f"Op {op.label}: shapes {a.shape} and {b.shape} do not broadcast") from None
    if int(np.prod(shape)) != out.size:
        raise KernelError(f"Op {op.label}: inputs broadcast to {shape}, output is {out.shape}")
    return BinaryParams(ufunc, (a.shape, b.shape), tuple(out.shape), op.attrs.get("activation", "NONE"),
                        op.label)


def _eval_binary(p: BinaryParams, inputs: list) -> np.ndarray:
    a, b = align([inputs[0], inputs[1]], list(p.shapes))
    out = p.ufunc(a, b)
    return apply_activation(out, p.activation, p.label).reshape(out.shape[:1] + p.out_shape)


def _unary(fn) -> Kernel:
    def prepare(op: Op) -> Op:
        _check_float(op, (0, "input"))
        return op
    return Kernel(prepare, lambda op, inputs: fn(op, inputs[0]))


def _softmax(op: Op, x: np.ndarray) -> np.ndarray:
    z = (x - x.max(axis=-1, keepdims=True)) * _F32(op.attrs.get("beta", 1.0))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


FLOAT_KERNELS: dict[str, Kernel] = {
    "CONV_2D": Kernel(_prepare_conv, _eval_conv),
    "DEPTHWISE_CONV_2D": Kernel(_prepare_depthwise, _eval_depthwise),
    "FULLY_CONNECTED": Kernel(_prepare_fc, _eval_fc),
    "AVERAGE_POOL_2D": Kernel(lambda op: _prepare_pool(op, True), _eval_pool),
    "MAX_POOL_2D": Kernel(lambda op: _prepare_pool(op, False), _eval_pool),
    "ADD": Kernel(lambda op: _prepare_binary(op, np.add), _eval_binary),
    "SUB": Kernel(lambda op: _prepare_binary(op, np.subtract), _eval_binary),
    "MUL": Kernel(lambda op: _prepare_binary(op, np.multiply), _eval_binary),
    "SOFTMAX": _unary(_softmax),
    "LOGISTIC": _unary(lambda op, x: (1 / (1 + np.exp(-x))).astype(_F32)),
    "TANH": _unary(lambda op, x: np.tanh(x)),
    "RELU": _unary(lambda op, x: np.maximum(x, 0)),
    "RELU6": _unary(lambda op, x: np.clip(x, 0, 6)),
    "RESHAPE": RESHAPE,
    "PAD": PAD,
    "STRIDED_SLICE": STRIDED_SLICE,
    "CONCATENATION": CONCATENATION,
}
