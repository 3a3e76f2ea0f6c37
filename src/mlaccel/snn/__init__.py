"""Spiking networks: neurons, encoders, ANN to SNN conversion and NumPy simulation.

:mod:`.neurons` (IF, LIF, CUBA LIF), :mod:`.convert` (a float ReLU Graph to a :class:`SpikingNet`),
:mod:`.simulation` (vectorized over batch and time, counting spikes and synaptic operations).
"""

from .convert import SpikingNet, convert
from .neurons import Neuron, run_neurons
from .simulation import SimResult, encode, simulate

__all__ = ["Neuron", "run_neurons", "SpikingNet", "convert", "SimResult", "encode", "simulate"]
