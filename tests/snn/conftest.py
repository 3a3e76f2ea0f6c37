"""Shared spiking fixtures: the digits data, a converted digits MLP's ANN, and a trained SNN (seconds each)."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits_data():
    from mlaccel.data import load_dataset

    return load_dataset("digits:train"), load_dataset("digits")


@pytest.fixture(scope="session")
def digits_mlp_onnx() -> bytes:
    pytest.importorskip("torch")
    from mlaccel.compress.recipes import torch_to_onnx, train_recipe

    return torch_to_onnx(train_recipe("digits-mlp", epochs=10), np.zeros((1, 1, 8, 8), np.float32))


@pytest.fixture(scope="session")
def digits_mlp(digits_mlp_onnx):
    from mlaccel.compress.flows import from_onnx

    return from_onnx(digits_mlp_onnx)


@pytest.fixture(scope="session")
def trained_snn(digits_data):
    pytest.importorskip("torch")
    from mlaccel.snn.train import TrainConfig, train_snn

    return train_snn(digits_data[0], TrainConfig(epochs=6))
