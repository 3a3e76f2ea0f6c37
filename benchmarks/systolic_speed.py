"""Systolic model speed: full ResNet-50 in closed form, against SCALE-Sim 3.0.0 in the same run.

1. The closed-form model on all 54 ResNet-50 layers for WS, OS and IS on a 32x32 array (SCALE-Sim
   cycles, plus the native model's traffic, stalls and energy). Target: well under 1 s in total.
2. SCALE-Sim 3.0.0 on a few of the same layers, when it is installed (its own venv; see
   tools/make_scalesim_oracles.py), timed in a subprocess; the cycles must agree and the speed
   ratio is printed.
3. The cycle-stepped PE model's speed in simulated PE-cycles per second.

    python benchmarks/systolic_speed.py [--scalesim-python /tmp/venv-scalesim/bin/python]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from mlaccel.hw.systolic import SystolicConfig, map_gemm, simulate_gemm
from mlaccel.hw.systolic.memory import gemm_traffic, stall_cycles
from mlaccel.hw.systolic.scalesim import compute_report, run_scalesim, scalesim_config_text
from mlaccel.hw.systolic.topologies import resnet50, topology_csv
from verdict import Verdict  # this folder's helper; the script's folder is on sys.path

SAMPLE = ["conv5_3_a", "conv5_3_b", "conv5_3_c"]  # a few ResNet-50 layers SCALE-Sim finishes quickly


def closed_form(layers, df: str) -> tuple[list, float]:
    cfg = SystolicConfig(32, 32, df, 64, 64, 64, dram_bw=10, name="scalesim-32x32")
    t0 = time.perf_counter()
    rows = compute_report(layers, cfg)
    for layer in layers:  # the native model's traffic and stalls as well
        mp = map_gemm(*layer.gemm, cfg.rows, cfg.cols, df)
        tr = gemm_traffic(mp, cfg)
        stall_cycles(mp.compute_cycles, mp.folds, tr.dram_bytes, cfg)
    return rows, time.perf_counter() - t0


def scalesim_on(python: str, layers, df: str) -> tuple[list[int], float]:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        cfg = SystolicConfig(32, 32, df, 64, 64, 64, dram_bw=10)
        (t / "c.cfg").write_text(scalesim_config_text(cfg, "bench"))
        (t / "topo.csv").write_text(topology_csv(layers))
        report, seconds = run_scalesim(python, t / "c.cfg", t / "topo.csv")
        return [int(row[2]) for row in csv.reader(report.splitlines()[1:])], seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SCALESIM_PYTHON", "/tmp/venv-scalesim/bin/python")
    ap.add_argument("--scalesim-python", default=default)
    args = ap.parse_args()
    layers = resnet50()

    total = 0.0
    print(f"ResNet-50 ({len(layers)} layers), 32x32 array")
    for df in ("ws", "os", "is"):
        rows, dt = closed_form(layers, df)
        total += dt
        print(f"  {df}: {sum(r[2] for r in rows):>13,} cycles (SCALE-Sim mode)  in {dt * 1e3:7.2f} ms")
    verdict = Verdict()
    verdict.target("the closed form of ResNet-50 in all three dataflows in under 1000 ms", total < 1.0,
                   f"{total * 1e3:.2f} ms")

    sample = [l for l in layers if l.name in SAMPLE]
    if Path(args.scalesim_python).exists():
        for df in ("ws", "os", "is"):
            theirs, their_s = scalesim_on(args.scalesim_python, sample, df)
            rows, ours_s = closed_form(sample, df)
            same = theirs == [r[2] for r in rows]
            print(f"  SCALE-Sim 3.0.0 {df} on {', '.join(SAMPLE)}: {their_s:.2f} s; ours {ours_s * 1e6:.0f} us; "
                  f"cycles equal: {same}; speed ratio {their_s / ours_s:,.0f}x")
            verdict.target(f"{df} cycles equal SCALE-Sim's", same, str(same))
    else:
        print(f"  SCALE-Sim not found at {args.scalesim_python}; see tools/make_scalesim_oracles.py")

    rng = np.random.default_rng(0)
    a, b = rng.integers(-128, 128, (196, 288)), rng.integers(-128, 128, (288, 64))
    for df in ("ws", "os", "is"):
        t0 = time.perf_counter()
        run = simulate_gemm(a, b, 8, 8, df)
        dt = time.perf_counter() - t0
        assert np.array_equal(run.out, a @ b)
        print(f"  cycle-stepped 8x8 {df}: {run.cycles:,} cycles, {run.pe_cycles / dt / 1e6:.1f} M PE-cycles/s")
    verdict.finish()


if __name__ == "__main__":
    main()
