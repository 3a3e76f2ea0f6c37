"""mlaccel snn convert / eval / sweep / train, and their clear errors."""

import json

import pytest
from typer.testing import CliRunner

from mlaccel.cli import app

runner = CliRunner()


def _ok(args):
    r = runner.invoke(app, args, terminal_width=200)
    assert r.exit_code == 0, r.output
    return r.output


def _fails(args, *needles):
    r = runner.invoke(app, args, terminal_width=200)
    assert r.exit_code != 0, r.output
    for n in needles:
        assert n in " ".join(r.output.split()), r.output


@pytest.fixture(scope="module")
def mlp_file(tmp_path_factory, digits_mlp_onnx):
    p = tmp_path_factory.mktemp("snn") / "mlp.onnx"
    p.write_bytes(digits_mlp_onnx)
    return p


def test_convert_then_eval_on_both_chips(mlp_file, tmp_path):
    net = tmp_path / "mlp.nir"
    out = _ok(["snn", "convert", str(mlp_file), "--calib", "digits", "--timesteps", "16", "--out", str(net)])
    assert "wrote" in out and "T = 16" in out and "membrane" in out and net.is_file()
    out = _ok(["snn", "eval", str(net), "--data", "digits", "--limit", "100"])
    assert "neuromorphic:loihi: T = 16" in out and "synaptic ops" in out and "systolic:edge-16x16-os" in out
    doc = json.loads(_ok(["snn", "eval", str(net), "--data", "digits", "--limit", "100", "--timesteps", "8",
                          "--target", "neuromorphic:truenorth", "--json"]))
    assert doc["timesteps"] == 8 and doc["samples"] == 100 and doc["accuracy"] > 0.8
    chip = doc["chip"]
    assert chip["chip"] == "neuromorphic:truenorth" and chip["latency_s"] == pytest.approx(8e-3)
    assert chip["total_pj"] == pytest.approx(26.0 * doc["synops"]) and doc["ann"]["energy_pj"] > 0
    assert len(chip["layers"]) == 3 and chip["cores"] == 3


def test_sweep_prints_the_table_writes_the_plot_and_finds_the_matching_t(mlp_file, tmp_path):
    plot = tmp_path / "sweep.png"
    out = _ok(["snn", "sweep", str(mlp_file), "--data", "digits", "--timesteps", "4,16,32", "--plot", str(plot)])
    assert "loihi" in out and "truenorth" in out and "J" in out and plot.stat().st_size > 10_000
    doc = json.loads(_ok(["snn", "sweep", str(mlp_file), "--data", "digits", "--timesteps", "4,32", "--json"]))
    assert [p["timesteps"] for p in doc["points"]] == [4, 32]
    assert doc["points"][1]["accuracy"] >= doc["ann_accuracy"] - 0.01  # within a point of the ANN by T = 32
    assert doc["matching_timesteps"] in (4, 32) and doc["ann"]["target"] == "systolic:edge-16x16-os"


def test_train_writes_a_network_eval_reads(tmp_path):
    pytest.importorskip("torch")
    net = tmp_path / "trained.nir"
    out = _ok(["snn", "train", "--out", str(net), "--epochs", "3", "--timesteps", "6"])
    assert "LIF beta 0.9, T = 6" in out
    doc = json.loads(_ok(["snn", "eval", str(net), "--data", "digits", "--json"]))
    assert doc["timesteps"] == 6 and doc["accuracy"] > 0.85


def test_bad_input_gives_one_clear_error(mlp_file, tmp_path):
    _fails(["snn", "convert", str(mlp_file), "--calib", "digits", "--timesteps", "0", "--out",
            str(tmp_path / "x.nir")], "--timesteps must be a positive whole number, got 0")
    _fails(["snn", "sweep", str(mlp_file), "--data", "digits", "--timesteps", "4,-2"], "--timesteps must be positive")
    broken = tmp_path / "broken.nir"
    broken.write_text("not hdf5")
    _fails(["snn", "eval", str(broken), "--data", "digits"], "is not a readable NIR file")
    _fails(["snn", "eval", str(mlp_file), "--data", "digits"], "snn eval takes a .nir network")


def test_conversion_names_the_layer_without_relu(tmp_path):
    torch = pytest.importorskip("torch")
    from mlaccel.compress.recipes import torch_to_onnx

    import numpy as np

    nn = torch.nn
    sig = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.Sigmoid(), nn.Linear(16, 10)).eval()
    p = tmp_path / "sigmoid.onnx"
    p.write_bytes(torch_to_onnx(sig, np.zeros((1, 1, 8, 8), np.float32)))
    _fails(["snn", "convert", str(p), "--calib", "digits", "--out", str(tmp_path / "s.nir")],
           "Op #2 LOGISTIC after #1 FULLY_CONNECTED is not a ReLU; conversion needs ReLU")


def test_a_network_too_big_for_the_chip(mlp_file, tmp_path):
    net = tmp_path / "mlp.nir"
    _ok(["snn", "convert", str(mlp_file), "--calib", "digits", "--out", str(net)])
    tiny = tmp_path / "tiny.toml"
    tiny.write_text('[neuromorphic]\npreset = "truenorth"\nneurons_per_core = 16\ncores_per_chip = 4\n')
    _fails(["snn", "eval", str(net), "--data", "digits", "--target", f"neuromorphic:{tiny}"],
           "does not fit neuromorphic:tiny: it needs 7 cores", "set Config field 'chips' to 2")
