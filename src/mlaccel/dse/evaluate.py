"""One design point: every model's costs on the configured target, its accuracy, and its area.

How a point is priced follows its family's record (:class:`mlaccel.family.Family`), never its name:

- a backend that can price work items without running them (``Backend.price``: a dense systolic
  array's closed form) prices the model's lowered program, made once per process
  (:mod:`.workloads`);
- otherwise the model runs (``Model.run``), since its costs follow the data (a sparse array's
  zeros, a CFU's instructions): on the dataset's first sample, or a seeded random input without a
  dataset;
- a family whose outputs follow the hardware (``exact = False``: analog) runs the whole dataset
  and is scored on its own outputs; without a dataset, its top-1 agreement with the reference
  kernels on the model's golden inputs (else on ``samples`` random ones) is the ``agreement``
  metric;
- an exact family's accuracy is the int8 graph's on the reference kernels (computed once per
  compression setting), since its outputs are bit-exact with them;
- a family whose workload is ``"spiking"`` prices the converted spiking network's events, from one
  simulation of the space's longest run (a shorter one is its prefix).

The area comes from the family's table; None where the target is not hardware. ResNet-50 is the
54-layer topology of :func:`mlaccel.hw.systolic.topologies.resnet50` as int8 convolutions (its
costs need shapes, not trained weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import TargetError
from ..targets import Target, area_of, family, make_backend, resolve
from .space import Space, hardware_values, settings, with_fields
from .workloads import (compress_key, dataset, int8_graph, model_hash, program, reference_accuracy, resnet50_graph,
                        spiking_net, spiking_run)

__all__ = ["Job", "evaluate_point", "resnet50_graph", "model_hash", "RANDOM_SAMPLES"]

RANDOM_SAMPLES = 20  # random inputs for the agreement of a non-exact family when the model has no goldens


@dataclass(frozen=True)
class Job:
    """What every point of a sweep shares (picklable, for worker processes and Ray tasks).

    ``longest`` is the most time steps any point simulates (spiking spaces): one simulation that
    long gives every shorter one.
    """

    base: str
    models: tuple
    paths: tuple
    datasets: tuple = ()
    calibration: str | None = None
    samples: int | None = None
    longest: int | None = None

    @classmethod
    def of(cls, space: Space) -> "Job":
        steps = space.fields.get("snn.timesteps")
        return cls(space.base, space.models, space.paths or space.models, space.datasets, space.calibration,
                   space.samples, max(steps) if steps else None)

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


def _graph_point(target: Target, model: str, key: tuple, calib: str | None, data: str | None,
                 samples: int | None) -> tuple[dict, list]:
    """Costs (and accuracy or agreement) of one int8 model on a family that runs graphs."""
    from ..inputs import model_samples
    from ..session import Model

    fam = family(target.family)
    accuracy = agreement = stats = None
    if fam.exact:
        price = getattr(fam.backend(target.config), "price", None)
        if price is not None:
            stats = [price(item) for item in program(model, key, calib).items]
            stats = None if any(s is None for s in stats) else stats
    if stats is None:
        m = Model(int8_graph(model, key, calib), source=model if model.endswith(".tflite") else None)
        if fam.exact:
            ds = None if data is None else dataset(data, samples)
            x = model_samples(m, data=ds, limit=1, goldens=False, random=1).arrays
            stats = m.run(*x, target=target).ops
        elif data is not None:
            from ..verify.accuracy import top1_agreement

            ds = dataset(data, samples)
            x = model_samples(m, data=ds).arrays
            res = m.run(*x, target=target)
            accuracy = top1_agreement(np.asarray(res.outputs[0]), ds.y)
            stats = res.ops
        else:
            from ..verify.check import agreement_with_reference

            x = model_samples(m, limit=samples, random=samples or RANDOM_SAMPLES).arrays
            res = m.run(*x, target=target)
            agreement = agreement_with_reference(m, list(x), res).top1
            stats = res.ops
    if accuracy is None and data is not None:
        accuracy = reference_accuracy(model, key, calib, data, samples)
    summary = {"cycles": int(sum(s.cycles or 0 for s in stats)), "latency_s": float(sum(s.seconds or 0 for s in stats)),
               "energy_pj": float(sum(s.energy_total_pj for s in stats)), "accuracy": accuracy,
               "agreement": agreement}
    return summary, [[s.op, s.cycles, s.energy_total_pj, s.utilization, dict(s.energy_pj)] for s in stats]


def _spiking(target: Target, model: str, snn: dict, calib: str, data: str, samples: int | None,
             longest: int | None) -> tuple[dict, list]:
    """Costs and accuracy of a float model converted to a spiking network, on a spiking family."""
    percentile = float(snn.get("percentile", 99.9))
    t = int(snn.get("timesteps", 32))
    net = spiking_net(model, percentile, calib)
    res = spiking_run(model, percentile, calib, data, samples, max(t, longest or t))
    cost = make_backend(target).cost(net, res, t)
    accuracy = float(np.mean(res.predictions(t) == dataset(data, samples).y))
    # event-driven cores keep no global clock: cycles stay 0, latency is the model's
    summary = {"cycles": 0, "latency_s": cost.latency_s, "energy_pj": cost.total_pj, "accuracy": accuracy,
               "agreement": None, "spikes": cost.spikes, "synops": cost.synops, "cores": cost.cores}
    return summary, [[c.layer.name, 0, c.total_pj, None, dict(c.energy_pj)] for c in cost.layers]


def evaluate_point(job: Job, values: dict) -> dict:
    """Metrics of one design point (costs summed over the models, accuracy and agreement their
    lowest) and its per-layer costs.

    Returns
    -------
    dict
        ``metrics``: latency_s, energy_pj, area_mm2 (None: the target is not hardware), edp
        (pJ s), cycles, accuracy (None without datasets), agreement (a non-exact family without
        datasets; else None); ``models``: the same per model; ``layers``: per model, ``[op, cycles,
        energy_pj, utilization, {component: pJ}]`` rows; ``area``: mm^2 by component.

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
    spiking = family(target.family).workload == "spiking"
    key = compress_key(settings(values, "compress"))
    per_model, layers = {}, {}
    for i, (name, m) in enumerate(zip(job.models, job.paths)):
        data, calib = job.dataset_for(i), job.calibration_for(i)
        if spiking:
            summary, rows = _spiking(point, m, settings(values, "snn"), calib, data, job.samples, job.longest)
        else:
            summary, rows = _graph_point(point, m, key, calib, data, job.samples)
        per_model[name] = summary
        layers[name] = rows
    area = area_of(cfg)
    latency = sum(v["latency_s"] for v in per_model.values())
    energy = sum(v["energy_pj"] for v in per_model.values())

    def lowest(metric: str):
        known = [v[metric] for v in per_model.values() if v.get(metric) is not None]
        return min(known) if known else None

    metrics = {"latency_s": latency, "energy_pj": energy, "area_mm2": None if area is None else area.total,
               "edp": energy * latency, "cycles": sum(v["cycles"] for v in per_model.values()),
               "accuracy": lowest("accuracy"), "agreement": lowest("agreement")}
    return {"metrics": metrics, "models": per_model, "layers": layers,
            "area": {} if area is None else dict(area.parts)}
