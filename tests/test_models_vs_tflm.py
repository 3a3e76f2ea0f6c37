"""All 14 shipped models equal TFLite-Micro on random inputs, run as one batch on our side."""

import numpy as np
import pytest

import mlaccel
from mlaccel.verify.oracle import tflm_interpreter, tflm_run

from .conftest import ALL_MODELS, LARGE, model_path, random_inputs


def test_fourteen_models():
    assert len(ALL_MODELS) == 14


@pytest.mark.parametrize("path", ALL_MODELS, ids=[p.stem for p in ALL_MODELS])
def test_random_inputs_equal_tflm(path, rng):
    model = mlaccel.load(path)
    n = 2 if path.stem in LARGE else 8
    xs = random_inputs(model.inputs, rng, batch=n)
    ours = model.run(*xs).outputs
    interp = tflm_interpreter(path)
    for i in range(n):
        theirs = tflm_run(path, *[x[i] for x in xs], n_outputs=len(model.outputs), interpreter=interp)
        for a, b in zip(ours, theirs):
            assert np.array_equal(a[i].view(np.uint8) if a.dtype == np.float32 else a[i],
                                  b.reshape(a[i].shape).view(np.uint8) if a.dtype == np.float32
                                  else b.reshape(a[i].shape)), f"{path.stem} sample {i}"


@pytest.mark.parametrize("alias", ["ad", "hello_world", "micro_speech", "magic_wand", "kws"])
def test_many_samples_equal_tflm(alias, rng):
    """256 samples: rare rounding-boundary cases (1 LSB in ~1% of ad01 outputs) must show up."""
    path = model_path(alias)
    model = mlaccel.load(path)
    xs = random_inputs(model.inputs, rng, batch=256)
    ours = model.run(*xs).outputs[0]
    interp = tflm_interpreter(path)
    for i in range(256):
        theirs = tflm_run(path, *[x[i] for x in xs], interpreter=interp)[0].reshape(ours[i].shape)
        assert np.array_equal(ours[i].view(np.uint8), theirs.view(np.uint8)), f"{alias} sample {i}"
