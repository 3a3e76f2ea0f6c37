"""Design sweeps: 1,000 systolic designs on ResNet-50 and kws (examples/dse/systolic-kws-resnet50.toml),
locally and with Ray, and the time a kill at 50% costs.

* local: the process pool on this machine; target under 10 s, points per second printed;
* Ray: the same points as Ray tasks on a local instance; its start-up and its overhead per point
  against the local pool;
* resume: a sweep stopped at half its points (as a kill leaves it: every finished point stored),
  then resumed; the time lost is the resumed run's minus the half that was left.

MLACCEL_BENCH_QUICK=1 sweeps 200 of the points and skips Ray.

    python benchmarks/dse.py
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from mlaccel.dse.space import load_space
from mlaccel.dse.store import Store
from mlaccel.dse.sweep import run_sweep

QUICK = os.environ.get("MLACCEL_BENCH_QUICK") == "1"
SPACE = Path(__file__).resolve().parents[1] / "examples" / "dse" / "systolic-kws-resnet50.toml"
TARGET_S = 10.0


def timed_sweep(space, path: Path, **kw):
    db = Store(path)
    t0 = time.perf_counter()
    s = run_sweep(space, db, **kw)
    db.close()
    return s, time.perf_counter() - t0


def main() -> None:
    space = load_space(SPACE)
    if QUICK:
        space = dataclasses.replace(space, points=200)
    n = min(space.points, space.size)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        s, local = timed_sweep(space, t / "local.sqlite")
        print(f"local pool: {s.evaluated} points ({', '.join(space.models)}) in {local:.2f} s = "
              f"{s.evaluated / local:,.0f} points/s; {local:.2f} s / {TARGET_S:.0f} s = {local / TARGET_S:.2f}; "
              f"{s.feasible} meet {space.constraints}")
        if not QUICK:
            try:
                import ray  # noqa: F401

                t0 = time.perf_counter()
                s, with_ray = timed_sweep(space, t / "ray.sqlite", executor="ray")
                print(f"Ray (local instance): {s.evaluated} points in {with_ray:.2f} s including start-up; "
                      f"{(with_ray - local) / s.evaluated * 1e3:+.1f} ms per point against the local pool")
            except ImportError:
                print("Ray: not installed (pip install 'mlaccel[ray]')")
        class Stop(Exception):
            pass

        def stop_half(done, total, text):
            if done >= n // 2:
                raise Stop  # as a kill leaves it: every finished point is stored

        db = Store(t / "resume.sqlite")
        t0 = time.perf_counter()
        try:
            run_sweep(space, db, progress=stop_half)
        except Stop:
            pass
        first = time.perf_counter() - t0
        db.close()
        s, second = timed_sweep(space, t / "resume.sqlite", resume=True)
        lost = first + second - local
        print(f"resume after a stop at 50%: {s.skipped} points kept, {s.evaluated} run again in {second:.2f} s; "
              f"time lost {lost:+.2f} s ({lost / local:+.0%} of a straight run)")

if __name__ == "__main__":
    main()
