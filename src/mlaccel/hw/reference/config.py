"""The reference target takes no config: ``reference`` names it whole."""

from __future__ import annotations

import os

from ...errors import ConfigError

__all__ = ["ReferenceConfigError", "PRESETS", "preset", "load_config"]

PRESETS: dict = {}


class ReferenceConfigError(ConfigError):
    """A config was given to the reference target, which takes none."""


def preset(name: str):
    """Always refused: the reference has no presets."""
    raise ReferenceConfigError(f"The reference target takes no config ('reference:{name}'); write 'reference'")


def load_config(path: str | os.PathLike):
    """Always refused: the reference has no config file."""
    raise ReferenceConfigError(f"The reference target takes no config file ('{path}'); write 'reference'")
