"""Energy and latency of one inference on a neuromorphic chip, from the events a run counted.

Per layer and inference:

- synaptic operations x ``synop_pj``;
- each input event is one spike message to every core it reaches (``spike_pj``), travelling the
  mean router distance from its source layer's cores (the input port, router (0, 0), for the first
  layer) to them (``hop_ew_pj``, ``hop_ns_pj`` per hop);
- every neuron updates every step (``neuron_update_pj``);
- static power over the run's latency.

A step lasts the slowest core's work (its share of the layer's synaptic ops and neuron updates)
plus the barrier, or the chip's fixed tick when it has one; cores work in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from ...stats import Cost, CostTable
from .config import NeuromorphicConfig
from .mapping import Layer, map_layers, mean_hops

__all__ = ["LayerCost", "ChipCost", "chip_cost", "ENERGY_PARTS", "cost_table"]

ENERGY_PARTS = ("synops", "spikes", "routing", "neurons", "static")


@dataclass(frozen=True)
class LayerCost:
    """One layer's share (per inference). ``energy_pj`` maps :data:`ENERGY_PARTS` (but static) to pJ."""

    layer: Layer
    cores: int
    reach: int  # cores one input event goes to
    hops: float  # router hops per inference
    step_ns: float  # the busiest core's work per time step
    energy_pj: dict

    @property
    def total_pj(self) -> float:
        return float(sum(self.energy_pj.values()))


@dataclass(frozen=True)
class ChipCost:
    """One inference on a chip.

    Attributes
    ----------
    chip : str
    timesteps : int
    layers : list of LayerCost
    cores : int
        Cores used.
    latency_s : float
        Time of one inference (``timesteps`` steps).
    energy_pj : dict
        Per part (:data:`ENERGY_PARTS`), pJ.
    """

    chip: str
    timesteps: int
    layers: list
    cores: int
    latency_s: float
    energy_pj: dict

    @property
    def total_pj(self) -> float:
        """Energy of one inference, pJ."""
        return float(sum(self.energy_pj.values()))

    @property
    def synops(self) -> float:
        return float(sum(c.layer.synops for c in self.layers))

    @property
    def spikes(self) -> float:
        return float(sum(c.layer.spikes for c in self.layers))

    def as_dict(self) -> dict:
        """JSON-ready figures, per layer too."""
        return {"chip": self.chip, "timesteps": self.timesteps, "cores": self.cores, "latency_s": self.latency_s,
                "energy_pj": dict(self.energy_pj), "total_pj": self.total_pj, "synops": self.synops,
                "spikes": self.spikes,
                "layers": [{"name": c.layer.name, "neurons": c.layer.neurons, "fan_in": c.layer.fan_in,
                            "cores": c.cores, "events": c.layer.events, "synops": c.layer.synops,
                            "spikes": c.layer.spikes, "hops": c.hops, "energy_pj": dict(c.energy_pj)}
                           for c in self.layers]}


def chip_cost(layers: list[Layer], config: NeuromorphicConfig, timesteps: int, chip: str = "") -> ChipCost:
    """Map ``layers`` (a feed-forward chain) and price one inference of ``timesteps`` steps.

    Raises
    ------
    TargetError
        The network needs more cores than the chips have.
    """
    cfg = config
    places = map_layers(layers, cfg, chip)
    port = places[0].routers[:1] * 0
    costs, src = [], port
    for layer, place in zip(layers, places):
        reach = min(place.cores // place.in_splits, max(1, ceil(layer.fanout / place.neurons_per_core)))
        ew, ns = mean_hops(src, place.routers)
        messages = layer.events * reach
        energy = {"synops": layer.synops * cfg.synop_pj, "spikes": messages * cfg.spike_pj,
                  "routing": messages * (ew * cfg.hop_ew_pj + ns * cfg.hop_ns_pj),
                  "neurons": layer.neurons * timesteps * cfg.neuron_update_pj}
        per_core = (layer.synops / timesteps * cfg.synop_ns + layer.neurons * cfg.neuron_update_ns) / place.cores
        costs.append(LayerCost(layer, place.cores, reach, messages * (ew + ns), per_core, energy))
        src = place.routers
    step_ns = max(c.step_ns for c in costs) + cfg.barrier_ns
    latency = timesteps * max(step_ns * 1e-9, cfg.tick_s)
    energy = {p: float(sum(c.energy_pj[p] for c in costs)) for p in ENERGY_PARTS[:-1]}
    energy["static"] = cfg.static_mw * 1e-3 * latency * 1e12
    return ChipCost(chip or cfg.name, timesteps, costs, sum(p.cores for p in places), latency, energy)


def cost_table(config: NeuromorphicConfig) -> CostTable:
    """The energy of each event the chip is priced by (the preset's comments give each source)."""
    src = f"the {config.name} preset's published figures (hw/neuromorphic/config.py)"
    actions = {"synop": Cost(config.synop_pj, "synaptic op", src), "spike": Cost(config.spike_pj, "spike message", src),
               "hop_ew": Cost(config.hop_ew_pj, "east-west hop", src), "hop_ns": Cost(config.hop_ns_pj, "north-south hop", src),
               "neuron_update": Cost(config.neuron_update_pj, "neuron update", src)}
    return CostTable(f"neuromorphic:{config.name}", actions,
                     (f"static power {config.static_mw:g} mW over the run's latency",))
