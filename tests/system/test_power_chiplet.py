"""Power and dark silicon against Esmaeilzadeh et al.; node-scaled energy tables; chiplet yield and cost."""

import json
from math import exp

import pytest
from typer.testing import CliRunner

from mlaccel.system.chiplet import AMD_EPYC, compare, dies_per_wafer, murphy_yield, negative_binomial_yield
from mlaccel.cli import app
from mlaccel.errors import InputError, MlaccelError
from mlaccel.system.power import dynamic_power, leakage_power, scaling

runner = CliRunner()


def test_dynamic_and_leakage_power():
    assert dynamic_power(0.1, 1e-9, 1e9, 1.0) == pytest.approx(0.1)
    assert leakage_power(0.8, 0.5) == pytest.approx(0.4)
    with pytest.raises(InputError, match="alpha"):
        dynamic_power(1.5, 1e-9, 1e9, 1.0)


def test_dark_silicon_follows_esmaeilzadeh():
    pts = {p.nm: p for p in scaling(45, 7)}
    assert pts[45].dark == 0 and pts[22].dark == pytest.approx(0.21, abs=0.05)  # theirs: 21% at 22 nm
    assert pts[7].dark > 0.5 and pts[10].dark > 0.5  # theirs: more than 50% at 8 nm
    assert all(p.power_density_dennard == 1.0 for p in pts.values())  # Dennard: flat power density
    darks = [p.dark for p in scaling(45, 3)]
    assert darks == sorted(darks)
    with pytest.raises(MlaccelError, match="Node 6 nm is outside the technology table; nodes: 180, 130"):
        scaling(45, 6)


def test_energy_tables_scale_to_a_node_and_any_family_reports_there():
    import numpy as np

    import mlaccel
    from mlaccel.energy import load_table
    from mlaccel.hw.systolic import preset
    from mlaccel.model.zoo import resolve_model

    t7 = load_table("horowitz-45nm@7nm")
    assert t7.pj("mult_int8") == pytest.approx(0.2 * (7 / 45) * 0.75 ** 2) and t7.pj("dram_64b") == 1950.0
    m = mlaccel.load(resolve_model("kws"))
    x = np.zeros(m.inputs[0].shape, np.int8)
    cfg = preset("edge-16x16-os")
    e45 = m.run(x, target=cfg).total.energy_pj
    e7 = m.run(x, target=cfg.replace(tech="horowitz-45nm@7nm")).total.energy_pj
    assert sum(e7.values()) < sum(e45.values())
    with pytest.raises(MlaccelError, match="Node 2 nm is outside"):
        load_table("horowitz-45nm@2nm")


def test_yield_models_and_dies_per_wafer():
    assert murphy_yield(100, 1.0) == pytest.approx((1 - exp(-1)) ** 2)
    assert negative_binomial_yield(100, 1.0, alpha=3) == pytest.approx((1 + 1 / 3) ** -3)
    assert negative_binomial_yield(100, 1.0, alpha=1e9) == pytest.approx(exp(-1), rel=1e-6)  # Poisson limit
    assert dies_per_wafer(100) == 640  # pi 150^2 / 100 - pi 300 / sqrt(200)
    for bad in (dict(area_mm2=-5, d0_per_cm2=0.1), dict(area_mm2=100, d0_per_cm2=0)):
        with pytest.raises(InputError, match="must be a finite number > 0"):
            murphy_yield(**bad)


def test_amds_chiplet_cost_ratio_is_reproduced():
    c = compare(AMD_EPYC["monolithic_mm2"], 4, 0.1, 10_000, overhead=4 * 213 / 777 - 1)
    assert c.chiplet.area_mm2 == pytest.approx(213, rel=1e-3)
    assert c.ratio == pytest.approx(AMD_EPYC["published_ratio"], abs=0.03)


def test_the_power_and_chiplet_commands(tmp_path):
    plot = tmp_path / "power.png"
    r = runner.invoke(app, ["power", "scaling", "--from", "45", "--to", "7", "--plot", str(plot)], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "Esmaeilzadeh" in r.output and "22 nm" in r.output and plot.stat().st_size > 10_000
    doc = json.loads(runner.invoke(app, ["chiplet", "--json"]).output)
    assert 0.55 < doc["ratio"] < 0.62
    r = runner.invoke(app, ["chiplet", "--area", "-3"], terminal_width=200)
    assert r.exit_code != 0 and "--area must be a positive number, got -3.0" in r.output
    r = runner.invoke(app, ["power", "scaling", "--to", "4"], terminal_width=200)
    assert r.exit_code != 0 and "Node 4 nm is outside the technology table" in r.output
