"""Where mlaccel keeps build products (firmware, Verilator models): ``$MLACCEL_CACHE`` or
``~/.cache/mlaccel``."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    return Path(os.environ.get("MLACCEL_CACHE", Path.home() / ".cache" / "mlaccel"))
