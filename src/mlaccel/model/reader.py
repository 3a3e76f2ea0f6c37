"""Read a ``.tflite`` flatbuffer into a :class:`~mlaccel.graph.Graph`.

Parsing goes through the PyPI ``tflite`` package (generated from TFLite's schema). A corrupted file
can make flatbuffer accessors read garbage or fail anywhere, so every access happens under one guard
that turns any failure into :class:`~mlaccel.errors.ModelFormatError` naming the file and what was
being read, and every vector length and index is checked before it is used.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import flatbuffers
import numpy as np
import tflite

from ..errors import ModelFileError, ModelFormatError
from ..graph import Graph, Op, Quant, Tensor
from .schema import INT4, IVEC, OP_NAMES, OPTIONS, TENSOR_TYPES

__all__ = ["read_tflite", "parse_tflite"]

_IDENTIFIER = b"TFL3"
_MAX_TENSOR_BYTES = 1 << 30  # no model of this field comes near; a larger one is a corrupted shape


def read_tflite(path: str | os.PathLike) -> Graph:
    """Read a TFLite model file.

    Parameters
    ----------
    path : str or PathLike
        A ``.tflite`` file.

    Returns
    -------
    Graph

    Raises
    ------
    ModelFileError
        The file does not exist or cannot be read.
    ModelFormatError
        The file is not a valid TFLite model.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"Model file '{p}' does not exist") from None
    except OSError as e:
        raise ModelFileError(f"Model file '{p}' cannot be read: {e.strerror or e}") from None
    return parse_tflite(data, name=str(p))


def parse_tflite(data: bytes, name: str = "<bytes>") -> Graph:
    """Parse the bytes of a TFLite model; see :func:`read_tflite`."""
    return _Parser(bytes(data), name).graph()


class _Parser:
    def __init__(self, buf: bytes, name: str):
        self.buf = buf
        self.name = name
        self.where = "the file header"

    def fail(self, what: str) -> ModelFormatError:
        return ModelFormatError(f"Model file '{self.name}' is not a valid TFLite model: {what}")

    def graph(self) -> Graph:
        buf = self.buf
        if len(buf) < 8:
            raise self.fail(f"it is {len(buf)} bytes long, too short for a flatbuffer")
        if buf[4:8] != _IDENTIFIER:
            raise self.fail(f"file identifier is {buf[4:8]!r}, expected {_IDENTIFIER!r}")
        try:
            return self._graph()
        except ModelFormatError:
            raise
        except Exception as e:  # noqa: BLE001 - any failure inside flatbuffers means corruption
            raise self.fail(f"cannot read {self.where} ({type(e).__name__}: {e})") from None

    def count(self, n: int, elem_bytes: int, what: str) -> int:
        """Check a vector length against the buffer size before looping over it."""
        if n < 0 or n * elem_bytes > len(self.buf):
            raise self.fail(f"{what} claims {n} entries, more than the file can hold")
        return n

    def _graph(self) -> Graph:
        self.where = "the model table"
        m = tflite.Model.GetRootAs(self.buf, 0)
        n_sub = self.count(m.SubgraphsLength(), 4, "the subgraph list")
        if n_sub < 1:
            raise self.fail("it has no subgraph")
        sg = m.Subgraphs(0)
        buffers = self._buffers(m)
        tensors = self._tensors(sg, buffers)
        opcodes = self._opcodes(m)
        ops = self._ops(sg, tensors, opcodes)
        self.where = "the subgraph inputs and outputs"
        inputs = tuple(tensors[self.index(i, len(tensors), "graph input")] for i in _ints(sg.InputsAsNumpy()))
        outputs = tuple(tensors[self.index(i, len(tensors), "graph output")] for i in _ints(sg.OutputsAsNumpy()))
        desc = m.Description()
        graph = Graph(
            tensors=tuple(tensors),
            ops=tuple(ops),
            inputs=inputs,
            outputs=outputs,
            name=self.name,
            description=desc.decode("utf-8", "replace") if desc else "",
        )
        self._check_dataflow(graph)
        return graph

    def index(self, i: int, n: int, what: str) -> int:
        if not 0 <= i < n:
            raise self.fail(f"{what} refers to tensor {i}, but the model has {n} tensors")
        return i

    def _buffers(self, m) -> list[np.ndarray | None]:
        self.where = "the buffer table"
        n = self.count(m.BuffersLength(), 4, "the buffer table")
        out: list[np.ndarray | None] = []
        for b in range(n):
            self.where = f"buffer {b}"
            buf = m.Buffers(b)
            offset, size = buf.Offset(), buf.Size()
            if offset > 1:  # models over 2 GB keep data after the flatbuffer
                if offset + size > len(self.buf):
                    raise self.fail(f"buffer {b} points past the end of the file")
                out.append(np.frombuffer(self.buf, np.uint8, size, offset))
                continue
            raw = buf.DataAsNumpy()
            out.append(raw if isinstance(raw, np.ndarray) and raw.size else None)
        return out

    def _tensors(self, sg, buffers) -> list[Tensor]:
        self.where = "the tensor table"
        n = self.count(sg.TensorsLength(), 4, "the tensor table")
        tensors = []
        for t in range(n):
            self.where = f"tensor {t}"
            fb = sg.Tensors(t)
            name = (fb.Name() or b"").decode("utf-8", "replace")
            shape_raw = fb.ShapeAsNumpy()
            shape = tuple(int(d) for d in shape_raw) if isinstance(shape_raw, np.ndarray) else ()
            if any(d < 0 for d in shape):
                raise self.fail(f"tensor {t} '{name}' has a dynamic or negative shape {shape}")
            code = fb.Type()
            bits = 4 if code == INT4 else None
            if code not in TENSOR_TYPES and bits is None:
                raise self.fail(f"tensor {t} '{name}' has unsupported element type code {code}")
            dtype = np.dtype(np.int8) if bits else TENSOR_TYPES[code]
            nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
            if nbytes > _MAX_TENSOR_BYTES:
                raise self.fail(f"tensor {t} '{name}' of shape {shape} claims {nbytes} bytes")
            b = fb.Buffer()
            if not 0 <= b < len(buffers):
                raise self.fail(f"tensor {t} '{name}' refers to buffer {b}, but the model has {len(buffers)}")
            data = None
            if buffers[b] is not None:
                raw = buffers[b]
                count = int(np.prod(shape, dtype=np.int64))
                expect = (count + 1) // 2 if bits else count * dtype.itemsize
                if raw.size != expect:
                    raise self.fail(
                        f"tensor {t} '{name}' of shape {shape} {'int4' if bits else dtype} needs "
                        f"{expect} bytes, but buffer {b} holds {raw.size}"
                    )
                if bits:
                    data = unpack_int4(raw, count).reshape(shape)
                else:
                    data = np.frombuffer(raw.tobytes(), dtype).reshape(shape)
            tensors.append(Tensor(t, name, shape, dtype, self._quant(fb, t, name), data, bits))
        return tensors

    def _quant(self, fb, t: int, name: str) -> Quant | None:
        q = fb.Quantization()
        if q is None:
            return None
        scale, zp = q.ScaleAsNumpy(), q.ZeroPointAsNumpy()
        if not isinstance(scale, np.ndarray) or scale.size == 0:
            return None
        zp = zp if isinstance(zp, np.ndarray) and zp.size else np.zeros(1, np.int64)
        if zp.size not in (1, scale.size):
            raise self.fail(f"tensor {t} '{name}' has {scale.size} scales but {zp.size} zero points")
        if not np.all(np.isfinite(scale)):
            raise self.fail(f"tensor {t} '{name}' has a non-finite quantization scale")
        zp = np.broadcast_to(zp.astype(np.int64), scale.shape).copy()
        return Quant(scale.astype(np.float32).copy(), zp, int(q.QuantizedDimension()))

    def _opcodes(self, m) -> list[str]:
        self.where = "the operator-code table"
        n = self.count(m.OperatorCodesLength(), 4, "the operator-code table")
        names = []
        for i in range(n):
            self.where = f"operator code {i}"
            oc = m.OperatorCodes(i)
            # tflite 2.18's OperatorCode.BuiltinCode() returns the deprecated byte for codes
            # above 127 only; TFLite's own rule is max(deprecated_builtin_code, builtin_code).
            off = oc._tab.Offset(10)
            wide = oc._tab.Get(flatbuffers.number_types.Int32Flags, off + oc._tab.Pos) if off else 0
            code = max(int(wide), int(oc.DeprecatedBuiltinCode()))
            name = OP_NAMES.get(code, f"BUILTIN_{code}")
            if name == "CUSTOM":
                custom = oc.CustomCode()
                name = "CUSTOM:" + (custom.decode("utf-8", "replace") if custom else "?")
            names.append(name)
        return names

    def _ops(self, sg, tensors, opcodes) -> list[Op]:
        self.where = "the operator list"
        n = self.count(sg.OperatorsLength(), 4, "the operator list")
        ops = []
        for i in range(n):
            self.where = f"operator {i}"
            fb = sg.Operators(i)
            k = fb.OpcodeIndex()
            if not 0 <= k < len(opcodes):
                raise self.fail(f"operator {i} uses opcode {k}, but the model has {len(opcodes)}")
            op_type = opcodes[k]
            ins = tuple(
                None if j < 0 else tensors[self.index(j, len(tensors), f"input of operator {i} ({op_type})")]
                for j in _ints(fb.InputsAsNumpy())
            )
            outs = tuple(
                tensors[self.index(j, len(tensors), f"output of operator {i} ({op_type})")]
                for j in _ints(fb.OutputsAsNumpy())
            )
            ops.append(Op(i, op_type, ins, outs, self._attrs(fb, op_type)))
        return ops

    def _attrs(self, fb, op_type: str) -> dict:
        spec = OPTIONS.get(op_type)
        if spec is None or not spec[1]:
            return {}
        table_name, fields = spec
        table = fb.BuiltinOptions()
        cls = getattr(importlib.import_module(f"tflite.{table_name}"), table_name)
        opts = cls()
        if table is not None:
            opts.Init(table.Bytes, table.Pos)
        attrs = {}
        for attr, field, codec in fields:
            if codec == IVEC:
                v = getattr(opts, field + "AsNumpy")() if table is not None else 0
                attrs[attr] = tuple(int(x) for x in v) if isinstance(v, np.ndarray) else ()
                continue
            decode = codec[0]
            # An absent table means every field has its schema default; read through a
            # fresh empty table is not possible, so fall back to the accessor defaults.
            raw = getattr(opts, field)() if table is not None else _DEFAULTS.get(field, 0)
            try:
                attrs[attr] = decode(raw)
            except (IndexError, ValueError):
                raise self.fail(f"{op_type} option {field} has invalid value {raw}") from None
        return attrs

    def _check_dataflow(self, g: Graph) -> None:
        ready = {t.index for t in g.inputs} | {t.index for t in g.tensors if t.is_constant}
        for op in g.ops:
            for t in op.inputs:
                if t is not None and t.index not in ready:
                    raise self.fail(
                        f"op {op.label} reads tensor {t.index} '{t.name}' before any op writes it"
                    )
            ready.update(t.index for t in op.outputs)
        for t in g.outputs:
            if t.index not in ready:
                raise self.fail(f"graph output tensor {t.index} '{t.name}' is never written")


# Schema defaults for fields whose options table is missing altogether.
_DEFAULTS = {"StrideW": 0, "StrideH": 0, "DilationWFactor": 1, "DilationHFactor": 1, "DepthMultiplier": 0,
             "Beta": 0.0}


def unpack_int4(raw: np.ndarray, count: int) -> np.ndarray:
    """Unpack TFLite INT4 bytes (low nibble first) into ``count`` int8 values."""
    b = np.frombuffer(raw.tobytes(), np.uint8).astype(np.int16)
    pairs = np.stack([b & 0xF, b >> 4], axis=1).reshape(-1)[:count]
    out = np.where(pairs >= 8, pairs - 16, pairs).astype(np.int8)
    out.flags.writeable = False
    return out


def _ints(v) -> list[int]:
    return [int(x) for x in v] if isinstance(v, np.ndarray) else []
