"""Write a :class:`~mlaccel.graph.Graph` as a ``.tflite`` flatbuffer.

The writer covers every op and option in :mod:`.schema`, so anything the reader produces can be
written back. Property tests use it to make single-op models with random parameters; quantization
will use it to emit the models it produces.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import flatbuffers
import numpy as np
import tflite

from ..errors import ModelFormatError
from ..graph import Graph, Op, Tensor
from .schema import DTYPE_CODES, INT4, IVEC, OP_CODES, OPTIONS, OPTIONS_TYPE

__all__ = ["write_tflite", "serialize_tflite", "pack_int4"]

_SCHEMA_VERSION = 3


def write_tflite(graph: Graph, path: str | os.PathLike) -> None:
    """Write a graph to a ``.tflite`` file; refuses to overwrite an existing file.

    Raises
    ------
    FileExistsError
        ``path`` already exists.
    """
    with open(Path(path), "xb") as f:
        f.write(serialize_tflite(graph))


def serialize_tflite(graph: Graph) -> bytes:
    """Serialize a graph to TFLite flatbuffer bytes.

    Tensors are written in the order of ``graph.tensors``, whose ``index`` fields must be their
    positions (as the reader and :class:`~mlaccel.model.builder.GraphBuilder` make them).
    """
    for i, t in enumerate(graph.tensors):
        if t.index != i:
            raise ModelFormatError(f"Tensor '{t.name}' has index {t.index} but stands at position {i}")
    b = flatbuffers.Builder(1024 + sum(t.nbytes for t in graph.tensors if t.is_constant))
    buffers, buffer_of = _buffers(b, graph.tensors)
    tensors = [_tensor(b, t, buffer_of[t.index]) for t in graph.tensors]
    op_types = list(dict.fromkeys(op.type for op in graph.ops))
    codes = [_opcode(b, name) for name in op_types]
    ops = [_operator(b, op, op_types.index(op.type)) for op in graph.ops]

    name = b.CreateString("main")
    tensors_v = _offsets(b, tflite.SubGraphStartTensorsVector, tensors)
    inputs_v = b.CreateNumpyVector(np.array([t.index for t in graph.inputs], np.int32))
    outputs_v = b.CreateNumpyVector(np.array([t.index for t in graph.outputs], np.int32))
    ops_v = _offsets(b, tflite.SubGraphStartOperatorsVector, ops)
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tensors_v)
    tflite.SubGraphAddInputs(b, inputs_v)
    tflite.SubGraphAddOutputs(b, outputs_v)
    tflite.SubGraphAddOperators(b, ops_v)
    tflite.SubGraphAddName(b, name)
    subgraph = tflite.SubGraphEnd(b)

    desc = b.CreateString(graph.description or "written by mlaccel")
    codes_v = _offsets(b, tflite.ModelStartOperatorCodesVector, codes)
    subgraphs_v = _offsets(b, tflite.ModelStartSubgraphsVector, [subgraph])
    buffers_v = _offsets(b, tflite.ModelStartBuffersVector, buffers)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, _SCHEMA_VERSION)
    tflite.ModelAddOperatorCodes(b, codes_v)
    tflite.ModelAddSubgraphs(b, subgraphs_v)
    tflite.ModelAddDescription(b, desc)
    tflite.ModelAddBuffers(b, buffers_v)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _offsets(b: flatbuffers.Builder, start, items: list[int]) -> int:
    start(b, len(items))
    for off in reversed(items):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


def _buffers(b: flatbuffers.Builder, tensors) -> tuple[list[int], dict[int, int]]:
    tflite.BufferStart(b)
    offsets = [tflite.BufferEnd(b)]  # buffer 0 is the empty sentinel TFLite expects
    buffer_of = {}
    for t in tensors:
        if not t.is_constant:
            buffer_of[t.index] = 0
            continue
        raw = pack_int4(t.data) if t.bits == 4 else np.ascontiguousarray(t.data, t.dtype).view(np.uint8).reshape(-1)
        b.StartVector(1, raw.size, 16)  # 16-byte alignment for the kernels' loads
        b.head = b.head - raw.size
        b.Bytes[b.head:b.head + raw.size] = raw.tobytes()
        data = b.EndVector()
        tflite.BufferStart(b)
        tflite.BufferAddData(b, data)
        buffer_of[t.index] = len(offsets)
        offsets.append(tflite.BufferEnd(b))
    return offsets, buffer_of


def pack_int4(values: np.ndarray) -> np.ndarray:
    """Pack int8 values in [-8, 7] two per byte, low nibble first (TFLite's INT4 layout)."""
    v = np.asarray(values).reshape(-1).astype(np.int16)
    if v.size and (v.min() < -8 or v.max() > 7):
        raise ModelFormatError(f"INT4 values must lie in [-8, 7], got [{v.min()}, {v.max()}]")
    nib = (v & 0xF).astype(np.uint8)
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def _tensor(b: flatbuffers.Builder, t: Tensor, buffer: int) -> int:
    if t.bits not in (None, 4) or (t.bits == 4 and t.dtype != np.int8):
        raise ModelFormatError(f"Tensor '{t.name}' stores {t.bits}-bit {t.dtype}; TFLite packs only int8 as INT4")
    if t.dtype not in DTYPE_CODES:
        raise ModelFormatError(f"Tensor '{t.name}' has dtype {t.dtype}, which TFLite cannot hold")
    name = b.CreateString(t.name)
    shape = b.CreateNumpyVector(np.array(t.shape, np.int32))
    quant = None
    if t.quant is not None:
        scale = b.CreateNumpyVector(np.asarray(t.quant.scale, np.float32))
        zp = b.CreateNumpyVector(np.asarray(t.quant.zero_point, np.int64))
        tflite.QuantizationParametersStart(b)
        tflite.QuantizationParametersAddScale(b, scale)
        tflite.QuantizationParametersAddZeroPoint(b, zp)
        tflite.QuantizationParametersAddQuantizedDimension(b, t.quant.axis)
        quant = tflite.QuantizationParametersEnd(b)
    tflite.TensorStart(b)
    tflite.TensorAddShape(b, shape)
    tflite.TensorAddType(b, INT4 if t.bits == 4 else DTYPE_CODES[t.dtype])
    tflite.TensorAddBuffer(b, buffer)
    tflite.TensorAddName(b, name)
    if quant is not None:
        tflite.TensorAddQuantization(b, quant)
    return tflite.TensorEnd(b)


def _opcode(b: flatbuffers.Builder, op_type: str) -> int:
    custom = None
    if op_type.startswith("CUSTOM:"):
        custom = b.CreateString(op_type.split(":", 1)[1])
        code = OP_CODES["CUSTOM"]
    elif op_type in OP_CODES:
        code = OP_CODES[op_type]
    else:
        raise ModelFormatError(f"Op type '{op_type}' is not a TFLite builtin")
    tflite.OperatorCodeStart(b)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
    tflite.OperatorCodeAddBuiltinCode(b, code)
    tflite.OperatorCodeAddVersion(b, 1)
    if custom is not None:
        tflite.OperatorCodeAddCustomCode(b, custom)
    return tflite.OperatorCodeEnd(b)


def _operator(b: flatbuffers.Builder, op: Op, opcode: int) -> int:
    options, options_type = _options(b, op)
    ins = b.CreateNumpyVector(np.array([-1 if t is None else t.index for t in op.inputs], np.int32))
    outs = b.CreateNumpyVector(np.array([t.index for t in op.outputs], np.int32))
    tflite.OperatorStart(b)
    tflite.OperatorAddOpcodeIndex(b, opcode)
    tflite.OperatorAddInputs(b, ins)
    tflite.OperatorAddOutputs(b, outs)
    if options is not None:
        tflite.OperatorAddBuiltinOptionsType(b, options_type)
        tflite.OperatorAddBuiltinOptions(b, options)
    return tflite.OperatorEnd(b)


def _options(b: flatbuffers.Builder, op: Op) -> tuple[int | None, int]:
    spec = OPTIONS.get(op.type)
    if spec is None or not spec[0]:
        return None, 0
    table, fields = spec
    module = importlib.import_module(f"tflite.{table}")
    vectors = {}
    for attr, field, codec in fields:
        if codec == IVEC and attr in op.attrs:
            vectors[field] = b.CreateNumpyVector(np.array(op.attrs[attr], np.int32))
    getattr(module, f"{table}Start")(b)
    for attr, field, codec in fields:
        if attr not in op.attrs:
            continue
        add = getattr(module, f"{table}Add{field}")
        if codec == IVEC:
            add(b, vectors[field])
        else:
            add(b, codec[1](op.attrs[attr]))
    return getattr(module, f"{table}End")(b), OPTIONS_TYPE[table]
