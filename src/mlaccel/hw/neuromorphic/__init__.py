"""Neuromorphic chips (Loihi, TrueNorth): cores of spiking neurons on a mesh, costs per synaptic event.

The family's rooms: :mod:`.config` (``NeuromorphicConfig``, ``PRESETS``, ``preset``, ``load_config``)
and :mod:`.backend`; :mod:`.mapping` places layers on cores, :mod:`.cost` prices one inference from
the events a spiking run counted (:mod:`mlaccel.snn` counts them).
"""

from ...family import Family, preset_or_file
from .backend import NeuromorphicBackend
from .area import chip_area
from .config import PRESETS, NeuromorphicConfig, NeuromorphicConfigError, load_config, preset
from .cost import ChipCost, LayerCost, chip_cost, cost_table
from .mapping import Layer, map_layers

__all__ = ["NeuromorphicBackend", "NeuromorphicConfig", "NeuromorphicConfigError", "PRESETS", "preset",
           "load_config", "ChipCost", "LayerCost", "chip_cost", "Layer", "map_layers", "FAMILY"]


FAMILY = Family(prefix="neuromorphic", config_type=NeuromorphicConfig, presets=PRESETS, load_config=load_config,
                resolve=preset_or_file(preset, load_config), backend=NeuromorphicBackend, area=chip_area,
                cost_table=cost_table, workload="spiking", exact=False,
                summary="neuromorphic:PRESET | neuromorphic:FILE.toml: spiking cores (Loihi, TrueNorth), energy per "
                        "synaptic event; runs networks from 'mlaccel snn'")
