"""Systolic-array accelerators: WS/OS/IS dataflows, SRAM buffers, DRAM bandwidth, energy.

Two fidelities agree: the closed-form model (:mod:`.dataflow`, :mod:`.memory`) for whole models and
design-space sweeps, and the cycle-stepped PE model (:mod:`.pe_array`) for verification. The
family's rooms: :mod:`.config` and :mod:`.backend`.
"""

from ...errors import ConfigError
from ...family import Family, preset_or_file
from .area import array_area
from .backend import SystolicBackend
from .config import PRESETS, SystolicConfig, SystolicConfigError, load_config, preset
from .dataflow import Mapping, map_gemm
from .pe_array import simulate_gemm

__all__ = ["SystolicBackend", "SystolicConfig", "SystolicConfigError", "ConfigError", "PRESETS", "preset",
           "load_config", "Mapping", "map_gemm", "simulate_gemm", "FAMILY"]


FAMILY = Family(prefix="systolic", config_type=SystolicConfig, presets=PRESETS, load_config=load_config,
                resolve=preset_or_file(preset, load_config), backend=SystolicBackend, area=array_area,
                summary="systolic:PRESET | systolic:FILE.toml: a systolic array (WS/OS/IS, SRAM, DRAM bandwidth)")
