"""Rooflines: the sourced catalog, the reuse model, the TPU v1 paper's six apps, and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.system.roofline import RooflineError, catalog, device, gemm_traffic, loads_of_graph, loads_of_layers, roofline, tpu_v1_check

runner = CliRunner()


def test_the_lectures_numbers_are_in_the_catalog_with_sources():
    v100, a100 = device("v100"), device("a100")
    assert (v100.peak_tops["fp32"], v100.peak_tops["fp16"], v100.tdp_w, v100.die_mm2, v100.node_nm) == \
        (15.7, 125.0, 300.0, 815.0, 12)
    assert (a100.peak_tops["fp32"], a100.peak_tops["tf32"], a100.tdp_w, a100.node_nm) == (19.5, 156.0, 250.0, 7)
    assert a100.die_mm2 == 826.0 and a100.extra["die_mm2_alt"] == 862.0  # the whitepaper's is the primary
    assert "whitepaper" in a100.sources["die_mm2"] and "lecture" in a100.sources["die_mm2_alt"]
    coral, wse = device("coral"), device("cerebras-wse")
    assert coral.peak_tops["int8"] / coral.tdp_w == 2.0
    assert (wse.die_mm2, wse.extra["transistors"], wse.extra["cores"], wse.node_nm) == (46225.0, 1.2e12, 400000, 16)
    for d in catalog().values():  # every number has a source
        for f in ("peak_tops", "bandwidth_gbs", "onchip_mib", "tdp_w", "die_mm2", "node_nm"):
            if getattr(d, f):
                assert f in d.sources, (d.key, f)
    assert {"v100", "a100", "h100", "tpu-v1", "tpu-v2", "tpu-v3", "tpu-v4", "tpu-v5e", "jetson-orin", "coral",
            "systolic:edge-16x16-os"} <= set(catalog())


def test_unknown_devices_and_missing_numbers_are_named():
    with pytest.raises(RooflineError, match="Unknown device 'b200'; known devices: v100, a100"):
        device("b200")
    with pytest.raises(RooflineError, match="Device 'tpu-v1' has no fp32 peak; it has: int8"):
        device("tpu-v1").peak("fp32")
    with pytest.raises(RooflineError, match="'cerebras-wse' has no published memory bandwidth"):
        device("cerebras-wse").bandwidth()


def test_the_reuse_model_moves_operands_once_when_they_fit_and_tiles_otherwise():
    assert gemm_traffic(10, 20, 30, 1, 1e6) == 10 * 20 + 20 * 30 + 10 * 30
    big = gemm_traffic(1024, 1024, 1024, 1, 3 * 64 * 64)  # 64 x 64 tiles: each operand read 16 times
    assert big == 1024 * 1024 * 16 * 2 + 1024 * 1024


def test_kws_and_resnet50_on_the_a100_and_tpu_v1():
    import mlaccel
    from mlaccel.hw.systolic.topologies import resnet50
    from mlaccel.model.zoo import resolve_model

    kws = loads_of_graph(mlaccel.load(resolve_model("kws")).graph)
    assert sum(ld.ops for ld in kws) == pytest.approx(2 * 2_656_768, rel=0.01)
    r = roofline(kws, device("a100"))
    assert all(p.bound == "memory" for p in r.points)  # a tiny model cannot feed 624 TOPS
    resnet = roofline(loads_of_layers(resnet50(), 64), device("a100"), "int8", 64)
    assert resnet.attainable > 5 * r.attainable and any(p.bound == "compute" for p in resnet.points)
    assert roofline(kws, device("tpu-v1")).seconds > r.seconds


def test_tpu_v1_bounds_hold_the_papers_measurements():
    rows = {app: (bound, measured) for app, _, bound, measured in tpu_v1_check(device("tpu-v1"))}
    assert all(measured <= bound for bound, measured in rows.values())  # a roofline is an upper bound
    assert rows["MLP0"][0] == pytest.approx(13.6) and rows["MLP0"][1] / rows["MLP0"][0] > 0.85
    assert rows["CNN0"][0] == 92.0 and rows["CNN0"][1] / 92.0 > 0.9


def test_the_cli_prints_the_table_writes_the_plot_and_lists_the_catalog(tmp_path):
    plot = tmp_path / "roof.png"
    r = runner.invoke(app, ["roofline", "kws", "--device", "tpu-v1", "--plot", str(plot)], terminal_width=200)
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "memory-bound" in text and "ridge 2706 op/B" in text and plot.stat().st_size > 10_000
    doc = json.loads(runner.invoke(app, ["roofline", "resnet50", "--device", "a100", "--batch", "8",
                                         "--json"]).output)
    assert doc["batch"] == 8 and len(doc["ops_detail"]) == 54
    r = runner.invoke(app, ["roofline", "--list"], terminal_width=200)
    assert r.exit_code == 0 and "cerebras-wse" in r.output and "systolic:edge-16x16-os" in r.output
    r = runner.invoke(app, ["roofline", "kws", "--device", "nope"], terminal_width=200)
    assert r.exit_code != 0 and "known devices" in r.output
