"""The reference target: the golden kernels, bit-exact with TFLite-Micro; MACs and bytes, no timing.

Its rooms are those of every family: :mod:`.config` (it takes none), :mod:`.backend`, :mod:`.cost`
(a flat tensor memory) and :mod:`.area` (none).
"""

from ...family import Family
from .area import area
from .backend import ReferenceBackend
from .config import PRESETS, load_config, preset
from .cost import cost_table, flat_memory_stats

__all__ = ["ReferenceBackend", "flat_memory_stats", "FAMILY"]

FAMILY = Family(prefix="reference", config_type=None, presets=PRESETS, load_config=load_config, resolve=preset,
                backend=lambda config: ReferenceBackend(), area=area, cost_table=cost_table,
                summary="reference: the golden kernels, bit-exact with TFLite-Micro; MACs and bytes, no timing",
                timed=False)
