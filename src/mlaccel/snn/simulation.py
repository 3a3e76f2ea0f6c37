"""Simulating a converted SNN in NumPy, vectorized over batch and time: each layer computes its input
currents for all T steps at once (one batched kernel call), then its neurons step through time.

Counts come from the run: spikes per layer, and synaptic operations (each input spike times the
synapses it drives: the layer's fan-out, interior positions for convolutions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..kernels.floating import FLOAT_KERNELS
from .convert import SpikingNet
from .neurons import run_neurons

__all__ = ["SimResult", "simulate", "samples_for", "encode", "fanout", "ENCODERS", "run_budget", "check_budget"]

ENCODERS = ("direct", "rate", "ttfs")


@dataclass(frozen=True)
class SimResult:
    """Attributes
    ----------
    scores : ndarray (T, N, classes)
        The readout after each time step (cumulative membrane potential or spike count): row
        ``t`` is what a run of ``t + 1`` steps gives.
    spikes : dict of str to ndarray (T,)
        Per spiking layer (by op label), spikes per inference summed over the batch up to each
        step, divided by the batch.
    synops : dict of str to ndarray (T,)
        Per weighted layer, synaptic operations per inference up to each step.
    timesteps : int
    events : dict of str to ndarray (T,)
        Per weighted layer, the non-zero inputs (spikes, or direct-encoded values) it received per
        inference up to each step: the events a neuromorphic chip routes to it.
    """

    scores: np.ndarray
    spikes: dict
    synops: dict
    timesteps: int
    events: dict = field(default_factory=dict)

    def predictions(self, t: int | None = None) -> np.ndarray:
        """Top-1 classes after ``t`` steps (default: all)."""
        s = self.scores[(t or self.timesteps) - 1]
        return s.reshape(s.shape[0], -1).argmax(axis=1)

    def total_spikes(self, t: int | None = None) -> float:
        return float(sum(v[(t or self.timesteps) - 1] for v in self.spikes.values()))

    def total_synops(self, t: int | None = None) -> float:
        return float(sum(v[(t or self.timesteps) - 1] for v in self.synops.values()))


def encode(x: np.ndarray, timesteps: int, encoder: str = "direct", seed: int = 0) -> np.ndarray:
    """Input currents ``(T, N, ...)``: ``direct`` repeats the sample; ``rate`` draws Bernoulli spikes
    with probability ``clip(x, 0, 1)`` (seeded); ``ttfs`` fires once, earlier for larger values."""
    if not isinstance(timesteps, (int, np.integer)) or timesteps <= 0:
        raise InputError(f"timesteps must be a positive integer, got {timesteps!r}")
    x = np.asarray(x, np.float32)
    if encoder == "direct":
        return np.broadcast_to(x, (timesteps,) + x.shape)
    p = np.clip(x, 0.0, 1.0)
    if encoder == "rate":
        return (np.random.default_rng(seed).random((timesteps,) + x.shape) < p).astype(np.float32)
    if encoder == "ttfs":
        fire = np.where(p > 0, np.rint((1.0 - p) * (timesteps - 1)), -1).astype(np.int64)
        return (np.arange(timesteps).reshape((-1,) + (1,) * x.ndim) == fire).astype(np.float32)
    raise InputError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")


def fanout(op) -> float:
    """Synapses one input neuron drives (interior positions for convolutions)."""
    w = op.inputs[1]
    if op.type == "FULLY_CONNECTED":
        return float(w.shape[0])
    a = op.attrs
    stride = a.get("stride_h", 1) * a.get("stride_w", 1)
    if op.type == "DEPTHWISE_CONV_2D":
        return w.shape[1] * w.shape[2] * a.get("depth_multiplier", 1) / stride
    return w.shape[0] * w.shape[1] * w.shape[2] / stride


def _spiking_max_pool(op, spikes: np.ndarray) -> np.ndarray:
    """Max pooling of spike trains ``(T, ..., H, W, C)``: each window passes the spikes of the input with
    the highest count so far (Rueckauer et al. 2017). Windows tile the input (checked at conversion)."""
    t, (h, w, c) = spikes.shape[0], spikes.shape[-3:]
    lead = spikes.shape[1:-3]
    kh, kw = op.attrs["filter_h"], op.attrs["filter_w"]
    win = spikes.reshape(t, -1, h // kh, kh, w // kw, kw, c).transpose(0, 1, 2, 4, 6, 3, 5).reshape(
        t, -1, h // kh, w // kw, c, kh * kw)
    count = np.cumsum(win, axis=0)
    pick = np.argmax(count, axis=-1)[..., None]
    return np.take_along_axis(win, pick, axis=-1)[..., 0].reshape((t,) + lead + (h // kh, w // kw, c))


def samples_for(net: SpikingNet, x: np.ndarray) -> np.ndarray:
    """Samples ``x`` shaped for the network's input: the same values in another shape of the same size
    (digits images for a network that takes 64-vectors) are reshaped."""
    x = np.asarray(x, np.float32)
    want = tuple(net.graph.inputs[0].shape[1:])
    if x.ndim == 0 or len(x) == 0:
        raise InputError("No samples to simulate")
    if x.shape[1:] != want:
        if int(np.prod(x.shape[1:])) != int(np.prod(want)):
            raise InputError(f"Samples of shape {x.shape[1:]} do not fit the network's input {want}")
        x = x.reshape((len(x),) + want)
    return x


def run_budget(net: SpikingNet, samples: int, timesteps: int) -> tuple[int, int]:
    """What a simulation would hold and do: ``(bytes, multiply-accumulates)``. The readout is kept
    for every step and sample; each chunk holds every layer's currents for all its steps."""
    from ..lower import lower

    items = lower(net.graph).items
    widest = max((it.outputs[0].size for it in items if it.outputs), default=1)
    classes = net.graph.ops[net.output_op].outputs[0].size
    per_chunk = max(1, CHUNK // max(timesteps, 1)) * timesteps
    held = 4 * timesteps * samples * classes + 4 * 4 * per_chunk * widest * (len(items) + 1)
    return held, timesteps * samples * sum(it.macs for it in items)


MAX_BYTES = 1 << 30  # a simulation holding more is refused before it starts
MAX_MACS = 10 ** 11  # about a minute of float kernels (2.5-6 GMAC/s measured on this machine)


def check_budget(net: SpikingNet, samples: int, timesteps: int) -> None:
    """Refuse a simulation that would hold more than :data:`MAX_BYTES` or compute more than
    :data:`MAX_MACS` multiply-accumulates, with its estimate and what to lower.

    Raises
    ------
    InputError
        The run is too large.
    """
    held, macs = run_budget(net, samples, timesteps)
    if held > MAX_BYTES or macs > MAX_MACS:
        raise InputError(f"Simulating {samples:,} sample(s) for {timesteps:,} time steps would hold about "
                         f"{held / 2**30:,.1f} GiB and compute {macs:.2g} MACs (limits: {MAX_BYTES / 2**30:g} GiB, "
                         f"{MAX_MACS:.0e} MACs); use fewer time steps, or fewer samples (--limit)")


def simulate(net: SpikingNet, x: np.ndarray, timesteps: int | None = None, encoder: str = "direct",
             seed: int = 0, progress=None) -> SimResult:
    """Run ``net`` on samples ``x`` (shaped for the model's input, or of its size) for ``timesteps``
    steps (default: the network's own); ``progress(done, total, what)`` after each chunk of samples.

    Raises
    ------
    InputError
        No time steps, samples that do not fit the input, or a run too large to hold
        (:func:`check_budget`).
    """
    timesteps = timesteps if timesteps is not None else net.timesteps
    if timesteps is None:
        raise InputError(f"Network '{net.source}' does not say how many time steps it runs; give timesteps")
    x = samples_for(net, x)
    if isinstance(timesteps, (int, np.integer)) and timesteps > 0:
        check_budget(net, len(x), int(timesteps))
    cur = encode(x, timesteps, encoder, seed)
    t, n = cur.shape[:2]
    # Chunks of samples keep each layer's (steps x samples) currents in cache.
    size = max(1, CHUNK // t)
    parts = []
    for i in range(0, n, size):
        if progress is not None:
            progress(i, n, f"samples {i + 1}-{min(i + size, n)} of {n}")
        parts.append(_run_chunk(net, cur[:, i:i + size], encoder != "direct"))
    if progress is not None:
        progress(n, n, "done")
    scores = np.concatenate([p[0] for p in parts], axis=1)

    def per_inference(k: int) -> dict:
        return {name: np.cumsum(sum(p[k][name] for p in parts) / n) for name in parts[0][k]}

    spikes, events = per_inference(1), per_inference(2)
    synops = {op.label: events[op.label] * fanout(op) for op in net.ops if op.label in events}
    return SimResult(scores, spikes, synops, timesteps, events)


CHUNK = 1024  # (steps x samples) per chunk


def _run_chunk(net: SpikingNet, cur: np.ndarray, binary_input: bool) -> tuple[np.ndarray, dict, dict]:
    """Scores ``(T, n, ...)`` of one chunk of samples, and per layer its spikes and input events
    per step ``(T,)``, summed over the chunk."""
    t, n = cur.shape[:2]
    # (steps x samples, *input shape): the kernels take a leading batch axis before the model's own
    env = {net.graph.inputs[0].index: np.ascontiguousarray(cur.reshape((t * n,) + net.graph.inputs[0].shape))}
    spikes, events = {}, {}
    binary = {net.graph.inputs[0].index: binary_input}
    scores = None
    for op in net.ops:
        src = op.inputs[0]
        if op.type == "MAX_POOL_2D" and binary.get(src.index):
            s = env[src.index]
            out = _spiking_max_pool(op, s.reshape((t, n) + s.shape[1:]))
            out = out.reshape((t * n,) + out.shape[2:])
        else:
            kernel = FLOAT_KERNELS[op.type]
            args = [None if i is None else (i.data[None] if i.is_constant else env[i.index]) for i in op.inputs]
            out = kernel.eval(kernel.prepare(op), args)
        if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            events[op.label] = np.count_nonzero(env[src.index].reshape(t, -1), axis=1)
        if op.index in net.neurons:
            s = run_neurons(out.reshape((t, n) + out.shape[1:]), net.neurons[op.index])
            spikes[op.label] = s.reshape(t, -1).sum(axis=1, dtype=np.float64)
            out = s.reshape(out.shape)
            binary[op.outputs[0].index] = True
        else:
            binary[op.outputs[0].index] = binary.get(src.index, False) and op.type in ("MAX_POOL_2D", "RESHAPE")
        env[op.outputs[0].index] = out
        if op.index == net.output_op:
            scores = np.cumsum(out.reshape((t, n) + out.shape[1:]), axis=0)
    return scores, spikes, events
