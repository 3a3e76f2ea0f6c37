"""Bad input, as a new user meets it: one clean line naming the problem, nothing overwritten,
nothing silently wrong (issue 8, section 5)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import mlaccel
from mlaccel.cli import app
from mlaccel.errors import ConfigError, InputError, MlaccelError, ModelFileError, TargetError
from mlaccel.hw.soc import SocConfigError
from mlaccel.hw.systolic import SystolicConfig, SystolicConfigError

from .conftest import MODELS, model_path

runner = CliRunner()
KWS_INPUT = str(MODELS / "inputs/kws/yes_9.dat")


def cli(*args, env=None):
    r = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in r.output, r.output
    return r


def one_error_line(r) -> str:
    assert r.exit_code == 1, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.output
    return lines[0]


# -- rich markup never eats or breaks a message ----------------------------------------------------

def test_brackets_in_messages_survive():
    assert "'x[/]'" in one_error_line(cli("run", "kws", "--target", "x[/]"))
    line = one_error_line(cli("run", "kws", "--target", "soc:nope[bold]"))
    assert "nope[bold]" in line


def test_install_hints_keep_their_extras(monkeypatch):
    import mlaccel.hw.soc.toolchain as toolchain

    def missing():
        raise toolchain.BuildError("Building firmware needs the 'ziglang' package: pip install 'mlaccel[soc]'")

    monkeypatch.setattr(toolchain, "_zig", missing)
    monkeypatch.setattr(toolchain, "_VERSION", [])
    line = one_error_line(cli("soc", "check", "simd4"))
    assert "pip install 'mlaccel[soc]'" in line


def test_scalesim_section_names_survive(tmp_path):
    cfg = tmp_path / "s.cfg"
    cfg.write_text("[architecture_presets]\nArrayHeight: 8\n")
    topo = tmp_path / "t.csv"
    topo.write_text("Layer, M, N, K,\nl0, 4, 4, 4,\n")
    assert "[architecture_presets] lacks 'ArrayWidth'" in one_error_line(
        cli("scalesim", "-c", str(cfg), "-t", str(topo), "-o", str(tmp_path / "o")))


# -- silent wrong results -------------------------------------------------------------------------

def test_empty_input_file_is_refused(tmp_path):
    f = tmp_path / "empty.bin"
    f.write_bytes(b"")
    assert "is empty" in one_error_line(cli("run", "kws", "-i", str(f)))
    with pytest.raises(InputError, match="no samples"):
        mlaccel.load(model_path("kws")).run(np.zeros((0, 1, 49, 10, 1), np.int8))


def _scalesim(tmp_path, topology: str):
    cfg = tmp_path / "s.cfg"
    cfg.write_text("[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 64\n"
                   "FilterSramSzkB: 64\nOfmapSramSzkB: 64\nDataflow: ws\n")
    topo = tmp_path / "t.csv"
    topo.write_text(topology)
    return cli("scalesim", "-c", str(cfg), "-t", str(topo), "-o", str(tmp_path / "out"))


def test_scalesim_zero_sized_gemm_and_empty_topology(tmp_path):
    assert "M=0" in one_error_line(_scalesim(tmp_path, "Layer, M, N, K,\nl0, 0, 4, 4,\n"))
    assert "has no layers" in one_error_line(_scalesim(tmp_path, "Layer, M, N, K,\n"))
    assert not (tmp_path / "out" / "COMPUTE_REPORT.csv").exists()


def test_raw_file_with_several_samples_says_so(tmp_path):
    f = tmp_path / "two.bin"
    f.write_bytes(np.zeros(2 * 640, np.int8).tobytes())
    r = cli("run", "ad", "-i", str(f))
    assert r.exit_code == 0 and "holds 2 samples of 1x640: running them as a batch of 2" in r.output
    doc = json.loads(cli("run", "ad", "-i", str(f), "--json").output)
    assert doc["batch"] == 2 and any("batch of 2" in n for n in doc["notes"])


# -- nothing overwritten ----------------------------------------------------------------------------

def test_plot_refuses_to_overwrite_unless_forced(tmp_path):
    plot = tmp_path / "mine.png"
    plot.write_bytes(b"my own picture")
    line = one_error_line(cli("run", "kws", "--target", "systolic:lab-4x4-ws", "--plot", str(plot)))
    assert "already exists" in line and "--force" in line
    assert plot.read_bytes() == b"my own picture"
    r = cli("run", "kws", "--target", "systolic:lab-4x4-ws", "--plot", str(plot), "--force", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["plot"] == str(plot)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # --json still wrote the plot


@pytest.mark.parametrize("name,match", [("missing/dir/p.png", "does not exist"), ("p.xyz", "unknown image type")])
def test_plot_path_problems_are_found_before_running(tmp_path, name, match):
    assert match in one_error_line(cli("run", "kws", "--target", "systolic:lab-4x4-ws", "--plot",
                                       str(tmp_path / name)))


def test_plot_of_an_untimed_target():
    assert "needs a timed target" in one_error_line(cli("run", "kws", "--plot", "x.png"))


def test_rtl_export_never_overwrites_and_refuses_a_file_as_folder(tmp_path):
    f = tmp_path / "afile"
    f.write_text("mine")
    assert "is a file" in one_error_line(cli("rtl", "export", "simd4", "--out", str(f), "--no-synth"))
    assert f.read_text() == "mine"
    r = cli("rtl", "export", "simd4", "--out", str(tmp_path / "rtl"), "--no-synth")
    assert r.exit_code == 0 and (tmp_path / "rtl" / "Cfu.v").is_file()
    assert "already exists" in one_error_line(cli("rtl", "export", "simd4", "--out", str(tmp_path / "rtl"),
                                                  "--no-synth"))


# -- tracebacks that became messages --------------------------------------------------------------

def test_npy_files_that_are_not_plain_arrays(tmp_path):
    pickled = tmp_path / "obj.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object))
    assert "holds pickled Python objects, which are refused" in one_error_line(cli("run", "kws", "-i", str(pickled)))
    fake = tmp_path / "fake.npy"
    fake.write_text("hello")
    assert "not a .npy file" in one_error_line(cli("run", "kws", "-i", str(fake)))


def test_binary_topology(tmp_path):
    cfg = tmp_path / "s.cfg"
    cfg.write_text("[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 64\n"
                   "FilterSramSzkB: 64\nOfmapSramSzkB: 64\nDataflow: ws\n")
    topo = tmp_path / "t.csv"
    topo.write_bytes(bytes(range(256)) * 4)
    assert "not a text CSV file" in one_error_line(cli("scalesim", "-c", str(cfg), "-t", str(topo), "-o",
                                                       str(tmp_path / "o")))


def test_soc_new_in_an_unwritable_place(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("mine")
    assert "Cannot create project" in one_error_line(cli("soc", "new", str(blocker / "proj")))
    assert blocker.read_text() == "mine"


def test_api_ragged_inputs_and_no_target():
    m = mlaccel.load(model_path("ad"))
    with pytest.raises(InputError, match="not a rectangular array"):
        m.run([[1, 2, 3], [4]])
    with pytest.raises(InputError, match="not an array of numbers"):
        m.run(["a"] * 640)
    with pytest.raises(TargetError, match="A target must be a string"):
        m.run(np.zeros((1, 640), np.int8), target=None)


def test_api_load_accepts_bytes_and_refuses_other_things():
    data = model_path("ad").read_bytes()
    m = mlaccel.load(data)
    assert m.graph.name == "<bytes>" and m.run(np.zeros((1, 640), np.int8)).outputs[0].shape == (1, 640)
    with pytest.raises(ModelFileError, match="a shipped model's name, or a model's bytes; got int"):
        mlaccel.load(123)
    with pytest.raises(MlaccelError, match="not a valid TFLite model"):
        mlaccel.load(b"not a model at all")


# -- misleading messages --------------------------------------------------------------------------

def test_folder_given_as_input(tmp_path):
    assert "is a folder" in one_error_line(cli("run", "kws", "-i", str(tmp_path)))


@pytest.mark.parametrize("rows", ["0", "-4", "6"])
def test_tpu_sizes(tmp_path, rows):
    line = one_error_line(cli("rtl", "export", "tpu", "--out", str(tmp_path), "--rows", rows, "--no-synth"))
    assert f"positive multiple of 4 (four lanes per buffer word), got {rows}" in line
    assert not list(tmp_path.iterdir())


# -- inconsistencies ------------------------------------------------------------------------------

def test_soc_check_baseline_works_like_soc_run_baseline():
    r = cli("soc", "check", "baseline")
    assert r.exit_code == 0 and "baseline: firmware builds; no CFU to check" in r.output


@pytest.mark.parametrize("name", ["baseline", "simd4"])
def test_soc_new_refuses_preset_names(tmp_path, name):
    assert "name of a built-in soc preset" in one_error_line(cli("soc", "new", str(tmp_path / name)))
    assert not (tmp_path / name).exists()


def test_a_project_folder_named_like_a_preset_is_not_shadowed(tmp_path, monkeypatch):
    from mlaccel.hw.soc.project import Project, config_for

    folder = tmp_path / "simd4"
    (folder / "src").mkdir(parents=True)
    (folder / "cfu.py").write_text("def make_cfu():\n    return None\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MlaccelError, match="both a built-in soc preset and a project folder here"):
        config_for("simd4")
    assert config_for("./simd4").project == str(folder.resolve())
    assert Project(folder).name == "simd4"


# -- options accepted and then ignored ------------------------------------------------------------

def test_missing_models_folder_in_env(tmp_path):
    line = one_error_line(cli("run", "kws", env={"MLACCEL_MODELS": str(tmp_path / "nope")}))
    assert "MLACCEL_MODELS" in line and "does not exist" in line


def test_uint8_shift_with_npy(tmp_path):
    f = tmp_path / "x.npy"
    np.save(f, np.zeros((1, 49, 10, 1), np.int8))
    assert "--uint8-shift applies to raw byte files" in one_error_line(cli("run", "kws", "-i", str(f),
                                                                           "--uint8-shift"))


@pytest.mark.parametrize("args,match", [
    (["--rows", "8"], "does not take --rows"), (["--unsigned"], "does not take --unsigned"),
    (["--rows", "0"], "does not take --rows"),
])
def test_rtl_export_options_a_design_does_not_take(tmp_path, args, match):
    assert match in one_error_line(cli("rtl", "export", "simd4", "--out", str(tmp_path), "--no-synth", *args))


def test_rtl_lab3_negative_cases():
    assert "--cases must be a positive whole number, got -1" in one_error_line(cli("rtl", "lab3", "--cases", "-1"))


# -- bounds ---------------------------------------------------------------------------------------

def test_huge_tpu_is_refused_at_once(tmp_path):
    line = one_error_line(cli("rtl", "export", "tpu", "--out", str(tmp_path), "--rows", "1000"))
    assert "above 32" in line


def test_energy_tables_refuse_sizes_far_outside_their_data():
    with pytest.raises(SystolicConfigError, match=r"'ifmap_sram_kb': an SRAM of 1e\+12 KiB is outside"):
        SystolicConfig(ifmap_sram_kb=1e12)
    with pytest.raises(ConfigError, match="'filter_sram_kb'"):
        SystolicConfig(filter_sram_kb=1e-3, rows=1, cols=1)
    from mlaccel.hw.soc import CoreTiming, SocConfig

    with pytest.raises(SocConfigError, match=r"'timing.dcache_bytes': an SRAM of 0.0625 KiB is outside"):
        SocConfig(timing=CoreTiming(dcache_bytes=64))
    # Within the extrapolation range the run says so.
    res = mlaccel.load(model_path("ad")).run(np.zeros((1, 640), np.int8), target="systolic:tpu-v1-like")
    assert any("extrapolated" in n for n in res.notes)


def test_config_errors_share_one_base():
    assert issubclass(SystolicConfigError, ConfigError) and issubclass(SocConfigError, ConfigError)
