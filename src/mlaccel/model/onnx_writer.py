"""Write a float32 :class:`~mlaccel.graph.Graph` as an ONNX model (opset 17), NCHW as ONNX expects.

The Graph stores images NHWC; the writer gives 4-D tensors their NCHW form and, where the Graph
reshapes an NHWC tensor, transposes to NHWC first, so the ONNX model computes exactly what the
Graph computes. :func:`~mlaccel.model.onnx_reader.read_onnx` reads the result back.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError, UnsupportedOpError
from ..graph import Graph, Op, Tensor
from ..kernels.window import window_of

__all__ = ["write_onnx", "serialize_onnx"]

OPSET = 17
_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)
_NHWC_AXIS_IN_NCHW = (0, 2, 3, 1)  # stored axis -> ONNX axis for 4-D tensors


def write_onnx(graph: Graph, path: str | os.PathLike) -> None:
    """Write a float Graph as ``.onnx``; refuses to overwrite an existing file."""
    data = serialize_onnx(graph)
    with open(Path(path), "xb") as f:
        f.write(data)


def serialize_onnx(graph: Graph) -> bytes:
    """A float Graph as ONNX model bytes."""
    from onnx import TensorProto, helper, numpy_helper

    w = _Writer(helper, numpy_helper)
    for op in graph.ops:
        w.op(op)
    ins = [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, w.onnx_shape(t)) for t in graph.inputs]
    outs = [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, w.onnx_shape(t)) for t in graph.outputs]
    g = helper.make_graph(w.nodes, graph.name or "mlaccel", ins, outs, w.inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="mlaccel")
    model.ir_version = 8
    return model.SerializeToString()


class _Writer:
    def __init__(self, helper, numpy_helper):
        self.h, self.nh = helper, numpy_helper
        self.nodes, self.inits, self.n = [], [], 0

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}/mlaccel_{self.n}"

    @staticmethod
    def onnx_shape(t: Tensor) -> list[int]:
        return [t.shape[i] for i in _TO_NCHW] if len(t.shape) == 4 else list(t.shape)

    def init(self, name: str, data: np.ndarray) -> str:
        self.inits.append(self.nh.from_array(np.array(data, order="C"), name))
        return name

    def node(self, op_type: str, ins: list[str], out: str, **attrs) -> str:
        self.nodes.append(self.h.make_node(op_type, ins, [out], name=self.fresh(op_type), **attrs))
        return out

    def activation(self, op: Op, pre: str, out: str, a: str | None = None) -> None:
        """The op's fused activation (or ``a``) from ``pre`` to ``out`` as its own ONNX node."""
        a = op.attrs.get("activation", "NONE") if a is None else a
        if a == "NONE":
            self.node("Identity", [pre], out)
        elif a == "RELU":
            self.node("Relu", [pre], out)
        elif a in ("RELU6", "RELU_N1_TO_1"):
            lo, hi = (0.0, 6.0) if a == "RELU6" else (-1.0, 1.0)
            self.node("Clip", [pre, self.init(self.fresh("lo"), np.float32(lo)),
                               self.init(self.fresh("hi"), np.float32(hi))], out)
        elif a == "TANH":
            self.node("Tanh", [pre], out)
        else:
            raise UnsupportedOpError(f"Op {op.label}: fused activation {a} has no ONNX form", op_type=op.type)

    def value(self, t: Tensor) -> str:
        if not t.is_constant:
            return t.name
        data = t.data.astype(np.float32) if t.dtype == np.float32 else t.data
        return self.init(self.fresh(t.name), data.transpose(_TO_NCHW) if data.ndim == 4 else data)

    def pads(self, op: Op, k_h: int, k_w: int) -> dict:
        w = window_of(op, op.inputs[0].shape, k_h, k_w, op.outputs[0].shape)
        return {"strides": [w.stride_h, w.stride_w], "pads": [w.pad_top, w.pad_left, w.pad_bottom, w.pad_right]}

    def op(self, op: Op) -> None:
        if any(t is not None and not t.is_constant and t.dtype != np.float32 for t in op.inputs):
            raise ModelFormatError(f"Op {op.label}: only float32 graphs can be written as ONNX")
        out = op.outputs[0].name
        t = op.type
        if t in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            filt = op.inputs[1].data.astype(np.float32)
            if t == "DEPTHWISE_CONV_2D":
                wt, group = filt[0].transpose(2, 0, 1)[:, None], op.inputs[0].shape[-1]
            else:
                wt, group = filt.transpose(0, 3, 1, 2), op.inputs[0].shape[-1] // filt.shape[-1]
            attrs = self.pads(op, filt.shape[1], filt.shape[2])
            attrs["dilations"] = [op.attrs.get("dilation_h", 1), op.attrs.get("dilation_w", 1)]
            ins = [op.inputs[0].name, self.init(self.fresh(op.inputs[1].name), wt)]
            if op.input(2) is not None:
                ins.append(self.init(self.fresh(op.inputs[2].name), op.inputs[2].data.astype(np.float32)))
            pre = self.node("Conv", ins, self.fresh(out), group=group, kernel_shape=list(wt.shape[2:]), **attrs)
            self.activation(op, pre, out)
        elif t == "FULLY_CONNECTED":
            x = op.inputs[0]
            src = x.name
            if len(x.shape) != 2:
                src = self.flatten_nhwc(x, (-1, op.inputs[1].shape[1]))
            ins = [src, self.init(self.fresh(op.inputs[1].name), op.inputs[1].data.astype(np.float32))]
            if op.input(2) is not None:
                ins.append(self.init(self.fresh(op.inputs[2].name), op.inputs[2].data.astype(np.float32)))
            pre = self.node("Gemm", ins, self.fresh(out), transB=1)
            self.activation(op, pre, out)
        elif t in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            k = [op.attrs["filter_h"], op.attrs["filter_w"]]
            extra = {} if t == "MAX_POOL_2D" else {"count_include_pad": 0}
            pre = self.node("MaxPool" if t == "MAX_POOL_2D" else "AveragePool", [op.inputs[0].name],
                            self.fresh(out), kernel_shape=k, **self.pads(op, *k), **extra)
            self.activation(op, pre, out)
        elif t in ("ADD", "SUB", "MUL"):
            pre = self.node(t.capitalize(), [self.value(op.inputs[0]), self.value(op.inputs[1])], self.fresh(out))
            self.activation(op, pre, out)
        elif t in ("RELU", "TANH", "LOGISTIC"):
            self.node({"RELU": "Relu", "TANH": "Tanh", "LOGISTIC": "Sigmoid"}[t], [op.inputs[0].name], out)
        elif t == "RELU6":
            self.activation(op, op.inputs[0].name, out, "RELU6")
        elif t == "SOFTMAX":
            rank = len(op.inputs[0].shape)
            if op.attrs.get("beta", 1.0) != 1.0:
                raise UnsupportedOpError(f"Op {op.label}: softmax beta != 1 has no ONNX form", op_type=t)
            self.node("Softmax", [op.inputs[0].name], out, axis=1 if rank == 4 else -1)
        elif t == "RESHAPE":
            x = op.inputs[0]
            if len(op.outputs[0].shape) == 4:
                tmp = self.flatten_nhwc(x, op.outputs[0].shape)
                self.node("Transpose", [tmp], out, perm=list(_TO_NCHW))
            else:
                self.node("Identity", [self.flatten_nhwc(x, op.outputs[0].shape)], out)
        elif t == "PAD":
            p = op.inputs[1].data.reshape(-1, 2).astype(np.int64)
            if len(p) == 4:
                p = p[list(_TO_NCHW)]
            pads = np.concatenate([p[:, 0], p[:, 1]])
            self.node("Pad", [op.inputs[0].name, self.init(self.fresh("pads"), pads)], out)
        elif t == "CONCATENATION":
            rank = len(op.outputs[0].shape)
            axis = op.attrs.get("axis", 0) % rank
            self.node("Concat", [self.value(i) for i in op.inputs], out,
                      axis=_NHWC_AXIS_IN_NCHW[axis] if rank == 4 else axis)
        else:
            raise UnsupportedOpError(f"Op {op.label} has no ONNX form in mlaccel's writer", op_type=t)

    def flatten_nhwc(self, x: Tensor, shape) -> str:
        """Reshape ``x`` in its stored (NHWC) element order."""
        src = x.name
        if len(x.shape) == 4:
            src = self.node("Transpose", [src], self.fresh(x.name), perm=list(_TO_NHWC))
        shape_init = self.init(self.fresh("shape"), np.array(shape, np.int64))
        return self.node("Reshape", [src, shape_init], self.fresh(x.name))

