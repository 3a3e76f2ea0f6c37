"""Before/after: the per-op Stats of the shipped models on every family equal the snapshot taken
before the lowering (issue 21), so moving the families onto work items changed no figure.

``tools/snapshot_stats.py`` writes the snapshot; counts must be equal, and times and energies
equal to 1e-12 of their size (a sum taken in another order may move the last bit).
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from .snapshot_cases import cases, stats_rows

SNAPSHOT = Path(__file__).parent / "data" / "stats_snapshot.json.gz"


def _same(a, b, where: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}: keys {sorted(set(a) ^ set(b))} differ"] if set(a) != set(b) else []
        for k in set(a) & set(b):
            out += _same(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} entries, snapshot {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300):
            return [f"{where}: {a!r}, snapshot {b!r}"]
        return []
    return [] if a == b else [f"{where}: {a!r}, snapshot {b!r}"]


@pytest.fixture(scope="module")
def snapshot() -> dict:
    with gzip.open(SNAPSHOT, "rt") as f:
        return json.load(f)


def test_the_snapshot_covers_every_family_that_runs_graphs(snapshot):
    from mlaccel.targets import FAMILIES, family

    graph_families = {p for p in FAMILIES if family(p).workload == "graph"}
    covered = {key.split("|")[1].split(":")[0] for key in snapshot}
    assert graph_families <= covered, graph_families - covered


@pytest.mark.slow
def test_every_figure_equals_the_snapshot(snapshot):
    diffs, seen = [], set()
    for key, run in cases():
        seen.add(key)
        assert key in snapshot, f"{key} is not in the snapshot; rerun tools/snapshot_stats.py"
        diffs += _same(stats_rows(run()), snapshot[key], key)
    assert seen == set(snapshot)
    assert not diffs, f"{len(diffs)} figures differ, e.g.\n" + "\n".join(diffs[:20])
