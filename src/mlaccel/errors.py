"""Exception types raised by mlaccel.

Every error that a user can cause (a bad file, an unsupported op, an input of the wrong shape, an
impossible config) derives from :class:`MlaccelError`, so callers can catch one type. Messages name
the file, op, tensor or field involved, in the style of Amaranth's errors.
"""

from __future__ import annotations

__all__ = [
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


class MlaccelError(Exception):
    """Base class of every error that mlaccel raises on bad input."""


class ModelFileError(MlaccelError, FileNotFoundError):
    """A model or input file is missing or cannot be read."""


class ModelFormatError(MlaccelError, ValueError):
    """A model file is truncated, corrupted, or refers to something that is not there."""


class UnsupportedOpError(MlaccelError, NotImplementedError):
    """An op (or an op's configuration) has no kernel on the chosen target.

    Attributes
    ----------
    op_type : str
        The TFLite builtin name, for example ``"TANH"``.
    op_index : int
        Position of the op in the model's subgraph.
    """

    def __init__(self, message: str, *, op_type: str = "", op_index: int = -1):
        super().__init__(message)
        self.op_type = op_type
        self.op_index = op_index


class InputError(MlaccelError, ValueError):
    """An input array has the wrong shape or dtype, or an input file has the wrong size."""


class KernelError(MlaccelError, ValueError):
    """An op's parameters are inconsistent (for example an output shape that does not match)."""


class TargetError(MlaccelError, ValueError):
    """A ``--target`` string does not name a known backend or preset."""


class ConfigError(MlaccelError, ValueError):
    """A hardware configuration value is out of range or a config file is malformed.

    Each hardware family subclasses it (``SystolicConfigError``, ``SocConfigError``, ...), and
    the message names the field, its allowed range, and the file when there is one.
    """


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; the message says where (op, sample, pc).

    A ``KeyboardInterrupt``, so code that stops on Ctrl-C still does.
    """
