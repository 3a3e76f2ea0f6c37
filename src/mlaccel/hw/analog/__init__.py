"""Analog in-memory computing: crossbars with DACs and ADCs, device noise, accuracy and energy.

The family's rooms: :mod:`.config` (``AnalogConfig``, ``PRESETS``, ``preset``, ``load_config``),
:mod:`.backend` (``AnalogBackend``), :mod:`.cost` and :mod:`.area`; :mod:`.crossbar` maps and
computes GEMMs, :mod:`.devices` holds the non-idealities, :mod:`.components` the component table,
:mod:`.isaac` the ISAAC reconstruction.
"""

from ...family import Family, preset_or_file
from .area import chip_area
from .backend import AnalogBackend
from .config import PRESETS, AnalogConfig, AnalogConfigError, load_config, preset
from .cost import AnalogCosts, cost_table

__all__ = ["AnalogBackend", "AnalogConfig", "AnalogConfigError", "PRESETS", "preset", "load_config", "AnalogCosts",
           "cost_table", "chip_area", "FAMILY"]


FAMILY = Family(prefix="analog", config_type=AnalogConfig, presets=PRESETS, load_config=load_config,
                resolve=preset_or_file(preset, load_config), backend=AnalogBackend, area=chip_area,
                cost_table=cost_table, exact=False,
                summary="analog:PRESET | analog:FILE.toml: crossbars with DACs/ADCs and device noise (ISAAC, PCM)")
