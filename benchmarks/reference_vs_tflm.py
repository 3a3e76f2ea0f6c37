"""Reference backend vs TFLite-Micro: single-inference latency and batched throughput, quiet and busy.

Both run the same inputs in the same process, and every mlaccel output is checked bit for bit
against TFLite-Micro's first. Each figure is a ratio measured in interleaved rounds (TFLM, then
ours, then TFLM...) and the median of the rounds' ratios is reported, so a machine that speeds up
or slows down between rounds moves both sides alike.

"Busy" repeats everything with another process spinning on one core (a 2-core machine then has
one core left): a default that collapses under contention is a bug. Targets (issue 8): batched
throughput >= 10x TFLM on kws, vww and ic on a quiet machine; single-inference latency at least
TFLM's on every model, ad included, quiet and busy.

    python benchmarks/reference_vs_tflm.py [--batch 256] [--rounds 5] [--quiet-only]

``MLACCEL_BENCH_QUICK=1`` runs a batch of 32 and 2 rounds (the docs test uses it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

import numpy as np

import mlaccel
from mlaccel.verify.check import bit_equal
from mlaccel.verify.oracle import tflm_interpreter, tflm_run
from mlaccel.model.zoo import MODEL_ALIASES, models_dir
from verdict import QUICK, Verdict  # this folder's helper; the script's folder is on sys.path

MODELS = ["kws", "vww", "ic", "ad"]
THROUGHPUT_TARGET = {"kws": 10.0, "vww": 10.0, "ic": 10.0}


@contextmanager
def busy_core():
    """Another process spinning on one core for as long as the block runs."""
    p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        yield
    finally:
        p.kill()
        p.wait()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(alias: str, batch: int, rounds: int) -> dict:
    path = models_dir() / MODEL_ALIASES[alias]
    model = mlaccel.load(path)
    t = model.inputs[0]
    xs = np.random.default_rng(0).integers(-128, 128, (batch,) + t.shape).astype(np.int8)
    interp = tflm_interpreter(path)

    ours = model.run(xs).outputs[0]  # correctness first: every sample, bit for bit
    exact = all(bit_equal(o, tflm_run(path, x, interpreter=interp)[0]) for o, x in zip(ours, xs))

    n_single = 20 if QUICK else 100
    single_tflm = lambda: [tflm_run(path, xs[i], interpreter=interp) for i in range(n_single)]  # noqa: E731
    single_ours = lambda: [model.run(xs[i]) for i in range(n_single)]  # noqa: E731
    batch_tflm = lambda: [tflm_run(path, x, interpreter=interp) for x in xs]  # noqa: E731
    batch_ours = lambda: model.run(xs)  # noqa: E731
    single_ours()
    lat, thr, times = [], [], {"ts": [], "os": [], "tb": [], "ob": []}
    for _ in range(rounds):
        ts, os_ = timed(single_tflm), timed(single_ours)
        tb, ob = timed(batch_tflm), timed(batch_ours)
        lat.append(ts / os_)
        thr.append(tb / ob)
        for k, v in zip(times, (ts / n_single, os_ / n_single, tb / batch, ob / batch)):
            times[k].append(v)
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(model=alias, exact=exact, latency=statistics.median(lat), latency_min=min(lat),
                throughput=statistics.median(thr), **med)


def table(title: str, batch: int, rounds: int, verdict: Verdict, quiet: bool) -> None:
    print(f"\n{title} (batch {batch}, median of {rounds} interleaved rounds)")
    print(f"{'model':6} {'exact':>5} | {'TFLM ms':>8} {'ours ms':>8} {'latency':>8} {'worst':>6} | "
          f"{'TFLM inf/s':>10} {'ours inf/s':>10} {'thruput':>8} {'target':>7}")
    rows = [bench(alias, batch, rounds) for alias in MODELS]
    for r in rows:
        target = THROUGHPUT_TARGET.get(r["model"])
        print(f"{r['model']:6} {str(r['exact']):>5} | {r['ts'] * 1e3:8.3f} {r['os'] * 1e3:8.3f} "
              f"{r['latency']:7.2f}x {r['latency_min']:5.2f}x | {1 / r['tb']:10.0f} {1 / r['ob']:10.0f} "
              f"{r['throughput']:7.1f}x {(f'>={target:.0f}x' if target else '-'):>7}")
    where = "quiet" if quiet else "busy"
    for r in rows:
        verdict.target(f"{r['model']} bit-exact with TFLite-Micro ({where})", r["exact"], f"{batch} samples")
        # One inference takes tens of microseconds: a quick run's 20 repeats are too few to judge it.
        verdict.target(f"{r['model']} latency >= TFLite-Micro's ({where})", r["latency"] >= 1.0,
                       f"{r['latency']:.2f}x", quick=False)
        target = THROUGHPUT_TARGET.get(r["model"])
        if target is not None and quiet:
            verdict.target(f"{r['model']} batched throughput >= {target:.0f}x TFLite-Micro", r["throughput"] >= target,
                           f"{r['throughput']:.1f}x", quick=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32 if QUICK else 256)
    ap.add_argument("--rounds", type=int, default=2 if QUICK else 5)
    ap.add_argument("--quiet-only", action="store_true", help="skip the run beside a busy process")
    args = ap.parse_args()
    print(f"mlaccel {mlaccel.__version__}, {os.cpu_count()} CPUs, {args.batch}-sample batches, "
          f"threads: {mlaccel.runtime.available_cpus()}")
    verdict = Verdict()
    table("quiet machine", args.batch, args.rounds, verdict, quiet=True)
    if not args.quiet_only:
        with busy_core():
            table("another process busy on one core", args.batch, args.rounds, verdict, quiet=False)
    verdict.finish()


if __name__ == "__main__":
    main()
