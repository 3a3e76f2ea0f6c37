"""SoC configuration errors and presets."""

from __future__ import annotations

from ...errors import MlaccelError

__all__ = ["SocConfigError"]


class SocConfigError(MlaccelError, ValueError):
    """A SoC or core-timing value is out of range; the message names the field."""
