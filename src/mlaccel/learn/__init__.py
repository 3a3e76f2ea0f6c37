"""Training fundamentals: the lecture's worked backpropagation example (:mod:`.backprop`) and
experiments on vanishing/exploding gradients, BatchNorm, clipping, regularization and losses
(:mod:`.experiments`, PyTorch)."""

from .backprop import EXAMPLE, EXPECTED, backprop_numpy, backprop_torch

__all__ = ["EXAMPLE", "EXPECTED", "backprop_numpy", "backprop_torch"]
