"""The one place that imports PyTorch, with the message that names the extra when it is missing."""

from __future__ import annotations

from contextlib import contextmanager

from ..errors import MlaccelError

__all__ = ["require_torch", "one_thread"]


def require_torch():
    """Import torch, or raise a clear error naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise MlaccelError("Training, QAT and fine-tuning need PyTorch: pip install 'mlaccel[train]' "
                           "(torch==2.13.0, CPU)") from None
    return torch


@contextmanager
def one_thread():
    """Run torch on one thread inside the block: the digits-sized models here are too small to gain
    from more, and with another process busy, OpenMP's spinning threads make each step 100x slower."""
    torch = require_torch()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield torch
    finally:
        torch.set_num_threads(before)
