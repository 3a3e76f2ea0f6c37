"""mlaccel: a workbench for machine-learning accelerators.

>>> import mlaccel
>>> model = mlaccel.load("kws_ref_model.tflite")         # doctest: +SKIP
>>> result = model.run(x, target="reference")             # doctest: +SKIP
>>> result.outputs[0], result.total.macs                  # doctest: +SKIP
"""

from .errors import (InputError, KernelError, MlaccelError, ModelFileError, ModelFormatError,
                     TargetError, UnsupportedOpError)
from .session import Model, Result, load
from .stats import Stats

__version__ = "0.1.0"

__all__ = [
    "load",
    "Model",
    "Result",
    "Stats",
    "MlaccelError",
    "ModelFileError",
    "ModelFormatError",
    "UnsupportedOpError",
    "InputError",
    "KernelError",
    "TargetError",
]
