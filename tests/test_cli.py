"""The command line: info, run (tables and --json), demo, and clean errors."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import mlaccel
from mlaccel.cli import app
from mlaccel.model.zoo import golden_cases

from .conftest import MODELS, model_path

runner = CliRunner()


def test_info_lists_ops_and_totals():
    r = runner.invoke(app, ["info", "kws"], terminal_width=160)
    assert r.exit_code == 0, r.output
    assert "DWCONV" in r.output and "2.66M" in r.output and "10x4" in r.output and "0.0787/-128" in r.output


def test_run_json_matches_golden():
    case = next(c for c in golden_cases(MODELS) if c.input.endswith("yes_9.dat"))
    r = runner.invoke(app, ["run", str(model_path("kws")), "--input", str(MODELS / case.input), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert np.array(doc["outputs"][0]).reshape(-1).tolist() == case.tflm_output
    assert len(doc["ops"]) == 13 and doc["ops"][0]["macs"] == 320000
    assert doc["total"]["macs"] == 2_656_768 and doc["batch"] == 1


def test_run_check_against_tflm_and_uint8_batch():
    r = runner.invoke(app, ["run", "hps", "-i", str(MODELS / "inputs/hps/hps_0.dat"), "--uint8-shift",
                            "--check"], terminal_width=160)
    assert r.exit_code == 0, r.output
    assert "bit-exact with TFLite-Micro" in r.output and "[[-75]]" in r.output


def test_raw_file_with_several_samples_runs_as_batch(tmp_path):
    f = tmp_path / "two.bin"
    f.write_bytes(np.zeros(2 * 640, np.int8).tobytes())
    r = runner.invoke(app, ["run", "ad", "-i", str(f), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["batch"] == 2


def test_errors_are_one_line():
    r = runner.invoke(app, ["run", "/no/such.tflite"])
    assert r.exit_code == 1 and "does not exist" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["run", "kws", "-i", str(MODELS / "inputs/vww/quant_test_no_0.dat")])
    assert r.exit_code == 1 and "needs 490" in r.output
    r = runner.invoke(app, ["run", "kws", "--target", "nope"])
    assert r.exit_code == 1 and "Unknown target" in r.output


def test_demo_reproduces_all_goldens():
    r = runner.invoke(app, ["demo"], terminal_width=160)
    assert r.exit_code == 0, r.output
    assert "60/60 golden outputs reproduced" in r.output and "heard 'yes'" in r.output


def test_version_and_help_list_targets_without_type_noise():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"mlaccel {mlaccel.__version__}"
    for args in (["--help"], ["run", "--help"], ["soc", "run", "--help"], ["rtl", "--help"], ["rtl", "export", "--help"]):
        out = runner.invoke(app, args, env={"COLUMNS": "100"}).output
        assert "<str>" not in out and "<bool>" not in out and "<path>" not in out and "<int>" not in out, args
    top = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "120"}).output
    for preset in ("edge-16x16-os", "tpu-v1-like", "baseline", "simd4", "simd4_rtl", "[systolic]"):
        assert preset in top
    assert "lab3" in runner.invoke(app, ["rtl", "--help"]).output


def test_run_prints_the_label_and_a_one_line_total():
    r = runner.invoke(app, ["run", "kws", "-i", str(MODELS / "inputs/kws/yes_9.dat")])
    assert r.exit_code == 0 and "top-1: yes (9)" in r.output
    r = runner.invoke(app, ["run", "kws", "--target", "systolic:lab-4x4-ws"])
    line = next(ln for ln in r.output.splitlines() if ln.startswith("per inference:"))
    assert "cycles" in line and "@ 100 MHz" in line and "µJ" in line and len(line) <= 80


@pytest.mark.parametrize("target", ["reference", "systolic:edge-16x16-os", "soc:simd4"])
def test_tables_fit_80_columns_in_a_pipe(target):
    r = runner.invoke(app, ["run", "vww" if target != "soc:simd4" else "ad", "--target", target],
                      env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    table = [ln for ln in lines if ln.startswith("#")]
    assert table and not any("…" in ln for ln in table)  # nothing truncated
    assert "\x1b[" not in r.output  # no colour codes in a pipe


def test_soc_run_reports_time_from_the_config_clock():
    r = runner.invoke(app, ["soc", "run", "simd4", "--model", "ad", "--golden"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "@ 100 MHz" in r.output and "goldens: 7/7 bit-exact" in r.output
    assert "speedup over baseline: 2.99x" in r.output
