"""Every case of goldens.json reproduces TFLite-Micro bit for bit, and CFU Playground's check value."""

import numpy as np
import pytest

import mlaccel
from mlaccel.model.zoo import check_value, golden_cases, golden_input

from .conftest import MODELS

CASES = golden_cases(MODELS)


def test_all_sixty_cases_present():
    assert len(CASES) == 60


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_golden(case):
    model = mlaccel.load(MODELS / case.model)
    x = golden_input(case, model.inputs[0], MODELS)
    out = model.run(x).outputs[0]
    expected = np.array(case.tflm_output, dtype=out.dtype).reshape(out.shape)
    if out.dtype == np.float32:
        assert np.array_equal(out.view(np.uint32), expected.view(np.uint32))
    else:
        assert np.array_equal(out, expected)
    if case.expected is not None:  # one mnv2 case has no value in CFU Playground's tests
        assert check_value(case, out) == case.expected


def test_goldens_batched_in_one_call():
    """All twelve kws cases in one batched call equal their goldens."""
    cases = [c for c in CASES if "kws" in c.model]
    model = mlaccel.load(MODELS / cases[0].model)
    xs = np.stack([golden_input(c, model.inputs[0], MODELS) for c in cases])
    res = model.run(xs)
    assert res.batch == len(cases)
    for c, out in zip(cases, res.outputs[0]):
        assert out.tolist() == np.array(c.tflm_output).reshape(out.shape).tolist()
