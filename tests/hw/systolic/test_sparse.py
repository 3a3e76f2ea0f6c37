"""Sparse systolic arrays: the closed form against the cycle-stepped PE model, whole models bit-exact,
non-N:M layers reported, bad configs refused."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlaccel
from mlaccel.compress import parse_sparsity, prune_int8
from mlaccel.errors import TargetError
from mlaccel.hw.systolic import SystolicConfig, SystolicConfigError, map_gemm, simulate_gemm
from mlaccel.hw.systolic.config import PRESETS
from mlaccel.hw.systolic.sparse import nm_prune, sparse_gemm_counts
from mlaccel.hw.systolic.sparse_pe import compress_nm, simulate_sparse_gemm
from mlaccel.hw.systolic.sparsity import SparseSpec
from mlaccel.session import Model

from ...conftest import ALL_MODELS, model_path, random_inputs

SPARSE_PRESETS = ["sparse-16x16-ws", "sparse-16x16-os-skip"]


@st.composite
def sparse_gemms(draw):
    m, k, n = (draw(st.integers(1, 11)) for _ in range(3))
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    dataflow = draw(st.sampled_from(["ws", "os", "is"]))
    weights = draw(st.sampled_from(["none", "2:4", "1:4", "3:8", "unstructured"]))
    acts = draw(st.sampled_from(["none", "gate", "skip"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, (m, k))
    a[rng.random((m, k)) < draw(st.sampled_from([0.0, 0.5, 0.9]))] = 0
    b = rng.integers(-128, 128, (k, n))
    if weights == "unstructured":
        b[rng.random((k, n)) < draw(st.sampled_from([0.5, 0.9]))] = 0
        fmt = draw(st.sampled_from(["csc", "bitmask"] if dataflow == "is" else ["csr", "bitmask"]))
        spec = SparseSpec(1, 1, True, acts, fmt)
    elif weights == "none":
        spec = SparseSpec(1, 1, False, acts, draw(st.sampled_from(["dense", "bitmask"])))
    else:
        nn, mm = map(int, weights.split(":"))
        b = nm_prune(b, nn, mm)
        if dataflow != "os":
            rows = -(-rows // nn) * nn
        spec = SparseSpec(nn, mm, False, acts, "nm")
    return a, b, rows, cols, dataflow, spec


@given(sparse_gemms())
def test_closed_form_equals_pe_model(case):
    a, b, rows, cols, dataflow, spec = case
    run = simulate_sparse_gemm(a, b, rows, cols, dataflow, spec)
    assert np.array_equal(run.out, a @ b)
    counts = {k: int(v[0]) for k, v in sparse_gemm_counts((a != 0)[None], b, rows, cols, dataflow, spec).items()}
    assert run.cycles == counts["cycles"]
    for name, v in run.elements.items():
        assert v == counts[name], name


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["ws", "os", "is"]), st.integers(0, 1000))
def test_sparse_pe_without_features_is_the_dense_array(m, k, n, rows, cols, dataflow, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-128, 128, (m, k)), rng.integers(-128, 128, (k, n))
    dense = simulate_gemm(a, b, rows, cols, dataflow)
    sparse = simulate_sparse_gemm(a, b, rows, cols, dataflow, SparseSpec())
    assert sparse.cycles == dense.cycles == map_gemm(m, k, n, rows, cols, dataflow).compute_cycles
    assert all(sparse.elements[key] == v for key, v in dense.elements.items())
    assert np.array_equal(sparse.out, dense.out)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_two_four_halves_the_reduction(dataflow):
    """On 2:4 weights the array sees K/2: compute cycles are those of the dense GEMM with K/2."""
    rng = np.random.default_rng(0)
    m, k, n = 64, 256, 48
    b = nm_prune(rng.integers(-128, 128, (k, n)), 2, 4)
    a_nz = np.ones((1, m, k), bool)
    half = sparse_gemm_counts(a_nz, b, 16, 16, dataflow, SparseSpec(2, 4, False, "none", "nm"))["cycles"][0]
    dense = map_gemm(m, k, n, 16, 16, dataflow).compute_cycles
    mp = map_gemm(m, k // 2, n, 16, 16, dataflow)
    assert half == mp.compute_cycles
    if dataflow == "os":  # K streams: exactly K/2 fewer steps per fold; each fold keeps its fill and drain
        assert dense - half == mp.folds * k // 2
    else:  # K folds onto rows: half the folds
        assert abs(half / (dense / 2) - 1) < 0.05  # the target: within 5% of half the dense cycles


def test_gating_counts_only_nonzero_pairs_and_skipping_saves_cycles():
    rng = np.random.default_rng(1)
    a = rng.integers(1, 10, (32, 64))
    a[:16] = 0  # half the rows (one row fold of the os array) are all zero
    b = rng.integers(1, 10, (64, 16))
    base = sparse_gemm_counts((a != 0)[None], b, 16, 16, "os", SparseSpec())
    gate = sparse_gemm_counts((a != 0)[None], b, 16, 16, "os", SparseSpec(activations="gate"))
    skip = sparse_gemm_counts((a != 0)[None], b, 16, 16, "os", SparseSpec(activations="skip"))
    assert gate["cycles"][0] == base["cycles"][0] and gate["toggled"][0] == base["issued"][0] // 2
    assert skip["cycles"][0] < base["cycles"][0] and skip["toggled"][0] == gate["toggled"][0]


def test_compress_nm_refuses_dense_groups():
    with pytest.raises(ValueError, match="group 0 of column 0 has 3 non-zeros"):
        compress_nm(np.array([[[1], [2], [3], [0]]]), 2)


@pytest.mark.parametrize("path", ALL_MODELS, ids=lambda p: p.stem)
def test_shipped_models_bit_exact_on_sparse_presets(path, rng):
    model = mlaccel.load(path)
    xs = random_inputs(model.inputs, rng, batch=2)
    ref = model.run(*xs)
    for name in SPARSE_PRESETS:
        res = model.run(*xs, target=f"systolic:{name}")
        assert all(np.array_equal(a, b) for a, b in zip(ref.outputs, res.outputs)), name
        assert res.total.macs == ref.total.macs


@pytest.fixture(scope="module")
def kws_pruned():
    return {s: Model(prune_int8(mlaccel.load(model_path("kws")).graph, parse_sparsity(s))[0])
            for s in ("2:4", "0.75")}


def test_pruned_kws_bit_exact_and_faster_on_its_sparse_preset(kws_pruned, rng):
    model = kws_pruned["2:4"]
    xs = random_inputs(model.inputs, rng, batch=20)  # more than one chunk of threads: Stats are merged
    ref = model.run(*xs)
    cfg = PRESETS["sparse-16x16-ws"]
    sparse, dense = model.run(*xs, target=cfg), model.run(*xs, target=cfg.without_sparsity())
    assert np.array_equal(sparse.outputs[0], ref.outputs[0])
    assert dense.total.cycles / sparse.total.cycles > 1.3
    by_op = {s.op: s for s in sparse.ops}
    assert by_op["#2 CONV_2D"].extra["sparse"] == "2:4"
    assert by_op["#2 CONV_2D"].extra["weight_density"] == pytest.approx(0.5, abs=0.01)
    assert by_op["#2 CONV_2D"].extra["metadata_bytes"] > 0
    # The first conv has one input channel, which `prune` leaves dense: it runs dense and says so.
    assert by_op["#0 CONV_2D"].extra["sparse"] == "not 2:4"
    assert any("#0 CONV_2D runs dense" in n and "not 2:4" in n for n in sparse.notes)


def test_activation_costs_follow_the_data(kws_pruned):
    model = kws_pruned["0.75"]
    zeros = np.full((1,) + model.inputs[0].shape, model.inputs[0].quant.zp, np.int8)  # all-zero activations
    rng = np.random.default_rng(0)
    noise = rng.integers(-128, 128, (1,) + model.inputs[0].shape).astype(np.int8)
    t = "systolic:sparse-16x16-os-skip"
    quiet, busy = model.run(zeros, target=t).ops[0], model.run(noise, target=t).ops[0]
    assert quiet.cycles < busy.cycles and quiet.extra["act_density"] < busy.extra["act_density"]
    both = model.run(np.concatenate([zeros, noise]), target=t, threads=1).ops[0]
    mean = (quiet.extra["compute_cycles"] + busy.extra["compute_cycles"]) / 2
    assert both.extra["compute_cycles"] == pytest.approx(mean, abs=1)


@pytest.mark.parametrize("fields, match", [
    (dict(weight_sparsity="4:4", format="nm"), "weight_sparsity.*1 <= N < M"),
    (dict(weight_sparsity="2:4"), "'format' must be 'nm'"),
    (dict(weight_sparsity="dense"), "weight_sparsity.*'none', 'unstructured' or 'N:M'"),
    (dict(weight_sparsity="unstructured"), "'format' must mark the zeros"),
    (dict(dataflow="os", weight_sparsity="unstructured", format="csc"), "'csc' cannot feed the os dataflow"),
    (dict(dataflow="is", weight_sparsity="unstructured", format="csr"), "'csr' cannot feed the is dataflow"),
    (dict(activation_zeros="drop"), "activation_zeros"),
    (dict(format="nm"), "'nm' needs weight_sparsity 'N:M'"),
    (dict(rows=15, weight_sparsity="2:4", format="nm"), "'rows' \\(15\\) must be a multiple of N = 2"),
])
def test_bad_sparse_configs_name_the_field(fields, match):
    with pytest.raises(SystolicConfigError, match=match):
        SystolicConfig(**fields)


def test_sparse_preset_refuses_a_float_model(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    path = tmp_path / "f.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    model = mlaccel.load(path)
    with pytest.raises(TargetError, match="systolic:sparse-16x16-ws.*int8 models only.*mlaccel quantize"):
        model.run(np.zeros((1, 4), np.float32), target="systolic:sparse-16x16-ws")


def test_cli_compare_prints_layers_side_by_side_and_json(kws_pruned, tmp_path):
    import json

    from typer.testing import CliRunner

    from mlaccel.cli import app
    from mlaccel.model.writer import serialize_tflite

    path = tmp_path / "kws_24.tflite"
    path.write_bytes(serialize_tflite(kws_pruned["2:4"].graph))
    runner = CliRunner()
    r = runner.invoke(app, ["run", str(path), "-t", "systolic:sparse-16x16-ws", "--compare", "dense"],
                      env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "against base systolic:sparse-16x16-ws-dense" in r.output
    assert "outputs on the two targets: identical" in r.output
    assert "#2 CONV_2D" in r.output and "not 2:4" in r.output and "1.86x" in r.output
    r = runner.invoke(app, ["run", str(path), "-t", "systolic:sparse-16x16-ws", "--compare", "systolic:edge-16x16-os",
                            "--json"])
    doc = json.loads(r.output)
    assert doc["compare"]["target"] == "systolic:edge-16x16-os"
    row = [o for o in doc["compare"]["ops"] if o["op"] == "#2 CONV_2D"][0]
    assert row["sparse"] == "2:4" and row["speedup"] > 1 and row["metadata_bytes"] > 0
    for args, match in ((["-t", "soc:baseline", "--compare", "dense"], "'soc:baseline' has no dense twin"),
                        (["--compare", "reference"], "--compare needs a timed target")):
        r = runner.invoke(app, ["run", str(path), *args])
        assert r.exit_code == 1 and match in r.output


def test_yaml_base_60_trap_is_named(tmp_path):
    from mlaccel.hw.systolic import load_config

    path = tmp_path / "sparse.yaml"
    path.write_text("systolic:\n  preset: edge-16x16-os\n  weight_sparsity: 2:4\n  format: nm\n")
    with pytest.raises(SystolicConfigError, match="got the number 124 .*quote it"):
        load_config(path)
    path.write_text("systolic:\n  preset: edge-16x16-os\n  weight_sparsity: '2:4'\n  format: nm\n")
    assert load_config(path).sparse.n == 2
