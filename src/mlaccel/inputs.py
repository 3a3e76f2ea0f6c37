"""Where a run's inputs come from: files (``.npy`` or raw bytes), a labeled dataset, the model's golden
inputs, or seeded random data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import InputError, ModelFileError
from .graph import Tensor

__all__ = ["read_input_file", "samples_in", "random_input"]


def read_input_file(path: str | os.PathLike, tensor: Tensor, uint8_shift: bool = False) -> np.ndarray:
    """Read an input tensor from a file.

    ``.npy`` files are loaded as they are (never unpickled). Any other file is raw bytes of the
    tensor's dtype; with ``uint8_shift`` the bytes are uint8 and 128 is subtracted (CFU
    Playground's image files). A raw file holding a whole multiple of the tensor is read as a batch
    (the returned array then has a leading sample axis).

    Raises
    ------
    ModelFileError
        The file is missing or unreadable.
    InputError
        The file is a folder, empty, not a valid ``.npy``, or its size does not fit the tensor.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"Input '{p}' is a folder; give a file (.npy, or raw bytes of the input's dtype)")
    if not p.is_file():
        raise ModelFileError(f"Input file '{p}' does not exist")
    if p.suffix == ".npy":
        if uint8_shift:
            raise InputError(f"--uint8-shift applies to raw byte files; '{p}' is a .npy array, loaded as it is "
                             f"(store the shifted int8 values in it instead)")
        with open(p, "rb") as f:
            if f.read(6) != b"\x93NUMPY":
                raise InputError(f"Input file '{p}' is not a .npy file (it lacks NumPy's header); raw bytes "
                                 f"need another extension, such as .bin")
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as e:
            raise InputError(f"Input file '{p}' is not a plain .npy array ({e}); pickled or object "
                             f"arrays are refused") from None
        except (OSError, EOFError) as e:
            raise InputError(f"Input file '{p}' is not a valid .npy file: {e}") from None
        if not isinstance(arr, np.ndarray):
            raise InputError(f"Input file '{p}' holds {type(arr).__name__}, not one array")
        if arr.size == 0:
            raise InputError(f"Input file '{p}' holds an empty array {arr.shape}")
        return arr
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ModelFileError(f"Input file '{p}' cannot be read: {e.strerror or e}") from None
    if not raw:
        raise InputError(f"Input file '{p}' is empty; input '{tensor.name}' {tensor.shape} needs "
                         f"{tensor.nbytes} bytes")
    if uint8_shift:
        arr = (np.frombuffer(raw, np.uint8).astype(np.int16) - 128).astype(tensor.dtype)
    else:
        if len(raw) % tensor.dtype.itemsize:
            raise InputError(f"Input file '{p}' has {len(raw)} bytes, not a whole number of "
                             f"{tensor.dtype.name} values")
        arr = np.frombuffer(raw, tensor.dtype)
    if arr.size == tensor.size:
        return arr.reshape(tensor.shape).copy()
    if tensor.size and arr.size % tensor.size == 0:
        per = tensor.shape[1:] if tensor.shape[:1] == (1,) else tensor.shape
        return arr.reshape((arr.size // tensor.size,) + tuple(per)).copy()
    raise InputError(f"Input file '{p}' holds {arr.size} {tensor.dtype.name} values; input "
                     f"'{tensor.name}' {tensor.shape} needs {tensor.size} (or a multiple, for a batch)")


def samples_in(arr: np.ndarray, tensor: Tensor) -> int:
    """How many samples an input array holds for a tensor (1 for one sample)."""
    return max(arr.size // tensor.size, 1) if tensor.size else 1


def random_input(t: Tensor, batch: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """Random data for an input tensor: unit normal for float32, the full range for integers.

    ``batch`` adds a leading axis of that many samples; the default generator is seeded with 0.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    shape = t.shape if batch is None else (batch,) + (t.shape[1:] if t.shape[:1] == (1,) else t.shape)
    if t.dtype == np.float32:
        return rng.normal(0, 1, shape).astype(np.float32)
    info = np.iinfo(t.dtype)
    return rng.integers(info.min, info.max + 1, shape).astype(t.dtype)
