"""The same neurons as :mod:`.neurons`, in PyTorch, with surrogate gradients for training.

The forward pass is :func:`mlaccel.snn.run_neurons` step for step (a test holds them equal); the
backward pass replaces the Heaviside step's derivative with a smooth one:

- ``fast-sigmoid``: ``1 / (1 + slope |v - threshold|)^2`` (Zenke & Ganguli, SuperSpike, 2018);
- ``arctan``: ``1 / (1 + (pi/2 slope (v - threshold))^2)`` (Fang et al. 2021, snnTorch's default).

The reset uses the spike without its gradient, as snnTorch does.
"""

from __future__ import annotations

import math

from ..compress.torch_support import require_torch
from ..errors import InputError
from .neurons import Neuron

__all__ = ["SURROGATES", "spike_fn", "run_neurons_torch"]

SURROGATES = ("fast-sigmoid", "arctan")


def spike_fn(surrogate: str = "fast-sigmoid", slope: float = 5.0):
    """A function ``f(v - threshold)``: the Heaviside step (``>= 0``) forward, the surrogate's
    derivative backward."""
    torch = require_torch()
    if surrogate not in SURROGATES:
        raise InputError(f"surrogate must be one of {', '.join(SURROGATES)}, got {surrogate!r}")

    class _Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            if surrogate == "fast-sigmoid":
                d = 1.0 / (1.0 + slope * x.abs()) ** 2
            else:
                d = 1.0 / (1.0 + (math.pi / 2 * slope * x) ** 2)
            return grad * d

    return _Spike.apply


def run_neurons_torch(current, neuron: Neuron, spike=None):
    """Spikes ``(T, ...)`` of neurons driven by input currents ``(T, ...)`` (a torch tensor), with
    gradients through ``spike`` (default: the fast-sigmoid surrogate)."""
    torch = require_torch()
    spike = spike or spike_fn()
    v = torch.full(current.shape[1:], neuron.v_init * neuron.threshold, dtype=current.dtype)
    syn = torch.zeros_like(v)
    quiet = torch.zeros(current.shape[1:], dtype=torch.int32)
    beta = 1.0 if neuron.kind == "if" else neuron.beta
    out = []
    for t in range(current.shape[0]):
        drive = current[t]
        if neuron.kind == "cuba":
            syn = neuron.alpha * syn + drive
            drive = syn
        v = beta * v + torch.where(quiet > 0, torch.zeros_like(drive), drive)
        s = spike(v - neuron.threshold) * (quiet == 0)
        out.append(s)
        fired = s.detach()
        v = v - neuron.threshold * fired if neuron.reset == "subtract" else v * (1 - fired)
        if neuron.refractory:
            quiet = torch.where(fired > 0, torch.full_like(quiet, neuron.refractory), (quiet - 1).clamp_min(0))
    return torch.stack(out)
