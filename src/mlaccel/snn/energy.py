"""What a spiking run costs on a neuromorphic chip, and what the same network costs as an int8 ANN.

:func:`chip_layers` turns a :class:`SpikingNet` and its :class:`SimResult` into the chip's view of
each weighted layer (neurons, fan-in, events, synaptic ops, spikes); :func:`snn_cost` prices them on a
``neuromorphic:`` target; :func:`ann_cost` quantizes the network's float graph (post-training, on
calibration samples) and runs it on a digital target such as ``systolic:edge-16x16-os``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, TargetError
from ..hw.neuromorphic import ChipCost, Layer, chip_cost
from ..targets import Target, resolve
from .convert import WEIGHTED, SpikingNet
from .simulation import SimResult, fanout

__all__ = ["chip_layers", "snn_cost", "ann_cost", "AnnCost", "DEFAULT_CHIPS", "ANN_TARGET"]

DEFAULT_CHIPS = ("neuromorphic:loihi", "neuromorphic:truenorth")
ANN_TARGET = "systolic:edge-16x16-os"


def _fan_in(op) -> int:
    w = op.inputs[1].shape
    if op.type == "FULLY_CONNECTED":
        return int(w[1])
    return int(w[1] * w[2] * (w[3] if op.type == "CONV_2D" else 1))


def chip_layers(net: SpikingNet, result: SimResult, t: int | None = None) -> list[Layer]:
    """Each weighted layer's counts per inference over the first ``t`` steps (default: all)."""
    t = t or result.timesteps
    weighted = [op for op in net.ops if op.type in WEIGHTED]
    layers = []
    for i, op in enumerate(weighted):
        end = weighted[i + 1].index if i + 1 < len(weighted) else net.output_op + 1
        spikes = sum(float(v[t - 1]) for o in net.ops if op.index <= o.index < end
                     for v in [result.spikes.get(o.label)] if v is not None)
        layers.append(Layer(op.label, int(op.outputs[0].size), _fan_in(op), fanout(op),
                            float(result.events[op.label][t - 1]), float(result.synops[op.label][t - 1]), spikes))
    return layers


def snn_cost(net: SpikingNet, result: SimResult, target: str | Target = DEFAULT_CHIPS[0],
             t: int | None = None) -> ChipCost:
    """One inference of ``net`` over ``t`` steps on a neuromorphic target.

    Raises
    ------
    TargetError
        The target is not neuromorphic, or the network does not fit its cores.
    """
    tgt = resolve(target)
    if tgt.family != "neuromorphic":
        raise TargetError(f"Spiking networks are priced on neuromorphic targets ({', '.join(DEFAULT_CHIPS)}), "
                          f"not '{tgt.name}'")
    return chip_cost(chip_layers(net, result, t), tgt.config, t or result.timesteps, tgt.name)


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
    if tgt.family == "neuromorphic":
        raise TargetError(f"The ANN comparison needs a digital target such as {ANN_TARGET}, not '{tgt.name}'")
    if len(calib) == 0:
        raise InputError("The ANN comparison needs calibration samples")
    q = Model(quantize(graph, calib))
    x = calib[:4]
    if q.inputs[0].dtype != np.float32:
        from ..verify.accuracy import model_inputs

        x = model_inputs(q, x)
    total = q.run(x, target=tgt).total
    return AnnCost(tgt.name, total.energy_total_pj, total.seconds, int(total.macs))
