"""The compression commands: outputs, accuracy lines, and bad input that writes nothing."""

from __future__ import annotations

from typer.testing import CliRunner

from mlaccel.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_quantize_eval_prune_report(tmp_path, cnn_onnx):
    model = tmp_path / "m.onnx"
    model.write_bytes(cnn_onnx)
    out = tmp_path / "m.tflite"
    r = _run("quantize", model, "--calib", "digits", "--out", out, "--samples", 100)
    assert r.exit_code == 0, r.output
    assert "accuracy on digits:test" in r.output and out.is_file()
    again = _run("quantize", model, "--calib", "digits", "--out", out)
    assert again.exit_code == 1 and "--force" in again.output
    r = _run("eval", out, "--data", "digits", "--target", "systolic:edge-16x16-os", "--limit", 20, "--json")
    assert r.exit_code == 0 and '"agreement": null' in r.output, r.output  # exact: equal to the reference
    r = _run("eval", out, "--data", "digits", "--target", "analog:ideal", "--limit", 20, "--json")
    assert r.exit_code == 0 and '"agreement": 1.0' in r.output, r.output  # outputs follow the hardware
    pruned = tmp_path / "p.tflite"
    r = _run("prune", out, "--sparsity", "0.5", "--out", pruned)
    assert r.exit_code == 0 and "agreement" in r.output, r.output
    r = _run("compress", "report", pruned, "--baseline", out, "--data", "digits")
    assert r.exit_code == 0 and "CSR" in r.output and "before" in r.output, r.output


def test_bad_input_writes_nothing(tmp_path, cnn_onnx):
    import numpy as np
    import onnx

    model = tmp_path / "m.onnx"
    model.write_bytes(cnn_onnx)
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((4, 1, 8, 8), np.nan, np.float32))
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(cnn_onnx[:200] + b"\xff" * 50)
    odd = onnx.load_from_string(cnn_onnx)
    odd.graph.node[1].op_type = "LeakyRelu"
    odd.graph.node[1].name = "odd_node"
    unsupported = tmp_path / "odd.onnx"
    unsupported.write_bytes(odd.SerializeToString())
    tfl = tmp_path / "m.tflite"
    assert _run("quantize", model, "--calib", "digits", "--out", tfl, "--samples", 50).exit_code == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    for args, msg in [(("quantize", corrupt, "--calib", "digits", "--out", tmp_path / "x.tflite"), "not a valid ONNX"),
                      (("quantize", unsupported, "--calib", "digits", "--out", tmp_path / "x.tflite"),
                       "odd_node' (LeakyRelu)"),
                      (("prune", tfl, "--sparsity", "0.5", "--finetune", "digits", "--out", tmp_path / "x.tflite"),
                       "--finetune applies to float .onnx"),
                      (("train", "digits-mlp", "--out", model), "--force"),
                      (("quantize", model, "--calib", "digits", "--out", tmp_path / "x.onnx"), "unknown model type"),
                      (("eval", model, "--data", "digits", "--target", "soc:baseline"), "mlaccel quantize"),
                      (("quantize", model, "--calib", bad, "--out", tmp_path / "x.tflite"), "NaN"),
                      (("prune", model, "--sparsity", "2:2", "--out", tmp_path / "x.onnx"), "N:M"),
                      (("prune", model, "--sparsity", "1.2", "--out", tmp_path / "x.onnx"), "(0, 1)"),
                      (("quantize", tmp_path / "nope.onnx", "--calib", "digits", "--out", tmp_path / "x.tflite"),
                       "does not exist")]:
        r = _run(*args)
        assert r.exit_code == 1 and msg in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_run_check_uses_onnxruntime_for_float_models(tmp_path, cnn_onnx):
    model = tmp_path / "m.onnx"
    model.write_bytes(cnn_onnx)
    r = _run("run", model, "--check")
    assert r.exit_code == 0 and "within 1e-5 of ONNX Runtime (1/1 samples)" in r.output, r.output
    r = _run("run", model, "--check", "--json")
    assert r.exit_code == 0 and '"agrees_with_onnxruntime": true' in r.output
