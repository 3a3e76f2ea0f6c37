"""One design point: every model's costs on the configured target, its accuracy, and its area.

How a point is priced follows its family's record (:class:`mlaccel.family.Family`), never its name:

- a backend that can price work items without running them (``Backend.price``: a dense systolic
  array's closed form) prices the model's lowered program, made once per process
  (:mod:`.workloads`);
- otherwise the model runs (``Model.run``), since its costs follow the data (a sparse array's
  zeros, a CFU's instructions): on the dataset's first sample, or a seeded random input without a
  dataset. A family whose outputs follow the hardware (``exact = False``: analog) runs the whole
  dataset and is scored on its own outputs;
- an exact family's accuracy is the int8 graph's on the reference kernels (computed once per
  compression setting), since its outputs are bit-exact with them;
- a family whose workload is ``"spiking"`` prices the converted spiking network's events.

The area comes from the family's table (:mod:`mlaccel.area`); None where the family reports none.
ResNet-50 is the 54-layer topology of :func:`mlaccel.hw.systolic.topologies.resnet50` as int8
convolutions (its costs need shapes, not trained weights).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from ..errors import TargetError
from ..targets import Target, area_of, family, resolve
from .space import Space, hardware_values, settings, with_fields
from .workloads import (compress_key, dataset, int8_graph, model_hash, program, reference_accuracy, resnet50_graph,
                        spiking_net, spiking_run)

__all__ = ["Job", "evaluate_point", "resnet50_graph", "model_hash"]


@dataclass(frozen=True)
class Job:
    """What every point of a sweep shares (picklable, for worker processes and Ray tasks)."""

    base: str
    models: tuple
    paths: tuple
    datasets: tuple = ()
    calibration: str | None = None
    samples: int | None = None

    @classmethod
    def of(cls, space: Space) -> "Job":
        return cls(space.base, space.models, space.paths or space.models, space.datasets, space.calibration,
                   space.samples)

    def dataset_for(self, i: int) -> str | None:
        if not self.datasets:
            return None
        return self.datasets[0] if len(self.datasets) == 1 else self.datasets[i]

    def calibration_for(self, i: int) -> str | None:
        """Quantization data for model ``i``: the space's, else its dataset's training split."""
        if self.calibration is not None:
            return self.calibration
        data = self.dataset_for(i)
        return None if data is None else data.partition(":")[0]


def _cost_input(graph, data: str | None, samples: int | None) -> np.ndarray:
    from ..verify.accuracy import model_inputs
    from ..inputs import random_input
    from ..session import Model

    if data is None:
        return random_input(graph.inputs[0], 1, np.random.default_rng(0))
    return model_inputs(Model(graph), dataset(data, samples).x[:1])


def _graph_point(target, model: str, key: tuple, calib: str | None, data: str | None,
                 samples: int | None) -> tuple[dict, list]:
    """Costs (and accuracy) of one int8 model on a family that runs graphs: priced without running
    where the backend can (``Backend.price``), else run on one sample; a family whose outputs follow
    the hardware runs the whole dataset and is scored on its own outputs."""
    fam = family(target.family)
    accuracy, stats = None, None
    if fam.exact or data is None:
        price = getattr(fam.backend(target.config), "price", None)
        if price is not None:
            stats = [price(item) for item in program(model, key, calib).items]
            stats = None if any(s is None for s in stats) else stats
    if stats is None:
        from ..session import Model

        m = Model(int8_graph(model, key, calib))
        if not fam.exact and data is not None:
            from ..verify.accuracy import model_inputs, top1_agreement

            ds = dataset(data, samples)
            res = m.run(model_inputs(m, ds.x), target=target)
            accuracy = top1_agreement(np.asarray(res.outputs[0]), ds.y)
        else:
            res = m.run(_cost_input(m.graph, data, samples), target=target)
        stats = res.ops
    if accuracy is None and data is not None:
        accuracy = reference_accuracy(model, key, calib, data, samples)
    summary = {"cycles": int(sum(s.cycles or 0 for s in stats)), "latency_s": float(sum(s.seconds or 0 for s in stats)),
               "energy_pj": float(sum(s.energy_total_pj for s in stats)), "accuracy": accuracy}
    return summary, [[s.op, s.cycles, s.energy_total_pj, s.utilization, dict(s.energy_pj)] for s in stats]


def _spiking(target, model: str, snn: dict, calib: str, data: str, samples: int | None) -> tuple[dict, list]:
    """Costs and accuracy of a float model converted to a spiking network, on a neuromorphic config."""
    from ..snn.energy import snn_cost

    percentile = float(snn.get("percentile", 99.9))
    t = int(snn.get("timesteps", 32))
    net = spiking_net(model, percentile, calib)
    res = spiking_run(model, percentile, calib, data, samples, t)
    cost = snn_cost(net, res, target)
    accuracy = float(np.mean(res.predictions() == dataset(data, samples).y))
    # event-driven cores keep no global clock: cycles stay 0, latency is the model's
    summary = {"cycles": 0, "latency_s": cost.latency_s, "energy_pj": cost.total_pj, "accuracy": accuracy}
    return summary, [[c.layer.name, 0, c.total_pj, None, dict(c.energy_pj)] for c in cost.layers]


def evaluate_point(job: Job, values: dict) -> dict:
    """Metrics of one design point (costs summed over the models, accuracy their lowest) and its
    per-layer costs.

    Returns
    -------
    dict
        ``metrics``: latency_s, energy_pj, area_mm2 (None: the family has no area table), edp
        (pJ s), cycles, accuracy (None without datasets); ``models``: the same per model;
        ``layers``: per model, ``[op, cycles, energy_pj, utilization, {component: pJ}]`` rows;
        ``area``: mm^2 by component.

    Raises
    ------
    TargetError
        The family cannot be swept (``reference``).
    ConfigError
        The family refuses the point's config.
    """
    target = resolve(job.base)
    if target.config is None:
        raise TargetError(f"Target '{target.name}' has no config to sweep")
    cfg = with_fields(target.config, hardware_values(values))
    point = Target(target.family, cfg)
    key = compress_key(settings(values, "compress"))
    per_model, layers = {}, {}
    for i, (name, m) in enumerate(zip(job.models, job.paths)):
        data, calib = job.dataset_for(i), job.calibration_for(i)
        if family(target.family).workload == "spiking":
            summary, rows = _spiking(point, m, settings(values, "snn"), calib, data, job.samples)
        else:
            summary, rows = _graph_point(point, m, key, calib, data, job.samples)
        per_model[name] = summary
        layers[name] = rows
    area = area_of(cfg)
    latency = sum(v["latency_s"] for v in per_model.values())
    energy = sum(v["energy_pj"] for v in per_model.values())
    accs = [v["accuracy"] for v in per_model.values() if v["accuracy"] is not None]
    metrics = {"latency_s": latency, "energy_pj": energy, "area_mm2": None if area is None else area.total,
               "edp": energy * latency, "cycles": sum(v["cycles"] for v in per_model.values()),
               "accuracy": min(accs) if accs else None}
    return {"metrics": metrics, "models": per_model, "layers": layers,
            "area": {} if area is None else dict(area.parts)}
