"""Direct training of a spiking MLP with surrogate gradients (PyTorch, the ``[train]`` extra).

Fully connected layers of LIF neurons (reset by subtraction), inputs as a constant current (direct
encoding), and a non-spiking readout whose membrane, summed over the time steps, gives the class
scores; cross-entropy on the mean readout, Adam, back-propagation through time. The result is a
:class:`SpikingNet`, so the NumPy simulation, NIR export and the neuromorphic cost take it as they
take a converted network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compress.torch_support import one_thread, require_torch
from ..data import Dataset
from ..errors import InputError
from ..model.builder import GraphBuilder
from .convert import SpikingNet
from .neurons import Neuron
from .torch_neurons import run_neurons_torch, spike_fn

__all__ = ["TrainConfig", "train_snn"]


@dataclass(frozen=True)
class TrainConfig:
    """Attributes
    ----------
    hidden : tuple of int
        Neurons per hidden layer.
    timesteps : int
        Time steps per sample, in training and as the network's default.
    neuron : Neuron
        The hidden layers' neurons.
    surrogate : str
        ``"fast-sigmoid"`` or ``"arctan"``.
    slope : float
        Sharpness of the surrogate.
    epochs, batch : int
    lr : float
        Adam's learning rate.
    seed : int
    """

    hidden: tuple = (128,)
    timesteps: int = 8
    neuron: Neuron = Neuron(kind="lif", beta=0.9, reset="subtract")
    surrogate: str = "fast-sigmoid"
    slope: float = 5.0
    epochs: int = 20
    batch: int = 64
    lr: float = 2e-3
    seed: int = 0

    def __post_init__(self):
        if not self.hidden or any(not isinstance(h, int) or h < 1 for h in self.hidden):
            raise InputError(f"hidden must be one or more positive layer widths, got {self.hidden!r}")
        for f in ("timesteps", "epochs", "batch"):
            v = getattr(self, f)
            if not isinstance(v, int) or v < 1:
                raise InputError(f"{f} must be a positive integer, got {v!r}")


def _to_net(weights: list, input_shape: tuple, cfg: TrainConfig, name: str) -> SpikingNet:
    """The trained layers as a float Graph (a reshape, then fully connected layers)."""
    g = GraphBuilder(f"SNN trained with {cfg.surrogate} surrogate gradients, T = {cfg.timesteps}")
    x = g.tensor("input", (1,) + input_shape, np.float32)
    h = g.tensor("flat", (1, int(np.prod(input_shape))), np.float32)
    g.op("RESHAPE", [x], [h], new_shape=[1, h.shape[1]])
    neurons = {}
    for i, (w, b) in enumerate(weights):
        wt = g.tensor(f"fc{i}.weight", w.shape, np.float32, data=w)
        bt = g.tensor(f"fc{i}.bias", b.shape, np.float32, data=b)
        out = g.tensor(f"fc{i}", (1, w.shape[0]), np.float32)
        op = g.op("FULLY_CONNECTED", [h, wt, bt], [out], activation="NONE")
        if i < len(weights) - 1:
            neurons[op.index] = cfg.neuron
        h = out
    graph = g.build([x], [h], name=name)
    return SpikingNet(graph, neurons, {}, graph.ops[-1].index, "membrane", name)


def train_snn(data: Dataset, config: TrainConfig = TrainConfig(), progress=None) -> SpikingNet:
    """Train a spiking MLP on ``data`` (samples as direct-encoded currents).

    ``progress(epoch, epochs)`` is called after each epoch. Returns the network in float32.
    """
    with one_thread():
        return _train(data, config, progress)


def _train(data: Dataset, config: TrainConfig, progress) -> SpikingNet:
    torch = require_torch()
    if len(data) == 0:
        raise InputError(f"Dataset '{data.name}' has no samples to train on")
    cfg = config
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    x = torch.tensor(np.asarray(data.x, np.float32).reshape(len(data), -1))
    y = torch.tensor(np.asarray(data.y, np.int64))
    sizes = (x.shape[1],) + tuple(cfg.hidden) + (int(y.max()) + 1,)
    layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
    spike = spike_fn(cfg.surrogate, cfg.slope)
    opt = torch.optim.Adam(layers.parameters(), lr=cfg.lr)

    def forward(xb):
        h = xb.expand((cfg.timesteps,) + xb.shape)  # direct encoding: the same current every step
        for layer in layers[:-1]:
            h = run_neurons_torch(layer(h), cfg.neuron, spike)
        return layers[-1](h).mean(dim=0)

    for epoch in range(cfg.epochs):
        order = torch.tensor(rng.permutation(len(x)))
        for s in range(0, len(x), cfg.batch):
            idx = order[s:s + cfg.batch]
            loss = torch.nn.functional.cross_entropy(forward(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if progress is not None:
            progress(epoch + 1, cfg.epochs)
    weights = [(lay.weight.detach().numpy().astype(np.float32), lay.bias.detach().numpy().astype(np.float32))
               for lay in layers]
    return _to_net(weights, tuple(data.x.shape[1:]), cfg, f"snn-mlp-{'-'.join(map(str, cfg.hidden))}")
