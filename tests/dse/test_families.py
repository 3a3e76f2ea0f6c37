"""Design sweeps over every family, over compression settings and datasets, with accuracy as an
objective; and the space checks that come with them."""

import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.dse.space import SpaceError, load_space
from mlaccel.dse.store import Store
from mlaccel.dse.sweep import run_sweep

runner = CliRunner()


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    """The digits CNN, trained for a few epochs, as a float ONNX file."""
    torch = pytest.importorskip("torch")
    from mlaccel.compress.recipes import torch_to_onnx, train_recipe

    path = tmp_path_factory.mktemp("model") / "digits-cnn.onnx"
    path.write_bytes(torch_to_onnx(train_recipe("digits-cnn", epochs=6), torch.zeros(1, 1, 8, 8)))
    return path


def _sweep(tmp_path, text: str, name: str = "space", workers: int = 1):
    p = tmp_path / f"{name}.toml"
    p.write_text(text)
    space = load_space(p)
    db = Store(tmp_path / f"{name}.sqlite")
    s = run_sweep(space, db, workers=workers)
    return space, s, db.points(s.sweep)


def test_compression_times_systolic_with_accuracy_as_an_objective(tmp_path, cnn):
    space, s, pts = _sweep(tmp_path, f"""
[space]
base = "systolic:sparse-16x16-os-skip"
models = ["{cnn}"]
datasets = ["digits:test"]
method = "nsga2"
points = 16
[space.fields]
rows = [8, 16]
activation_zeros = ["none", "skip"]
[space.compress]
weight_bits = [8, 4]
sparsity = [0, 0.75]
[constraints]
accuracy = ">= 0.5"
[objectives]
minimize = ["energy_pj"]
maximize = ["accuracy"]
""")
    assert s.evaluated == 16 == len(pts)
    by = {tuple(p.config.values()): p.metrics for p in pts}
    dense, pruned = by[(16, "skip", 8, 0)], by[(16, "skip", 8, 0.75)]
    # pruning without fine-tuning costs accuracy and saves energy on an array that skips zeros
    assert pruned["accuracy"] < dense["accuracy"] and pruned["energy_pj"] < dense["energy_pj"]
    assert dense["accuracy"] > 0.8
    # accuracy follows the compression, not the (bit-exact) array
    assert by[(8, "none", 8, 0)]["accuracy"] == dense["accuracy"]
    # 4-bit weights cross DRAM packed: less energy on the same array
    assert by[(16, "skip", 4, 0)]["energy_pj"] < dense["energy_pj"]
    assert s.feasible == sum(p.metrics["accuracy"] >= 0.5 for p in pts)
    r = runner.invoke(app, ["results", "show", str(tmp_path / "space.sqlite"), "--sort", "accuracy", "--json"])
    assert r.exit_code == 0, r.output
    import json

    top = json.loads(r.output)
    assert top[0]["metrics"]["accuracy"] == max(p.metrics["accuracy"] for p in pts if p.feasible)
    assert any(t["pareto"] for t in top)


def test_fine_tuning_after_pruning_recovers_accuracy(tmp_path, cnn):
    _, _, pts = _sweep(tmp_path, f"""
[space]
base = "systolic:edge-16x16-os"
models = ["{cnn}"]
datasets = ["digits:test"]
[space.compress]
sparsity = [0.6]
epochs = [0, 2]
[objectives]
maximize = ["accuracy"]
""")
    acc = {p.config["compress.epochs"]: p.metrics["accuracy"] for p in pts}
    assert acc[2] > acc[0] + 0.1


def test_analog_accuracy_follows_the_adc(tmp_path, cnn):
    _, _, pts = _sweep(tmp_path, f"""
[space]
base = "analog:isaac"
models = ["{cnn}"]
datasets = ["digits:test"]
samples = 120
[space.fields]
adc_bits = [3, 8]
[objectives]
minimize = ["energy_pj", "area_mm2"]
maximize = ["accuracy"]
""")
    m = {p.config["adc_bits"]: p.metrics for p in pts}
    assert m[3]["accuracy"] < m[8]["accuracy"] - 0.2
    assert m[3]["area_mm2"] < m[8]["area_mm2"] and m[3]["energy_pj"] < m[8]["energy_pj"]
    assert {"adc", "crossbar", "edram"} <= set(pts[0].area)


def test_neuromorphic_timesteps_trade_energy_for_accuracy(tmp_path, cnn):
    _, _, pts = _sweep(tmp_path, f"""
[space]
base = "neuromorphic:loihi"
models = ["{cnn}"]
datasets = ["digits:test"]
samples = 200
[space.snn]
timesteps = [4, 32]
[objectives]
minimize = ["energy_pj"]
maximize = ["accuracy"]
""")
    m = {p.config["snn.timesteps"]: p.metrics for p in pts}
    assert m[4]["energy_pj"] < m[32]["energy_pj"] and m[4]["latency_s"] < m[32]["latency_s"]
    assert m[4]["accuracy"] < m[32]["accuracy"] and m[32]["accuracy"] > 0.8
    assert m[4]["area_mm2"] == pytest.approx(60.0)
    assert pts[0].layers[next(iter(pts[0].layers))][0][4]["synops"] > 0


@pytest.mark.slow
def test_cfu_projects_and_nested_core_fields(tmp_path):
    _, _, pts = _sweep(tmp_path, """
[space]
base = "soc:baseline"
models = ["hello_world"]
[space.fields]
project = ["none", "simd4"]
[space.fields.timing]
mul_latency = [1, 4]
[objectives]
minimize = ["latency_s", "area_mm2"]
""", workers=2)
    m = {(p.config["project"], p.config["timing.mul_latency"]): p for p in pts}
    assert len(m) == 4
    assert m[("simd4", 1)].area["cfu"] > 0 and "cfu" in m[("none", 1)].area and m[("none", 1)].area["cfu"] == 0
    assert m[("none", 4)].metrics["cycles"] > m[("none", 1)].metrics["cycles"]


@pytest.mark.parametrize("text, message", [
    ('models = ["kws"]\n[space.compress]\nweight_bits = [4]', "works on float models"),
    ('models = ["kws"]\n[space.compress]\nbits = [4]', "'compress.bits' is unknown"),
    ('models = ["kws"]\n[space.compress]\nweight_bits = [3]', "weight_bits must be 8 or 4"),
    ('models = ["kws"]\n[space.compress]\nsparsity = [1.5]', "sparsity must lie in (0, 1)"),
    ('models = ["kws"]\n[space.snn]\ntimesteps = [8]', "[space.snn] applies to bases that run spiking networks"),
    ('models = ["kws"]\n[space.fields]\nrows = [8]\n[objectives]\nmaximize = ["accuracy"]', "needs datasets"),
    ('models = ["kws"]\ndatasets = ["nope"]\n[space.fields]\nrows = [8]', "Unknown dataset 'nope'"),
    ('models = ["resnet50"]\ndatasets = ["digits"]\n[space.fields]\nrows = [8]', "topology only"),
    ('models = ["missing.onnx"]\n[space.fields]\nrows = [8]', "'missing.onnx' is not a file"),
    ('models = ["kws"]\n[space.fields]\nrows = [8]\n[objectives]\nminimize = ["accuracy"]\nmaximize = ["accuracy"]',
     "both minimized and maximized"),
])
def test_bad_spaces_name_what_is_wrong(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(f'[space]\nbase = "systolic:edge-16x16-os"\n{text}\n')
    with pytest.raises(SpaceError) as e:
        load_space(p)
    assert message in str(e.value)


def test_nested_fields_are_checked_by_name(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[space]\nbase = "soc:baseline"\nmodels = ["kws"]\n[space.fields.timing]\ncache_kb = [4]\n')
    with pytest.raises(SpaceError, match="'timing.cache_kb' is not a field of timing; known: icache_bytes"):
        load_space(p)


def test_a_space_the_family_refuses_whole_is_contradictory(tmp_path):
    p = tmp_path / "clash.toml"
    # each value is valid beside the others' first, but no pair is: N:M weights need the nm format
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\n'
                 'weight_sparsity = ["none", "2:4"]\nformat = ["nm", "dense"]\n')
    sp = load_space(p)
    assert len(sp.sample()) == 2  # (none, dense) and (2:4, nm); the two clashing pairs are left out
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\n'
                 'weight_sparsity = ["2:4"]\nformat = ["dense", "bitmask"]\n')
    with pytest.raises(SpaceError, match="contradictory: the family refuses all 2 combinations"):
        load_space(p)


def test_an_objective_a_family_cannot_give_fails_clearly(tmp_path, monkeypatch):
    from mlaccel.dse import evaluate

    p = tmp_path / "s.toml"
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [8]\n'
                 '[objectives]\nminimize = ["area_mm2"]\n')
    monkeypatch.setattr(evaluate, "area_of", lambda cfg: None)
    r = runner.invoke(app, ["dse", "run", str(p), "--store", str(tmp_path / "s.sqlite")], terminal_width=200)
    assert r.exit_code != 0 and "Metric 'area_mm2' is unknown for this point" in r.output
