"""One design point: every model's closed-form costs on the configured target, and its area.

Kernel parameters do not depend on the config, so each process prepares a model's ops once
(:func:`workload`) and every point only runs the closed form (``SystolicBackend.dense_stats``).
ResNet-50 is the 54-layer topology of :func:`mlaccel.hw.systolic.topologies.resnet50` as int8
convolutions (its costs need shapes, not trained weights).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from ..errors import InputError, TargetError
from ..graph import Graph
from ..kernels import KERNELS
from ..model.builder import GraphBuilder, quant
from ..targets import resolve

__all__ = ["workload", "evaluate_point", "resnet50_graph", "model_hash"]


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


@lru_cache(maxsize=8)
def workload(model: str) -> tuple[Graph, tuple]:
    """A model's graph and its ops' kernel parameters (cached per process)."""
    if model == "resnet50":
        graph = resnet50_graph()
    else:
        from ..samples import resolve_model
        from ..session import load

        graph = load(resolve_model(model)).graph
    params = []
    for op in graph.ops:
        kernel = KERNELS.get(op.type)
        if kernel is None:
            raise InputError(f"Model '{model}': op {op.label} has no int8 kernel; the design sweep runs int8 models")
        params.append(kernel.prepare(op))
    return graph, tuple(params)


def model_hash(model: str) -> str:
    """A short hash of a model's content (its file's bytes; the topology's name for resnet50)."""
    if model == "resnet50":
        return hashlib.sha256(b"resnet50-topology-v1").hexdigest()[:16]
    from ..samples import resolve_model

    return hashlib.sha256(resolve_model(model).read_bytes()).hexdigest()[:16]


def evaluate_point(base: str, values: dict, models: tuple) -> dict:
    """Metrics of one design point (summed over the models) and its per-layer costs.

    Returns
    -------
    dict
        ``metrics``: latency_s, energy_pj, area_mm2, edp (pJ s), cycles; ``models``: the same per
        model; ``layers``: per model, ``[op, cycles, energy_pj, utilization]`` rows.
    """
    from ..hw.systolic.area import array_area
    from ..hw.systolic.backend import SystolicBackend

    target = resolve(base)
    if target.family != "systolic":
        raise TargetError(f"Design sweeps price systolic configs so far, not '{target.name}'")
    cfg = target.config.replace(**values)
    if not cfg.sparse.is_dense:
        raise TargetError("Design sweeps take dense systolic configs (sparse costs follow each run's data)")
    backend = SystolicBackend(cfg)
    per_model, layers = {}, {}
    for m in models:
        graph, params = workload(m)
        stats = [backend.dense_stats(op, p) for op, p in zip(graph.ops, params)]
        cycles = sum(s.cycles for s in stats)
        energy = sum(s.energy_total_pj for s in stats)
        per_model[m] = {"cycles": cycles, "latency_s": sum(s.seconds for s in stats), "energy_pj": energy}
        layers[m] = [[s.op, s.cycles, s.energy_total_pj, s.utilization] for s in stats]
    area = array_area(cfg).total
    latency = sum(v["latency_s"] for v in per_model.values())
    energy = sum(v["energy_pj"] for v in per_model.values())
    metrics = {"latency_s": latency, "energy_pj": energy, "area_mm2": area, "edp": energy * latency,
               "cycles": sum(v["cycles"] for v in per_model.values())}
    return {"metrics": metrics, "models": per_model, "layers": layers}
