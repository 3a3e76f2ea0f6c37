"""Dataset samples laid out for a model's input tensor."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..graph import Tensor

__all__ = ["as_samples"]


def as_samples(x: np.ndarray, t: Tensor, what: str = "Samples") -> np.ndarray:
    """A batch ``(N, ...)`` reshaped to ``(N, *per-sample shape)`` of input ``t``.

    Shapes that differ only in axes of size 1 (``(N, 8, 8)`` for an ``(1, 8, 8, 1)`` input) are
    taken as the same layout; anything else is an InputError that names ``what`` and the input.
    """
    per = tuple(t.shape[1:] if t.shape[:1] == (1,) else t.shape)
    x = np.asarray(x)
    if x.ndim < 1 or [d for d in x.shape[1:] if d != 1] != [d for d in per if d != 1]:
        raise InputError(f"{what} have shape {x.shape[1:]}; input '{t.name}' takes {per} (NHWC)")
    return x.reshape((x.shape[0],) + per)
