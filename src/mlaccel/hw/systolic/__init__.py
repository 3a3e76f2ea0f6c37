"""Systolic-array accelerators: WS/OS/IS dataflows, SRAM buffers, DRAM bandwidth, energy.

Two fidelities agree: the closed-form model (:mod:`.dataflow`, :mod:`.memory`) for whole models and
design-space sweeps, and the cycle-stepped PE model (:mod:`.pe_array`) for verification. The
family's rooms: :mod:`.config`, :mod:`.backend`, :mod:`.cost` and :mod:`.area`.
"""

from ...family import Family, preset_or_file
from .area import array_area
from .backend import SystolicBackend
from .config import PRESETS, SystolicConfig, SystolicConfigError, load_config, preset
from .cost import SystolicCosts, cost_table
from .dataflow import Mapping, map_gemm
from .pe_array import simulate_gemm

__all__ = ["SystolicBackend", "SystolicConfig", "SystolicConfigError", "PRESETS", "preset",
           "load_config", "SystolicCosts", "cost_table", "Mapping", "map_gemm", "simulate_gemm", "FAMILY"]


FAMILY = Family(prefix="systolic", config_type=SystolicConfig, presets=PRESETS, load_config=load_config,
                resolve=preset_or_file(preset, load_config), backend=SystolicBackend, area=array_area,
                cost_table=cost_table, dense_twin=SystolicConfig.without_sparsity,
                summary="systolic:PRESET | systolic:FILE.toml: a systolic array (WS/OS/IS, SRAM, DRAM bandwidth)")
