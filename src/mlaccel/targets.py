"""Turn a ``--target`` string into a Backend."""

from __future__ import annotations

from .backend import Backend
from .errors import TargetError
from .reference import ReferenceBackend

__all__ = ["resolve_target", "TARGETS"]

# name -> factory; families with presets take "family:preset".
TARGETS = {"reference": ReferenceBackend}


def resolve_target(target: str | Backend) -> Backend:
    """Return the Backend a target string names (a Backend passes through).

    Raises
    ------
    TargetError
        Unknown target; the message lists the known ones.
    """
    if not isinstance(target, str):
        return target
    family = target.split(":", 1)[0]
    if family not in TARGETS:
        raise TargetError(f"Unknown target '{target}'; known targets: {', '.join(sorted(TARGETS))}")
    return TARGETS[family]()
