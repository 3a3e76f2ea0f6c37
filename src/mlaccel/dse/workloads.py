"""The models a sweep prices, prepared once per process: int8 graphs (float models quantized and
pruned as a point's compression settings say), their kernel parameters, their accuracy on the
reference kernels, and spiking conversions.

Every function here is cached per process on its arguments, so a sweep that visits a compression
setting many times (beside different hardware) compresses and scores it once.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..graph import Graph
from ..kernels import KERNELS
from ..lower import Program, lower
from ..model.builder import GraphBuilder, quant

__all__ = ["resnet50_graph", "int8_graph", "program", "reference_accuracy", "dataset", "spiking_net",
           "spiking_run", "model_hash", "compress_key"]


def resnet50_graph() -> Graph:
    """ResNet-50's convolutions as independent int8 CONV_2D ops (zero weights)."""
    from ..hw.systolic.topologies import resnet50

    g = GraphBuilder("ResNet-50 v1 topology (He et al. 2016), 54 layers, shapes only")
    ins, outs = [], []
    for lay in resnet50():
        x = g.tensor(f"{lay.name}/in", (1, lay.ifmap_h, lay.ifmap_w, lay.channels), np.int8, quant(1.0, 0))
        w = g.tensor(f"{lay.name}/w", (lay.filters, lay.filter_h, lay.filter_w, lay.channels), np.int8,
                     quant(np.ones(lay.filters), 0), data=np.zeros((lay.filters, lay.filter_h, lay.filter_w,
                                                                     lay.channels), np.int8))
        b = g.tensor(f"{lay.name}/b", (lay.filters,), np.int32, quant(np.ones(lay.filters), 0),
                     data=np.zeros(lay.filters, np.int32))
        y = g.tensor(lay.name, (1, lay.ofmap_h, lay.ofmap_w, lay.filters), np.int8, quant(1.0, 0))
        g.op("CONV_2D", [x, w, b], [y], padding="VALID", stride_h=lay.stride_h, stride_w=lay.stride_w,
             activation="NONE")
        ins.append(x)
        outs.append(y)
    return g.build(ins, outs, name="resnet50")


def compress_key(settings: dict) -> tuple:
    """A point's compression settings as a hashable key (``weight_bits``, ``sparsity``, ``epochs``)."""
    bits = settings.get("weight_bits", 8)
    sparsity = settings.get("sparsity", 0)
    return str(bits), "0" if sparsity in (0, "0", "none") else str(sparsity), int(settings.get("epochs", 0))


@lru_cache(maxsize=4)
def dataset(spec: str, samples: int | None):
    """A dataset's first ``samples`` samples."""
    from ..data import load_dataset

    return load_dataset(spec).take(samples)


@lru_cache(maxsize=4)
def _float_graph(path: str) -> Graph:
    from ..compress.flows import from_onnx

    return from_onnx(path)


@lru_cache(maxsize=4)
def _calibration(path: str, spec: str) -> np.ndarray:
    from ..compress.flows import calibration_samples

    return calibration_samples(spec, _float_graph(path))


@lru_cache(maxsize=32)
def int8_graph(model: str, key: tuple = ("8", "0", 0), calibration: str | None = None) -> Graph:
    """A model as the int8 graph a point runs: shipped and ``.tflite`` models as they are (pruned if
    ``key`` says so), float ``.onnx`` models pruned (and fine-tuned for ``epochs`` on the
    calibration dataset's training split) then quantized with ``calibration`` data."""
    from ..compress.prune import parse_sparsity
    from ..compress.quantize import QuantConfig, parse_weight_bits, quantize

    bits, sparsity, epochs = key
    spec = None if sparsity == "0" else parse_sparsity(sparsity)
    if model == "resnet50":
        return resnet50_graph()
    if model.endswith(".onnx"):
        from ..compress.flows import prune_float

        if calibration is None:
            raise InputError(f"Float model '{model}' needs calibration data to quantize: give datasets or "
                             f"calibration in [space]")
        graph = _float_graph(model)
        if spec is not None and epochs:
            from ..compress.torch_support import one_thread
            from ..data import load_dataset

            with one_thread():
                graph = prune_float(graph, spec, load_dataset(calibration, split="train"), epochs)[0]
        elif spec is not None:
            graph = prune_float(graph, spec)[0]
        return quantize(graph, _calibration(model, calibration), QuantConfig(weight_bits=parse_weight_bits(bits)))
    from ..session import load

    graph = load(model).graph
    if spec is not None:
        from ..compress.flows import prune_int8

        graph = prune_int8(graph, spec)[0]
    return graph


@lru_cache(maxsize=32)
def program(model: str, key: tuple = ("8", "0", 0), calibration: str | None = None) -> Program:
    """The int8 graph lowered to work items (they do not depend on the hardware config)."""
    graph = int8_graph(model, key, calibration)
    for op in graph.ops:
        if KERNELS.get(op.type) is None:
            raise InputError(f"Model '{Path(model).name}': op {op.label} has no int8 kernel; the design sweep runs "
                             f"int8 models")
    return lower(graph)


@lru_cache(maxsize=64)
def reference_accuracy(model: str, key: tuple, calibration: str | None, data: str, samples: int | None) -> float:
    """Top-1 accuracy of the int8 graph on the reference kernels: what every digital target gives,
    since their outputs are bit-exact with them."""
    from ..verify.accuracy import evaluate
    from ..session import Model

    return evaluate(Model(int8_graph(model, key, calibration)), dataset(data, samples)).accuracy


@lru_cache(maxsize=8)
def spiking_net(model: str, percentile: float, calibration: str):
    """A float model converted to integrate-and-fire neurons."""
    from ..snn import convert

    return convert(_float_graph(model), _calibration(model, calibration), percentile)


@lru_cache(maxsize=16)
def spiking_run(model: str, percentile: float, calibration: str, data: str, samples: int | None, timesteps: int):
    """The converted network run on the dataset for ``timesteps`` steps (a SimResult)."""
    from ..snn import simulate

    return simulate(spiking_net(model, percentile, calibration), dataset(data, samples).x, timesteps)


def model_hash(model: str) -> str:
    """A short hash of a model's content (its file's bytes; the topology's name for resnet50)."""
    if model == "resnet50":
        return hashlib.sha256(b"resnet50-topology-v1").hexdigest()[:16]
    from ..model.zoo import resolve_model

    return hashlib.sha256(resolve_model(model).read_bytes()).hexdigest()[:16]
