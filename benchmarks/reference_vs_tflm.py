"""Reference backend vs TFLite-Micro: single-inference latency and batch-256 throughput.

Both run the same inputs in the same process; every mlaccel output is checked bit for bit against
TFLite-Micro's. Targets (issue #2): batched throughput >= 10x TFLM on kws, vww and ic; single
latency no worse than TFLM.

    python benchmarks/reference_vs_tflm.py [--batch 256] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import mlaccel
from mlaccel.oracle import tflm_interpreter, tflm_run
from mlaccel.samples import MODEL_ALIASES, models_dir

MODELS = ["kws", "vww", "ic", "ad"]
THROUGHPUT_TARGET = {"kws": 10.0, "vww": 10.0, "ic": 10.0}


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(alias: str, batch: int, repeats: int) -> dict:
    path = models_dir() / MODEL_ALIASES[alias]
    model = mlaccel.load(path)
    t = model.inputs[0]
    xs = np.random.default_rng(0).integers(-128, 128, (batch,) + t.shape).astype(np.int8)
    interp = tflm_interpreter(path)

    # Correctness first: every sample, bit for bit.
    ours = model.run(xs).outputs[0]
    theirs = np.stack([tflm_run(path, x, interpreter=interp)[0].reshape(ours.shape[1:]) for x in xs])
    exact = bool(np.array_equal(ours, theirs))

    n_single = 50
    tflm_single = median_time(lambda: [tflm_run(path, xs[i], interpreter=interp) for i in range(n_single)],
                              repeats) / n_single
    ours_single = median_time(lambda: [model.run(xs[i]) for i in range(n_single)], repeats) / n_single
    tflm_batch = median_time(lambda: [tflm_run(path, x, interpreter=interp) for x in xs], 1) / batch
    ours_batch = median_time(lambda: model.run(xs), repeats) / batch
    return dict(model=alias, exact=exact, tflm_single=tflm_single, ours_single=ours_single,
                tflm_batch=tflm_batch, ours_batch=ours_batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"{'model':6} {'bit-exact':>9} | {'TFLM ms':>8} {'ours ms':>8} {'latency x':>9} | "
          f"{'TFLM inf/s':>10} {'ours inf/s':>10} {'thruput x':>9} {'target':>7}")
    ok = True
    for alias in MODELS:
        r = bench(alias, args.batch, args.repeats)
        lat = r["tflm_single"] / r["ours_single"]
        thr = r["tflm_batch"] / r["ours_batch"]
        target = THROUGHPUT_TARGET.get(alias)
        met = (target is None or thr >= target) and lat >= 1.0 and r["exact"]
        ok &= met
        print(f"{alias:6} {str(r['exact']):>9} | {r['tflm_single'] * 1e3:8.3f} {r['ours_single'] * 1e3:8.3f} "
              f"{lat:8.2f}x | {1 / r['tflm_batch']:10.0f} {1 / r['ours_batch']:10.0f} {thr:8.1f}x "
              f"{(f'>={target:.0f}x' if target else '-'):>7} {'ok' if met else 'MISSED'}")
    print("all targets met" if ok else "some targets missed")


if __name__ == "__main__":
    main()
