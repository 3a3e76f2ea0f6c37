"""Read a float ONNX model (opset >= 13) into a float32 :class:`~mlaccel.graph.Graph`, NHWC.

ONNX lays images out NCHW; the Graph keeps TFLite's NHWC. Every ONNX value therefore carries the
permutation that takes its ONNX layout to the layout it is stored in (``(0, 2, 3, 1)`` for images),
and the ops that only change layout (Flatten, Reshape, Transpose) change that permutation instead of
moving data where they can. Nodes whose inputs are all constants (shape arithmetic) are evaluated
once, before anything else. BatchNormalization folds into the convolution before it; ReLU and ReLU6
fuse into the op before them, as TFLite fuses them; Dropout and Identity vanish.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelFileError, ModelFormatError, UnsupportedOpError
from ..graph import Graph, Tensor
from .builder import GraphBuilder

__all__ = ["read_onnx", "parse_onnx", "onnx_input_shapes", "SUPPORTED_ONNX_OPS", "MIN_OPSET"]

MIN_OPSET = 13
_NCHW = (0, 2, 3, 1)  # ONNX (N, C, H, W) -> stored (N, H, W, C)
_ALIASES = ("Dropout", "Identity")
_ACTS = ("Relu", "Clip")
SUPPORTED_ONNX_OPS = ("Conv", "Gemm", "MatMul", "Relu", "Clip", "Sigmoid", "Tanh", "Add", "Sub", "Mul",
                      "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Transpose",
                      "Concat", "Pad", "Softmax", "BatchNormalization", "Dropout", "Identity")


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ModelFileError("Reading ONNX models needs the 'onnx' package: pip install mlaccel") from None
    return onnx


def read_onnx(path: str | os.PathLike, input_shapes: dict[str, tuple] | None = None) -> Graph:
    """Read a float ONNX model file into a float32 Graph (NHWC).

    Parameters
    ----------
    path : path
    input_shapes : dict, optional
        ``{input name: shape}`` in the ONNX model's own layout, for inputs whose shape is dynamic.
        A dynamic leading (batch) dimension alone is taken as 1.

    Raises
    ------
    ModelFileError
        The file is missing.
    ModelFormatError
        The file is not a valid ONNX model, or its opset is older than 13.
    UnsupportedOpError
        A node's op is not supported (the message names the node and op).
    InputError
        An input has a dynamic shape and ``input_shapes`` gives none.
    """
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"Model file '{p}' does not exist")
    return parse_onnx(p.read_bytes(), name=p.stem, input_shapes=input_shapes)


def parse_onnx(data: bytes, name: str = "<bytes>", input_shapes: dict[str, tuple] | None = None) -> Graph:
    """Parse ONNX model bytes into a float32 Graph; see :func:`read_onnx`."""
    onnx = _onnx()
    try:
        model = onnx.load_from_string(bytes(data))
    except Exception as e:  # noqa: BLE001 - protobuf raises its own DecodeError family
        raise ModelFormatError(f"'{name}' is not a valid ONNX model (corrupt or truncated): {e}") from None
    if not model.graph.node:
        raise ModelFormatError(f"'{name}' is not a valid ONNX model: its graph has no nodes")
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < MIN_OPSET:
        raise ModelFormatError(f"'{name}' uses ONNX opset {opset}; mlaccel reads opset {MIN_OPSET} or newer "
                               f"(re-export, e.g. torch.onnx.export(..., opset_version=17))")
    _fix_input_shapes(model, name, input_shapes or {})
    # Twice: the first pass's shapes let Shape nodes of static tensors fold in the second.
    for _ in range(2):
        _fold_constants(model, name)
        try:
            model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
        except Exception as e:  # noqa: BLE001
            raise ModelFormatError(f"'{name}': ONNX shape inference failed: {e}") from None
    return _Importer(model, name).graph()


def _fold_constants(model, name: str) -> None:
    """Replace every node whose inputs are all constants (shape arithmetic, casts, Constant nodes,
    Shape of a tensor of known shape) by initializers, evaluated with ONNX's reference runtime."""
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    shapes = {}
    for vi in list(model.graph.value_info) + list(model.graph.input):
        dims = vi.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            shapes[vi.name] = np.array([d.dim_value for d in dims], np.int64)
    keep = []
    for node in model.graph.node:
        if node.op_type == "Shape" and node.input[0] in shapes and len(node.attribute) == 0:
            outs = [shapes[node.input[0]]]
        elif all(not i or i in consts for i in node.input):
            try:
                outs = ReferenceEvaluator(node).run(None, {i: consts[i] for i in node.input if i})
            except Exception as e:  # noqa: BLE001 - any failure is the node's
                raise ModelFormatError(f"ONNX model '{name}': node '{node.name}' ({node.op_type}) has only "
                                       f"constant inputs, but evaluating it failed: {e}") from None
        else:
            keep.append(node)
            continue
        for out, arr in zip(node.output, outs):
            consts[out] = np.asarray(arr)
            model.graph.initializer.append(numpy_helper.from_array(consts[out], out))
    del model.graph.node[:]
    model.graph.node.extend(keep)


def onnx_input_shapes(data: bytes) -> dict[str, tuple]:
    """The declared input shapes of ONNX model bytes, with None for dynamic dimensions."""
    model = _onnx().load_from_string(bytes(data))
    inits = {i.name for i in model.graph.initializer}
    return {v.name: tuple(d.dim_value if d.HasField("dim_value") else None
                          for d in v.type.tensor_type.shape.dim)
            for v in model.graph.input if v.name not in inits}


def _fix_input_shapes(model, name: str, given: dict[str, tuple]) -> None:
    inits = {i.name for i in model.graph.initializer}
    for v in model.graph.input:
        if v.name in inits:
            continue
        dims = v.type.tensor_type.shape.dim
        if v.name in given:
            shape = tuple(int(d) for d in given[v.name])
            if len(shape) != len(dims):
                raise InputError(f"'{name}': input '{v.name}' has rank {len(dims)}; the example shape "
                                 f"{shape} has rank {len(shape)}")
        else:
            shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims)
            if shape[:1] == (None,):
                shape = (1,) + shape[1:]
            if None in shape:
                raise InputError(
                    f"'{name}': input '{v.name}' has a dynamic shape "
                    f"{tuple('?' if d is None else d for d in shape)}; give an example input (or its shape) "
                    f"so its size is known")
        for d, n in zip(dims, shape):
            d.Clear()
            d.dim_value = n


@dataclass
class _Value:
    """One ONNX value: a stored Graph tensor or a constant, and its layout permutation."""

    tensor: Tensor | None
    const: np.ndarray | None  # in ONNX layout
    shape: tuple  # ONNX shape
    perm: tuple  # stored = onnx.transpose(perm), then reshaped to tensor.shape
    flat: np.ndarray | None = None  # stored index of each ONNX element, for a permuted flatten


class _Importer:
    def __init__(self, model, name: str):
        from onnx import numpy_helper

        self.model, self.name = model, name
        self.to_array = numpy_helper.to_array
        self.g = GraphBuilder(f"imported from ONNX model '{name}'")
        self.values: dict[str, _Value] = {}
        self.shapes: dict[str, tuple] = {}
        for vi in list(model.graph.value_info) + list(model.graph.output) + list(model.graph.input):
            self.shapes[vi.name] = tuple(d.dim_value for d in vi.type.tensor_type.shape.dim)
        self.consumers: dict[str, list] = {}
        for node in model.graph.node:
            for i in node.input:
                self.consumers.setdefault(i, []).append(node)
        self.outputs = {o.name for o in model.graph.output}
        self.skip: set[int] = set()

    # -- helpers ---------------------------------------------------------------------------

    def fail(self, node, why: str) -> UnsupportedOpError:
        label = f"node '{node.name}' ({node.op_type})" if node.name else f"a {node.op_type} node"
        return UnsupportedOpError(f"ONNX model '{self.name}': {label}: {why}", op_type=node.op_type)

    def attrs(self, node) -> dict:
        import onnx

        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def value(self, node, i: int) -> _Value | None:
        if i >= len(node.input) or not node.input[i]:
            return None
        v = self.values.get(node.input[i])
        if v is None:
            raise ModelFormatError(f"ONNX model '{self.name}': node '{node.name}' reads '{node.input[i]}', "
                                   f"which nothing before it produces")
        return v

    def const(self, node, i: int, role: str) -> np.ndarray | None:
        v = self.value(node, i)
        if v is None:
            return None
        if v.const is None:
            raise self.fail(node, f"{role} '{node.input[i]}' is computed at run time; it must be a constant")
        return v.const

    def act(self, node, i: int = 0) -> _Value:
        v = self.value(node, i)
        if v is None or v.tensor is None:
            raise self.fail(node, f"input {i} must be a computed tensor, not a constant")
        if v.flat is not None and node.op_type not in ("Gemm", "MatMul"):
            raise self.fail(node, "it reads the flattened output of an NCHW tensor whose element order "
                                  "differs from NHWC; only Gemm/MatMul may follow such a Flatten")
        return v

    def image(self, node, i: int = 0) -> _Value:
        v = self.act(node, i)
        if len(v.shape) != 4 or v.perm != _NCHW:
            raise self.fail(node, f"expects a 4-D NCHW input, got shape {v.shape}")
        return v

    def shape_of(self, name: str) -> tuple:
        """An ONNX value's inferred shape; an error if shape inference left it unknown."""
        shape = self.shapes.get(name)
        if shape is None or any(d < 1 for d in shape):
            raise ModelFormatError(f"ONNX model '{self.name}': the shape of '{name}' could not be inferred "
                                   f"({shape}); it depends on values known only at run time")
        return shape

    def new(self, name: str, shape: tuple, perm: tuple) -> _Value:
        stored = tuple(shape[p] for p in perm)
        return _Value(self.g.tensor(name, stored, np.float32), None, tuple(shape), tuple(perm))

    def constant(self, name: str, data: np.ndarray) -> Tensor:
        data = np.asarray(data, np.float32)
        return self.g.tensor(name, data.shape, np.float32, data=data)

    def sole_consumer(self, out: str, op_types: tuple):
        users = self.consumers.get(out, [])
        if len(users) == 1 and out not in self.outputs and users[0].op_type in op_types:
            return users[0]
        return None

    def fuse_activation(self, out: str) -> tuple[str, str]:
        """Absorb a following ReLU / ReLU6 (and any Dropout/Identity); returns (activation, output name)."""
        nxt = self.sole_consumer(out, _ALIASES + _ACTS)
        while nxt is not None and nxt.op_type in _ALIASES:
            self.skip.add(id(nxt))
            out = nxt.output[0]
            nxt = self.sole_consumer(out, _ALIASES + _ACTS)
        if nxt is not None:
            act = self.clip_kind(nxt)
            if act is not None:
                self.skip.add(id(nxt))
                return act, nxt.output[0]
        return "NONE", out

    def clip_kind(self, node) -> str | None:
        if node.op_type == "Relu":
            return "RELU"
        lo = self.const(node, 1, "min") if len(node.input) > 1 else None
        hi = self.const(node, 2, "max") if len(node.input) > 2 else None
        lo = -np.inf if lo is None else float(np.asarray(lo).reshape(-1)[0])
        hi = np.inf if hi is None else float(np.asarray(hi).reshape(-1)[0])
        if lo == 0 and hi == 6:
            return "RELU6"
        if lo == 0 and hi == np.inf:
            return "RELU"
        return None

    # -- the walk ----------------------------------------------------------------------------

    def graph(self) -> Graph:
        for init in self.model.graph.initializer:
            a = self.to_array(init)
            self.values[init.name] = _Value(None, a, a.shape, tuple(range(a.ndim)))
        inputs = []
        for vi in self.model.graph.input:
            if vi.name in self.values:
                continue
            shape = self.shape_of(vi.name)
            if vi.type.tensor_type.elem_type != 1:
                raise ModelFormatError(f"ONNX model '{self.name}': input '{vi.name}' is not float32; "
                                       f"mlaccel imports float models")
            v = self.new(vi.name, shape, _NCHW if len(shape) == 4 else tuple(range(len(shape))))
            self.values[vi.name] = v
            inputs.append(v.tensor)
        for node in self.model.graph.node:
            if id(node) in self.skip:
                continue
            handler = getattr(self, "_" + node.op_type, None)
            if handler is None or node.domain not in ("", "ai.onnx"):
                raise self.fail(node, f"op '{node.op_type}' is not supported (supported: "
                                      f"{', '.join(SUPPORTED_ONNX_OPS)})")
            handler(node)
        outputs = []
        for o in self.model.graph.output:
            v = self.values[o.name]
            if v.tensor is None:
                raise ModelFormatError(f"ONNX model '{self.name}': output '{o.name}' is a constant")
            if v.flat is not None:
                raise UnsupportedOpError(f"ONNX model '{self.name}': output '{o.name}' is an NCHW tensor "
                                         f"flattened in an order NHWC cannot hold", op_type="Flatten")
            outputs.append(v.tensor)
        return self.g.build(inputs, outputs, name=self.name)

    # -- ops -------------------------------------------------------------------------------

    def _alias(self, node):
        self.values[node.output[0]] = self.value(node, 0)

    _Dropout = _Identity = _alias

    def _window(self, node, a: dict, in_hw: tuple, k: tuple) -> tuple[str, list | None, dict]:
        """TFLite padding for an ONNX window: 'SAME'/'VALID', or explicit pads for a PAD op."""
        strides = tuple(a.get("strides", (1, 1)))
        dil = tuple(a.get("dilations", (1, 1)))
        if a.get("ceil_mode", 0):
            raise self.fail(node, "ceil_mode=1 is not supported")
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        attrs = {"stride_h": strides[0], "stride_w": strides[1]}
        if dil != (1, 1):
            attrs.update(dilation_h=dil[0], dilation_w=dil[1])
        if auto in ("SAME_UPPER",):
            return "SAME", None, attrs
        if auto == "VALID":
            return "VALID", None, attrs
        if auto == "SAME_LOWER":
            raise self.fail(node, "auto_pad=SAME_LOWER is not supported")
        pads = list(a.get("pads", (0, 0, 0, 0)))
        if not any(pads):
            return "VALID", None, attrs
        same = []
        for size, kk, s, d in zip(in_hw, k, strides, dil):
            out = (size + s - 1) // s
            total = max(0, (out - 1) * s + (kk - 1) * d + 1 - size)
            same.append((total // 2, total - total // 2))
        if [same[0][0], same[1][0], same[0][1], same[1][1]] == pads:
            return "SAME", None, attrs
        return "VALID", pads, attrs

    def _explicit_pad(self, node, x: _Value, pads: list) -> _Value:
        top, left, bottom, right = pads
        paddings = np.array([[0, 0], [top, bottom], [left, right], [0, 0]], np.int32)
        n, c, h, w = x.shape
        out = self.new(node.output[0] + "/pad", (n, c, h + top + bottom, w + left + right), _NCHW)
        pt = self.g.tensor(node.output[0] + "/paddings", (4, 2), np.int32, data=paddings)
        self.g.op("PAD", [x.tensor, pt], [out.tensor])
        return out

    def _Conv(self, node):
        a = self.attrs(node)
        x = self.image(node)
        w = np.asarray(self.const(node, 1, "weight"), np.float32)
        b = self.const(node, 2, "bias")
        if w.ndim != 4:
            raise self.fail(node, f"only 2-D convolution is supported (weight shape {w.shape})")
        c_out, c_in_g, kh, kw = w.shape
        b = np.zeros(c_out, np.float32) if b is None else np.asarray(b, np.float32).copy()
        out = node.output[0]
        bn = self.sole_consumer(out, ("BatchNormalization",))
        if bn is not None:
            w, b = self._fold_bn(bn, w, b)
            self.skip.add(id(bn))
            out = bn.output[0]
        act, out = self.fuse_activation(out)
        padding, pads, attrs = self._window(node, a, x.shape[2:], (kh, kw))
        if pads is not None:
            x = self._explicit_pad(node, x, pads)
        group = int(a.get("group", 1))
        c_in = x.shape[1]
        y = self.new(out, self.shape_of(out), _NCHW)
        bias = self.constant(out + "/bias", b)
        if group > 1 and group == c_in and c_in_g == 1:
            filt = self.constant(out + "/filter", w[:, 0].transpose(1, 2, 0)[None])
            self.g.op("DEPTHWISE_CONV_2D", [x.tensor, filt, bias], [y.tensor], padding=padding,
                      activation=act, depth_multiplier=c_out // c_in, **attrs)
        else:
            filt = self.constant(out + "/filter", w.transpose(0, 2, 3, 1))
            self.g.op("CONV_2D", [x.tensor, filt, bias], [y.tensor], padding=padding, activation=act, **attrs)
        self.values[out] = y

    def _fold_bn(self, bn, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self.attrs(bn)
        if a.get("training_mode", 0):
            raise self.fail(bn, "training_mode=1 is not supported; export the model in eval mode")
        gamma, beta, mean, var = (np.asarray(self.const(bn, i, r), np.float64)
                                  for i, r in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "var")))
        k = gamma / np.sqrt(var + a.get("epsilon", 1e-5))
        w = (w.astype(np.float64) * k[:, None, None, None]).astype(np.float32)
        b = ((b.astype(np.float64) - mean) * k + beta).astype(np.float32)
        return w, b

    def _fc(self, node, x: _Value, w: np.ndarray, b: np.ndarray | None):
        """FULLY_CONNECTED from weights (O, K) in ONNX column order."""
        if len(x.shape) != 2:
            raise self.fail(node, f"expects a 2-D input (N, K), got {x.shape}")
        if x.flat is not None:
            w = w[:, np.argsort(x.flat)]
        out = node.output[0]
        if b is None:
            add = self.sole_consumer(out, ("Add",))
            if add is not None:
                other = add.input[1] if add.input[0] == out else add.input[0]
                c = self.values.get(other)
                if c is not None and c.const is not None and c.const.size == w.shape[0]:
                    b = c.const.reshape(-1)
                    self.skip.add(id(add))
                    out = add.output[0]
        act, out = self.fuse_activation(out)
        y = self.new(out, self.shape_of(out), (0, 1))
        bias = self.constant(out + "/bias", np.zeros(w.shape[0]) if b is None else b)
        self.g.op("FULLY_CONNECTED", [x.tensor, self.constant(out + "/weights", w), bias], [y.tensor],
                  activation=act)
        self.values[out] = y

    def _Gemm(self, node):
        a = self.attrs(node)
        if a.get("transA", 0):
            raise self.fail(node, "transA=1 is not supported")
        w = np.asarray(self.const(node, 1, "B"), np.float32) * a.get("alpha", 1.0)
        w = w if a.get("transB", 0) else w.T
        b = self.const(node, 2, "C")
        if b is not None:
            b = np.broadcast_to(np.asarray(b, np.float32) * a.get("beta", 1.0), (w.shape[0],))
        self._fc(node, self.act(node), w, b)

    def _MatMul(self, node):
        w = self.const(node, 1, "B")
        if w.ndim != 2:
            raise self.fail(node, f"the constant operand must be 2-D, got {w.shape}")
        self._fc(node, self.act(node), np.asarray(w, np.float32).T, None)

    def _unary(self, node, op_type: str, **attrs):
        x = self.act(node)
        y = self.new(node.output[0], x.shape, x.perm)
        self.g.op(op_type, [x.tensor], [y.tensor], **attrs)
        self.values[node.output[0]] = y

    def _Relu(self, node):
        self._unary(node, "RELU")

    def _Clip(self, node):
        kind = self.clip_kind(node)
        if kind is None:
            raise self.fail(node, "only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are supported")
        self._unary(node, kind)

    def _Sigmoid(self, node):
        self._unary(node, "LOGISTIC")

    def _Tanh(self, node):
        self._unary(node, "TANH")

    def _Softmax(self, node):
        x = self.act(node)
        axis = self.attrs(node).get("axis", -1) % len(x.shape)
        if x.perm[-1] != axis:
            raise self.fail(node, f"softmax over axis {axis} is not over the last stored axis")
        self._unary(node, "SOFTMAX", beta=1.0)

    def _binary(self, node, op_type: str):
        a, b = self.value(node, 0), self.value(node, 1)
        if a.tensor is None and b.tensor is None:
            raise self.fail(node, "both operands are constants")
        if a.tensor is None and op_type == "SUB":
            raise self.fail(node, "a constant minus a tensor is not supported")
        x, c = (a, b) if a.tensor is not None else (b, a)
        self.act(node, 0 if x is a else 1)
        shape = self.shape_of(node.output[0])
        if c.tensor is not None:
            if c.perm != x.perm or c.flat is not None:
                raise self.fail(node, "its operands have different layouts")
            ct = c.tensor
        else:
            data = np.asarray(c.const, np.float32)
            data = data.reshape((1,) * (len(shape) - data.ndim) + data.shape).transpose(x.perm)
            ct = self.constant(node.output[0] + "/operand", data)
        act, out = self.fuse_activation(node.output[0])
        y = self.new(out, shape, x.perm)
        ins = [x.tensor, ct] if x is a else [ct, x.tensor]
        self.g.op(op_type, ins, [y.tensor], activation=act)
        self.values[out] = y

    def _Add(self, node):
        self._binary(node, "ADD")

    def _Sub(self, node):
        self._binary(node, "SUB")

    def _Mul(self, node):
        self._binary(node, "MUL")

    def _pool(self, node, op_type: str):
        a = self.attrs(node)
        x = self.image(node)
        k = tuple(a["kernel_shape"])
        padding, pads, attrs = self._window(node, a, x.shape[2:], k)
        if pads is not None:
            raise self.fail(node, f"pads {pads} are neither SAME nor VALID; only those are supported for pooling")
        if op_type == "AVERAGE_POOL_2D" and a.get("count_include_pad", 0) and padding == "SAME":
            raise self.fail(node, "count_include_pad=1 with padding is not supported")
        if "dilation_h" in attrs:
            raise self.fail(node, "dilated pooling is not supported")
        act, out = self.fuse_activation(node.output[0])
        y = self.new(out, self.shape_of(out), _NCHW)
        self.g.op(op_type, [x.tensor], [y.tensor], padding=padding, filter_h=k[0], filter_w=k[1],
                  activation=act, **attrs)
        self.values[out] = y

    def _MaxPool(self, node):
        if len(node.output) > 1 and node.output[1]:
            raise self.fail(node, "the Indices output is not supported")
        self._pool(node, "MAX_POOL_2D")

    def _AveragePool(self, node):
        self._pool(node, "AVERAGE_POOL_2D")

    def _GlobalAveragePool(self, node):
        x = self.image(node)
        y = self.new(node.output[0], self.shape_of(node.output[0]), _NCHW)
        self.g.op("AVERAGE_POOL_2D", [x.tensor], [y.tensor], padding="VALID", filter_h=x.shape[2],
                  filter_w=x.shape[3], stride_h=1, stride_w=1, activation="NONE")
        self.values[node.output[0]] = y

    def _reshape_to(self, node, x: _Value, shape: tuple):
        """A reshape that only changes layout: same element order where the data is stored."""
        shape = tuple(int(d) for d in shape)
        if x.perm == tuple(range(len(x.shape))):
            flat = x.flat
        elif len(shape) == 2 and shape[0] == x.shape[0] == 1:
            order = np.arange(int(np.prod(x.shape))).reshape(x.shape).transpose(x.perm).reshape(-1)
            flat = np.empty_like(order)
            flat[order] = np.arange(order.size)  # stored position of each ONNX element
            if np.array_equal(flat, np.arange(flat.size)):
                flat = None
        else:
            raise self.fail(node, f"reshaping {x.shape} (stored NHWC) to {shape} is more than a layout change")
        y = self.new(node.output[0], shape, tuple(range(len(shape))))
        y.flat = flat
        self.g.op("RESHAPE", [x.tensor], [y.tensor], new_shape=list(shape))
        self.values[node.output[0]] = y

    def _Flatten(self, node):
        x = self.value(node, 0)
        if x.tensor is None:
            raise self.fail(node, "flattening a constant is not supported")
        axis = self.attrs(node).get("axis", 1) % max(1, len(x.shape))
        shape = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
        self._reshape_to(node, x, shape)

    def _Reshape(self, node):
        x = self.value(node, 0)
        if x.tensor is None:
            raise self.fail(node, "reshaping a constant is not supported")
        self._reshape_to(node, x, self.shape_of(node.output[0]))

    def _Transpose(self, node):
        x = self.act(node)
        p = tuple(self.attrs(node).get("perm", tuple(reversed(range(len(x.shape))))))
        # ONNX out = in.transpose(p); stored data unchanged when out.transpose(q) == in.transpose(x.perm)
        q = tuple(int(i) for i in np.argsort(p)[list(x.perm)])
        self.values[node.output[0]] = _Value(x.tensor, None, tuple(x.shape[i] for i in p), q, x.flat)

    def _Concat(self, node):
        xs = [self.act(node, i) for i in range(len(node.input))]
        if len({x.perm for x in xs}) != 1:
            raise self.fail(node, "its inputs have different layouts")
        axis = self.attrs(node)["axis"] % len(xs[0].shape)
        act, out = "NONE", node.output[0]
        y = self.new(out, self.shape_of(out), xs[0].perm)
        self.g.op("CONCATENATION", [x.tensor for x in xs], [y.tensor], axis=xs[0].perm.index(axis),
                  activation=act)
        self.values[out] = y

    def _Pad(self, node):
        x = self.act(node)
        a = self.attrs(node)
        mode = a.get("mode", b"constant")
        if (mode.decode() if isinstance(mode, bytes) else mode) != "constant":
            raise self.fail(node, f"only constant padding is supported, not {mode}")
        pads = np.asarray(self.const(node, 1, "pads"), np.int64).reshape(2, -1)
        value = self.const(node, 2, "constant_value") if len(node.input) > 2 else None
        if value is not None and float(np.asarray(value).reshape(-1)[0]) != 0:
            raise self.fail(node, "only zero padding is supported")
        if len(node.input) > 3 and node.input[3]:
            raise self.fail(node, "the axes input is not supported")
        if np.any(pads < 0):
            raise self.fail(node, "negative pads (cropping) are not supported")
        stored = pads.T[list(x.perm)].astype(np.int32)
        y = self.new(node.output[0], self.shape_of(node.output[0]), x.perm)
        pt = self.g.tensor(node.output[0] + "/paddings", stored.shape, np.int32, data=stored)
        self.g.op("PAD", [x.tensor, pt], [y.tensor])
        self.values[node.output[0]] = y

    def _BatchNormalization(self, node):
        raise self.fail(node, "BatchNormalization must follow a Conv (it is folded into it)")
