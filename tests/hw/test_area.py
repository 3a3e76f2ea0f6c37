"""Area: every family's breakdown from its sourced table, the RTL cross-checks, and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from mlaccel.targets import area_of
from mlaccel.cli import app
from mlaccel.errors import MlaccelError
from mlaccel.hdl.gate_area import cells_of, rtl_area_um2, systolic_rtl_check
from mlaccel.targets import resolve

runner = CliRunner()


def test_every_hardware_family_reports_an_area():
    for t in ("systolic:edge-16x16-os", "soc:simd4", "analog:isaac", "neuromorphic:loihi"):
        a = area_of(t)
        assert a.total > 0 and all(v >= 0 for v in a.parts.values())
    assert area_of("reference") is None


def test_systolic_area_grows_with_the_array_and_the_sparse_muxes():
    base = resolve("systolic:edge-16x16-os").config
    small, big = area_of(base.replace(rows=8, cols=8)), area_of(base.replace(rows=32, cols=32))
    assert big.parts["pe_array"] == pytest.approx(16 * small.parts["pe_array"])
    assert big.parts["sram"] == small.parts["sram"]
    nm = area_of(base.replace(weight_sparsity="2:4", format="nm"))
    assert nm.parts["pe_array"] > area_of(base).parts["pe_array"]  # the 4:1 input muxes and index registers


def test_analog_area_is_isaacs_85_mm2_and_shrinks_with_the_adc():
    cfg = resolve("analog:isaac").config
    a = area_of(cfg)
    assert a.total == pytest.approx(85.4, abs=0.1)  # ISAAC (ISCA 2016): 85.4 mm^2 for 168 tiles
    tile = (a.total - a.parts["hyper_transport"]) / cfg.tiles
    assert tile == pytest.approx(0.372, rel=0.01)  # Table 2: 0.372 mm^2 per tile
    assert a.parts["adc"] / (tile * cfg.tiles) == pytest.approx(0.31, abs=0.01)  # ADCs: 31% of the tile
    assert area_of(cfg.replace(adc_bits=4)).parts["adc"] < a.parts["adc"]


def test_neuromorphic_areas_are_the_published_dies():
    assert area_of("neuromorphic:loihi").total == pytest.approx(60.0)  # Davies et al. 2018: 60 mm^2
    tn = area_of("neuromorphic:truenorth")
    assert tn.total == pytest.approx(430.0)  # Merolla et al. 2014: 4.3 cm^2
    assert tn.parts["cores"] / 4096 == pytest.approx(0.240 * 0.390)  # Akopyan et al. 2015: 240 x 390 um
    two = resolve("neuromorphic:loihi").config.replace(chips=2, router_mm2=0.01)
    assert area_of(two).total == pytest.approx(120.0 + 0.01 * 2 * 32)


def test_soc_area_counts_core_caches_and_the_cfu():
    base, simd4, systolic = (area_of(f"soc:{p}") for p in ("baseline", "simd4", "systolic"))
    assert base.parts["cfu"] == 0 and base.parts["core"] == pytest.approx(26.6e3 * 0.798e-6)
    assert 0 < simd4.parts["cfu"] < systolic.parts["cfu"]  # 4 MACs against 16 PEs and 64 KiB of buffers
    cfg = resolve("soc:baseline").config
    bigger = cfg.replace(timing=cfg.timing.__class__(icache_bytes=32768, dcache_bytes=32768))
    assert area_of(bigger).parts["caches"] == pytest.approx(4 * base.parts["caches"])


def test_a_python_cfu_without_area_says_so(tmp_path):
    from mlaccel.hw.soc.config import SocConfig
    from mlaccel.hw.soc.project import new_project

    proj = new_project(tmp_path / "mine")
    a = area_of(SocConfig(name="mine", project=str(proj.path)))
    assert a.parts["cfu"] == pytest.approx((282 + 137 + 32 * 4.522) / 1e6)  # the template's MAC and accumulator
    cfu = proj.path / "cfu.py"
    cfu.write_text(cfu.read_text().replace("    AREA = ", "    _AREA = "))
    a = area_of(SocConfig(name="mine", project=str(proj.path)))
    assert "cfu" not in a.parts and "the CFU declares no AREA" in a.notes


def test_yosys_generic_cells_map_to_nangate_cells():
    assert cells_of("$_DFFE_PN0P_") == {"dffr_bit": 1, "mux2_bit": 1}
    assert cells_of("$_DFF_P_") == {"dff_bit": 1}
    assert cells_of("$_SDFF_PP0_") == {"dff_bit": 1, "and2": 1}
    assert rtl_area_um2({"$_AND_": 2, "$_XOR_": 1}) == pytest.approx(2 * 1.064 + 1.596)
    with pytest.raises(MlaccelError, match=r"Yosys cell '\$_FOO_' has no area mapping"):
        cells_of("$_FOO_")


@pytest.mark.slow
def test_the_systolic_model_against_the_course_tpu_rtl():
    c = systolic_rtl_check(4, 4)
    # flip-flops: the model's PE registers are 80-85% of the RTL's (the rest is control and I/O)
    assert 0.75 < c.model_dffs / c.rtl_dffs < 0.9
    # area: unoptimized generic gates (no ABC) are an upper bound; the model's datapath cells are ~1/3
    assert 0.25 < c.ratio < 0.45


@pytest.mark.slow
def test_the_simd4_rtl_cfu_against_its_declared_area():
    rtl, declared = area_of("soc:simd4_rtl").parts["cfu"], area_of("soc:simd4").parts["cfu"]
    assert 1 < rtl / declared < 8  # the RTL adds the CFU handshake and unoptimized gates


def test_the_area_commands(tmp_path):
    r = runner.invoke(app, ["area", "systolic:edge-16x16-os", "neuromorphic:truenorth", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["neuromorphic:truenorth"]["total_mm2"] == pytest.approx(430.0)
    r = runner.invoke(app, ["area", "reference"], terminal_width=200)
    assert r.exit_code != 0 and "reports no area" in r.output
    r = runner.invoke(app, ["area", "systolic:nope"], terminal_width=200)
    assert r.exit_code != 0 and "nope" in r.output
    r = runner.invoke(app, ["rtl", "area-check", "--sizes", "3"], terminal_width=200)
    assert r.exit_code != 0 and "multiple of 4" in r.output
