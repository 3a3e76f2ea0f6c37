"""Checks of a run's outputs: against TFLite-Micro (the oracle), the goldens, or another run.

The CLI, the demo and the benchmarks all check through these functions, so there is one
definition of "bit-exact".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MlaccelError
from .samples import GoldenCase, check_value, golden_cases, golden_input, models_dir
from .session import Model, Result

__all__ = ["Agreement", "against_tflm", "golden_set", "against_goldens", "same_outputs", "bit_equal"]


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


def golden_set(model: Model, root: Path | None = None) -> tuple[list[GoldenCase], np.ndarray]:
    """The cases of ``goldens.json`` for this model's file, and their inputs stacked as a batch.

    Raises
    ------
    MlaccelError
        The model is not one of the shipped files, or has no goldens.
    """
    root = root or models_dir()
    src = Path(model.source) if isinstance(model.source, (str, Path)) else None
    cases = [c for c in golden_cases(root) if src is not None and (root / c.model).resolve() == src.resolve()]
    if not cases:
        raise MlaccelError(f"No golden cases for '{model.graph.name}' in {root / 'goldens.json'}")
    return cases, np.stack([golden_input(c, model.inputs[0], root) for c in cases])


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


def same_outputs(a: Result, b: Result) -> bool:
    """True when two runs of the same inputs gave bit-identical outputs (e.g. a target and the reference)."""
    return len(a.outputs) == len(b.outputs) and all(bit_equal(x, y) for x, y in zip(a.outputs, b.outputs))
