"""Compression: float models in, int8 models out. Quantization, pruning and their reports.

``from_onnx`` / ``from_torch`` give a float32 Graph; ``quantize`` (PTQ) and ``qat`` give an int8
Graph that :func:`mlaccel.model.writer.write_tflite` writes; ``prune_float`` and ``prune_int8``
prune either kind. Training needs the ``[train]`` extra.
"""

from .flows import calibration_samples, finetune, from_onnx, from_torch, prune_float, prune_int8, qat
from .prune import PruneSpec, parse_sparsity
from .quantize import QuantConfig, quantize
from .report import layer_figures

__all__ = ["from_onnx", "from_torch", "calibration_samples", "quantize", "QuantConfig", "qat", "finetune",
           "prune_float", "prune_int8", "PruneSpec", "parse_sparsity", "layer_figures"]
