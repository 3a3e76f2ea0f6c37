"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED for int8, bit-exact with TFLite-Micro.

Convolution and fully connected accumulate as float GEMMs (BLAS), which is exact when every partial
sum is an integer that the float type represents exactly. With ``|x - zp_in| <= 255`` every partial sum is
bounded by ``255 * sum(|w|)`` for its output channel, so float32 is used when that bound is below
2**24 and float64 (exact to 2**53) otherwise. The choice is made per layer in ``prepare``.
Depthwise convolution accumulates in int64 in a compiled loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op
from .base import Kernel, bias, check_dtype, constant, quant_of, tensor
from . import loops
from .requantize import Requant, activation_range
from .window import Window, window_of

__all__ = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "exact_float_type", "conv_geometry",
           "depthwise_geometry", "gemm_tiles", "gemm_inputs", "gemm_nonzeros"]

_MAX_ABS_INPUT = 255  # |q - zero_point| for int8 activations


def exact_float_type(weight_abs_sums: np.ndarray) -> np.dtype:
    """The narrowest float type in which a dot product with these weights is exact.

    Parameters
    ----------
    weight_abs_sums : ndarray
        Sum of absolute weights per output channel.
    """
    bound = _MAX_ABS_INPUT * float(np.max(weight_abs_sums, initial=0))
    return np.dtype(np.float32) if bound < 2**24 else np.dtype(np.float64)


def _requant_for(op: Op, real_multipliers: np.ndarray, channels: int) -> Requant:
    out = tensor(op, 0, "output", output=True)
    check_dtype(op, out, "output", np.int8)
    q_out = quant_of(op, out, "output")
    lo, hi = activation_range(op.attrs.get("activation", "NONE"), q_out.s, q_out.zp, np.int8, op.label)
    return Requant.from_real(real_multipliers, channels, q_out.zp, lo, hi)


def _per_channel_multipliers(op: Op, n_channels: int) -> np.ndarray:
    """PopulateConvolutionQuantizationParams: ``in_scale * filter_scale[c] / out_scale`` in double."""
    x, w, out = tensor(op, 0, "input"), tensor(op, 1, "filter"), tensor(op, 0, "output", output=True)
    fq = quant_of(op, w, "filter")
    if fq.scale.size not in (1, n_channels):
        raise KernelError(f"Op {op.label}: filter has {fq.scale.size} scales for {n_channels} channels")
    if np.any(fq.zero_point != 0) and fq.per_axis:
        raise KernelError(f"Op {op.label}: per-channel filter zero points must be 0")
    f_scale = np.broadcast_to(fq.scale.astype(np.float64), (n_channels,))
    in_s = np.float64(quant_of(op, x, "input").s)
    out_s = np.float64(quant_of(op, out, "output").s)
    return in_s * f_scale / out_s


def conv_geometry(op: Op, filter_shape: tuple) -> tuple[int, Window]:
    """The groups and window of a CONV_2D with an (O, H, W, I/groups) filter; a KernelError naming
    the op when the filter, input and output do not fit together."""
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    if len(filter_shape) != 4:
        raise KernelError(f"Op {op.label}: filter must be 4-D (O, H, W, I), got {tuple(filter_shape)}")
    c_out, k_h, k_w, c_in_g = filter_shape
    c_in = x.shape[-1] if len(x.shape) == 4 else -1
    if c_in_g < 1 or c_in % c_in_g or c_out % (c_in // c_in_g):
        raise KernelError(f"Op {op.label}: input has {c_in} channels, filter expects {c_in_g} per group")
    if out.shape[-1] != c_out:
        raise KernelError(f"Op {op.label}: filter has {c_out} output channels, output tensor {out.shape}")
    return c_in // c_in_g, window_of(op, x.shape, k_h, k_w, out.shape)


def depthwise_geometry(op: Op, filter_shape: tuple) -> tuple[int, Window]:
    """The depth multiplier and window of a DEPTHWISE_CONV_2D with a (1, H, W, C*m) filter."""
    x, out = tensor(op, 0, "input"), tensor(op, 0, "output", output=True)
    if len(filter_shape) != 4 or filter_shape[0] != 1:
        raise KernelError(f"Op {op.label}: filter must be (1, H, W, C), got {tuple(filter_shape)}")
    _, k_h, k_w, c_out = filter_shape
    c_in = x.shape[-1] if len(x.shape) == 4 else -1
    if c_in < 1 or c_out % c_in or out.shape[-1] != c_out:
        raise KernelError(f"Op {op.label}: {c_in} input channels, filter {tuple(filter_shape)}, output {out.shape}")
    return c_out // c_in, window_of(op, x.shape, k_h, k_w, out.shape)


@dataclass(frozen=True)
class ConvParams:
    window: Window
    in_offset: int
    in_shape: tuple
    out_shape: tuple
    groups: int
    weights: np.ndarray  # (groups, KH*KW*Cin_per_group, Cout_per_group), float
    bias: np.ndarray
    requant: Requant


def prepare_conv(op: Op) -> ConvParams:
    x, w, out = tensor(op, 0, "input"), tensor(op, 1, "filter"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, w, "filter", np.int8)
    filt = constant(op, 1, "filter").astype(np.int64)
    groups, win = conv_geometry(op, filt.shape)
    c_out, k_h, k_w, c_in_g = filt.shape
    ft = exact_float_type(np.abs(filt).reshape(c_out, -1).sum(axis=1))
    per_g = c_out // groups
    mats = filt.reshape(groups, per_g, k_h * k_w * c_in_g).transpose(0, 2, 1).astype(ft)
    return ConvParams(win, -quant_of(op, x, "input").zp, x.shape, out.shape, groups,
                      np.ascontiguousarray(mats), bias(op, 2, c_out, np.int32, np.int64),
                      _requant_for(op, _per_channel_multipliers(op, c_out), c_out))


def _im2col(x: np.ndarray, offset: int, w: Window, dtype: np.dtype) -> np.ndarray:
    """(B*OH*OW, KH*KW*C) float matrix of ``x + offset`` with zeros where taps fall in padding."""
    cols = np.empty((x.shape[0] * w.out_h * w.out_w, w.k_h * w.k_w * x.shape[-1]), dtype)
    loops.im2col(x, offset, w.k_h, w.k_w, w.stride_h, w.stride_w, w.dil_h, w.dil_w,
                 w.pad_top, w.pad_left, w.out_h, w.out_w, cols)
    return cols


_TILE_BYTES = 1 << 20  # im2col tile kept cache-sized; the GEMM is memory-bound on larger ones


def gemm_tiles(x: np.ndarray, offset, w: Window, weights: np.ndarray):
    """Yield ``(first sample, accumulators)`` per cache-sized tile of samples of an NHWC batch.

    Each tile is im2col'd (``x + offset``) and multiplied by ``weights``, ``(groups, K, Cout/groups)``,
    one GEMM per group; the accumulators are ``(samples * OH * OW, Cout)``.
    """
    groups = weights.shape[0]
    row_bytes = w.out_h * w.out_w * w.k_h * w.k_w * x.shape[-1] * weights.dtype.itemsize
    step = max(1, _TILE_BYTES // row_bytes)
    for s0 in range(0, x.shape[0], step):
        cols = _im2col(x[s0:s0 + step], offset, w, weights.dtype)
        if groups == 1:
            yield s0, cols @ weights[0]
        else:
            cols = cols.reshape(cols.shape[0], w.k_h * w.k_w, groups, -1)
            yield s0, np.concatenate([cols[:, :, g, :].reshape(cols.shape[0], -1) @ weights[g]
                                      for g in range(groups)], axis=1)


def eval_conv(p: ConvParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = inputs[0].reshape((-1,) + p.in_shape[1:])
    w = p.window
    out = np.empty((x.shape[0], w.out_h, w.out_w, p.out_shape[-1]), np.int8)
    for s0, acc in gemm_tiles(x, p.in_offset, w, p.weights):
        p.requant(acc, p.bias, out[s0:s0 + acc.shape[0] // (w.out_h * w.out_w)])
    return out.reshape((n,) + p.out_shape)


@dataclass(frozen=True)
class DepthwiseParams:
    window: Window
    in_offset: int
    in_shape: tuple
    out_shape: tuple
    multiplier: int
    weights: np.ndarray  # (KH, KW, Cout), int32
    bias: np.ndarray
    requant: Requant


def prepare_depthwise(op: Op) -> DepthwiseParams:
    x, w, out = tensor(op, 0, "input"), tensor(op, 1, "filter"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, w, "filter", np.int8)
    filt = constant(op, 1, "filter").astype(np.int64)
    multiplier, win = depthwise_geometry(op, filt.shape)
    c_out = filt.shape[-1]
    return DepthwiseParams(win, -quant_of(op, x, "input").zp, x.shape, out.shape, multiplier,
                           np.ascontiguousarray(filt[0], np.int32), bias(op, 2, c_out, np.int32, np.int64),
                           _requant_for(op, _per_channel_multipliers(op, c_out), c_out))


def eval_depthwise(p: DepthwiseParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    x = inputs[0].reshape((-1,) + p.in_shape[1:])
    w, r = p.window, p.requant
    out = loops.depthwise(x, p.weights, p.multiplier, p.in_offset, w.stride_h, w.stride_w, w.dil_h,
                          w.dil_w, w.pad_top, w.pad_left, w.out_h, w.out_w, p.bias, r.multiplier,
                          r.left, r.right, r.zero_point, r.lo, r.hi)
    return out.reshape((n,) + p.out_shape)


@dataclass(frozen=True)
class FullyConnectedParams:
    in_offset: int
    depth: int
    out_shape: tuple
    weights: np.ndarray  # (K, Cout), float, filter zero point already applied
    bias: np.ndarray
    requant: Requant


def prepare_fully_connected(op: Op) -> FullyConnectedParams:
    x, w, out = tensor(op, 0, "input"), tensor(op, 1, "weights"), tensor(op, 0, "output", output=True)
    check_dtype(op, x, "input", np.int8)
    check_dtype(op, w, "weights", np.int8)
    if op.attrs.get("weights_format", 0) != 0:
        raise KernelError(f"Op {op.label}: only the DEFAULT weights format is supported")
    filt = constant(op, 1, "weights").astype(np.int64)
    if filt.ndim != 2:
        raise KernelError(f"Op {op.label}: weights must be 2-D (O, K), got {filt.shape}")
    c_out, depth = filt.shape
    if x.size % depth or out.size != (x.size // depth) * c_out:
        raise KernelError(f"Op {op.label}: input {x.shape} and weights {filt.shape} "
                          f"do not give output {out.shape}")
    wq = quant_of(op, w, "weights")
    filt = filt - wq.zero_point.reshape(-1, 1) if wq.per_axis else filt - wq.zp
    # TFLM's FC multiplier is in_scale * filter_scale / out_scale in double, per channel or not
    # (a float32 product, as TFLite's GetQuantizedConvolutionMultipler takes, is off by 1 LSB on
    # some ad01 outputs).
    real = _per_channel_multipliers(op, c_out)
    ft = exact_float_type(np.abs(filt).sum(axis=1))
    return FullyConnectedParams(-quant_of(op, x, "input").zp, depth, out.shape,
                                np.ascontiguousarray(filt.T.astype(ft)), bias(op, 2, c_out, np.int32, np.int64),
                                _requant_for(op, real, c_out))


def eval_fully_connected(p: FullyConnectedParams, inputs: list) -> np.ndarray:
    n = inputs[0].shape[0]
    xf = inputs[0].reshape(-1, p.depth).astype(p.weights.dtype)
    xf += p.in_offset
    return p.requant(xf @ p.weights, p.bias).reshape((n,) + p.out_shape)


CONV_2D = Kernel(prepare_conv, eval_conv)
DEPTHWISE_CONV_2D = Kernel(prepare_depthwise, eval_depthwise)
FULLY_CONNECTED = Kernel(prepare_fully_connected, eval_fully_connected)


def accumulators(p, x: np.ndarray) -> np.ndarray:
    """The int64 accumulators (bias included) that CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED
    requantizes, for inputs with a leading sample axis; channels on the last axis.

    Hardware models with narrower accumulators wrap these before :meth:`Requant.__call__`.
    """
    if isinstance(p, FullyConnectedParams):
        xi = x.reshape(-1, p.depth).astype(np.int64) + p.in_offset
        return xi @ p.weights.astype(np.int64) + p.bias
    xs = x.reshape((-1,) + p.in_shape[1:])
    w = p.window
    if isinstance(p, ConvParams):
        cols = _im2col(xs, p.in_offset, w, np.dtype(np.float64)).astype(np.int64)
        cols = cols.reshape(cols.shape[0], w.k_h * w.k_w, p.groups, -1)
        acc = np.concatenate([cols[:, :, g, :].reshape(cols.shape[0], -1) @ p.weights[g].astype(np.int64)
                              for g in range(p.groups)], axis=1)
        return acc.reshape(xs.shape[0], w.out_h, w.out_w, -1) + p.bias
    xp = np.zeros((xs.shape[0], w.in_h + w.pad_top + w.pad_bottom, w.in_w + w.pad_left + w.pad_right,
                   xs.shape[-1]), np.int64)
    xp[:, w.pad_top:w.pad_top + w.in_h, w.pad_left:w.pad_left + w.in_w] = xs.astype(np.int64) + p.in_offset
    xp = np.repeat(xp, p.multiplier, axis=3)
    acc = np.zeros((xs.shape[0], w.out_h, w.out_w, p.weights.shape[-1]), np.int64)
    h_span, w_span = (w.out_h - 1) * w.stride_h + 1, (w.out_w - 1) * w.stride_w + 1
    for kh in range(w.k_h):
        for kw in range(w.k_w):
            y0, x0 = kh * w.dil_h, kw * w.dil_w
            acc += xp[:, y0:y0 + h_span:w.stride_h, x0:x0 + w_span:w.stride_w] * p.weights[kh, kw]
    return acc + p.bias


def gemm_inputs(p, x: np.ndarray) -> np.ndarray:
    """The GEMM operand A of CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED for inputs with a leading
    sample axis: ``(samples, groups, M, K)`` int32 of ``x + input_offset``, im2col'd for the
    convolutions (K in (tap, channel) order; taps in the padding are 0, as TFLite pads with the zero
    point). DEPTHWISE_CONV_2D gives every channel's taps in one row (its GEMM is block-diagonal).
    """
    n = x.shape[0]
    if isinstance(p, FullyConnectedParams):
        return (x.reshape(n, -1, p.depth).astype(np.int32) + p.in_offset)[:, None]
    w = p.window
    cols = _im2col(x.reshape((-1,) + p.in_shape[1:]), p.in_offset, w, np.dtype(np.float32)).astype(np.int32)
    groups = p.groups if isinstance(p, ConvParams) else 1
    cols = cols.reshape(n, -1, w.k_h * w.k_w, groups, cols.shape[1] // (w.k_h * w.k_w * groups))
    return cols.transpose(0, 3, 1, 2, 4).reshape(n, groups, cols.shape[1], -1)


def gemm_nonzeros(p, x: np.ndarray) -> np.ndarray:
    """Where :func:`gemm_inputs` is non-zero (an input equal to the zero point, or a padded tap, is a
    zero): ``(samples, groups, M, K)`` bool."""
    return gemm_inputs(p, x) != 0
