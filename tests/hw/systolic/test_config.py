"""Configs: presets, validation that names the field, TOML and YAML files."""

import pytest

from mlaccel.errors import ConfigError
from mlaccel.hw.systolic import PRESETS, SystolicConfig, load_config, preset


def test_presets():
    assert {"lab-4x4-ws", "edge-16x16-os", "tpu-v1-like", "scalesim-32x32"} <= set(PRESETS)
    tpu = preset("tpu-v1-like")
    assert (tpu.rows, tpu.cols, tpu.dataflow) == (256, 256, "ws")
    with pytest.raises(ConfigError, match="Unknown systolic preset 'nope'"):
        preset("nope")


@pytest.mark.parametrize("field,value,match", [
    ("rows", 0, "'rows' must be a positive integer"),
    ("cols", 2.5, "'cols' must be a positive integer"),
    ("dataflow", "rs", "'dataflow' must be one of ws, os, is"),
    ("dram_bw", 0, "'dram_bw' must be a positive number"),
    ("acc_bits", 80, r"'acc_bits' must be in \[8, 64\]"),
    ("filter_sram_kb", 0.5, "'filter_sram_kb' is 0.5 KiB, too small to hold one tile"),
])
def test_bad_values_name_the_field(field, value, match):
    with pytest.raises(ConfigError, match=match):
        SystolicConfig(**{"rows": 32, "cols": 32, field: value})


def test_double_buffering_needs_two_tiles():
    SystolicConfig(rows=32, cols=32, filter_sram_kb=1, double_buffering=False)
    with pytest.raises(ConfigError, match="with double buffering"):
        SystolicConfig(rows=32, cols=32, filter_sram_kb=1, double_buffering=True)


def test_toml_and_yaml(tmp_path):
    t = tmp_path / "mine.toml"
    t.write_text('preset = "edge-16x16-os"\ndataflow = "ws"\ndram_bw = 8.0\n')
    c = load_config(t)
    assert (c.rows, c.dataflow, c.dram_bw, c.name) == (16, "ws", 8.0, "mine")
    y = tmp_path / "arr.yaml"
    y.write_text("systolic:\n  rows: 8\n  cols: 4\n  dataflow: is\n")
    assert (load_config(y).rows, load_config(y).cols, load_config(y).dataflow) == (8, 4, "is")
    bad = tmp_path / "bad.toml"
    bad.write_text("rows = 8\nrowz = 4\n")
    with pytest.raises(ConfigError, match="unknown field\\(s\\) rowz"):
        load_config(bad)
    worse = tmp_path / "worse.toml"
    worse.write_text("rows = 0\n")
    with pytest.raises(ConfigError, match="worse.toml.*'rows'"):
        load_config(worse)
