"""Lab 5: the systolic array inside a CFU, in RTL, against its Python twin; double buffering saves."""

import importlib.util

import numpy as np
import pytest

from mlaccel.hdl.cfu_bench import run_ops
from mlaccel.hdl.export import synthesize, to_verilog
from mlaccel.hdl.tpu_cfu import CONFIG, EXECUTE, READ_C, WRITE_A, WRITE_B, TpuCfu
from mlaccel.hw.soc.config import EXAMPLES_DIR


def python_twin():
    spec = importlib.util.spec_from_file_location("systolic_cfu_rtl_test", EXAMPLES_DIR / "systolic" / "cfu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_cfu()


def pack(values) -> int:
    return int(sum((int(v) & 0xFF) << (8 * i) for i, v in enumerate(values)))


def tile_ops(rng, tiles, k, offset, double_buffered):
    """A conv-like sequence: per tile, write A and B, EXECUTE, read C (double-buffered: the next
    tile's writes go between EXECUTE and the reads). Returns the ops and the expected C values."""
    mats = [(rng.integers(-128, 128, (4, k)), rng.integers(-128, 128, (k, 4))) for _ in range(tiles)]

    def writes(a, b):
        return [(WRITE_A, 0, pack(a[:, j]), j) for j in range(k)] + [(WRITE_B, 0, pack(b[j]), j) for j in range(k)]

    ops = [(CONFIG, 0, k, offset & 0xFFFFFFFF)]
    reads = [(READ_C, 0, i, 0) for i in range(16)]
    if double_buffered:
        ops += writes(*mats[0])
        for t in range(tiles):
            ops += [(EXECUTE, 0, 0, 0)] + (writes(*mats[t + 1]) if t + 1 < tiles else []) + reads
    else:
        for a, b in mats:
            ops += writes(a, b) + [(EXECUTE, 0, 0, 0)] + reads
    expected = [int(v) & 0xFFFFFFFF for a, b in mats for v in ((a + offset) @ b).reshape(-1)]
    return ops, expected


@pytest.mark.parametrize("k,offset", [(1, 0), (7, -5), (33, 128), (5, -127)])
def test_single_buffered_rtl_equals_python_twin(k, offset):
    ops, expected = tile_ops(np.random.default_rng(k), 3, k, offset, False)
    rtl = run_ops(TpuCfu(64), ops)
    twin = python_twin()
    want = [tuple(int(v) for v in twin.op(*op)) for op in ops]
    assert rtl.results == [w[0] for w in want]
    assert rtl.latencies == [w[1] for w in want]  # EXECUTE: K + R + C + 1 in both
    assert [r for r, op in zip(rtl.results, ops) if op[0] == READ_C] == expected


@pytest.mark.parametrize("gap", [0, 3])
def test_double_buffering_overlaps_loads_with_compute(gap):
    k, tiles = 32, 5
    rng = np.random.default_rng(9)
    single_ops, expected = tile_ops(rng, tiles, k, -3, False)
    rng = np.random.default_rng(9)
    double_ops, expected2 = tile_ops(rng, tiles, k, -3, True)
    assert expected == expected2
    single = run_ops(TpuCfu(64), single_ops, gap)
    double = run_ops(TpuCfu(64, double_buffered=True), double_ops, gap)
    assert [r for r, op in zip(double.results, double_ops) if op[0] == READ_C] == expected
    saved = single.cycles - double.cycles
    print(f"gap {gap}: single-buffered {single.cycles} cycles, double-buffered {double.cycles}, saved {saved}")
    # The array's run (K + 8 cycles after the decode) is hidden behind the next tile's loads for
    # every tile but the last, whose results the CPU must wait for in both variants.
    assert (tiles - 1) * (k + 8) <= saved <= tiles * (k + 9)


@pytest.mark.parametrize("double_buffered", [False, True])
def test_tpu_cfu_exports_and_synthesizes(tmp_path, double_buffered):
    d = TpuCfu(16, double_buffered)
    (tmp_path / "cfu.v").write_text(to_verilog(d, "Cfu", d.ports))
    stats = synthesize(tmp_path / "cfu.v", "Cfu")
    assert stats["dffs"] >= 16 * 32
