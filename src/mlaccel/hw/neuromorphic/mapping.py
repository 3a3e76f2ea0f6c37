"""Layers onto cores: how many each layer needs, where they sit on the mesh, and how far spikes travel.

A layer's neurons are split over cores by three limits: neurons per core, synapses per core (every
synapse stored), and the fan-in (axons) per core, past which its inputs are split too. Cores are
placed in layer order, filling the routers of the mesh row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np

from ...errors import TargetError
from .config import NeuromorphicConfig

__all__ = ["Layer", "Placement", "map_layers"]


@dataclass(frozen=True)
class Layer:
    """One layer of neurons, as the chip sees it (counts per inference, all time steps).

    Attributes
    ----------
    name : str
    neurons : int
        Neurons the layer holds (its outputs).
    fan_in : int
        Synapses per neuron.
    fanout : float
        Synapses one input event drives.
    events : float
        Input events the layer receives (spikes, or non-zero input values for the first layer).
    synops : float
        Synaptic operations (``events x fanout``).
    spikes : float
        Spikes the layer sends (0 for a non-spiking readout).
    """

    name: str
    neurons: int
    fan_in: int
    fanout: float
    events: float
    synops: float
    spikes: float


@dataclass(frozen=True)
class Placement:
    """Where one layer's cores sit.

    Attributes
    ----------
    cores : int
    in_splits : int
        Groups its fan-in is split into (cores that share each neuron's inputs).
    neurons_per_core : int
        Neurons one of its cores holds.
    routers : ndarray (cores, 2)
        ``(column, row)`` of each core's router.
    """

    cores: int
    in_splits: int
    neurons_per_core: int
    routers: np.ndarray


def map_layers(layers: list[Layer], config: NeuromorphicConfig, chip: str = "") -> list[Placement]:
    """The cores of each layer, placed on the mesh.

    Raises
    ------
    TargetError
        The network needs more cores than the chips have (the message says how many it needs).
    """
    cfg = config
    out, first = [], 0
    for layer in layers:
        fan = min(layer.fan_in, cfg.axons_per_core)
        splits = ceil(layer.fan_in / cfg.axons_per_core)
        per_core = max(1, min(cfg.neurons_per_core, cfg.synapses_per_core // max(fan, 1)))
        cores = splits * ceil(layer.neurons / per_core)
        idx = np.arange(first, first + cores) // cfg.cores_per_router
        out.append(Placement(cores, splits, per_core, np.stack([idx % cfg.mesh_cols, idx // cfg.mesh_cols], axis=1)))
        first += cores
    if first > cfg.cores:
        per_layer = ", ".join(f"{lay.name} {p.cores}" for lay, p in zip(layers, out))
        chips = ceil(first / cfg.cores_per_chip)
        raise TargetError(f"The network does not fit {chip or 'the chip'}: it needs {first:,} cores ({per_layer}), "
                          f"and {cfg.chips} chip(s) have {cfg.cores:,}; set Config field 'chips' to {chips} or more")
    return out


def mean_hops(src: np.ndarray, dst: np.ndarray) -> tuple[float, float]:
    """Mean east-west and north-south router hops from a core of ``src`` to a core of ``dst``."""
    d = np.abs(src[:, None, :] - dst[None, :, :]).reshape(-1, 2)
    return float(d[:, 0].mean()), float(d[:, 1].mean())
