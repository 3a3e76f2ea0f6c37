"""Where a run's inputs come from: files (``.npy`` or raw bytes), a labeled dataset, the model's golden
inputs, or seeded random data, in that order of preference (:func:`model_samples`). Every command
and the design sweeps take their inputs here, and say which they got.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .data import Dataset, load_dataset
from .data.files import existing_file, read_npy
from .data.layout import as_samples
from .errors import InputError, ModelFileError
from .graph import Tensor
from .kernels.boundary import quantize_float

__all__ = ["Samples", "model_samples", "model_inputs", "read_input_file", "samples_in", "random_input"]


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
    p = existing_file(path, "Input file")
    if p.suffix == ".npy":
        if uint8_shift:
            raise InputError(f"--uint8-shift applies to raw byte files; '{p}' is a .npy array, loaded as it is "
                             f"(store the shifted int8 values in it instead)")
        return read_npy(p, "Input file")
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


def model_inputs(model, x: np.ndarray) -> np.ndarray:
    """Dataset samples shaped (and, for an int8 input, quantized) for the model's one input.

    Float samples reach an int8 input through its own scale and zero point, rounded as TFLite's
    QUANTIZE op rounds.

    Raises
    ------
    InputError
        The model has several inputs, or the samples do not fit its input.
    """
    if len(model.inputs) != 1:
        raise InputError(f"A dataset feeds models with one input; this one has {len(model.inputs)}")
    t = model.inputs[0]
    x = as_samples(x, t, "Dataset samples")
    if t.dtype == np.float32:
        return np.ascontiguousarray(x, np.float32)
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(t.dtype)
    if t.quant is None:
        raise InputError(f"The model's input '{t.name}' is {t.dtype} without quantization parameters")
    return quantize_float(x, t.quant.s, t.quant.zp, t.dtype)


@dataclass(frozen=True)
class Samples:
    """Inputs for a run, and where they came from.

    Attributes
    ----------
    arrays : tuple of ndarray
        One per model input, each with a leading sample axis (or exactly one sample's shape, for
        files holding one sample).
    kind : str
        ``"files"``, ``"dataset"``, ``"goldens"`` or ``"random"``.
    description : str
        For reports: ``"450 samples of digits:test"``, ``"its 12 golden inputs"``,
        ``"64 random inputs (seed 0)"``.
    labels : ndarray or None
        A dataset's labels.
    cases : tuple
        The golden cases, for ``"goldens"``.
    notes : tuple of str
        What a report should say about them (a batch read from one file, random data).
    """

    arrays: tuple
    kind: str
    description: str
    labels: np.ndarray | None = None
    cases: tuple = ()
    notes: tuple = ()

    @property
    def count(self) -> int:
        """Samples."""
        return len(self.labels) if self.labels is not None else (len(self.cases) if self.cases else
                                                                   _count(self.arrays))

    @property
    def real(self) -> bool:
        """False for random data: agreement or accuracy on it says little about real inputs."""
        return self.kind != "random"


def _count(arrays) -> int:
    return int(arrays[0].shape[0]) if arrays and arrays[0].ndim else 1


def model_samples(model, *, files=(), data: "str | Dataset | None" = None, uint8_shift: bool = False,
                  limit: int | None = None, goldens: bool = True, random: int | None = 64, seed: int = 0) -> Samples:
    """Inputs for ``model``: the ``files`` given, else the ``data`` given, else the model's golden
    inputs (``goldens``), else ``random`` seeded random samples.

    Parameters
    ----------
    files : sequence of path
        One file per model input (``.npy`` or raw bytes; see :func:`read_input_file`).
    data : str or Dataset
        A labeled dataset (``digits``, a ``.npz``, an image folder), shaped and quantized for the
        model (:func:`model_inputs`); ``limit`` keeps its first samples.
    random : int or None
        How many random samples; None refuses to fall back to random data.

    Raises
    ------
    InputError
        A file count that does not match the inputs, a bad file or dataset, ``--uint8-shift``
        without files, or nothing to fall back to.
    """
    if uint8_shift and not files:
        raise InputError("--uint8-shift applies to --input files; none was given")
    if files:
        if len(files) != len(model.inputs):
            raise InputError(f"The model has {len(model.inputs)} input(s) but {len(files)} input file(s) were given")
        arrays, notes = [], []
        for f, t in zip(files, model.inputs):
            x = read_input_file(f, t, uint8_shift)
            n = samples_in(x, t)
            if n > 1:
                notes.append(f"'{f}' holds {n} samples of {'x'.join(map(str, t.shape))}: running them as a batch of {n}")
            arrays.append(x)
        names = ", ".join(f"'{f}'" for f in files)
        return Samples(tuple(arrays), "files", names, notes=tuple(notes))
    if data is not None:
        ds = data if isinstance(data, Dataset) else load_dataset(data)
        ds = ds.take(limit)
        if len(ds) == 0:
            raise InputError(f"Dataset '{ds.name}' holds no samples")
        return Samples((model_inputs(model, ds.x),), "dataset", f"{len(ds)} samples of {ds.name}", labels=ds.y)
    gold = model.goldens if goldens else None
    if gold is not None:
        cases, x = gold
        if limit is not None:
            cases, x = cases[:limit], x[:limit]
        return Samples((x,), "goldens", f"its {len(cases)} golden input(s)", cases=tuple(cases))
    if not random:
        raise InputError("No inputs: give --data (a labeled dataset) or --input files")
    count = random if limit is None else min(random, limit)
    rng = np.random.default_rng(seed)
    arrays = tuple(random_input(t, count, rng) for t in model.inputs)
    what = f"one random input (seed {seed})" if count == 1 else f"{count} random inputs (seed {seed})"
    return Samples(arrays, "random", what, notes=(f"no data given: using {what}",))
