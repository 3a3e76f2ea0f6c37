"""Hardware-neutral work of each op: how many MACs, and the GEMM it lowers to.

Backends with timing models start from here; the reference backend uses it for MAC counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import Op

__all__ = ["Work", "work_of", "vector_ops", "VECTOR_COSTS"]


@dataclass(frozen=True)
class Work:
    """The arithmetic of one op, for one inference.

    Attributes
    ----------
    kind : str
        ``"gemm"`` (conv, fully connected), ``"depthwise"``, ``"pool"``, ``"elementwise"`` or
        ``"move"`` (reshape, pad, slice, concatenation).
    macs : int
        Multiply-accumulates.
    m, k, n : int
        GEMM dimensions ``(M x K) @ (K x N)`` for ``gemm``; for ``depthwise``, M output pixels,
        K taps and N channels. Zero for other kinds.
    elements : int
        Output elements.
    """

    kind: str
    macs: int = 0
    m: int = 0
    k: int = 0
    n: int = 0
    elements: int = 0


_MOVES = {"RESHAPE", "PAD", "STRIDED_SLICE", "CONCATENATION", "QUANTIZE", "DEQUANTIZE"}


def work_of(op: Op) -> Work:
    """Lower one op to its hardware-neutral work (MACs and GEMM shape)."""
    out = op.outputs[0] if op.outputs else None
    elements = out.size if out is not None else 0
    w = op.input(1)
    if op.type == "CONV_2D" and w is not None and len(w.shape) == 4 and out is not None:
        c_out, kh, kw, c_in = w.shape
        m = int(np.prod(out.shape[:-1]))
        return Work("gemm", m * kh * kw * c_in * c_out, m, kh * kw * c_in, c_out, elements)
    if op.type == "DEPTHWISE_CONV_2D" and w is not None and len(w.shape) == 4 and out is not None:
        _, kh, kw, c = w.shape
        m = int(np.prod(out.shape[:-1]))
        return Work("depthwise", m * kh * kw * c, m, kh * kw, c, elements)
    if op.type == "FULLY_CONNECTED" and w is not None and len(w.shape) == 2:
        n, k = w.shape
        m = elements // n if n else 0
        return Work("gemm", m * k * n, m, k, n, elements)
    if op.type in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return Work("pool", elements=elements)
    if op.type in _MOVES:
        return Work("move", elements=elements)
    return Work("elementwise", elements=elements)


# Lane-operations per output element on a vector unit (one lane does one simple integer op per
# cycle, pipelined). Pooling costs one per window tap; softmax makes three passes (max, sum of
# exponentials, normalize); RESHAPE only relabels a buffer.
VECTOR_COSTS = {
    "ADD": 1, "SUB": 1, "MUL": 1, "LOGISTIC": 1, "QUANTIZE": 1, "DEQUANTIZE": 1,
    "PAD": 1, "STRIDED_SLICE": 1, "CONCATENATION": 1, "SOFTMAX": 3, "RESHAPE": 0,
}


def vector_ops(op: Op) -> int:
    """Lane-operations of an op that runs on a digital vector unit, for one inference."""
    out = op.outputs[0]
    if op.type in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        per = op.attrs.get("filter_h", 1) * op.attrs.get("filter_w", 1)
    else:
        per = VECTOR_COSTS.get(op.type, 1)
    return out.size * per
