"""Design sweeps: 1,000 systolic designs on ResNet-50 and kws (examples/dse/systolic-kws-resnet50.toml),
locally and with Ray, the time a kill at 50% costs, and a 200-point multi-objective search over
compression x systolic on the digits CNN (examples/dse/compress-systolic-digits.toml).

* local: the process pool on this machine; target under 10 s, points per second printed;
* Ray: the same points as Ray tasks on a local instance; its start-up and its overhead per point
  against the local pool;
* resume: a sweep stopped at half its points (as a kill leaves it: every finished point stored),
  then resumed; the time lost is the resumed run's minus the half that was left.

* compression x systolic: NSGA-II (Optuna) over pruning, weight width and array, scored by accuracy
  on digits:test, energy and area; the CNN is trained here first (needs torch, the [train] extra).

MLACCEL_BENCH_QUICK=1 sweeps 200 of the points, skips Ray and searches 40 points.

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
from verdict import Verdict  # this folder's helper; the script's folder is on sys.path

QUICK = os.environ.get("MLACCEL_BENCH_QUICK") == "1"
SPACE = Path(__file__).resolve().parents[1] / "examples" / "dse" / "systolic-kws-resnet50.toml"
TARGET_S = 10.0
VERDICT = Verdict()


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
        VERDICT.target(f"{s.evaluated} points on the local pool in under {TARGET_S:.0f} s", local < TARGET_S,
                       f"{local:.2f} s")
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


def compress_search(tmp: Path) -> None:
    """The compression x systolic search: its time, its front, and what it found against 8-bit dense."""
    try:
        import torch  # noqa: F401
    except ImportError:
        print("compression x systolic: needs torch (pip install 'mlaccel[train]')")
        return
    import shutil

    import numpy as np

    from mlaccel.compress.recipes import torch_to_onnx, train_recipe
    from mlaccel.dse.pareto import front_of

    example = SPACE.with_name("compress-systolic-digits.toml")
    t0 = time.perf_counter()
    model = train_recipe("digits-cnn", epochs=10)
    (tmp / "digits-cnn.onnx").write_bytes(torch_to_onnx(model, torch.zeros(1, 1, 8, 8)))
    train_s = time.perf_counter() - t0
    shutil.copy(example, tmp / example.name)
    space = load_space(tmp / example.name)
    if QUICK:
        space = dataclasses.replace(space, points=40)
    s, took = timed_sweep(space, tmp / "compress.sqlite")
    pts = Store(tmp / "compress.sqlite").points(s.sweep)
    objectives = space.minimize + space.maximize
    ok = [p for p in pts if p.feasible]
    front = [p for p, f in zip(ok, front_of(ok, objectives, space.maximize)) if f]
    dense = [p for p in pts if p.config["compress.sparsity"] == 0 and p.config["compress.weight_bits"] == 8]
    print(f"compression x systolic (digits CNN, trained in {train_s:.1f} s): {s.evaluated} points by "
          f"{space.method} in {took:.1f} s ({s.evaluated / took:.1f} points/s); {len(ok)} meet "
          f"{space.constraints}; {len(front)} on the accuracy-energy-area front")
    if ok:
        low = min(ok, key=lambda p: p.metrics["energy_pj"])
        print(f"  lowest energy at accuracy >= {space.constraints['accuracy'][1]:.2f}: "
              f"{low.metrics['energy_pj'] / 1e6:.3f} uJ, {100 * low.metrics['accuracy']:.1f}%, "
              f"{low.metrics['area_mm2']:.3f} mm^2: {low.config}")
    if dense and ok:
        same = [p for p in dense if all(p.config[k] == low.config[k] for k in low.config if "." not in k)]
        ref = same[0] if same else min(dense, key=lambda p: p.metrics["energy_pj"])
        where = "the same array" if same else "its best array"
        ratio = low.metrics["energy_pj"] / ref.metrics["energy_pj"]
        print(f"  8-bit dense on {where}: {ref.metrics['energy_pj'] / 1e6:.3f} uJ, "
              f"{100 * ref.metrics['accuracy']:.1f}%; energy ratio {ratio:.2f}")
    accs = np.array([p.metrics["accuracy"] for p in pts])
    print(f"  accuracy over the search: {100 * accs.min():.1f}% to {100 * accs.max():.1f}%")


if __name__ == "__main__":
    main()
    with tempfile.TemporaryDirectory() as tmp:
        compress_search(Path(tmp))
    VERDICT.finish()
