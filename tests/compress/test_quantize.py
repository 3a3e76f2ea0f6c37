"""PTQ: every produced .tflite passes our reader and runs bit-exact in TFLite-Micro."""

from __future__ import annotations

import numpy as np
import pytest

from mlaccel import session
from mlaccel.compress.flows import calibration_samples, from_onnx
from mlaccel.compress.quantize import QuantConfig, activation_quant, parse_weight_bits, quantize, quantize_weights
from mlaccel.errors import InputError
from mlaccel.model.builder import GraphBuilder, quant
from mlaccel.model.reader import parse_tflite
from mlaccel.model.writer import serialize_tflite
from mlaccel.verify.oracle import tflm_interpreter, tflm_run

CONFIGS = [QuantConfig(), QuantConfig(per_channel=False), QuantConfig(method="percentile"),
           QuantConfig(method="mse"), QuantConfig(weight_bits=4), QuantConfig(weight_bits={"*": 4, "#1": 8}),
           QuantConfig(float_io=True)]


def _bit_exact(data: bytes, x: np.ndarray) -> None:
    g = parse_tflite(data)  # the reader's validation
    t = g.inputs[0]
    if t.dtype == np.int8:
        x = np.clip(np.round(x / t.quant.s) + t.quant.zp, -128, 127).astype(np.int8)
    ours = session.load(data).run(x).outputs[0]
    it = tflm_interpreter(data)
    for i in range(len(x)):
        np.testing.assert_array_equal(tflm_run(data, x[i:i + 1], interpreter=it)[0], ours[i:i + 1])


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.method}-{'pc' if c.per_channel else 'pt'}-"
                         f"{c.weight_bits}-{'fio' if c.float_io else 'int8io'}".replace(" ", ""))
@pytest.mark.parametrize("fixture", ["allops_onnx", "cnn_onnx", "mlp_onnx"])
def test_quantized_model_is_bit_exact_in_tflm(fixture, config, request, rng):
    graph = from_onnx(request.getfixturevalue(fixture))
    x = rng.normal(0.3, 1, (64,) + graph.inputs[0].shape[1:]).astype(np.float32)
    q = quantize(graph, x, config)
    assert all(t.dtype != np.float32 for t in q.tensors if t.is_constant)
    _bit_exact(serialize_tflite(q), x[:12])


def test_int8_tracks_float(cnn_onnx):
    graph = from_onnx(cnn_onnx)
    x = calibration_samples("digits", graph)
    q = session.load(serialize_tflite(quantize(graph, x)))
    f = session.Model(graph).run(x[:100]).outputs[0]
    t = q.inputs[0]
    xi = np.clip(np.round(x[:100] / t.quant.s) + t.quant.zp, -128, 127).astype(np.int8)
    o = q.outputs[0].quant
    r = (q.run(xi).outputs[0].astype(np.float32) - o.zp) * o.s
    assert np.abs(r - f).max() < 0.05 * np.abs(f).max()
    assert np.mean(r.argmax(1) == f.argmax(1)) > 0.95


def test_quantization_parameters_follow_the_spec():
    q = activation_quant(-1.3, 2.9)
    assert isinstance(q.zp, int) and -128 <= q.zp <= 127  # an integer zero point: real 0 is exact
    assert (-128 - q.zp) * q.s <= -1.3 + q.s and (127 - q.zp) * q.s >= 2.9 - q.s
    w = np.array([[0.5, -1.0], [0.02, 0.01]], np.float32)
    qw, s = quantize_weights(w, 0, True)
    assert qw[0, 1] == -127 and qw[1, 0] == 127 and np.all(np.abs(qw * s[:, None] - w) <= s[:, None] / 2 + 1e-9)
    qw4, s4 = quantize_weights(w, 0, False, bits=4)
    assert qw4.min() >= -7 and qw4.max() <= 7 and s4.size == 1
    assert parse_weight_bits("4,#0=8") == {"*": 4, "#0": 8} and parse_weight_bits("8") == 8
    with pytest.raises(InputError):
        QuantConfig(weight_bits=2)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 5, 5, 1), np.float32), "shape"),
    (np.zeros((4, 8, 8, 1), np.int8), "floating point"),
    (np.full((4, 8, 8, 1), np.nan, np.float32), "NaN"),
])
def test_bad_calibration_data_is_refused(cnn_onnx, bad, match):
    with pytest.raises(InputError, match=match):
        quantize(from_onnx(cnn_onnx), bad)


@pytest.mark.parametrize("kind", ["RELU", "RELU6", "TANH"])
def test_int8_activation_kernels_match_tflm(kind, rng):
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    for _ in range(8):
        si, zi = float(10 ** rng.uniform(-3, -0.5)), int(rng.integers(-128, 128))
        oq = {"TANH": quant(1 / 128, 0), "RELU6": quant(si, zi)}.get(kind, quant(float(rng.uniform(0.001, 0.2)), -100))
        g = GraphBuilder()
        a, y = g.tensor("x", (1, 256), np.int8, quant(si, zi)), g.tensor("y", (1, 256), np.int8, oq)
        g.op(kind, [a], [y])
        data = serialize_tflite(g.build([a], [y]))
        np.testing.assert_array_equal(session.load(data).run(x).outputs[0], tflm_run(data, x)[0])


def test_int4_tensors_round_trip_packed(rng):
    g = GraphBuilder()
    x = g.tensor("x", (1, 5), np.int8, quant(0.1, 0))
    w = g.tensor("w", (3, 5), np.int8, quant(0.05, 0), data=rng.integers(-8, 8, (3, 5)), bits=4)
    y = g.tensor("y", (1, 3), np.int8, quant(0.2, 0))
    g.op("FULLY_CONNECTED", [x, w, None], [y], activation="NONE")
    graph = g.build([x], [y])
    back = parse_tflite(serialize_tflite(graph))
    assert back.tensors[1].bits == 4 and back.tensors[1].nbytes == 8
    np.testing.assert_array_equal(back.tensors[1].data, graph.tensors[1].data)


def test_pruned_channels_keep_their_bias(cnn_onnx, rng):
    from mlaccel.model.builder import rebuild

    graph = from_onnx(cnn_onnx)
    fc = graph.ops[-1]
    assert fc.type == "FULLY_CONNECTED" and fc.outputs[0] is graph.outputs[0]
    w = np.array(fc.inputs[1].data)
    w[:3] = 0  # three dead neurons: their outputs are the (non-zero) bias alone
    dead = rebuild(graph, {fc.inputs[1].index: {"data": w}})
    x = rng.random((64, 8, 8, 1), np.float32)
    q = session.load(serialize_tflite(quantize(dead, x)))
    f = session.Model(dead).run(x).outputs[0]
    t, o = q.inputs[0], q.outputs[0].quant
    xi = np.clip(np.round(x / t.quant.s) + t.quant.zp, -128, 127).astype(np.int8)
    r = (q.run(xi).outputs[0].astype(np.float32) - o.zp) * o.s
    assert np.abs(r - f).max() < 0.05 * np.abs(f).max()
