"""Accuracy of a model on a labeled dataset, on any target."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data import Dataset
from ..errors import InputError
from ..kernels.boundary import quantize_float
from ..data.layout import as_samples
from ..session import Model

__all__ = ["EvalResult", "evaluate", "model_inputs", "top1_agreement"]


@dataclass(frozen=True)
class EvalResult:
    """Top-1 accuracy (and, for int8 models off the reference target, agreement with the reference).

    Attributes
    ----------
    accuracy : float
        Fraction of samples whose arg-max output equals the label, in [0, 1].
    samples : int
    agreement : float or None
        Fraction of samples whose top-1 class equals the reference target's.
    seconds : float
        Wall time of the target's run.
    predictions : ndarray of int64
    """

    dataset: str
    target: str
    accuracy: float
    samples: int
    agreement: float | None
    seconds: float
    predictions: np.ndarray

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "target": self.target, "accuracy": self.accuracy,
                "samples": self.samples, "agreement": self.agreement, "seconds": self.seconds}


def model_inputs(model: Model, x: np.ndarray) -> np.ndarray:
    """Dataset samples shaped (and, for an int8 input, quantized) for the model's input.

    Float samples reach an int8 input through its own scale and zero point, rounded as TFLite's
    QUANTIZE op rounds.
    """
    if len(model.inputs) != 1:
        raise InputError(f"Evaluation supports models with one input; this one has {len(model.inputs)}")
    t = model.inputs[0]
    x = as_samples(x, t, "Dataset samples")
    if t.dtype == np.float32:
        return np.ascontiguousarray(x, np.float32)
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(t.dtype)
    if t.quant is None:
        raise InputError(f"The model's input '{t.name}' is {t.dtype} without quantization parameters")
    return quantize_float(x, t.quant.s, t.quant.zp, t.dtype)


def top1_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of samples whose top-1 classes (or outputs' arg-max) agree."""
    a, b = (v if v.ndim == 1 else v.reshape(v.shape[0], -1).argmax(axis=1) for v in (a, b))
    return float(np.mean(a == b))


def _top1(model: Model, x: np.ndarray, target, threads: int | None) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    out = model.run(x, target=target, threads=threads).outputs[0]
    return np.asarray(out).reshape(out.shape[0], -1).argmax(axis=1), time.perf_counter() - t0


def evaluate(model: Model, data: Dataset, target="reference", threads: int | None = None) -> EvalResult:
    """Top-1 accuracy of ``model`` on ``data`` when run on ``target`` (batched).

    For an int8 model on a target other than ``reference``, the agreement of its top-1 classes
    with the reference target's is reported as well.
    """
    if len(data) == 0:
        raise InputError(f"Dataset '{data.name}' holds no samples")
    x = model_inputs(model, data.x)
    pred, seconds = _top1(model, x, target, threads)
    name = target if isinstance(target, str) else getattr(target, "name", str(target))
    agreement = None
    if name != "reference":  # float models run on reference only, so this is an int8 model
        agreement = top1_agreement(pred, _top1(model, x, "reference", threads)[0])
    return EvalResult(data.name, name, float(np.mean(pred == data.y)), len(data), agreement, seconds, pred)
