"""Graph to Program: each op becomes the work item that says what the hardware computes.

The rules, by op type:

* CONV_2D and FULLY_CONNECTED are GEMMs against a weight; BATCH_MATMUL is a GEMM of two
  activations (per batch entry, the batch as groups);
* DEPTHWISE_CONV_2D, AVERAGE_POOL_2D and MAX_POOL_2D are windows;
* RESHAPE, PAD, STRIDED_SLICE, CONCATENATION, TRANSPOSE and GATHER move data;
* everything else (ADD, MUL, SOFTMAX, LOGISTIC, QUANTIZE, ...) is a vector op.

Padding and window geometry come from the kernels' own checks (:mod:`mlaccel.kernels.window`), so a
malformed op fails here with the same message it fails with there.
"""

from __future__ import annotations

import math

from ..graph import Graph, Op
from ..kernels.conv import conv_geometry, depthwise_geometry
from ..kernels.window import window_of
from .items import Buffer, Gemm, Move, Operand, Program, Vector, Window, WindowGeometry, WorkItem

__all__ = ["lower", "lower_op", "VECTOR_COSTS", "MOVES"]

# Lane-operations per output element on a vector unit (one lane does one simple integer op per
# cycle, pipelined). Softmax makes three passes (max, sum of exponentials, normalize); RESHAPE only
# relabels a buffer. Pooling costs one per window tap.
VECTOR_COSTS = {
    "ADD": 1, "SUB": 1, "MUL": 1, "LOGISTIC": 1, "QUANTIZE": 1, "DEQUANTIZE": 1,
    "PAD": 1, "STRIDED_SLICE": 1, "CONCATENATION": 1, "SOFTMAX": 3, "RESHAPE": 0,
}
MOVES = {"RESHAPE": "reshape", "PAD": "pad", "STRIDED_SLICE": "slice", "CONCATENATION": "concatenation",
         "TRANSPOSE": "transpose", "GATHER": "gather"}
_VECTOR_FUNCTIONS = {"SOFTMAX": "softmax", "MEAN": "reduction", "SUM": "reduction"}


def _operands(tensors) -> tuple:
    return tuple(None if t is None else Operand.of(t) for t in tensors)


def _common(op: Op) -> dict:
    ins, outs = _operands(op.inputs), _operands(op.outputs)
    per = VECTOR_COSTS.get(op.type, 1)
    return dict(index=op.index, op=op, inputs=ins, outputs=outs, lane_ops=(outs[0].size * per) if outs else 0)


def _gemm(op: Op, base: dict) -> WorkItem | None:
    ins, out = base["inputs"], base["outputs"][0] if base["outputs"] else None
    if out is None or len(ins) < 2 or ins[0] is None or ins[1] is None:
        return None
    w = ins[1]
    bias = ins[2] if len(ins) > 2 else None
    if op.type == "CONV_2D" and len(w.shape) == 4:
        groups, _ = conv_geometry(op, w.shape)
        c_out, k_h, k_w, c_in_g = w.shape
        m = math.prod(out.shape[:-1])
        k, n = k_h * k_w * c_in_g, c_out // groups
    elif op.type == "FULLY_CONNECTED" and len(w.shape) == 2:
        n, k = w.shape
        groups, m = 1, (out.size // n if n else 0)
    elif op.type == "BATCH_MATMUL" and len(w.shape) >= 2 and len(ins[0].shape) >= 2:
        a_shape, b_shape = ins[0].shape, w.shape
        adj_x, adj_y = op.attrs.get("adj_x", False), op.attrs.get("adj_y", False)
        m, k = (a_shape[-1], a_shape[-2]) if adj_x else (a_shape[-2], a_shape[-1])
        n = b_shape[-2] if adj_y else b_shape[-1]
        groups = math.prod(out.shape[:-2]) if len(out.shape) > 2 else 1
    else:
        return None
    return Gemm(**base, macs=m * k * n * groups, m=m, k=k, n=n, groups=groups, a=ins[0], b=w, bias=bias)


def _window(op: Op, base: dict) -> WorkItem | None:
    x, out = op.input(0), op.outputs[0] if op.outputs else None
    if x is None or out is None:
        return None
    if op.type == "DEPTHWISE_CONV_2D":
        w = op.input(1)
        if w is None or len(w.shape) != 4:
            return None
        multiplier, win = depthwise_geometry(op, w.shape)
        function, macs = "depthwise", math.prod(out.shape[:-1]) * win.k_h * win.k_w * out.shape[-1]
    else:
        win = window_of(op, x.shape, op.attrs.get("filter_h", 0), op.attrs.get("filter_w", 0), out.shape)
        multiplier, macs = 1, 0
        function = "max_pool" if op.type == "MAX_POOL_2D" else "average_pool"
        base = dict(base, lane_ops=out.size * win.k_h * win.k_w)
    g = WindowGeometry(x.shape[0], win.in_h, win.in_w, x.shape[-1], multiplier, win.k_h, win.k_w, win.stride_h,
                       win.stride_w, win.dil_h, win.dil_w, win.pad_top, win.pad_left, win.out_h, win.out_w)
    return Window(**base, macs=macs, function=function, geometry=g)


def lower_op(op: Op) -> WorkItem:
    """The work item of one op.

    Raises
    ------
    KernelError
        The op's shapes do not fit together (a convolution's filter and output, a window larger
        than its input); the message names the op.
    """
    base = _common(op)
    item = None
    if op.type in ("CONV_2D", "FULLY_CONNECTED", "BATCH_MATMUL"):
        item = _gemm(op, base)
    elif op.type in ("DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"):
        item = _window(op, base)
    if item is not None:
        return item
    if op.type in MOVES:
        return Move(**base, function=MOVES[op.type], per_element=VECTOR_COSTS.get(op.type, 1))
    return Vector(**base, function=_VECTOR_FUNCTIONS.get(op.type, "elementwise"),
                  per_element=VECTOR_COSTS.get(op.type, 1))


def lower(graph: Graph) -> Program:
    """Lower every op of ``graph`` and give each tensor it touches its size and lifetime.

    Raises
    ------
    KernelError
        An op's shapes do not fit together (see :func:`lower_op`).
    """
    items = tuple(lower_op(op) for op in graph.ops)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    tensors = {}
    for item, op in zip(items, graph.ops):
        for t in op.outputs:
            first.setdefault(t.index, item.index)
            last[t.index] = max(last.get(t.index, item.index), item.index)
            tensors[t.index] = t
        for t in op.inputs:
            if t is not None:
                first.setdefault(t.index, item.index)
                last[t.index] = item.index
                tensors[t.index] = t
    ins = {t.index for t in graph.inputs}
    outs = {t.index for t in graph.outputs}
    buffers = {}
    for i, t in tensors.items():
        o = Operand.of(t)
        buffers[i] = Buffer(i, t.name, t.nbytes, o.role, first[i], last[i], i in ins, i in outs)
    return Program(graph, items, buffers)

