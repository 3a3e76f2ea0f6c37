"""The reference kernels have no silicon: their area is None (``mlaccel area`` says so)."""

from __future__ import annotations

__all__ = ["area"]


def area(config=None) -> None:
    """None: the reference target is the golden semantics, not a design."""
    return None
