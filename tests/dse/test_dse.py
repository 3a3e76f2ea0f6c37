"""Design sweeps: the space file, the store (kill and resume, bad files), Pareto fronts, Optuna, the CLI."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.dse.pareto import pareto_mask
from mlaccel.dse.space import SpaceError, load_space
from mlaccel.dse.store import SCHEMA_VERSION, Store, StoreError
from mlaccel.dse.sweep import run_sweep

runner = CliRunner()

SPACE = """
[space]
base = "systolic:edge-16x16-os"
models = [{models}]
method = "{method}"
points = {points}

[space.fields]
rows = [4, 8, 16, 32]
cols = [4, 8, 16, 32]
dataflow = ["ws", "os", "is"]
dram_bw = [4, 8, 16, 32, 64]

[constraints]
area_mm2 = "{constraint}"

[objectives]
minimize = ["latency_s", "energy_pj"]
"""


def _space(tmp_path, models='"kws"', method="grid", points=50, constraint="<= 10", name="space"):
    p = tmp_path / f"{name}.toml"
    p.write_text(SPACE.format(models=models, method=method, points=points, constraint=constraint))
    return p


def test_a_grid_sweep_stores_every_point_with_its_provenance(tmp_path):
    sp = load_space(_space(tmp_path))
    assert sp.size == 240
    db = Store(tmp_path / "r.sqlite")
    s = run_sweep(sp, db, workers=2)
    pts = db.points(s.sweep)
    assert s.evaluated == 240 == len(pts) and s.feasible == sum(p.feasible for p in pts)
    p = pts[0]
    assert p.code_version and len(p.config_hash) == 16 and len(p.model_hash) == 16
    assert p.layers["kws"][0][0].startswith("#0") and p.metrics["edp"] == pytest.approx(
        p.metrics["energy_pj"] * p.metrics["latency_s"])
    # a bigger array is faster on kws, and larger
    by = {(q.config["rows"], q.config["cols"], q.config["dataflow"], q.config["dram_bw"]): q.metrics for q in pts}
    assert by[(32, 32, "os", 64)]["cycles"] < by[(4, 4, "os", 64)]["cycles"]
    assert by[(32, 32, "os", 64)]["area_mm2"] > by[(4, 4, "os", 64)]["area_mm2"]
    db.close()


def test_a_sweep_killed_with_sigkill_resumes_without_losing_or_repeating_a_point(tmp_path):
    space = _space(tmp_path, models='"kws", "resnet50"')
    store = tmp_path / "r.sqlite"
    cmd = [sys.executable, "-m", "mlaccel", "dse", "run", str(space), "--store", str(store), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, count = time.time() + 120, 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=5) as db:
                    count = db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if count >= 60:
                break
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    assert 60 <= before < 240
    r = runner.invoke(app, ["dse", "run", str(space), "--store", str(store), "--resume"], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert f"{240 - before} points evaluated, {before} already stored" in " ".join(r.output.split())
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT config_hash) FROM points").fetchone() == (240, 240)


def test_bad_spaces_name_what_is_wrong(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nlanes = [1, 2]\n')
    with pytest.raises(SpaceError, match="bad.toml': field 'lanes' is not a field of systolic configs; known "
                                         "fields: rows, cols, dataflow"):
        load_space(p)
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [0, 8]\n')
    with pytest.raises(SpaceError, match="Space field 'rows' = 0"):
        load_space(p)
    p.write_text('[space]\nbase = "systolic:edge-16x16-os"\nmodels = ["kws"]\n[space.fields]\nrows = [8]\n'
                 '[constraints]\nspeed = "<= 1"\n')
    with pytest.raises(SpaceError, match="Constraint on 'speed': metrics are latency_s"):
        load_space(p)
    empty = _space(tmp_path, constraint="<= 0.0001", name="empty")
    r = runner.invoke(app, ["dse", "run", str(empty), "--store", str(tmp_path / "e.sqlite")], terminal_width=200)
    assert r.exit_code == 0 and "no point satisfies the constraints" in r.output


def test_corrupt_and_newer_stores_are_refused_and_left_alone(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    before = junk.read_bytes()
    with pytest.raises(StoreError, match="is not a results store"):
        Store(junk)
    assert junk.read_bytes() == before
    newer = tmp_path / "newer.sqlite"
    Store(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION + 1),))
    size = newer.stat().st_size
    with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1}, newer than this mlaccel's"):
        Store(newer)
    assert newer.stat().st_size == size
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(StoreError, match="an SQLite file but not a results store"):
        Store(other)


def test_a_schema_1_store_is_migrated_and_keeps_its_points(tmp_path):
    old = tmp_path / "v1.sqlite"
    with sqlite3.connect(old) as db:  # schema 1, as the first release wrote it
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema', '1');
            CREATE TABLE sweeps (id INTEGER PRIMARY KEY, name TEXT NOT NULL, space_digest TEXT NOT NULL,
                space TEXT NOT NULL, started TEXT NOT NULL DEFAULT (datetime('now')));
            CREATE TABLE points (id INTEGER PRIMARY KEY, sweep INTEGER NOT NULL REFERENCES sweeps(id),
                config_hash TEXT NOT NULL, model_hash TEXT NOT NULL, code_version TEXT NOT NULL, config TEXT NOT NULL,
                metrics TEXT NOT NULL, models TEXT NOT NULL, layers TEXT NOT NULL, feasible INTEGER NOT NULL,
                UNIQUE (sweep, config_hash));
            INSERT INTO sweeps (name, space_digest, space) VALUES ('old', 'd', '{"minimize": ["latency_s"]}');
            INSERT INTO points (sweep, config_hash, model_hash, code_version, config, metrics, models, layers,
                feasible) VALUES (1, 'h', 'm', '0.1.0', '{"rows": 8}', '{"latency_s": 1.0}', '{}', '{}', 1);
        """)
    db = Store(old)
    (p,) = db.points()
    assert p.config == {"rows": 8} and p.area == {}
    assert db.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == str(SCHEMA_VERSION)


def test_pareto_mask():
    v = np.array([[1, 5], [2, 2], [5, 1], [3, 3], [2, 2.5], [1, 5]])
    assert pareto_mask(v).tolist() == [True, True, True, False, False, True]


def test_nsga2_search_and_the_results_commands(tmp_path):
    pytest.importorskip("optuna")
    space = _space(tmp_path, method="nsga2", points=25)
    store = tmp_path / "r.sqlite"
    plot = tmp_path / "pareto.png"
    r = runner.invoke(app, ["dse", "run", str(space), "--store", str(store), "--plot", str(plot)], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "25 points evaluated" in r.output and plot.stat().st_size > 10_000
    doc = json.loads(runner.invoke(app, ["results", "show", str(store), "--json", "--top", "3"]).output)
    assert len(doc) == 3 and any(d["pareto"] for d in doc)
    out = tmp_path / "r.csv"
    r = runner.invoke(app, ["results", "export", str(store), "--csv", str(out)])
    assert r.exit_code == 0 and len(out.read_text().splitlines()) == 26
    r = runner.invoke(app, ["results", "list", str(tmp_path / "missing.sqlite")], terminal_width=200)
    assert r.exit_code != 0 and "does not exist" in r.output


def test_sparse_configs_are_priced_by_running_the_model(tmp_path):
    """Sparse costs follow the data: the sweep runs the model, and a skipping array beats dense."""
    p = tmp_path / "sparse.toml"
    p.write_text('[space]\nbase = "systolic:sparse-16x16-os-skip"\nmodels = ["kws"]\n[space.fields]\n'
                 'activation_zeros = ["none", "skip"]\n[objectives]\nminimize = ["latency_s"]\n')
    store = tmp_path / "s.sqlite"
    r = runner.invoke(app, ["dse", "run", str(p), "--store", str(store), "--workers", "1"], terminal_width=200)
    assert r.exit_code == 0, r.output
    pts = {pt.config["activation_zeros"]: pt for pt in Store(store).points()}
    assert pts["skip"].metrics["cycles"] < pts["none"].metrics["cycles"]
    assert pts["skip"].area["pe_array"] > 0 and pts["skip"].metrics["accuracy"] is None
