"""Shared fixtures: the shipped models in ../shared/models and the TFLite-Micro oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

# Wall-clock deadlines fail on noisy machines and on the first call that loads compiled loops.
settings.register_profile("mlaccel", deadline=None)
settings.load_profile("mlaccel")

from mlaccel.model.zoo import MODEL_ALIASES, models_dir

MODELS = models_dir()  # fails loudly, with the places it looked, if the models are missing
ALL_MODELS = sorted(MODELS.glob("*/*.tflite"))
LARGE = {"hps_model_2022_01_05_74ops", "shared_20220623_1032_tiled", "model_mobilenetv2_160_035",
         "pretrainedResnet_large_int8"}


def model_path(alias: str):
    return MODELS / MODEL_ALIASES[alias]


def random_inputs(tensors, rng: np.random.Generator, batch: int | None = None) -> list[np.ndarray]:
    """Random int8 (full range) or float32 (unit normal) inputs, optionally with a batch axis."""
    out = []
    for t in tensors:
        shape = t.shape if batch is None else (batch,) + t.shape
        if t.dtype == np.float32:
            out.append(rng.normal(0, 1, shape).astype(np.float32))
        else:
            info = np.iinfo(t.dtype)
            out.append(rng.integers(info.min, info.max + 1, shape).astype(t.dtype))
    return out


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    """Slow tests first: with xdist they then overlap the many short ones instead of trailing them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
