"""Neuromorphic chip configuration: cores and their capacity, the mesh, energy and time per event."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from ...configfile import check_number, family_config_file, named_preset
from ...errors import ConfigError

__all__ = ["NeuromorphicConfig", "NeuromorphicConfigError", "PRESETS", "preset", "load_config"]


class NeuromorphicConfigError(ConfigError):
    """A neuromorphic configuration value is out of range; the message names the field."""


@dataclass(frozen=True)
class NeuromorphicConfig:
    """An event-driven chip of neuron cores on a mesh network; costs follow synaptic events.

    Attributes
    ----------
    cores_per_chip, chips : int
        Cores on one chip, and chips in the system (on one mesh).
    neurons_per_core : int
        Neurons (compartments) one core updates.
    axons_per_core : int
        Distinct inputs one core takes (its fan-in): wider layers are split over cores.
    synapses_per_core : int
        Synaptic weights one core stores. Every synapse is stored (no weight sharing), so a
        convolution costs as many synapses as its unrolled connections.
    cores_per_router : int
        Cores that share one router (a tile); spikes between them make no hop.
    mesh_cols : int
        Routers per mesh row; cores fill the mesh row by row, layer after layer.
    synop_pj : float
        Energy of one synaptic operation (one input event at one synapse), pJ.
    spike_pj : float
        Energy of sending one spike message within a tile, pJ.
    hop_ew_pj, hop_ns_pj : float
        Energy per router hop east-west and north-south, pJ.
    neuron_update_pj : float
        Energy of one neuron update (every neuron, every time step), pJ.
    synop_ns, neuron_update_ns : float
        Time of one synaptic operation and one neuron update within a core, ns.
    barrier_ns : float
        The end-of-step synchronization across the mesh, ns.
    tick_s : float
        A fixed time step (TrueNorth's 1 ms real-time tick), s; 0 lets a step take only the time
        its work needs.
    static_mw : float
        Static power of the chips, mW (charged over the run's latency).
    core_mm2, router_mm2, uncore_mm2 : float
        Area of one core, of one router (0 where ``core_mm2`` includes it), and of the rest of
        each chip (I/O, management cores), mm^2.
    name : str
    """

    cores_per_chip: int = 128
    chips: int = 1
    neurons_per_core: int = 1024
    axons_per_core: int = 4096
    synapses_per_core: int = 131072
    cores_per_router: int = 4
    mesh_cols: int = 8
    synop_pj: float = 23.6
    spike_pj: float = 1.7
    hop_ew_pj: float = 3.0
    hop_ns_pj: float = 4.0
    neuron_update_pj: float = 52.0
    synop_ns: float = 3.5
    neuron_update_ns: float = 8.4
    barrier_ns: float = 465.0
    tick_s: float = 0.0
    static_mw: float = 0.0
    core_mm2: float = 60.0 / 128
    router_mm2: float = 0.0
    uncore_mm2: float = 0.0
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        E = NeuromorphicConfigError
        for f in ("cores_per_chip", "chips", "neurons_per_core", "axons_per_core", "synapses_per_core",
                  "cores_per_router", "mesh_cols"):
            check_number(E, f, getattr(self, f), integer=True, low=1)
        for f in ("synop_pj", "spike_pj", "hop_ew_pj", "hop_ns_pj", "neuron_update_pj", "synop_ns",
                  "neuron_update_ns", "barrier_ns", "tick_s", "static_mw", "core_mm2", "router_mm2", "uncore_mm2"):
            check_number(E, f, getattr(self, f), low=0)
        if self.synapses_per_core < self.neurons_per_core and self.synapses_per_core < self.axons_per_core:
            raise E(f"Config field 'synapses_per_core' ({self.synapses_per_core}) is below both neurons_per_core "
                    f"and axons_per_core: a core could not hold one neuron's full fan-in or one synapse per neuron")

    @property
    def routers(self) -> int:
        """Routers in the whole system."""
        return -(-self.cores_per_chip // self.cores_per_router) * self.chips

    @property
    def cores(self) -> int:
        """Cores in the whole system."""
        return self.cores_per_chip * self.chips

    def replace(self, **changes) -> "NeuromorphicConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, NeuromorphicConfig] = {
    # Intel Loihi (Davies et al., IEEE Micro 38(1), 2018): 128 cores of 1,024 neurons, 128 KiB of
    # synaptic memory per core (131,072 8-bit synapses), Table 2's energies: 23.6 pJ per synaptic op
    # (its minimum), 1.7 pJ per spike within a tile, 3.0 / 4.0 pJ per E-W / N-S hop, 52 pJ per active
    # neuron update, 3.5 ns per synaptic op, 8.4 ns per neuron update, 113-465 ns barrier (the 32-tile
    # figure here). Four cores per router on an 8 x 4 mesh and the 4,096-input fan-in are our reading.
    # Area: the 60 mm^2 die (14 nm) over its 128 cores, so each core's share carries the mesh routers,
    # the three x86 cores and the I/O (no per-core split is published).
    "loihi": NeuromorphicConfig(name="loihi"),
    # IBM TrueNorth (Merolla et al., Science 345, 2014): 4,096 cores on a 64 x 64 mesh, each 256 axons
    # x 256 neurons (65,536 synapses), 26 pJ per synaptic event with everything else included, a
    # 1 ms real-time tick. Its 1-bit synapses with four weights per neuron are taken as if they held
    # the network's weights (a deployed network is trained for them). Area (Akopyan et al., IEEE TCAD
    # 34(10), 2015): a core, router included, is 240 x 390 um; the 4.3 cm^2 die's remainder is I/O.
    "truenorth": NeuromorphicConfig(cores_per_chip=4096, neurons_per_core=256, axons_per_core=256,
                                    synapses_per_core=65536, cores_per_router=1, mesh_cols=64, synop_pj=26.0,
                                    spike_pj=0.0, hop_ew_pj=0.0, hop_ns_pj=0.0, neuron_update_pj=0.0,
                                    synop_ns=0.0, neuron_update_ns=0.0, barrier_ns=0.0, tick_s=1e-3,
                                    core_mm2=0.240 * 0.390, uncore_mm2=430.0 - 4096 * 0.240 * 0.390,
                                    name="truenorth"),
}


def preset(name: str) -> NeuromorphicConfig:
    """A named preset; the error lists the known names."""
    return named_preset(PRESETS, name, "neuromorphic", NeuromorphicConfigError)


def load_config(path: str | os.PathLike) -> NeuromorphicConfig:
    """Read a config from a TOML or YAML file (fields of :class:`NeuromorphicConfig`, optionally under
    ``[neuromorphic]``; ``preset = "name"`` starts from a preset)."""
    return family_config_file(NeuromorphicConfig, path, "neuromorphic", PRESETS, NeuromorphicConfigError)
