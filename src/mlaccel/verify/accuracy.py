"""Accuracy of a model on a labeled dataset, on any target."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data import Dataset
from ..errors import InputError
from ..inputs import model_inputs
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


def top1_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of samples whose top-1 classes (or outputs' arg-max) agree."""
    a, b = (v if v.ndim == 1 else v.reshape(v.shape[0], -1).argmax(axis=1) for v in (a, b))
    return float(np.mean(a == b))


def _top1(model: Model, x: np.ndarray, target, threads: int | None, progress=None):
    t0 = time.perf_counter()
    res = model.run(x, target=target, threads=threads, progress=progress)
    out = res.outputs[0]
    return np.asarray(out).reshape(out.shape[0], -1).argmax(axis=1), time.perf_counter() - t0, res


def evaluate(model: Model, data: Dataset, target="reference", threads: int | None = None,
             progress=None) -> EvalResult:
    """Top-1 accuracy of ``model`` on ``data`` when run on ``target`` (batched).

    On a target whose outputs follow the hardware (its family is not exact: analog crossbars), the
    agreement of its top-1 classes with the reference kernels' is reported as well; an exact
    family's outputs equal them by construction (the tests hold every one to it).
    """
    if len(data) == 0:
        raise InputError(f"Dataset '{data.name}' holds no samples")
    x = model_inputs(model, data.x)
    pred, seconds, res = _top1(model, x, target, threads, progress)
    agreement = None
    if res.family is not None and not res.family.exact and model.workload == "graph":
        agreement = top1_agreement(pred, _top1(model, x, "reference", threads)[0])
    return EvalResult(data.name, res.target, float(np.mean(pred == data.y)), len(data), agreement, seconds, pred)
