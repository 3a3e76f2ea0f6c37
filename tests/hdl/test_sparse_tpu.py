"""The 2:4 sparse TPU RTL against the cycle-stepped sparse PE model: C and cycles, identical."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.hdl.export import synthesize, to_verilog
from mlaccel.hdl.sparse_tpu import SPARSE_TPU_PORTS, SparseTPU, dense_twin_cells, pack_b_2_4, sparse_tpu_reference
from mlaccel.hdl.tpu import tpu_reference
from mlaccel.hdl.tpu_bench import simulate_sparse_tpu
from mlaccel.hw.systolic.sparse import nm_prune


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(1, 13), st.integers(1, 30), st.integers(1, 13))
def test_rtl_equals_sparse_pe_model(seed, m, k, n):
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, (m, k))
    b = nm_prune(rng.integers(-128, 128, (k, n)), 2, 4)
    c, cycles = simulate_sparse_tpu(a, b)
    want, want_cycles = sparse_tpu_reference(a, b)
    assert np.array_equal(c, want) and cycles == want_cycles
    assert np.array_equal(c, ((a @ b) & 0xFFFFFFFF).astype(np.uint32))


def test_half_the_streaming_steps_of_the_dense_tpu():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-128, 128, (8, 64)), nm_prune(rng.integers(-128, 128, (64, 8)), 2, 4)
    _, sparse = sparse_tpu_reference(a, b)
    _, dense = tpu_reference(a, b)
    assert dense - sparse == 4 * 32  # four tiles, each streaming K/2 = 32 fewer steps


def test_dense_weights_are_refused_with_the_group_named():
    with pytest.raises(ValueError, match="group 0 of column 0 has 3 non-zeros"):
        pack_b_2_4(np.array([[1], [2], [3], [0]]))


def test_export_ports_and_cells_against_the_dense_tpu(tmp_path):
    tpu = SparseTPU()
    v = to_verilog(tpu, "SparseTPU", tpu.ports, clk="clk", rst="rst_n", active_low=True, async_reset=True)
    header = v[v.index("module SparseTPU("):v.index(");")]
    assert sorted(p.strip() for p in header[len("module SparseTPU("):].split(",")) == \
        sorted(["clk", "rst_n"] + SPARSE_TPU_PORTS)
    for decl in ("input [127:0] A_data_out;", "input [39:0] B_data_out;", "output [127:0] C_data_in;"):
        assert decl in v
    (tmp_path / "SparseTPU.v").write_text(v)
    sparse, dense = synthesize(tmp_path / "SparseTPU.v", "SparseTPU"), dense_twin_cells()
    # Same 16 multipliers, plus 4:1 operand muxes and 32-bit A registers: more cells, not twice as many.
    assert dense["cells"] < sparse["cells"] < 1.5 * dense["cells"]
    assert sparse["dffs"] > dense["dffs"]


@pytest.mark.parametrize("args, match", [
    (["--sparse", "3:4"], "the sparse TPU is 2:4"),
    (["--sparse", "2:4", "--unsigned"], "leave out --unsigned"),
    (["--sparse", "2:4", "--rows", "8"], "leave out --unsigned, --rows and --cols"),
])
def test_export_refuses_impossible_sparse_options(tmp_path, args, match):
    r = CliRunner().invoke(app, ["rtl", "export", "tpu", "-o", str(tmp_path), "--no-synth", *args])
    assert r.exit_code == 1 and match in " ".join(r.output.split())
    assert not any(tmp_path.iterdir())


def test_sparse_is_refused_by_other_designs(tmp_path):
    r = CliRunner().invoke(app, ["rtl", "export", "simd4", "-o", str(tmp_path), "--no-synth", "--sparse", "2:4"])
    assert r.exit_code == 1 and "does not take --sparse" in r.output
