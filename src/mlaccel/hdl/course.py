"""The course's Lab 3 grading flow on the exported TPU Verilog, under Verilator.

Cases as the lab grades them: 2x2 and 4x4 matrices, 4xK times Kx4, and random M, K, N in [4, 255],
each checked against A @ B and against the cycle count of the cycle-stepped model.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MlaccelError
from .export import to_verilog
from .tpu import TPU, pack_a, pack_b, tpu_reference
from .verilator import TESTBENCH_DIR, build

__all__ = ["CaseResult", "lab3_cases", "run_cases"]


@dataclass(frozen=True)
class CaseResult:
    m: int
    k: int
    n: int
    cycles: int
    expected_cycles: int
    correct: bool


def lab3_cases(rng: np.random.Generator, n_random: int = 10) -> list[tuple[int, int, int]]:
    """(M, K, N) shapes in the lab's categories, plus ``n_random`` random ones.

    Raises
    ------
    MlaccelError
        ``n_random`` is negative.
    """
    if n_random < 0:
        raise MlaccelError(f"The number of random cases must be 0 or more, got {n_random}")
    shapes = [(2, 2, 2), (4, 4, 4)] + [(4, k, 4) for k in (1, 8, 32, 255)] + [(200, 200, 200)]
    shapes += [tuple(int(v) for v in rng.integers(4, 256, 3)) for _ in range(n_random)]
    return shapes


def run_cases(shapes, is_signed: bool = True, seed: int = 0, rows: int = 4, cols: int = 4) -> list[CaseResult]:
    """Run the shapes with random operands through the Verilated TPU of the given size."""
    rng = np.random.default_rng(seed)
    tpu = TPU(is_signed, rows, cols)
    verilog = to_verilog(tpu, "TPU", tpu.ports, clk="clk", rst="rst_n", active_low=True, async_reset=True)
    exe = build(verilog, "TPU", TESTBENCH_DIR / "tpu_tb.cpp")
    lo, hi = (-128, 128) if is_signed else (0, 256)
    mats = [(rng.integers(lo, hi, (m, k)), rng.integers(lo, hi, (k, n))) for m, k, n in shapes]
    with tempfile.TemporaryDirectory() as tmp:
        cases, results = Path(tmp) / "cases.txt", Path(tmp) / "results.txt"
        with open(cases, "w") as f:
            for a, b in mats:
                wa, wb = pack_a(a), pack_b(b)
                f.write(f"{a.shape[0]} {a.shape[1]} {b.shape[1]} {len(wa)} {len(wb)}\n")
                f.write(" ".join(f"{w:x}" for w in wa) + "\n" + " ".join(f"{w:x}" for w in wb) + "\n")
        r = subprocess.run([str(exe), str(cases), str(results)], capture_output=True, text=True)
        if r.returncode != 0:
            raise MlaccelError(f"The TPU testbench failed: {r.stderr.strip()[-1500:]}")
        tokens = results.read_text().split()
    out, pos = [], 0
    for (a, b) in mats:
        m, n = a.shape[0], b.shape[1]
        cycles, nc = int(tokens[pos]), int(tokens[pos + 1])
        pos += 2
        words = np.array([int(x, 16) for x in tokens[pos:pos + 4 * nc]], np.uint64).reshape(nc, 4)
        pos += 4 * nc
        c = np.zeros((m, n), np.uint32)
        for n0 in range(0, n, 4):
            for mm in range(m):
                lanes = words[(n0 // 4) * m + mm]
                for j in range(min(4, n - n0)):
                    c[mm, n0 + j] = lanes[j]
        small = a.shape[0] * a.shape[1] * n <= 50_000  # step small cases through the PE model
        want, want_cycles = tpu_reference(a, b, is_signed, stepped=small, rows=rows, cols=cols)
        out.append(CaseResult(m, a.shape[1], n, cycles, want_cycles, bool(np.array_equal(c, want))))
    return out
