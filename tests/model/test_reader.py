"""The reader: what it reads from real models, and the clear errors it gives for bad files."""

import zlib

import numpy as np
import pytest

import mlaccel
from mlaccel.errors import (InputError, MlaccelError, ModelFileError, ModelFormatError,
                            UnsupportedOpError)
from mlaccel.graph import Tensor
from mlaccel.model import GraphBuilder, parse_tflite, quant, read_tflite, serialize_tflite

from ..conftest import ALL_MODELS, model_path


def test_reads_kws_structure():
    g = read_tflite(model_path("kws"))
    assert [op.type for op in g.ops][:3] == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D"]
    conv = g.ops[0]
    assert conv.attrs["padding"] == "SAME" and conv.attrs["stride_h"] == 2
    assert conv.attrs["activation"] == "RELU"
    w = conv.inputs[1]
    assert w.shape == (64, 10, 4, 1) and w.dtype == np.int8 and w.quant.per_axis
    assert w.quant.scale.size == 64 and w.quant.axis == 0
    assert g.inputs[0].shape == (1, 49, 10, 1)
    assert g.ops[1].attrs["depth_multiplier"] == 1


def test_extended_builtin_codes_are_read():
    """hps uses PAD, STRIDED_SLICE and CONCATENATION, whose codes only the int32 field carries."""
    g = read_tflite(model_path("hps"))
    assert {"PAD", "STRIDED_SLICE", "CONCATENATION"} <= set(g.op_types)
    assert "ADD" not in g.op_types


@pytest.mark.parametrize("path", ALL_MODELS, ids=[p.stem for p in ALL_MODELS])
def test_every_model_loads_with_known_ops(path):
    g = read_tflite(path)
    assert g.ops and g.inputs and g.outputs
    assert not [op for op in g.ops if op.type.startswith(("CUSTOM", "BUILTIN_"))]


def test_missing_file():
    with pytest.raises(ModelFileError, match="does not exist"):
        mlaccel.load("/nonexistent/model.tflite")


@pytest.mark.parametrize("n", [0, 7, 100, 1000, 20000, 53000])
def test_truncated_file(tmp_path, n):
    data = model_path("kws").read_bytes()[:n]
    p = tmp_path / "cut.tflite"
    p.write_bytes(data)
    with pytest.raises(ModelFormatError, match="cut.tflite"):
        mlaccel.load(p)


def test_not_a_tflite_file(tmp_path):
    p = tmp_path / "x.tflite"
    p.write_bytes(b"hello world, this is not a model")
    with pytest.raises(ModelFormatError, match="identifier"):
        mlaccel.load(p)


def _softmax_graph(extra_op: str | None = None, bad_index: int | None = None):
    g = GraphBuilder()
    x = g.tensor("x", (1, 8), np.int8, quant(0.1, 3))
    y = g.tensor("y", (1, 8), np.int8, quant(1 / 256, -128))
    src = x
    if bad_index is not None:
        src = Tensor(bad_index, "ghost", (1, 8), np.dtype(np.int8), quant(0.1, 3))
    g.op("SOFTMAX", [src], [y], beta=1.0)
    out = y
    if extra_op:
        z = g.tensor("z", (1, 8), np.int8, quant(1 / 128, 0))
        g.op(extra_op, [y], [z])
        out = z
    return g.build([x], [out])


def test_tensor_index_out_of_range():
    data = serialize_tflite(_softmax_graph(bad_index=57))
    with pytest.raises(ModelFormatError, match="refers to tensor 57, but the model has 2 tensors"):
        parse_tflite(data, "bad.tflite")


def test_unsupported_op_names_op_and_index():
    model = mlaccel.Model(parse_tflite(serialize_tflite(_softmax_graph("HARD_SWISH"))))
    assert [op.type for op in model.graph.ops] == ["SOFTMAX", "HARD_SWISH"]  # loads and can be inspected
    with pytest.raises(UnsupportedOpError, match=r"#1 HARD_SWISH") as e:
        model.run(np.zeros((1, 8), np.int8))
    assert e.value.op_type == "HARD_SWISH" and e.value.op_index == 1


def test_wrong_input_shape_and_dtype():
    model = mlaccel.load(model_path("kws"))
    with pytest.raises(InputError, match=r"shape \(49, 11\)"):
        model.run(np.zeros((49, 11), np.int8))
    with pytest.raises(InputError, match="must be int8, got float32"):
        model.run(np.zeros((1, 49, 10, 1), np.float32))
    with pytest.raises(InputError, match="takes 1 input"):
        model.run()


def _mutations(data: bytes, rng: np.random.Generator, n: int):
    for i in range(n):
        buf = bytearray(data)
        kind = i % 4
        if kind == 0:  # a few random bytes
            for pos in rng.integers(0, len(buf), rng.integers(1, 9)):
                buf[pos] = int(rng.integers(0, 256))
        elif kind == 1:  # truncation
            buf = buf[: int(rng.integers(0, len(buf)))]
        elif kind == 2:  # a run of garbage in the flatbuffer tables (the first KB)
            pos = int(rng.integers(8, min(len(buf), 1024)))
            buf[pos:pos + 16] = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
        else:  # flipped bits in a 32-bit offset-sized window
            pos = int(rng.integers(0, len(buf) - 4))
            buf[pos + int(rng.integers(0, 4))] ^= 1 << int(rng.integers(0, 8))
        yield bytes(buf)


@pytest.mark.parametrize("alias", ["kws", "ad", "micro_speech", "magic_wand"])
def test_fuzzed_models_load_or_raise_our_error(alias):
    """Mutated and truncated files either load (and run or fail with our error) or raise ours."""
    data = model_path(alias).read_bytes()
    rng = np.random.default_rng(zlib.crc32(alias.encode()))  # the same mutations every run
    loaded = rejected = 0
    for blob in _mutations(data, rng, 100):
        try:
            model = mlaccel.Model(parse_tflite(blob, "fuzz.tflite"))
        except ModelFormatError:
            rejected += 1
            continue
        loaded += 1
        try:
            xs = [np.zeros(t.shape, t.dtype) for t in model.inputs]
            model.run(*xs)
        except MlaccelError:
            pass
    assert loaded + rejected == 100 and rejected > 0


def test_graph_without_inputs_runs_once():
    g = GraphBuilder()
    c = g.tensor("c", (1, 4), np.int8, quant(0.1, 0), np.array([[1, 2, 3, 4]]))
    y = g.tensor("y", (1, 4), np.int8, quant(1 / 256, -128))
    g.op("SOFTMAX", [c], [y], beta=1.0)
    model = mlaccel.Model(parse_tflite(serialize_tflite(g.build([], [y]))))
    assert model.run().outputs[0].shape == (1, 4)
