"""The compression flows: float models in (ONNX, PyTorch), QAT, pruning with fine-tuning, calibration data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..data import Dataset, load_dataset
from ..data.files import read_npy
from ..errors import InputError
from ..graph import Graph
from ..model.onnx_reader import onnx_input_shapes, parse_onnx, read_onnx
from ..data.layout import as_samples
from .calibrate import check_calibration
from .prune import PruneSpec, apply_masks, masks_for, polynomial_sparsity, remove_channels
from .quantize import QuantConfig, quantize
from .recipes import torch_to_onnx

__all__ = ["from_onnx", "from_torch", "calibration_samples", "finetune", "qat", "prune_float", "prune_int8"]


def from_onnx(source: str | os.PathLike | bytes, example: np.ndarray | None = None) -> Graph:
    """A float ONNX model (path or bytes) as a float32 Graph (NHWC).

    ``example`` (an input batch in the ONNX model's own layout) sizes dynamic input dimensions.
    """
    shapes = None
    if example is not None:
        data = Path(source).read_bytes() if not isinstance(source, (bytes, bytearray)) else bytes(source)
        name = next(iter(onnx_input_shapes(data)))
        shapes = {name: (1,) + tuple(np.shape(example)[1:])}
    if isinstance(source, (bytes, bytearray)):
        return parse_onnx(bytes(source), input_shapes=shapes)
    return read_onnx(source, shapes)


def from_torch(module, example_input) -> Graph:
    """A PyTorch module as a float32 Graph, through ONNX (``example_input``: one input batch, NCHW)."""
    return parse_onnx(torch_to_onnx(module, example_input), name=type(module).__name__)


def _to_nhwc(x: np.ndarray, graph: Graph) -> np.ndarray:
    """Image samples in ONNX's NCHW layout, transposed to the Graph's NHWC; others as they are.

    Imported 4-D inputs are always NCHW in the ONNX model and NHWC in the Graph.
    """
    shape = graph.inputs[0].shape
    if len(shape) == 4 and x.ndim == 4 and x.shape[1:] == (shape[3], shape[1], shape[2]) != shape[1:]:
        return x.transpose(0, 2, 3, 1)
    return x


def calibration_samples(spec: str | os.PathLike | np.ndarray, graph: Graph, limit: int | None = 300) -> np.ndarray:
    """Calibration inputs as a float32 NHWC batch.

    Parameters
    ----------
    spec : str, path or ndarray
        A dataset name (``digits``: its training split), a ``.npy`` of inputs or a ``.npz`` with
        ``x``, in the ONNX model's own layout (NCHW images are transposed); or an array.
    limit : int
        At most this many samples (the first ones).
    """
    if isinstance(spec, np.ndarray):
        x = spec
    else:
        s = os.fspath(spec)
        if s.endswith(".npy"):
            x = read_npy(s, "Calibration file")
        else:
            x = load_dataset(s, split="train").x
    x = x[:limit] if limit and x.ndim else x
    return check_calibration(graph, _to_nhwc(x, graph))


def finetune(graph: Graph, data: Dataset, epochs: int, masks: dict | None = None, qat: bool = False,
             schedule=None, lr: float = 1e-3, progress=None):
    """Train a float Graph's weights in torch; returns ``(graph, module)``.

    ``masks`` stay applied throughout; ``schedule(step, total)`` may return new masks (gradual pruning).
    """
    if epochs < 1:
        raise InputError(f"epochs must be at least 1, got {epochs}")
    from .torch_graph import GraphModule, train_epochs  # needs the [train] extra

    module = GraphModule(graph, qat=qat, masks=masks)
    x = as_samples(np.asarray(data.x, np.float32), graph.inputs[0], "Training samples")

    def on_step(step, total):
        new = schedule(step, total, module) if schedule is not None else None
        if new is not None:
            module.set_masks(new)

    train_epochs(module, x, data.y, epochs, lr=lr, on_step=on_step, progress=progress,
                 probabilities=graph.ops[-1].type == "SOFTMAX")
    return module.to_graph(), module


def qat(graph: Graph, data: Dataset, epochs: int, config: QuantConfig = QuantConfig(), progress=None,
        lr: float = 1e-4):
    """Quantization-aware training, then export: returns ``(int8 graph, QAT module)``.

    The module's fake quantization rounds as the int8 kernels do; its learned activation ranges
    become the int8 model's quantization parameters.
    """
    x = check_calibration(graph, data.x)
    trained, module = finetune(graph, data, epochs, qat=True, lr=lr, progress=progress)
    ranges = {i: (min(r[0], 0.0), max(r[1], 0.0)) for i, r in module.ranges.items()}
    return quantize(trained, x[:300], config, ranges=ranges), module


def prune_float(graph: Graph, spec: PruneSpec, data: Dataset | None = None, epochs: int = 0,
                progress=None, lr: float = 5e-3) -> tuple[Graph, list[str]]:
    """Prune a float Graph, optionally fine-tuning on ``data`` (masks kept; gradual schedule for magnitude)."""
    notes: list[str] = []
    if spec.structured == "channels":
        graph, skipped = remove_channels(graph, spec.sparsity)
        notes += skipped
        if data is not None and epochs:
            graph, _ = finetune(graph, data, epochs, lr=lr, progress=progress)
        return graph, notes
    if data is None or not epochs:
        return apply_masks(graph, masks_for(graph, spec)), notes
    if spec.n:  # N:M: one mask from the trained weights, kept while fine-tuning
        graph, _ = finetune(graph, data, epochs, masks=masks_for(graph, spec), lr=lr, progress=progress)
        return graph, notes

    def schedule(step, total, module):  # magnitude: re-rank every 10 steps; pruned weights stay zero
        if step % 10:
            return None
        return masks_for(module.to_graph(), spec, sparsity=polynomial_sparsity(step, total, spec.sparsity))

    graph, _ = finetune(graph, data, epochs, schedule=schedule, lr=lr, progress=progress)
    # the schedule reaches the final sparsity before the last steps; apply it exactly
    return apply_masks(graph, masks_for(graph, spec)), notes


def prune_int8(graph: Graph, spec: PruneSpec) -> tuple[Graph, list[str]]:
    """Prune an int8 Graph without retraining (quantization parameters kept)."""
    if spec.structured == "channels":
        return remove_channels(graph, spec.sparsity)
    return apply_masks(graph, masks_for(graph, spec)), []


