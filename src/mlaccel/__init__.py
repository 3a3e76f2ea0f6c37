"""mlaccel: a workbench for machine-learning accelerators.

>>> import mlaccel
>>> model = mlaccel.load("kws_ref_model.tflite")         # doctest: +SKIP
>>> result = model.run(x, target="systolic:edge-16x16-os")  # doctest: +SKIP
>>> result.outputs[0], result.total.cycles, result.total.energy_total_pj  # doctest: +SKIP
"""

from .errors import (ConfigError, InputError, Interrupted, KernelError, MlaccelError, ModelFileError,
                     ModelFormatError, TargetError, UnsupportedOpError)
from .session import Model, Result, load
from .stats import Stats
from .targets import Target
from .version import __version__

__all__ = [
    "__version__",
    "load",
    "Model",
    "Result",
    "Stats",
    "Target",
    "MlaccelError",
    "ModelFileError",
    "ModelFormatError",
    "UnsupportedOpError",
    "InputError",
    "KernelError",
    "TargetError",
    "ConfigError",
    "Interrupted",
]
