"""How a benchmark reports its targets: each one measured in this run, met or MISSED, and an exit
status that says whether all were met (1 if any was missed).

A quick run (``MLACCEL_BENCH_QUICK=1``: fewer samples, epochs or rounds) judges only the targets its
shorter run can decide; the others are printed as "not judged in quick mode", so a quick run never
reports a miss that the full run does not have.
"""

from __future__ import annotations

import os
import sys

QUICK = os.environ.get("MLACCEL_BENCH_QUICK") == "1"


class Verdict:
    """Collects the targets of one benchmark run."""

    def __init__(self):
        self.missed: list[str] = []
        self.judged = 0

    def target(self, name: str, met: bool, measured: str, quick: bool = True) -> bool:
        """Print one target: ``name``, what was ``measured``, and met or MISSED. With ``quick`` False
        the target is only judged in a full run."""
        if QUICK and not quick:
            print(f"  target {name}: {measured} (not judged in quick mode)")
            return True
        self.judged += 1
        print(f"  target {name}: {measured} -> {'met' if met else 'MISSED'}")
        if not met:
            self.missed.append(name)
        return met

    def finish(self) -> None:
        """Print the summary and exit: 0 when every judged target was met, else 1."""
        if self.missed:
            print(f"\n{len(self.missed)} of {self.judged} targets MISSED: {', '.join(self.missed)}")
            sys.exit(1)
        what = "the 1 target" if self.judged == 1 else f"all {self.judged} targets"
        print(f"\n{what} met" + (" (quick mode judges only some)" if QUICK else ""))
