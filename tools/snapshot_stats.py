"""Write the per-op Stats of the shipped models on every family to a snapshot file.

``tests/test_lowering_snapshot.py`` recomputes them and holds the two equal: a refactoring of the
lowering or the families must leave every figure as it was. Run this only when a change of figures
is intended, and say why in the commit:

    python tools/snapshot_stats.py tests/data/stats_snapshot.json.gz
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.snapshot_cases import cases, stats_rows  # noqa: E402


def main(path: str) -> None:
    doc = {}
    for key, run in cases():
        doc[key] = stats_rows(run())
        print(key, len(doc[key]), "ops", flush=True)
    with gzip.open(path, "wt") as f:
        json.dump(doc, f, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/stats_snapshot.json.gz")
