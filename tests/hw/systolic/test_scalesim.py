"""SCALE-Sim compatibility: our COMPUTE_REPORT equals SCALE-Sim 3.0.0's on generated topologies.

The oracle reports under scalesim3/ were produced by tools/make_scalesim_oracles.py running
SCALE-Sim 3.0.0 (24 runs: conv and GEMM topologies, WS/OS/IS, 8x8, 4x16, 16x4 and 5x7 arrays).
"""

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.errors import MlaccelError
from mlaccel.hw.systolic.scalesim import compute_report, read_scalesim_config, read_topology
from mlaccel.hw.systolic.topologies import resnet50, topology_csv

ORACLES = sorted((Path(__file__).parent / "scalesim3").iterdir())


def _theirs(d: Path) -> list[list[str]]:
    rows = csv.reader(d.joinpath("COMPUTE_REPORT.csv").read_text().splitlines()[1:])
    return [[c.strip() for c in r if c.strip()] for r in rows]


def test_oracle_set():
    assert len(ORACLES) == 24


@pytest.mark.parametrize("case", ORACLES, ids=[d.name for d in ORACLES])
def test_compute_report_matches_scalesim(case):
    cfg = read_scalesim_config(case / "config.cfg")
    ours = compute_report(read_topology(case / "topology.csv"), cfg)
    theirs = _theirs(case)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o[2] == int(t[2])  # Total Cycles: exactly
        assert o[3] == int(t[3]) == 0  # Stall Cycles (CALC bandwidth)
        assert o[4] == pytest.approx(float(t[4]), rel=1e-9)  # Overall Util %
        assert o[5] == pytest.approx(float(t[5]), rel=1e-9)  # Mapping Efficiency %
        assert o[6] == pytest.approx(float(t[6]), rel=1e-9)  # Compute Util %


def test_depthwise_rows_expand_per_channel(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("Layer, H, W, FH, FW, C, N, S,\nConv, 8, 8, 3, 3, 4, 8, 1,\nDP1, 8, 8, 3, 3, 3, 1, 1,\n")
    names = [layer.name for layer in read_topology(f)]
    assert names == ["Conv", "DP1Channel_0", "DP1Channel_1", "DP1Channel_2"]


def test_bad_topology_names_file_and_line(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("Layer, H, W, FH, FW, C, N, S,\nok, 8, 8, 3, 3, 4, 8, 1,\nbroken, 8, x, 3,\n")
    with pytest.raises(MlaccelError, match=r"bad.csv:3"):
        read_topology(f)
    f.write_text("Layer, H, W, FH, FW, C, N, S,\nbig, 2, 2, 3, 3, 4, 8, 1,\n")
    with pytest.raises(MlaccelError, match=r"bad.csv:2: layer 'big' has impossible"):
        read_topology(f)


def test_cli_writes_report_and_never_overwrites(tmp_path):
    case = ORACLES[0]
    args = ["scalesim", "-c", str(case / "config.cfg"), "-t", str(case / "topology.csv"), "-o", str(tmp_path)]
    r = CliRunner().invoke(app, args, terminal_width=150)
    assert r.exit_code == 0, r.output
    written = (tmp_path / "COMPUTE_REPORT.csv").read_text().splitlines()
    assert written[0] == case.joinpath("COMPUTE_REPORT.csv").read_text().splitlines()[0]
    assert [row.split(",")[2].strip() for row in written[1:]] == [r[2] for r in _theirs(case)]
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_resnet50_topology():
    layers = resnet50()
    assert len(layers) == 54
    assert sum(m * k * n for m, k, n in (layer.gemm for layer in layers)) == pytest.approx(3.858e9, rel=1e-3)
    assert topology_csv(layers).count("\n") == 55
