"""SoC simulator speed: simulated instructions and cycles per second, and a full kws inference.

Anchors: a Verilator simulation of CFU Playground's whole SoC runs at well under 1 MHz of simulated
clock; Renode is faster but functional only (no cycle counts). Target: >= 20 M instructions/s.

    python benchmarks/soc_speed.py
"""

from __future__ import annotations

import time

import numpy as np

import mlaccel
from mlaccel.model.zoo import golden_cases, golden_input, models_dir
from verdict import Verdict  # this folder's helper; the script's folder is on sys.path

VERILATOR_HZ = 1e6  # upper bound quoted for a Verilator run of the full CFU Playground SoC


def main() -> None:
    verdict = Verdict()
    root = models_dir()
    name = "mlperf_tiny/kws_ref_model.tflite"
    model = mlaccel.load(root / name)
    case = next(c for c in golden_cases(root) if c.model == name)
    x = golden_input(case, model.inputs[0], root)
    print(f"{'target':14} {'wall s':>7} {'sim cycles':>12} {'instructions':>13} {'MIPS':>7} {'M cycles/s':>10} "
          f"{'vs Verilator':>12} {'golden':>7}")
    for target in ("soc:baseline", "soc:simd4", "soc:systolic"):
        model.run(x, target=target)  # build firmware, compile the loop, warm caches
        t0 = time.perf_counter()
        res = model.run(x, target=target)
        dt = time.perf_counter() - t0
        instr = sum(s.extra["instructions"] for s in res.ops)
        cycles = res.total.cycles
        ok = res.outputs[0].reshape(-1).tolist() == case.tflm_output
        print(f"{target:14} {dt:7.2f} {cycles:>12,} {instr:>13,} {instr / dt / 1e6:7.1f} {cycles / dt / 1e6:10.1f} "
              f"{cycles / dt / VERILATOR_HZ:11.0f}x {str(ok):>7}")
        verdict.target(f"{target} golden bit-exact", ok, str(ok))
        verdict.target(f"{target} >= 20 M instructions/s", instr / dt >= 20e6, f"{instr / dt / 1e6:.1f} MIPS")
    verdict.finish()


if __name__ == "__main__":
    np.set_printoptions(linewidth=120)
    main()
