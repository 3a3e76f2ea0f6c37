"""The oracles: TFLite-Micro for int8 models (bit-exact), through its PyPI Python interpreter, and
ONNX Runtime for float models.

Only tests, benchmarks and ``mlaccel run --check`` use it; it is the optional ``oracle`` extra.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import MlaccelError

__all__ = ["tflm_interpreter", "tflm_run", "have_tflm", "ort_session"]

_ARENA_SLACK = 16 << 20  # bytes; the hps models need far more than TFLM's 10x-model default


def have_tflm() -> bool:
    """True when the ``tflite-micro`` package is importable."""
    try:
        import tflite_micro  # noqa: F401
    except ImportError:
        return False
    return True


def tflm_interpreter(model: str | os.PathLike | bytes):
    """A TFLite-Micro interpreter for a model file or model bytes.

    Raises
    ------
    MlaccelError
        ``tflite-micro`` is not installed.
    """
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise MlaccelError("The TFLite-Micro oracle needs the 'oracle' extra: "
                           "pip install 'mlaccel[oracle]'") from None
    data = model if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    return runtime.Interpreter.from_bytes(bytes(data), arena_size=len(data) * 10 + _ARENA_SLACK)


def tflm_run(model: str | os.PathLike | bytes, *inputs: np.ndarray, n_outputs: int = 1,
             interpreter=None) -> list[np.ndarray]:
    """Run one sample through TFLite-Micro and return its outputs.

    Parameters
    ----------
    model : path or bytes
    *inputs : ndarray
        One array per model input, shaped exactly as the model's input.
    n_outputs : int
        How many outputs the model has.
    interpreter : optional
        A reusable interpreter from :func:`tflm_interpreter` (saves the set-up per call).
    """
    it = interpreter if interpreter is not None else tflm_interpreter(model)
    for i, x in enumerate(inputs):
        it.set_input(np.ascontiguousarray(x), i)
    it.invoke()
    return [np.array(it.get_output(i)) for i in range(n_outputs)]


def ort_session(model: str | os.PathLike | bytes):
    """An ONNX Runtime session (CPU) for a float ONNX model file or its bytes.

    Raises
    ------
    MlaccelError
        ``onnxruntime`` is not installed.
    """
    try:
        import onnxruntime
    except ImportError:
        raise MlaccelError("The float oracle needs ONNX Runtime: pip install 'mlaccel[oracle]'") from None
    data = model if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    return onnxruntime.InferenceSession(bytes(data), providers=["CPUExecutionProvider"])
