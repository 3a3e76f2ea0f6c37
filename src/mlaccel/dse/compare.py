"""The same network across paradigms: a float ReLU network quantized to int8 and run on a digital
target, the figure a spiking network's energy is held against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, TargetError
from ..targets import Target, family, resolve

__all__ = ["AnnCost", "ann_cost", "ANN_TARGET"]

ANN_TARGET = "systolic:edge-16x16-os"


@dataclass(frozen=True)
class AnnCost:
    """The network as an int8 ANN on a digital target (per inference)."""

    target: str
    energy_pj: float
    seconds: float
    macs: int

    def as_dict(self) -> dict:
        return {"target": self.target, "energy_pj": self.energy_pj, "seconds": self.seconds, "macs": self.macs}


def ann_cost(graph, calib: np.ndarray, target: str | Target = ANN_TARGET) -> AnnCost:
    """Quantize a float ``graph`` on ``calib`` (post-training, per channel) and run a few samples on
    ``target``; energy and time per inference."""
    from ..compress.quantize import quantize
    from ..session import Model

    tgt = resolve(target)
    if family(tgt.family).workload != "graph" or not family(tgt.family).timed:
        raise TargetError(f"The ANN comparison needs a timed target that runs int8 graphs, such as {ANN_TARGET}, "
                          f"not '{tgt.name}'")
    if len(calib) == 0:
        raise InputError("The ANN comparison needs calibration samples")
    q = Model(quantize(graph, calib))
    x = calib[:4]
    if q.inputs[0].dtype != np.float32:
        from ..verify.accuracy import model_inputs

        x = model_inputs(q, x)
    total = q.run(x, target=tgt).total
    return AnnCost(tgt.name, total.energy_total_pj, total.seconds, int(total.macs))
