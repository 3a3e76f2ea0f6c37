"""The Lab 3 TPU RTL against the cycle-stepped PE model: C contents and cycle counts, identical."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlaccel.errors import MlaccelError
from mlaccel.hdl.export import synthesize, to_verilog
from mlaccel.hdl.tpu import TPU, TPU_PORTS, tpu_reference
from mlaccel.hdl.tpu_bench import simulate_tpu


def operands(rng, m, k, n, is_signed):
    lo, hi = (-128, 128) if is_signed else (0, 256)
    return rng.integers(lo, hi, (m, k)), rng.integers(lo, hi, (k, n))


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.integers(1, 21), st.integers(1, 20), st.integers(1, 21), st.booleans(),
       st.sampled_from([(4, 4), (4, 4), (8, 4), (4, 8), (8, 8), (12, 4)]))
def test_rtl_equals_cycle_stepped_model(seed, m, k, n, is_signed, size):
    rows, cols = size
    a, b = operands(np.random.default_rng(seed), m, k, n, is_signed)
    c, cycles = simulate_tpu(a, b, is_signed, rows=rows, cols=cols)
    want, want_cycles = tpu_reference(a, b, is_signed, rows=rows, cols=cols)
    assert np.array_equal(c, want)
    assert cycles == want_cycles
    exact = (a.astype(np.int64) @ b.astype(np.int64)) & 0xFFFFFFFF
    assert np.array_equal(c, exact.astype(np.uint32))


def test_extreme_values_wrap_like_hardware():
    a = np.full((4, 20), -128)
    b = np.full((20, 4), -128)
    c, _ = simulate_tpu(a, b)
    assert int(c[0, 0]) == 20 * 16384
    ua, ub = np.full((4, 255), 255), np.full((255, 4), 255)
    c, _ = simulate_tpu(ua, ub, is_signed=False)
    assert int(c[3, 3]) == (255 * 255 * 255) & 0xFFFFFFFF


def test_sizes_must_be_multiples_of_four():
    with pytest.raises(MlaccelError, match="multiples of 4"):
        TPU(rows=6)


@pytest.mark.parametrize("is_signed,rows,cols", [(True, 4, 4), (False, 4, 4), (True, 8, 8)])
def test_exports_with_the_course_ports_and_synthesizes(tmp_path, is_signed, rows, cols):
    tpu = TPU(is_signed, rows, cols)
    v = to_verilog(tpu, "TPU", tpu.ports, clk="clk", rst="rst_n", active_low=True, async_reset=True)
    header = v[v.index("module TPU("):v.index(");")]
    assert sorted(p.strip() for p in header[len("module TPU("):].split(",")) == sorted(["clk", "rst_n"] + TPU_PORTS)
    for decl in ("input [7:0] K;", "output [15:0] A_index;", "output [127:0] C_data_in;",
                 "input [127:0] C_data_out;", "input [31:0] B_data_out;", "output busy;"):
        assert decl in v
    (tmp_path / "tpu.v").write_text(v)
    stats = synthesize(tmp_path / "tpu.v", "TPU")
    assert stats["dffs"] > rows * cols * 32  # at least the accumulators
