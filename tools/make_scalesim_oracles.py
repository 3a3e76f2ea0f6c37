"""Make SCALE-Sim 3.0.0 oracle reports for the compatibility tests.

SCALE-Sim needs numpy<2 and so lives in its own virtual environment:

    python -m venv /tmp/venv-scalesim
    /tmp/venv-scalesim/bin/pip install scalesim==3.0.0 'numpy<2'
    python tools/make_scalesim_oracles.py --scalesim-python /tmp/venv-scalesim/bin/python

For each case it writes, under tests/hw/systolic/scalesim3/<case>/, the config, the topology (random
layers from a fixed seed, conv and GEMM forms, depthwise rows included) and SCALE-Sim's
COMPUTE_REPORT.csv. Only these generated files are kept; no SCALE-Sim code is.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from mlaccel.hw.systolic import SystolicConfig
from mlaccel.hw.systolic.scalesim import run_scalesim, scalesim_config_text

OUT = Path(__file__).resolve().parents[1] / "tests" / "hw" / "systolic" / "scalesim3"

def conv_topology(rng: random.Random, n: int) -> str:
    lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    for i in range(n):
        f = rng.randint(1, 5)
        h, w = rng.randint(f, 24), rng.randint(f, 24)
        name = f"DP{i}" if i == n - 1 else f"Conv{i}"
        ch = rng.randint(1, 6) if name.startswith("DP") else rng.randint(1, 40)
        lines.append(f"{name}, {h}, {w}, {f}, {rng.randint(1, f)}, {ch}, {rng.randint(1, 70)}, {rng.randint(1, 3)},")
    return "\n".join(lines) + "\n"


def gemm_topology(rng: random.Random, n: int) -> str:
    lines = ["Layer, M, N, K,"]
    lines += [f"G{i}, {rng.randint(1, 90)}, {rng.randint(1, 90)}, {rng.randint(1, 150)}," for i in range(n)]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalesim-python", required=True)
    args = ap.parse_args()
    rng = random.Random(2026)
    cases = []
    for rows, cols in ((8, 8), (4, 16), (16, 4), (5, 7)):
        for df in ("ws", "os", "is"):
            cases.append((f"conv_{df}_{rows}x{cols}", rows, cols, df, "conv", conv_topology(rng, 7)))
            cases.append((f"gemm_{df}_{rows}x{cols}", rows, cols, df, "gemm", gemm_topology(rng, 5)))
    for name, rows, cols, df, kind, topo in cases:
        d = OUT / name
        d.mkdir(parents=True, exist_ok=True)
        cfg = SystolicConfig(rows, cols, df, 64, 64, 64, dram_bw=10)
        (d / "config.cfg").write_text(scalesim_config_text(cfg, name))
        (d / "topology.csv").write_text(topo)
        report, _ = run_scalesim(args.scalesim_python, d / "config.cfg", d / "topology.csv", gemm=kind == "gemm")
        (d / "COMPUTE_REPORT.csv").write_text(report)
        print(name)


if __name__ == "__main__":
    main()
