"""The shipped sample models: their short names, folder and class labels, and the TFLite-Micro goldens.

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

from ..errors import ModelFileError
from ..graph import Tensor
from ..kernels.requantize import round_half_away

__all__ = ["models_dir", "GoldenCase", "golden_cases", "golden_input", "check_value", "resolve_model",
           "MODEL_ALIASES", "LABELS", "labels_for"]

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
    repo = Path(__file__).resolve().parents[3]
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
