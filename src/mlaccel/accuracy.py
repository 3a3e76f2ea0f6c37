"""Accuracy of a model on a labeled dataset, on any target."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .data import Dataset
from .errors import InputError
from .kernels.requantize import round_half_away
from .session import Model

__all__ = ["EvalResult", "evaluate", "model_inputs"]


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

    Float samples in [0, 1] reach an int8 input through its own scale and zero point.
    """
    if len(model.inputs) != 1:
        raise InputError(f"Evaluation supports models with one input; this one has {len(model.inputs)}")
    t = model.inputs[0]
    per = t.shape[1:] if t.shape[:1] == (1,) else t.shape
    if x.shape[1:] != tuple(per):
        if int(np.prod(x.shape[1:])) != int(np.prod(per)):
            raise InputError(f"Dataset samples have shape {x.shape[1:]}; the model's input '{t.name}' takes {per}")
        x = x.reshape((x.shape[0],) + tuple(per))
    if t.dtype == np.float32:
        return np.ascontiguousarray(x, np.float32)
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(t.dtype)
    if t.quant is None:
        raise InputError(f"The model's input '{t.name}' is {t.dtype} without quantization parameters")
    info = np.iinfo(t.dtype)
    q = np.clip(round_half_away(x.astype(np.float64) / t.quant.s) + t.quant.zp, info.min, info.max)
    return q.astype(t.dtype)


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
    agreement = None
    name = target if isinstance(target, str) else getattr(target, "name", str(target))
    if name != "reference" and model.inputs[0].dtype != np.float32 or (
            name != "reference" and any(op.type == "QUANTIZE" for op in model.graph.ops)):
        ref, _ = _top1(model, x, "reference", threads)
        agreement = float(np.mean(ref == pred))
    return EvalResult(data.name, name, float(np.mean(pred == data.y)), len(data), agreement, seconds, pred)
