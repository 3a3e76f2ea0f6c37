"""Training recipes: small float models on sklearn's digits, as starting points for compression.

``digits-mlp``: 64-64-32-10 with ReLU. ``digits-cnn``: conv 3x3 (16) + BatchNorm + ReLU, depthwise
3x3 + BatchNorm + ReLU6, max pool, conv 1x1 (32) + BatchNorm + ReLU, global average pool, fully
connected to 10, so it exercises every part of the import and quantization path.
Both train with Adam on the fixed digits training split, on the CPU, in seconds.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from ..data import digits
from ..errors import InputError
from .torch_support import require_torch

__all__ = ["RECIPES", "build_recipe", "train_recipe", "torch_to_onnx"]

RECIPES = {
    "digits-mlp": "MLP 64-64-32-10 (ReLU) on 8x8 digits",
    "digits-cnn": "CNN: conv+BN+ReLU, depthwise+BN+ReLU6, max pool, 1x1 conv+BN+ReLU, global avg pool, FC",
}


def build_recipe(name: str):
    """An untrained torch module for a recipe, taking ``(N, 1, 8, 8)`` images."""
    torch = require_torch()
    nn = torch.nn
    if name == "digits-mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                             nn.Linear(32, 10))
    if name == "digits-cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16), nn.ReLU6(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
    raise InputError(f"Unknown recipe '{name}'; choose {', '.join(RECIPES)}")


def train_recipe(name: str, epochs: int = 30, seed: int = 0, progress=None):
    """Train a recipe on ``digits:train``; returns the torch module in eval mode.

    ``progress(epoch, epochs)`` is called after each epoch.
    """
    from .torch_graph import train_epochs

    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise InputError(f"Training needs at least one epoch, got {epochs!r}: an untrained model is random")
    if name not in RECIPES:
        raise InputError(f"Unknown recipe '{name}'; choose {', '.join(RECIPES)}")
    torch = require_torch()
    torch.manual_seed(seed)
    model = build_recipe(name)
    data = digits("train")
    train_epochs(model, data.x.transpose(0, 3, 1, 2), data.y, epochs, lr=3e-3, seed=seed, progress=progress)
    return model


def torch_to_onnx(module, example_input) -> bytes:
    """Export a torch module (in eval mode) to ONNX bytes, opset 17, with the TorchScript exporter."""
    torch = require_torch()
    module = module.eval()
    example = example_input if isinstance(example_input, tuple) else (example_input,)
    example = tuple(torch.as_tensor(np.asarray(e, np.float32)) if not isinstance(e, torch.Tensor) else e
                    for e in example)
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, f, dynamo=False, opset_version=17, input_names=["input"],
                          output_names=["output"])
    return f.getvalue()
