"""The one place that imports PyTorch, with the message that names the extra when it is missing."""

from __future__ import annotations

from ..errors import MlaccelError

__all__ = ["require_torch"]


def require_torch():
    """Import torch, or raise a clear error naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise MlaccelError("Training, QAT and fine-tuning need PyTorch: pip install 'mlaccel[train]' "
                           "(torch==2.13.0, CPU)") from None
    return torch
