"""Post-training quantization of a float Graph to an int8 Graph, following the TFLite int8 spec.

- weights: symmetric, zero point 0, per output channel (or per tensor), 8 or 4 bits per layer;
- activations: asymmetric int8 from calibrated ranges, nudged so that real 0 is an integer;
- bias: int32 at ``input_scale * weight_scale``;
- ops that TFLite-Micro runs without requantizing (pooling, reshape, pad, concatenation, ReLU6)
  share one set of parameters between their inputs and output; SOFTMAX and LOGISTIC output at
  1/256 with zero point -128, TANH at 1/128 with zero point 0.

The result writes with :func:`mlaccel.model.writer.write_tflite` and runs bit-exact in TFLite-Micro.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import InputError
from ..graph import Graph, Op, Quant, Tensor
from ..model.builder import GraphBuilder, quant
from .calibrate import CALIBRATION_METHODS, calibrate

__all__ = ["QuantConfig", "quantize", "quantize_weights", "activation_quant", "parse_weight_bits", "check_weight_bits",
           "WEIGHTED_OPS"]

WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
_TIED = ("RESHAPE", "MAX_POOL_2D", "AVERAGE_POOL_2D", "PAD", "RELU6", "CONCATENATION", "STRIDED_SLICE")
_FIXED = {"SOFTMAX": (1 / 256, -128), "LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}
# All-zero tensors and channels: any positive scale holds their zeros, but a tiny one would make
# the bias scale (input scale x weight scale) tiny and saturate the int32 bias of a dead channel.
_ZERO_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class QuantConfig:
    """How to quantize.

    Attributes
    ----------
    per_channel : bool
        Weights get one scale per output channel (True) or one per tensor.
    method : {"minmax", "percentile", "mse"}
        Activation range calibration.
    percentile : float
        Upper percentile for ``method="percentile"``.
    weight_bits : int or mapping
        8 or 4; a mapping ``{op index or output tensor name: bits}`` with an optional ``"*"`` default
        gives mixed precision.
    float_io : bool
        Keep float32 model inputs and outputs, with QUANTIZE / DEQUANTIZE ops at the boundary.
    """

    per_channel: bool = True
    method: str = "minmax"
    percentile: float = 99.99
    weight_bits: int | Mapping = 8
    float_io: bool = False

    def __post_init__(self):
        if self.method not in CALIBRATION_METHODS:
            raise InputError(f"method must be one of {', '.join(CALIBRATION_METHODS)}, got '{self.method}'")
        bits = self.weight_bits.values() if isinstance(self.weight_bits, Mapping) else [self.weight_bits]
        for b in bits:
            if b not in (4, 8):
                raise InputError(f"weight_bits must be 8 or 4 (TFLite's INT4), got {b}")

    def bits_for(self, op: Op) -> int:
        """The weight width of a weighted op."""
        wb = self.weight_bits
        if not isinstance(wb, Mapping):
            return int(wb)
        for key in (op.index, str(op.index), f"#{op.index}", op.outputs[0].name):
            if key in wb:
                return int(wb[key])
        return int(wb.get("*", 8))


def check_weight_bits(graph: Graph, config: QuantConfig) -> None:
    """Refuse per-op weight widths that name no weighted op of ``graph`` (a typo would otherwise
    leave the op at the default width, silently).

    Raises
    ------
    InputError
        Naming the key and the model's weighted ops.
    """
    wb = config.weight_bits
    if not isinstance(wb, Mapping):
        return
    weighted = [op for op in graph.ops if op.type in WEIGHTED_OPS]
    keys = {k for op in weighted for k in (op.index, str(op.index), f"#{op.index}", op.outputs[0].name)}
    for key in wb:
        if key != "*" and key not in keys:
            listed = ", ".join(op.label for op in weighted[:12]) + (", ..." if len(weighted) > 12 else "")
            raise InputError(f"--weight-bits names '{key}', which is no weighted op of '{graph.name}'; its weighted "
                             f"ops are {listed or 'none'}")


def parse_weight_bits(spec: str) -> int | dict:
    """``"8"``, ``"4"`` or a mixed mapping ``"4,#0=8,#7=8"`` (a default, then op-index overrides)."""
    out: dict = {}
    for part in (p.strip() for p in str(spec).split(",") if p.strip()):
        key, eq, val = part.partition("=")
        try:
            bits = int(val if eq else key)
        except ValueError:
            raise InputError(f"--weight-bits: '{part}' is not BITS or #OP=BITS") from None
        out[key.strip() if eq else "*"] = bits
    if not out:
        raise InputError("--weight-bits is empty")
    return out["*"] if list(out) == ["*"] else out


def activation_quant(lo: float, hi: float) -> Quant:
    """Asymmetric int8 parameters for a real range, with the zero point nudged so 0 is exact."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / 255.0
    if scale <= 0:
        return activation_quant(*_ZERO_RANGE)
    scale = float(np.float32(scale))
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return quant(scale, zp)


def quantize_weights(w: np.ndarray, axis: int, per_channel: bool, bits: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric weights: ``(int8 values in [-qmax, qmax], float32 scales)``, per channel on ``axis``.

    ``qmax`` is 127 for 8 bits and 7 for 4 bits.
    """
    qmax = (1 << (bits - 1)) - 1
    w = np.asarray(w, np.float64)
    if per_channel:
        other = tuple(i for i in range(w.ndim) if i != axis)
        amax = np.abs(w).max(axis=other) if w.size else np.zeros(w.shape[axis])
    else:
        amax = np.array([np.abs(w).max() if w.size else 0.0])
    # a pruned (all-zero) channel takes the largest scale of the others: its bias stays in range
    fallback = float(amax.max()) / qmax if amax.size and amax.max() > 0 else 1.0
    scale = np.where(amax > 0, amax / qmax, fallback).astype(np.float32)
    shape = [1] * w.ndim
    if per_channel:
        shape[axis] = -1
    q = np.clip(np.round(w / scale.astype(np.float64).reshape(shape)), -qmax, qmax).astype(np.int8)
    return q, scale


class _Ties:
    """Union-find over tensor indices whose quantization must be equal."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        while self.parent.get(i, i) != i:
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _activation_params(graph: Graph, ranges: dict[int, tuple[float, float]],
                       preferred: dict[int, tuple[float, float]]) -> dict[int, Quant]:
    """One Quant per group of tied tensors: from the ``preferred`` ranges of the group where it has
    any (QAT's learned ranges), else from the union of its calibrated ``ranges``."""
    ties = _Ties()
    fixed: dict[int, tuple[float, int]] = {}
    for op in graph.ops:
        if op.type in _TIED:
            for t in op.inputs[:1] if op.type != "CONCATENATION" else op.inputs:
                if t is not None and not t.is_constant:
                    ties.join(t.index, op.outputs[0].index)
        if op.type in _FIXED:
            fixed[op.outputs[0].index] = _FIXED[op.type]
    groups: dict[int, list[int]] = {}
    for i in ranges:
        groups.setdefault(ties.find(i), []).append(i)
    out = {}
    for members in groups.values():
        pinned = {fixed[i] for i in members if i in fixed}
        if pinned:
            s, z = pinned.pop()
            q = quant(s, z)
        else:
            chosen = [preferred[i] for i in members if i in preferred] or [ranges[i] for i in members]
            q = activation_quant(min(r[0] for r in chosen), max(r[1] for r in chosen))
        for i in members:
            out[i] = q
    return out


def quantize(graph: Graph, calibration: np.ndarray, config: QuantConfig = QuantConfig(),
             ranges: dict[int, tuple[float, float]] | None = None) -> Graph:
    """Quantize a float Graph to int8.

    Parameters
    ----------
    graph : Graph
        A float32 Graph (from :func:`mlaccel.model.onnx_reader.read_onnx`).
    calibration : ndarray
        ``(N, *input shape)`` float samples in the graph's NHWC layout.
    config : QuantConfig
    ranges : dict, optional
        ``{tensor index: (lo, hi)}`` that override calibrated ranges (QAT's learned ranges), for
        every tensor that shares its quantization with them too.

    Returns
    -------
    Graph
        int8 activations and weights (int32 biases); float32 at the boundary with ``float_io``.
    """
    check_weight_bits(graph, config)
    found = calibrate(graph, calibration, config.method, config.percentile)
    return _Rewriter(graph, _activation_params(graph, found, ranges or {}), config).graph()


class _Rewriter:
    def __init__(self, graph: Graph, act: dict[int, Quant], config: QuantConfig):
        self.src, self.act, self.cfg = graph, act, config
        self.g = GraphBuilder(f"{graph.description or graph.name}; int8 by mlaccel PTQ "
                              f"({'per-channel' if config.per_channel else 'per-tensor'}, {config.method})")
        self.new: dict[int, Tensor] = {}
        self.notes: list[str] = []

    def activation(self, t: Tensor) -> Tensor:
        if t.index not in self.new:
            self.new[t.index] = self.g.tensor(t.name, t.shape, np.int8, self.act[t.index])
        return self.new[t.index]

    def graph(self) -> Graph:
        ins = []
        for t in self.src.inputs:
            q = self.activation(t)
            if self.cfg.float_io:
                f = self.g.tensor(t.name + "/float", t.shape, np.float32)
                self.g.op("QUANTIZE", [f], [q])
                q = f
            ins.append(q)
        for op in self.src.ops:
            self.op(op)
        outs = []
        for t in self.src.outputs:
            q = self.new[t.index]
            if self.cfg.float_io:
                f = self.g.tensor(t.name + "/float", t.shape, np.float32)
                self.g.op("DEQUANTIZE", [q], [f])
                q = f
            outs.append(q)
        if self.notes:
            self.g.description += "; " + "; ".join(self.notes)
        return self.g.build(ins, outs, name=self.src.name)

    def op(self, op: Op) -> None:
        if op.type in WEIGHTED_OPS:
            ins = self.weighted(op)
        else:
            ins = [None if t is None else self.operand(op, t) for t in op.inputs]
        outs = [self.activation(t) for t in op.outputs]
        self.g.op(op.type, ins, outs, **op.attrs)

    def operand(self, op: Op, t: Tensor) -> Tensor:
        if not t.is_constant:
            return self.activation(t)
        if t.dtype != np.float32:  # shape and padding tensors stay as they are
            return self.g.tensor(t.name, t.shape, t.dtype, t.quant, t.data, t.bits)
        q = activation_quant(float(t.data.min()), float(t.data.max()))
        data = np.clip(np.round(t.data / q.s) + q.zp, -128, 127)
        return self.g.tensor(t.name, t.shape, np.int8, q, data)

    def weighted(self, op: Op) -> list:
        x, w, b = op.inputs[0], op.inputs[1], op.input(2)
        axis = 3 if op.type == "DEPTHWISE_CONV_2D" else 0
        bits = self.cfg.bits_for(op)
        per_channel = self.cfg.per_channel
        if bits == 4 and op.type == "FULLY_CONNECTED" and per_channel:
            per_channel = False  # TFLite-Micro runs INT4 FULLY_CONNECTED weights per tensor only
            self.notes.append(f"{op.label} INT4 weights per tensor (TFLite-Micro has no per-channel INT4 FC)")
        qw, scales = quantize_weights(w.data, axis, per_channel, bits)
        n_out = w.shape[axis]
        wq = self.g.tensor(w.name, w.shape, np.int8, quant(scales, np.zeros(scales.size, np.int64), axis),
                           qw, 4 if bits == 4 else None)
        xq = self.activation(x)
        bias_scale = np.float64(xq.quant.s) * np.broadcast_to(scales.astype(np.float64), (n_out,))
        bias = np.zeros(n_out) if b is None else b.data.astype(np.float64).reshape(-1)
        qb = np.round(bias / bias_scale)
        if np.any(np.abs(qb) > 2**31 - 1):
            self.notes.append(f"{op.label} bias saturates int32 at scale {bias_scale.min():.3g}")
        qb = np.clip(qb, -(2**31), 2**31 - 1).astype(np.int32)
        bq = self.g.tensor(b.name if b is not None else op.outputs[0].name + "/bias", (n_out,), np.int32,
                           quant(bias_scale.astype(np.float32), np.zeros(n_out, np.int64), 0), qb)
        return [xq, wq, bq]
