"""Turn a ``--target`` string into a Backend.

``reference``, ``systolic:PRESET`` (see ``mlaccel.hw.systolic.PRESETS``), ``soc:PRESET`` or
``soc:PROJECT`` (a CFU project folder), or a path to a systolic config file (``.toml``, ``.yaml``).
"""

from __future__ import annotations

from pathlib import Path

from .backend import Backend
from .errors import TargetError
from .reference import ReferenceBackend

__all__ = ["resolve_target", "TARGETS"]

TARGETS = ("reference", "systolic:PRESET", "soc:PRESET_OR_PROJECT", "path/to/config.toml")
_CONFIG_SUFFIXES = (".toml", ".yaml", ".yml")


def resolve_target(target: str | Backend) -> Backend:
    """Return the Backend a target string names (a Backend passes through).

    Raises
    ------
    TargetError
        Unknown target or preset; the message lists what is known.
    """
    if not isinstance(target, str):
        return target
    if target == "reference":
        return ReferenceBackend()
    if target.startswith("soc:"):
        from .hw.soc.runner import SocBackend
        from .hw.soc.soc_config import soc_preset

        return SocBackend(soc_preset(target.split(":", 1)[1]))
    from .hw.systolic import PRESETS, SystolicBackend, load_config, preset

    if target.startswith("systolic:"):
        name = target.split(":", 1)[1]
        if name not in PRESETS:
            raise TargetError(f"Unknown systolic preset '{name}'; presets: {', '.join(PRESETS)}")
        return SystolicBackend(preset(name))
    if target.endswith(_CONFIG_SUFFIXES) or Path(target).is_file():
        return SystolicBackend(load_config(target))
    raise TargetError(f"Unknown target '{target}'; known targets: reference, soc:baseline, "
                      + ", ".join(f"systolic:{p}" for p in PRESETS) + ", or a .toml/.yaml config file")
