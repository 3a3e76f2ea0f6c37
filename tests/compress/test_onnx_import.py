"""ONNX import and float execution, held against ONNX Runtime (the float oracle) op by op."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

ort = pytest.importorskip("onnxruntime")

from mlaccel import session  # noqa: E402
from mlaccel.errors import InputError, ModelFormatError, TargetError, UnsupportedOpError  # noqa: E402
from mlaccel.model.onnx_reader import parse_onnx  # noqa: E402
from mlaccel.model.onnx_writer import serialize_onnx  # noqa: E402


def _ort_values(data: bytes, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every intermediate value of the ONNX model, from ONNX Runtime."""
    m = onnx.shape_inference.infer_shapes(onnx.load_from_string(data))
    known = {o.name for o in m.graph.output}
    for vi in m.graph.value_info:
        if vi.name not in known:
            m.graph.output.append(vi)
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    return dict(zip(names, s.run(None, {s.get_inputs()[0].name: x})))


@pytest.mark.parametrize("fixture", ["allops_onnx", "cnn_onnx", "mlp_onnx"])
def test_every_op_agrees_with_onnxruntime(fixture, request, rng):
    data = request.getfixturevalue(fixture)
    graph = parse_onnx(data)
    shape = onnx.load_from_string(data).graph.input[0].type.tensor_type.shape
    x = rng.normal(0, 1, tuple(d.dim_value for d in shape.dim)).astype(np.float32)
    ref = {**_ort_values(data, x), graph.inputs[0].name: x}
    from mlaccel.compress.calibrate import trace

    ours = trace(graph, [x.transpose(0, 2, 3, 1) if x.ndim == 4 else x])
    checked = 0
    for op in graph.ops:
        t = op.outputs[0]
        if t.name not in ref:
            continue
        want = ref[t.name]
        if op.type == "RESHAPE" and len(op.inputs[0].shape) == 4:  # a flatten keeps the NHWC order
            want = ref[op.inputs[0].name].transpose(0, 2, 3, 1).reshape(want.shape)
        want = want.transpose(0, 2, 3, 1) if want.ndim == 4 else want
        got = ours[t.index].reshape(want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * float(np.abs(want).max() + 1e-30),
                                   err_msg=op.label)
        checked += 1
    # every op but the PADs the importer adds for explicit conv padding has an ONNX twin
    assert checked == len([op for op in graph.ops if not op.outputs[0].name.endswith("/pad")])


def test_batched_float_run_equals_single_runs(cnn_onnx, rng):
    m = session.load(cnn_onnx)
    x = rng.random((7, 8, 8, 1), np.float32)
    batch = m.run(x).outputs[0]
    for i in range(7):
        np.testing.assert_array_equal(m.run(x[i:i + 1]).outputs[0], batch[i:i + 1])


def test_onnx_writer_round_trips_through_onnxruntime(allops_onnx, rng):
    graph = parse_onnx(allops_onnx)
    x = rng.normal(0, 1, (1, 3, 12, 12)).astype(np.float32)
    s = ort.InferenceSession(serialize_onnx(graph), providers=["CPUExecutionProvider"])
    got = s.run(None, {s.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, session.Model(graph).run(x.transpose(0, 2, 3, 1)).outputs[0], rtol=1e-5,
                               atol=1e-6)


def _one_node_model(node, inputs, outputs, opset=17, inits=()):
    g = onnx.helper.make_graph([node], "t", inputs, outputs, list(inits))
    return onnx.helper.make_model(g, opset_imports=[onnx.helper.make_opsetid("", opset)]).SerializeToString()


def test_unsupported_op_names_the_node_and_op():
    f = onnx.TensorProto.FLOAT
    data = _one_node_model(onnx.helper.make_node("LeakyRelu", ["x"], ["y"], name="leaky1"),
                           [onnx.helper.make_tensor_value_info("x", f, [1, 4])],
                           [onnx.helper.make_tensor_value_info("y", f, [1, 4])])
    with pytest.raises(UnsupportedOpError, match="leaky1.*LeakyRelu"):
        parse_onnx(data)


def test_dynamic_shape_needs_an_example():
    f = onnx.TensorProto.FLOAT
    data = _one_node_model(onnx.helper.make_node("Relu", ["x"], ["y"]),
                           [onnx.helper.make_tensor_value_info("x", f, ["n", "k"])],
                           [onnx.helper.make_tensor_value_info("y", f, ["n", "k"])])
    with pytest.raises(InputError, match="dynamic shape"):
        parse_onnx(data)
    g = parse_onnx(data, input_shapes={"x": (1, 5)})
    assert g.inputs[0].shape == (1, 5)


def test_corrupt_and_old_onnx_files_are_refused(cnn_onnx):
    with pytest.raises(ModelFormatError, match="not a valid ONNX"):
        parse_onnx(cnn_onnx[: len(cnn_onnx) // 3] + b"\xff\xff\xff")
    f = onnx.TensorProto.FLOAT
    old = _one_node_model(onnx.helper.make_node("Relu", ["x"], ["y"]),
                          [onnx.helper.make_tensor_value_info("x", f, [1, 4])],
                          [onnx.helper.make_tensor_value_info("y", f, [1, 4])], opset=11)
    with pytest.raises(ModelFormatError, match="opset 11"):
        parse_onnx(old)


def test_float_model_on_an_int8_target_says_quantize_first(cnn_onnx):
    m = session.load(cnn_onnx)
    with pytest.raises(TargetError, match="mlaccel quantize"):
        m.run(np.zeros((1, 8, 8, 1), np.float32), target="systolic:edge-16x16-os")
