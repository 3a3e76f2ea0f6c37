"""Checks of a run's outputs: against TFLite-Micro (the int8 oracle), ONNX Runtime (the float
oracle), the goldens, or another run.

The CLI, the demo and the benchmarks all check through these functions, so there is one
definition of "bit-exact".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MlaccelError
from ..kernels import is_float_op
from ..model.zoo import GoldenCase, check_value
from ..session import Model, Result

__all__ = ["Agreement", "ReferenceAgreement", "agreement_with_reference", "against_tflm", "against_onnxruntime",
           "against_oracle", "golden_set", "against_goldens", "same_outputs", "bit_equal", "FLOAT_RTOL"]

FLOAT_RTOL = 1e-5  # float32 outputs agree with ONNX Runtime to this, relative to the output's magnitude


@dataclass(frozen=True)
class Agreement:
    """How many samples of a batch matched, bit for bit.

    Attributes
    ----------
    samples : int
    equal : int
    first_mismatch : int or None
        Index of the first sample that differs.
    """

    samples: int
    equal: int
    first_mismatch: int | None = None

    @property
    def exact(self) -> bool:
        """True when every sample matched."""
        return self.equal == self.samples

    def __str__(self) -> str:
        return f"{self.equal}/{self.samples}"


def bit_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape (after flattening) and the same bytes: NaNs compare by their bits."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.size == b.size and a.dtype == b.dtype and bool(np.array_equal(a.reshape(-1).view(np.uint8),
                                                                            b.reshape(-1).view(np.uint8)))


def _per_sample(model: Model, outputs: list[np.ndarray], batch: int) -> list[np.ndarray]:
    return [y.reshape((batch,) + tuple(t.shape)) for y, t in zip(outputs, model.outputs)]


def against_tflm(model: Model, inputs: list[np.ndarray], result: Result) -> Agreement:
    """Run every sample of ``inputs`` through TFLite-Micro and compare with ``result``'s outputs.

    Raises
    ------
    MlaccelError
        ``tflite-micro`` is not installed (``pip install 'mlaccel[oracle]'``).
    """
    from .oracle import tflm_interpreter, tflm_run

    if model.source is None:
        raise MlaccelError("This model has no file or bytes to give TFLite-Micro; load it with mlaccel.load")
    interp = tflm_interpreter(model.source)
    arrays, batch, _ = model._check_inputs(inputs)
    ours = _per_sample(model, result.outputs, batch)
    equal, first = 0, None
    for i in range(batch):
        sample = [x[i].reshape(t.shape) for x, t in zip(arrays, model.inputs)]
        theirs = tflm_run(model.source, *sample, n_outputs=len(model.outputs), interpreter=interp)
        if all(bit_equal(o[i], ref) for o, ref in zip(ours, theirs)):
            equal += 1
        elif first is None:
            first = i
    return Agreement(batch, equal, first)


def against_onnxruntime(model: Model, inputs: list[np.ndarray], result: Result) -> Agreement:
    """Run every sample of a float ONNX model through ONNX Runtime and compare with ``result``'s outputs.

    A sample agrees when every output is within :data:`FLOAT_RTOL` of ONNX Runtime's, relative to
    that output's largest magnitude (summation order differs between BLAS libraries). Images are
    given to ONNX Runtime in its NCHW layout and its outputs read back as NHWC.
    """
    from .oracle import ort_session

    if model.source is None:
        raise MlaccelError("This model has no file or bytes to give ONNX Runtime; load it with mlaccel.load")
    sess = ort_session(model.source)
    names = [i.name for i in sess.get_inputs()]
    arrays, batch, _ = model._check_inputs(inputs)
    ours = _per_sample(model, result.outputs, batch)
    equal, first = 0, None
    for i in range(batch):
        feed = {n: _onnx_layout(x[i].reshape(t.shape)) for n, x, t in zip(names, arrays, model.inputs)}
        theirs = [_onnx_layout(y, back=True) for y in sess.run(None, feed)]
        ok = all(np.allclose(o[i].reshape(ref.shape), ref, rtol=0, atol=FLOAT_RTOL * float(np.abs(ref).max() + 1e-30))
                 for o, ref in zip(ours, theirs))
        if ok:
            equal += 1
        elif first is None:
            first = i
    return Agreement(batch, equal, first)


def _onnx_layout(x: np.ndarray, back: bool = False) -> np.ndarray:
    if x.ndim != 4:
        return x
    return x.transpose(0, 2, 3, 1) if back else x.transpose(0, 3, 1, 2)


def against_oracle(model: Model, inputs: list[np.ndarray], result: Result) -> tuple[Agreement, str]:
    """Check against the model's oracle: ONNX Runtime for float models, TFLite-Micro for int8 ones.

    Returns
    -------
    agreement : Agreement
    oracle : str
        ``"ONNX Runtime"`` or ``"TFLite-Micro"``.
    """
    if any(is_float_op(op) for op in model.graph.ops):
        return against_onnxruntime(model, inputs, result), "ONNX Runtime"
    return against_tflm(model, inputs, result), "TFLite-Micro"


def golden_set(model: Model) -> tuple[list[GoldenCase], np.ndarray]:
    """The cases of ``goldens.json`` for this model's file, and their inputs stacked as a batch
    (:attr:`Model.goldens`).

    Raises
    ------
    MlaccelError
        The model is not one of the shipped files, or has no goldens.
    """
    gold = model.goldens
    if gold is None:
        raise MlaccelError(f"No golden cases for '{model.graph.name}': goldens.json covers the shipped models only")
    return gold


def against_goldens(cases: list[GoldenCase], outputs: np.ndarray) -> Agreement:
    """Compare a batch of first outputs with the cases' TFLite-Micro outputs, and with the check
    value CFU Playground's tests hard-code where a case has one."""
    equal, first = 0, None
    for i, (case, y) in enumerate(zip(cases, outputs)):
        expected = np.array(case.tflm_output, dtype=y.dtype)
        ok = bit_equal(y, expected) and (case.expected is None or check_value(case, y) == case.expected)
        if ok:
            equal += 1
        elif first is None:
            first = i
    return Agreement(len(cases), equal, first)


@dataclass(frozen=True)
class ReferenceAgreement:
    """How a run whose outputs follow the hardware compares with the reference kernels on the same
    inputs: the fraction of samples whose top-1 class agrees, and whether every output is bit-exact."""

    top1: float
    bit_exact: bool
    samples: int

    def as_dict(self) -> dict:
        return {"top1_agreement": self.top1, "bit_exact": self.bit_exact, "samples": self.samples}


def agreement_with_reference(model: Model, inputs: list[np.ndarray], result: Result) -> ReferenceAgreement:
    """Run ``inputs`` on the reference kernels and compare with ``result`` (for a family that is not
    exact, such as analog crossbars with noise)."""
    from .accuracy import top1_agreement

    ref = model.run(*inputs)
    y, r = np.asarray(result.outputs[0]), np.asarray(ref.outputs[0])
    if result.batch == 1 and y.shape == tuple(model.outputs[0].shape):
        y, r = y[None], r[None]
    return ReferenceAgreement(top1_agreement(y, r), same_outputs(result, ref), result.batch)


def same_outputs(a: Result, b: Result) -> bool:
    """True when two runs of the same inputs gave bit-identical outputs (e.g. a target and the reference)."""
    return len(a.outputs) == len(b.outputs) and all(bit_equal(x, y) for x, y in zip(a.outputs, b.outputs))
