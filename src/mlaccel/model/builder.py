"""Build a Graph op by op (test models, quantization), or rebuild one with some tensors changed (pruning, training)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..graph import Graph, Op, Quant, Tensor

__all__ = ["GraphBuilder", "quant", "rebuild"]


def quant(scale, zero_point=0, axis: int = 0) -> Quant:
    """Quantization parameters from scalars or sequences."""
    s = np.atleast_1d(np.asarray(scale, np.float32))
    z = np.broadcast_to(np.atleast_1d(np.asarray(zero_point, np.int64)), s.shape).copy()
    return Quant(s, z, axis)


class GraphBuilder:
    """Collects tensors and ops with consecutive indices, then freezes them into a Graph.

    Examples
    --------
    >>> g = GraphBuilder()
    >>> x = g.tensor("x", (1, 4), np.int8, quant(0.5, 1))
    >>> y = g.tensor("y", (1, 4), np.int8, quant(1 / 256, -128))
    >>> g.op("SOFTMAX", [x], [y], beta=1.0)
    >>> graph = g.build([x], [y])
    """

    def __init__(self, description: str = ""):
        self.tensors: list[Tensor] = []
        self.ops: list[Op] = []
        self.description = description

    def tensor(self, name: str, shape, dtype, q: Quant | None = None, data=None,
               bits: int | None = None) -> Tensor:
        """Add a tensor; ``data`` makes it a constant of that content, ``bits=4`` stores it as INT4."""
        dtype = np.dtype(dtype)
        if data is not None:
            data = np.ascontiguousarray(np.asarray(data, dtype).reshape(shape))
            data.flags.writeable = False
        t = Tensor(len(self.tensors), name, tuple(int(d) for d in shape), dtype, q, data, bits)
        self.tensors.append(t)
        return t

    def op(self, op_type: str, inputs, outputs, **attrs) -> Op:
        """Add an op; ``inputs`` may contain None for an omitted optional input."""
        o = Op(len(self.ops), op_type, tuple(inputs), tuple(outputs), dict(attrs))
        self.ops.append(o)
        return o

    def build(self, inputs, outputs, name: str = "") -> Graph:
        """Freeze into a Graph with the given graph inputs and outputs."""
        return Graph(tuple(self.tensors), tuple(self.ops), tuple(inputs), tuple(outputs), name,
                     self.description)


def rebuild(graph: Graph, changes: dict[int, dict], op_attrs: dict[int, dict] | None = None) -> Graph:
    """The same Graph with some tensors' fields (shape, data, quant) and some ops' attrs replaced."""
    tensors = []
    for t in graph.tensors:
        c = changes.get(t.index)
        if c:
            if "data" in c and c["data"] is not None:
                d = np.ascontiguousarray(c["data"], t.dtype)
                d.flags.writeable = False
                c = {**c, "data": d}
            t = dataclasses.replace(t, **c)
        tensors.append(t)

    def sub(t):
        return None if t is None else tensors[t.index]

    ops = []
    for op in graph.ops:
        attrs = {**op.attrs, **(op_attrs or {}).get(op.index, {})}
        ops.append(dataclasses.replace(op, inputs=tuple(sub(t) for t in op.inputs),
                                       outputs=tuple(sub(t) for t in op.outputs), attrs=attrs))
    return dataclasses.replace(graph, tensors=tuple(tensors), ops=tuple(ops),
                               inputs=tuple(sub(t) for t in graph.inputs),
                               outputs=tuple(sub(t) for t in graph.outputs))
