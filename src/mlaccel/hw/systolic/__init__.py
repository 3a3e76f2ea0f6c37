"""Systolic-array accelerators: WS/OS/IS dataflows, SRAM buffers, DRAM bandwidth, energy.

Two fidelities agree: the closed-form model (:mod:`.dataflow`, :mod:`.memory`) for whole models and
design-space sweeps, and the cycle-stepped PE model (:mod:`.pe_array`) for verification.
"""

from .backend import SystolicBackend
from .config import PRESETS, ConfigError, SystolicConfig, load_config, preset
from .dataflow import Mapping, map_gemm
from .pe_array import simulate_gemm

__all__ = ["SystolicBackend", "SystolicConfig", "ConfigError", "PRESETS", "preset", "load_config", "Mapping", "map_gemm",
           "simulate_gemm"]
