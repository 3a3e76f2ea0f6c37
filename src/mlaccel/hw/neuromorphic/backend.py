"""The neuromorphic backend: a spiking network (:mod:`mlaccel.snn`) simulated, its events counted and
priced on a chip.

``mlaccel run NET.nir --target neuromorphic:loihi`` and ``mlaccel snn eval`` both come here through
``Model.run``: the network is simulated for T steps (:func:`mlaccel.snn.simulate`), each weighted
layer's events, synaptic operations and spikes are read off the run (:func:`chip_layers`), and
:func:`.cost.chip_cost` maps the layers onto cores and prices them. Outputs are the readout after
the last step. An int8 or float graph is refused, with the commands that convert it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...errors import TargetError
from ...snn.convert import WEIGHTED, SpikingNet
from ...snn.simulation import SimResult, fanout, simulate
from ...stats import Stats
from .config import NeuromorphicConfig
from .cost import ChipCost, chip_cost
from .mapping import Layer

__all__ = ["NeuromorphicBackend", "NetworkRun", "chip_layers", "layer_stats"]


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


def layer_stats(cost: ChipCost) -> list[Stats]:
    """A chip cost as Stats: one per layer (its energy and events), then one for the whole chip (the
    run's latency, its static energy): cores work in parallel, so time is the chip's, not a layer's."""
    out = []
    for c in cost.layers:
        lay = c.layer
        out.append(Stats(op=lay.name, energy_pj=dict(c.energy_pj), output_shape=(lay.neurons,),
                         extra=dict(unit="cores", neurons=lay.neurons, fan_in=lay.fan_in, cores=c.cores,
                                    events=lay.events, synops=lay.synops, spikes=lay.spikes, hops=c.hops)))
    out.append(Stats(op="chip", seconds=cost.latency_s, energy_pj={"static": cost.energy_pj["static"]},
                     extra=dict(unit="chip", cores=cost.cores, timesteps=cost.timesteps)))
    return out


class NetworkRun(NamedTuple):
    """A spiking run: the readout after the last step ``(N, ...)``, per-layer Stats, the simulation
    (counts after every step) and the chip's cost."""

    outputs: np.ndarray
    stats: list
    simulation: SimResult
    cost: ChipCost


class NeuromorphicBackend:
    """Runs spiking networks on a :class:`NeuromorphicConfig` chip."""

    workload = "spiking"
    columns = ("neurons", "cores", "events", "synops", "spikes", "energy")

    def __init__(self, config: NeuromorphicConfig):
        self.config = config
        self.name = f"neuromorphic:{config.name}"
        self.notes: tuple[str, ...] = ()

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs."""

    def prepare(self, item, kernel):
        raise TargetError(f"'{self.name}' runs spiking networks, not op {item.label} of an ANN: convert a float "
                          f"model with 'mlaccel snn convert MODEL.onnx --calib DATA --out NET.nir', then "
                          f"'mlaccel run NET.nir --target {self.name}' (or 'mlaccel snn eval')")

    def run(self, item, prepared, inputs: list):
        raise TargetError(f"'{self.name}' runs spiking networks (see 'mlaccel snn eval')")

    def cost(self, net: SpikingNet, result: SimResult, t: int | None = None) -> ChipCost:
        """One inference of ``net`` over the first ``t`` steps of ``result`` (default: all) on this chip.

        Raises
        ------
        TargetError
            The network does not fit the chip's cores.
        """
        return chip_cost(chip_layers(net, result, t), self.config, t or result.timesteps, self.name)

    def run_network(self, net: SpikingNet, x: np.ndarray, timesteps: int, encoder: str = "direct",
                    progress=None) -> NetworkRun:
        """Simulate ``net`` on samples ``x`` for ``timesteps`` steps and price one inference."""
        sim = simulate(net, x, timesteps, encoder, progress=progress)
        cost = self.cost(net, sim)
        return NetworkRun(sim.scores[-1], layer_stats(cost), sim, cost)

    def __repr__(self) -> str:
        return f"NeuromorphicBackend({self.name!r})"
