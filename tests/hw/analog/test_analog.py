"""Analog crossbars: bit-exact when ideal and lossless, non-idealities seeded and visible, costs from
the component table, ISAAC rebuilt, sweeps, and bad configs refused."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import mlaccel
from mlaccel.cli import app
from mlaccel.errors import TargetError
from mlaccel.hw.analog import AnalogConfig, AnalogConfigError
from mlaccel.hw.analog.components import adc_power_mw, load_components
from mlaccel.hw.analog.config import PRESETS
from mlaccel.hw.analog.crossbar import map_gemm, run_gemm
from mlaccel.hw.analog.isaac import reconstruct
from mlaccel.session import Model

from ...conftest import ALL_MODELS, model_path, random_inputs


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.outputs, b.outputs))


@pytest.mark.parametrize("path", ALL_MODELS, ids=lambda p: p.stem)
def test_ideal_is_bit_exact_on_every_shipped_model(path, rng):
    model = mlaccel.load(path)
    xs = random_inputs(model.inputs, rng, batch=1)
    res = model.run(*xs, target="analog:ideal")
    assert _same(res, model.run(*xs))
    assert res.total.macs == model.run(*xs).total.macs
    if res.total.macs:
        assert res.total.energy_pj["adc"] > 0 and res.total.cycles > 0


@pytest.mark.parametrize("alias", ["kws", "vww", "ad"])
def test_isaac_with_flipped_encoding_is_lossless_at_8_bits(alias, rng):
    model = mlaccel.load(model_path(alias))
    xs = random_inputs(model.inputs, rng, batch=2)
    assert PRESETS["isaac"].lossless_adc_bits() == 8  # 128 rows x 1-bit inputs x 3 levels, halved by flipping
    assert _same(model.run(*xs, target="analog:isaac"), model.run(*xs))


def _gemm(seed=0, k=200, n=12, m=30):
    rng = np.random.default_rng(seed)
    return rng.integers(-127, 128, (k, n)), rng.integers(0, 256, (m, k))


@pytest.mark.parametrize("fields", [dict(), dict(signed="offset"), dict(cell_bits=1), dict(cell_bits=4, adc_bits=11),
                                    dict(dac_bits=2, adc_bits=10), dict(rows=64, cols=32, adc_share=32),
                                    dict(flip_encoding=True, adc_bits=8)])
def test_lossless_bound_is_exact_and_one_bit_less_is_not(fields):
    w, u = _gemm()
    cfg = AnalogConfig(**fields)
    cfg = cfg.replace(adc_bits=cfg.lossless_adc_bits())
    run = lambda c: run_gemm(map_gemm(w, c, np.random.default_rng(0)), u, c, np.random.default_rng(1))  # noqa: E731
    assert np.array_equal(run(cfg), u @ w)
    assert not np.array_equal(run(cfg.replace(adc_bits=cfg.adc_bits - 1)), u @ w)


def test_non_idealities_are_seeded_and_change_the_outputs():
    model = mlaccel.load(model_path("kws"))
    x = random_inputs(model.inputs, np.random.default_rng(0), batch=3)
    ref = model.run(*x)
    for fields in (dict(prog_noise=0.05), dict(prog_noise="pcm"), dict(read_noise=0.01), dict(stuck_on=0.02),
                   dict(stuck_off=0.2), dict(adc_offset_lsb=1.0), dict(adc_inl_lsb=2.0), dict(ir_drop=0.3),
                   dict(drift_nu=0.1, drift_nu_std=0.05, drift_time_s=1e6)):
        cfg = PRESETS["isaac"].replace(**fields)
        a = Model(model.graph).run(*x, target=cfg)
        b = Model(model.graph).run(*x, target=cfg)
        c = Model(model.graph).run(*x, target=cfg.replace(seed=1))
        assert _same(a, b), fields  # a seed repeats
        assert not _same(a, ref), fields
        if "ir_drop" not in fields and "adc_inl_lsb" not in fields:
            assert not _same(a, c), fields  # another seed draws differently
        assert any("non-idealities are on" in n for n in a.notes)
    # Drift read at t0 is no drift at all.
    at_t0 = PRESETS["isaac"].replace(drift_nu=0.1, drift_nu_std=0.05, drift_time_s=20.0)
    assert _same(model.run(*x, target=at_t0), ref)


def test_lossy_adc_is_reported_and_costs_agree_with_the_table():
    model = mlaccel.load(model_path("kws"))
    x = random_inputs(model.inputs, np.random.default_rng(0), batch=1)
    cfg = PRESETS["isaac"]
    res = model.run(*x, target=cfg.replace(adc_bits=5))
    assert any("5-bit ADC" in n and "lossy" in n for n in res.notes)
    full = model.run(*x, target=cfg).total
    e = full.energy_pj
    assert e["adc"] / full.energy_total_pj > 0.5  # ISAAC: ADCs dominate
    convs = sum(s.extra.get("conversions", 0) for s in model.run(*x, target=cfg).ops)
    assert e["adc"] == pytest.approx(convs * 2.0 / 1.28)  # 2 mW at 1.28 GS/s: 1.5625 pJ per conversion
    assert res.total.energy_pj["adc"] < e["adc"]  # fewer bits, less ADC energy (Walden)


def test_isaac_reconstruction_matches_the_paper():
    r = reconstruct(PRESETS["isaac"])
    for name, ours, paper in r.rows():
        assert ours == pytest.approx(paper, rel=0.01), name
    comp = load_components()
    for bits, survey in comp.adc_survey:
        law = adc_power_mw(comp, bits, 1.28)
        assert (2.0 <= law <= 4.0) if bits == 8 else law == pytest.approx(survey, rel=0.3)


@pytest.mark.parametrize("fields, match", [
    (dict(adc_bits=0), "'adc_bits' must be an integer >= 1 and <= 16"),
    (dict(adc_bits=17), "'adc_bits' must be an integer >= 1 and <= 16"),
    (dict(cell_bits=3), "'cell_bits' \\(3\\) must divide weight_bits \\(8\\)"),
    (dict(prog_noise=-0.1), "'prog_noise' must be a number >= 0"),
    (dict(read_noise=-1), "'read_noise' must be a number >= 0"),
    (dict(prog_noise="gaussian"), "'prog_noise' must be 'none', 'pcm' or a sigma"),
    (dict(rows=2048), "'rows' is 2048: the component table prices crossbars up to 1024"),
    (dict(adc_share=500), "'adc_share' must be an integer >= 1 and <= 128"),
    (dict(stuck_on=0.7, stuck_off=0.7), "'stuck_on' \\+ 'stuck_off' must be at most 1"),
    (dict(components="nope"), "'components': Component table .*nope.toml' does not exist"),
])
def test_bad_configs_name_the_field(fields, match):
    with pytest.raises(AnalogConfigError, match=match):
        AnalogConfig(**fields)


def test_float_model_and_too_wide_weights_are_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "f.onnx")
    with pytest.raises(TargetError, match="analog:pcm.*int8 models only"):
        mlaccel.load(tmp_path / "f.onnx").run(np.zeros((1, 4), np.float32), target="analog:pcm")
    model = mlaccel.load(model_path("kws"))
    with pytest.raises(TargetError, match="#0 CONV_2D cannot be mapped.*weight_bits"):
        model.run(np.zeros(model.inputs[0].shape, np.int8), target=AnalogConfig(weight_bits=4, cell_bits=2))


def test_sweep_api_gives_accuracy_with_labels_and_agreement_without(tmp_path):
    torch = pytest.importorskip("torch")  # noqa: F841
    from mlaccel.compress.flows import calibration_samples, from_torch
    from mlaccel.compress.quantize import quantize
    from mlaccel.compress.recipes import train_recipe
    from mlaccel.data import load_dataset
    from mlaccel.dse.store import Store
    from mlaccel.dse.sweeps import field_sweep, parse_values

    g = from_torch(train_recipe("digits-mlp", epochs=3), np.zeros((1, 1, 8, 8), np.float32))
    model = Model(quantize(g, calibration_samples("digits", g)))
    test = load_dataset("digits").take(150)
    s = field_sweep(model, "adc_bits", parse_values("3..8"), "analog:isaac", data=test)
    assert s.metric == "accuracy" and [p.value for p in s.points] == [3, 4, 5, 6, 7, 8]
    assert s.points[-1].mean == pytest.approx(s.reference)  # 8 bits: lossless, so the reference's accuracy
    assert s.points[0].mean < s.points[-1].mean
    assert s.points[0].energy_pj < s.points[-1].energy_pj and 0 < s.points[0].adc_share < 1
    store = tmp_path / "noise.sqlite"
    noisy = field_sweep(model, "prog_noise", [0.1], "analog:isaac", data=test, draws=3, store=store)
    assert noisy.points[0].draws == 3 and noisy.points[0].std >= 0
    db = Store(store, create=False)  # the points are a sweep like any other: results and report read them
    assert len(db.points(noisy.sweep)) == 3 and {p.config["seed"] for p in db.points()} == {0, 1, 2}
    db.close()
    a = field_sweep("kws", "adc_bits", [8], "analog:isaac")
    assert a.metric == "agreement" and a.points[0].mean == 1.0 and a.reference is None
    assert a.inputs == "its 12 golden inputs"
    stuck = field_sweep("kws", "stuck_off", [0.0, 0.2], "analog:isaac", samples=4)
    assert stuck.points[1].mean <= stuck.points[0].mean == 1.0
    assert parse_values("0.02,0.05") == [0.02, 0.05] and parse_values("1,2,4") == [1, 2, 4]
    assert parse_values("true,false") == [True, False] and parse_values("ws,os") == ["ws", "os"]


def test_cli_isaac_sweep_and_run(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["analog", "isaac"], env={"COLUMNS": "100"})
    assert r.exit_code == 0 and "627.4" in r.output and "GOPS/W" in r.output and "58.2%" in r.output
    plot = tmp_path / "sweep.png"
    r = runner.invoke(app, ["analog", "sweep", "kws", "--adc-bits", "6..8", "--plot", str(plot)],
                      env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.output
    assert "12 golden inputs" in r.output and plot.stat().st_size > 1000
    r = runner.invoke(app, ["analog", "sweep", "kws", "--adc-bits", "8", "--json"])
    assert json.loads(r.output)["points"][0]["mean"] == 1.0
    for args, match in ((["--adc-bits", "3..4", "--cell-bits", "1,2"], "several values"),
                        (["--adc-bits", "x"], "'adc_bits' must be an integer"),
                        (["--adc-bits", "9..3"], "runs backwards"),
                        (["--cell-bits", "3"], "'cell_bits' (3) must divide"),
                        (["--adc-bits", "8", "-t", "systolic:edge-16x16-os"], "'--adc-bits' is not a field of systolic"),
                        (["--adc-bitz", "8"], "'--adc-bitz' is not a field of analog configs")):
        r = runner.invoke(app, ["analog", "sweep", "kws", *args], env={"COLUMNS": "200"})
        assert r.exit_code == 1 and match in " ".join(r.output.split()), (args, r.output)
    r = runner.invoke(app, ["run", "kws", "-t", "analog:isaac"], env={"COLUMNS": "100"})
    assert r.exit_code == 0 and "agreement with the reference kernels: 100.0%" in r.output and "bit-exact" in r.output
