"""The shipped sample models, their input files, and the TFLite-Micro goldens.

The models live outside the package, in ``shared/models`` beside the repository (or wherever
``MLACCEL_MODELS`` points); nothing here copies them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import InputError, ModelFileError
from .graph import Tensor
from .kernels.requantize import round_half_away

__all__ = ["models_dir", "GoldenCase", "golden_cases", "golden_input", "check_value",
           "read_input_file", "resolve_model", "MODEL_ALIASES", "LABELS", "labels_for"]

# Short names for the shipped models, for the CLI and the demo.
MODEL_ALIASES = {
    "kws": "mlperf_tiny/kws_ref_model.tflite",
    "vww": "mlperf_tiny/vww_96_int8.tflite",
    "ic": "mlperf_tiny/pretrainedResnet_quant.tflite",
    "ic-large": "mlperf_tiny/pretrainedResnet_large_int8.tflite",
    "ad": "mlperf_tiny/ad01_int8.tflite",
    "str_ww": "mlperf_tiny/str_ww_ref_model.tflite",
    "pdti8": "cfu_playground/model_pdti8.tflite",
    "mnv2": "cfu_playground/model_mobilenetv2_160_035.tflite",
    "micro_speech": "cfu_playground/model_micro_speech.tflite",
    "magic_wand": "cfu_playground/model_magic_wand.tflite",
    "hps": "cfu_playground/hps_model_2022_01_05_74ops.tflite",
    "hps_shared": "cfu_playground/shared_20220623_1032_tiled.tflite",
    "hello_world": "tflm_examples/hello_world.tflite",
    "simple_add": "tflm_examples/simple_add_model.tflite",
}


# Class names of the shipped classifiers' outputs, in output order (from each model's source; see
# ../shared/models/README.md). Models whose order no source states have none.
LABELS = {
    "kws": ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "silence", "unknown"],
    "vww": ["no person", "person"],
    "pdti8": ["no person", "person"],
    "ic": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "ic-large": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "micro_speech": ["silence", "unknown", "yes", "no"],
    "magic_wand": ["wing", "ring", "slope", "negative"],
}


def models_dir() -> Path:
    """The folder holding the shipped models and ``goldens.json``.

    Looks at ``$MLACCEL_MODELS`` when it is set (and only there), otherwise ``../shared/models``
    from the repository root and from the current directory.

    Raises
    ------
    ModelFileError
        ``$MLACCEL_MODELS`` names a folder without ``goldens.json``, or none of the places has it.
    """
    env = os.environ.get("MLACCEL_MODELS")
    if env:
        if not (Path(env) / "goldens.json").is_file():
            what = "does not exist" if not Path(env).exists() else "has no goldens.json"
            raise ModelFileError(f"MLACCEL_MODELS='{env}' {what}; point it at the folder of the shipped models "
                                 f"(or unset it to use ../shared/models)")
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    candidates = [
        repo.parent / "shared" / "models",
        Path.cwd().parent / "shared" / "models",
        Path.cwd() / "shared" / "models",
    ]
    for c in candidates:
        if (c / "goldens.json").is_file():
            return c
    raise ModelFileError("Cannot find the shipped models (goldens.json); looked in "
                         + ", ".join(str(c) for c in candidates)
                         + ". Set MLACCEL_MODELS to the folder that holds them.")


def resolve_model(name: str | os.PathLike) -> Path:
    """A model path, or a short name from :data:`MODEL_ALIASES` resolved in :func:`models_dir`."""
    if isinstance(name, str) and name in MODEL_ALIASES and not Path(name).exists():
        return models_dir() / MODEL_ALIASES[name]
    return Path(name)


def labels_for(model_path: str | os.PathLike | bytes | None) -> list[str] | None:
    """The class names of a shipped model's output, or None (unknown model, or no known order)."""
    if not isinstance(model_path, (str, os.PathLike)):
        return None
    name = Path(model_path).name
    for alias, rel in MODEL_ALIASES.items():
        if Path(rel).name == name and alias in LABELS:
            return LABELS[alias]
    return None


@dataclass(frozen=True)
class GoldenCase:
    """One entry of ``goldens.json``: a model, an input and TFLite-Micro's output."""

    model: str
    input: str
    transform: str
    check: str
    expected: object  # the check value hard-coded in CFU Playground's tests
    tflm_output: list

    @property
    def label(self) -> str:
        return f"{Path(self.model).stem}:{Path(self.input).name if self.input else 'zeros'}"


@lru_cache(maxsize=4)
def _load_goldens(root: str) -> tuple[GoldenCase, ...]:
    data = json.loads((Path(root) / "goldens.json").read_text())
    return tuple(GoldenCase(c["model"], c.get("input") or "", c["input_transform"], c["check"],
                            c["expected_from_cfu_source"], c["tflm_output"]) for c in data["cases"])


def golden_cases(root: Path | None = None) -> list[GoldenCase]:
    """All cases of ``goldens.json``."""
    return list(_load_goldens(str(root or models_dir())))


def golden_input(case: GoldenCase, tensor: Tensor, root: Path | None = None) -> np.ndarray:
    """Build a case's input tensor exactly as ``goldens.json`` describes its transform."""
    t = case.transform
    if t.startswith("all-zero"):
        return np.zeros(tensor.shape, tensor.dtype)
    raw = ((root or models_dir()) / case.input).read_bytes()
    if "log-mel" in t and "float32" in t:
        # q = clip(round(x / s) + zp): the MLPerf Tiny AD harness's quantization of a window.
        x = np.frombuffer(raw, "<f4")[:tensor.size]
        scale = float(t.split("round(x/")[1].split(")")[0])
        zp = int(t.split(")+")[1].split(",")[0])
        q = np.clip(round_half_away(x / scale) + zp, -128, 127)
        return q.astype(np.int8).reshape(tensor.shape)
    if "float32" in t:
        return np.frombuffer(raw, "<f4").reshape(tensor.shape).copy()
    if t.startswith("first"):
        return np.frombuffer(raw[:tensor.nbytes], np.int8).reshape(tensor.shape).copy()
    if "uint8, minus 128" in t:
        return (np.frombuffer(raw, np.uint8).astype(np.int16) - 128).astype(np.int8).reshape(tensor.shape)
    return np.frombuffer(raw, np.int8).reshape(tensor.shape).copy()


def check_value(case: GoldenCase, output: np.ndarray):
    """The value CFU Playground's test compares, computed from a model output."""
    out = np.asarray(output).reshape(-1)
    c = case.check
    if c == "output":
        values = [int(v) for v in out]
        return values if isinstance(case.expected, list) or len(values) != 1 else values[0]
    if c == "out[1]-out[0]":
        return int(out[1]) - int(out[0])
    if c == "out+128":
        return [int(v) + 128 for v in out]
    if c == "xor32":
        x = 0
        for j, v in enumerate(out[:640]):
            x ^= (int(v) << ((j & 3) * 8)) & 0xFFFFFFFF
        return x
    if c.startswith("float32"):
        return [hex(int(v)) for v in out.astype("<f4").view("<u4")]
    raise ValueError(f"unknown check '{c}'")


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


def as_samples(x: np.ndarray, t: Tensor, what: str = "Samples") -> np.ndarray:
    """A batch ``(N, ...)`` reshaped to ``(N, *per-sample shape)`` of input ``t``.

    Shapes that differ only in axes of size 1 (``(N, 8, 8)`` for an ``(1, 8, 8, 1)`` input) are
    taken as the same layout; anything else is an InputError that names ``what`` and the input.
    """
    per = tuple(t.shape[1:] if t.shape[:1] == (1,) else t.shape)
    x = np.asarray(x)
    if x.ndim < 1 or [d for d in x.shape[1:] if d != 1] != [d for d in per if d != 1]:
        raise InputError(f"{what} have shape {x.shape[1:]}; input '{t.name}' takes {per} (NHWC)")
    return x.reshape((x.shape[0],) + per)
