"""Spiking neurons, stepped in NumPy over a whole layer and batch at once.

IF: ``v += I``; LIF: ``v = beta * v + I``; CUBA LIF (Loihi's): a synaptic current
``i = alpha * i + I`` feeds ``v = beta * v + i``. A neuron spikes when ``v >= threshold``, then resets
to zero or by subtracting the threshold, and stays silent for ``refractory`` steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["Neuron", "run_neurons"]


@dataclass(frozen=True)
class Neuron:
    """Attributes
    ----------
    kind : str
        ``"if"``, ``"lif"`` or ``"cuba"``.
    threshold : float
        Firing threshold (> 0).
    beta : float
        Membrane decay per step (LIF, CUBA; 1 is no leak).
    alpha : float
        Synaptic current decay per step (CUBA).
    reset : str
        ``"subtract"`` (keeps the residue, as rate conversion needs) or ``"zero"``.
    refractory : int
        Steps a neuron stays silent after a spike.
    v_init : float
        Initial membrane potential, as a fraction of the threshold (0.5 halves the rounding error
        of rate coding: Bu et al., "Optimal ANN-SNN conversion", ICLR 2022).
    """

    kind: str = "if"
    threshold: float = 1.0
    beta: float = 1.0
    alpha: float = 0.0
    reset: str = "subtract"
    refractory: int = 0
    v_init: float = 0.0

    def __post_init__(self):
        if self.kind not in ("if", "lif", "cuba"):
            raise ConfigError(f"Neuron field 'kind' must be 'if', 'lif' or 'cuba', got {self.kind!r}")
        if not self.threshold > 0:
            raise ConfigError(f"Neuron field 'threshold' must be > 0, got {self.threshold!r}")
        for f in ("beta", "alpha"):
            if not 0 <= getattr(self, f) <= 1:
                raise ConfigError(f"Neuron field '{f}' must be in [0, 1], got {getattr(self, f)!r}")
        if self.reset not in ("subtract", "zero"):
            raise ConfigError(f"Neuron field 'reset' must be 'subtract' or 'zero', got {self.reset!r}")
        if not 0 <= self.v_init < 1:
            raise ConfigError(f"Neuron field 'v_init' must be in [0, 1), got {self.v_init!r}")
        if not isinstance(self.refractory, int) or self.refractory < 0:
            raise ConfigError(f"Neuron field 'refractory' must be an integer >= 0, got {self.refractory!r}")


def run_neurons(current: np.ndarray, neuron: Neuron) -> np.ndarray:
    """Spikes ``(T, ...)`` (float32 0/1) of neurons driven by input currents ``(T, ...)``."""
    v = np.full(current.shape[1:], neuron.v_init * neuron.threshold, np.float32)
    syn = np.zeros_like(v)
    quiet = np.zeros(current.shape[1:], np.int32)
    fired = np.empty(current.shape[1:], bool)
    spikes = np.empty(current.shape, np.float32)
    thr = np.float32(neuron.threshold)
    for t in range(current.shape[0]):  # in place: the steps are the simulation's hot loop
        drive = current[t]
        if neuron.kind == "cuba":
            syn *= np.float32(neuron.alpha)
            syn += drive
            drive = syn
        if neuron.kind != "if" and neuron.beta != 1:
            v *= np.float32(neuron.beta)
        if neuron.refractory:
            drive = np.where(quiet > 0, np.float32(0), drive)
        v += drive
        np.greater_equal(v, thr, out=fired)
        if neuron.refractory:
            fired &= quiet == 0
        spikes[t] = fired
        if neuron.reset == "subtract":
            np.subtract(v, thr, out=v, where=fired)
        else:
            np.copyto(v, 0, where=fired)
        if neuron.refractory:
            quiet = np.where(fired, neuron.refractory, np.maximum(quiet - 1, 0))
    return spikes
