"""ANN to SNN conversion of ReLU networks (Diehl et al. 2015; Rueckauer et al. 2017).

Each ReLU layer becomes a layer of integrate-and-fire neurons with threshold 1, reset by
subtraction, whose firing rate approximates the ReLU's output divided by the layer's scale
``lambda`` (the maximum, or a robust percentile such as the 99.9th, of that output on calibration
data). Weights become ``W * lambda_in / lambda_out`` and biases ``b / lambda_out``. The last weighted
layer does not spike: its membrane potential, summed over the time steps, is the readout (or, with
``readout="spikes"``, it spikes too and the counts are read).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..compress.calibrate import trace
from ..errors import InputError, UnsupportedOpError
from ..graph import Graph
from ..model.builder import rebuild
from .neurons import Neuron

__all__ = ["SpikingNet", "convert", "CONVERSION_NEURON", "WEIGHTED", "PASSED"]

WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
PASSED = ("AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE", "PAD")  # carry spikes (or rates) and their scale
_AFTER_OUTPUT = ("SOFTMAX", "RESHAPE")  # argmax-preserving ops after the readout layer, dropped


@dataclass(frozen=True)
class SpikingNet:
    """A converted network.

    Attributes
    ----------
    graph : Graph
        The float graph with normalized weights and no fused activations.
    neurons : dict of int to Neuron
        The neurons on the output of each spiking op (by op index).
    scales : dict of int to float
        lambda of each op's output (by op index).
    output_op : int
        The readout layer's op index.
    readout : str
        ``"membrane"`` or ``"spikes"``.
    source : str
        Where the network came from (the float model's name, a NIR file).
    timesteps : int or None
        The time steps it was made for (``snn convert --timesteps``, training), the default of
        ``snn eval``.
    """

    graph: Graph
    neurons: dict
    scales: dict
    output_op: int
    readout: str = "membrane"
    source: str = field(default="", compare=False)
    timesteps: int | None = None

    @property
    def ops(self) -> list:
        """The ops the simulation runs, up to the readout layer."""
        return [op for op in self.graph.ops if op.index <= self.output_op]


def _check(graph: Graph) -> int:
    """The readout layer's op index, after checking that every op converts."""
    weighted = [op for op in graph.ops if op.type in WEIGHTED]
    if not weighted:
        raise InputError(f"Model '{graph.name}' has no CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED layer to convert")
    if any(t.dtype != np.float32 for t in graph.inputs):
        raise InputError(f"Model '{graph.name}' is not a float model: convert the float ONNX model, before quantizing")
    last = weighted[-1].index
    for op in graph.ops:
        if op.index > last:
            if op.type not in _AFTER_OUTPUT:
                raise UnsupportedOpError(f"Op {op.label} follows the readout layer; conversion allows only "
                                         f"{', '.join(_AFTER_OUTPUT)} there", op_type=op.type, op_index=op.index)
            continue
        if op.type in WEIGHTED:
            act = op.attrs.get("activation", "NONE")
            users = [o for o in graph.ops if op.outputs[0] in o.inputs]
            if act == "NONE" and users and all(o.type == "ADD" for o in users):
                continue  # a residual branch's last layer: its currents feed the add's neurons
            if op.index != last and act not in ("RELU", "RELU6"):
                after = next((o for o in graph.ops if op.outputs[0] in o.inputs), None)
                if act == "NONE" and after is not None and after.type not in WEIGHTED + PASSED:
                    raise UnsupportedOpError(f"Op {after.label} after {op.label} is not a ReLU; conversion needs "
                                             f"ReLU (or ReLU6) on every hidden layer", op_type=after.type,
                                             op_index=after.index)
                raise UnsupportedOpError(f"Op {op.label} has activation {act}; conversion needs ReLU (or ReLU6) "
                                         f"on every hidden layer", op_type=op.type, op_index=op.index)
        elif op.type == "ADD":
            if op.attrs.get("activation", "NONE") not in ("RELU", "RELU6") or any(
                    t is None or t.is_constant for t in op.inputs[:2]):
                raise UnsupportedOpError(f"Op {op.label}: a residual add converts when it adds two activations "
                                         f"and a ReLU follows it", op_type=op.type, op_index=op.index)
        elif op.type not in PASSED:
            raise UnsupportedOpError(f"Op {op.label} cannot be converted to spiking neurons (conversion takes "
                                     f"{', '.join(WEIGHTED + PASSED)}, residual ADD, and ReLU activations)",
                                     op_type=op.type, op_index=op.index)
        if op.type == "PAD" and op.input(2) is not None and np.any(op.input(2).data):
            raise UnsupportedOpError(f"Op {op.label} pads with a non-zero value, which is no spike train",
                                     op_type=op.type, op_index=op.index)
        if op.type == "MAX_POOL_2D":
            a = op.attrs
            if (a["filter_h"], a["filter_w"]) != (a["stride_h"], a["stride_w"]) or \
                    op.inputs[0].shape[1] % a["filter_h"] or op.inputs[0].shape[2] % a["filter_w"]:
                raise UnsupportedOpError(f"Op {op.label}: spiking max pooling takes windows that tile the input "
                                         f"(filter = stride, dividing it)", op_type=op.type, op_index=op.index)
    return last


def _scales(graph: Graph, env: dict, last: int, percentile: float, readout: str) -> dict:
    """lambda of every weighted layer's and add's output: its activations' percentile (1 for a membrane
    readout). The two inputs of an add share one scale: the larger of two spiking inputs', or the
    spiking input's for a residual branch that ends without a ReLU (its currents take that unit)."""
    lam = {}
    for op in graph.ops:
        if op.index > last:
            break
        out = op.outputs[0]
        if op.type in WEIGHTED or op.type == "ADD":
            if op.index == last and readout == "membrane":
                lam[out.index] = 1.0
            else:
                lam[out.index] = float(np.percentile(env[out.index], percentile)) or 1.0
        elif op.inputs and op.inputs[0].index in lam:
            lam[out.index] = lam[op.inputs[0].index]
    producers = {o.outputs[0].index: o for o in graph.ops}
    for op in graph.ops:
        if op.type != "ADD" or op.index > last:
            continue
        a, b = op.inputs[0], op.inputs[1]
        current = [t for t in (a, b) if t.index in producers and producers[t.index].type in WEIGHTED
                   and producers[t.index].attrs.get("activation", "NONE") == "NONE"]
        if len(current) == 1:
            other = b if current[0] is a else a
            lam[current[0].index] = lam.get(other.index, 1.0)
        elif not current:
            common = max(lam.get(a.index, 1.0), lam.get(b.index, 1.0))
            for t in (a, b):
                if t.index in producers and producers[t.index].type in WEIGHTED:
                    lam[t.index] = common
    return lam


# Reset by subtraction, membranes starting at half the threshold (Bu et al., ICLR 2022): on the
# digits CNN this takes T = 32 from 91.1% to 97.3% (ANN 97.1%).
CONVERSION_NEURON = Neuron(kind="if", reset="subtract", v_init=0.5)


def convert(graph: Graph, calib: np.ndarray, percentile: float = 99.9, neuron: Neuron = CONVERSION_NEURON,
            readout: str = "membrane") -> SpikingNet:
    """Convert a float ReLU network (a Graph from :func:`mlaccel.compress.from_onnx`).

    Parameters
    ----------
    calib : ndarray
        Calibration samples, shaped for the model's input.
    percentile : float
        The percentile of each layer's activations that sets its scale (100: the maximum).

    Raises
    ------
    UnsupportedOpError
        An op or activation that does not convert; the message names the layer.
    InputError
        No calibration samples, a percentile outside (0, 100], an unknown readout.
    """
    last = _check(graph)
    if readout not in ("membrane", "spikes"):
        raise InputError(f"readout must be 'membrane' or 'spikes', got {readout!r}")
    if not 0 < percentile <= 100:
        raise InputError(f"percentile must be in (0, 100], got {percentile}")
    if calib is None or len(calib) == 0:
        raise InputError("Conversion needs calibration samples (--calib)")
    env = trace(graph, [np.asarray(calib, np.float32)])
    lam = _scales(graph, env, last, percentile, readout)
    scale = {t.index: 1.0 for t in graph.inputs}  # direct encoding: the input current is the sample itself
    changes, attrs, neurons, scales = {}, {}, {}, {}
    for op in graph.ops:
        if op.index > last:
            break
        lam_in = scale[op.inputs[0].index]
        out = op.outputs[0]
        if op.type in WEIGHTED:
            lam_out = lam[out.index]
            w, b = op.inputs[1], op.input(2)
            changes[w.index] = {"data": (w.data * (lam_in / lam_out)).astype(np.float32)}
            if b is not None:
                changes[b.index] = {"data": (b.data / lam_out).astype(np.float32)}
            attrs[op.index] = {"activation": "NONE"}
            if op.index == last:
                spiking = readout == "spikes"
            else:  # a residual branch's last layer (no ReLU) passes currents to its add
                spiking = op.attrs.get("activation", "NONE") != "NONE"
            if spiking:
                neurons[op.index] = neuron
        elif op.type == "ADD":
            # both inputs arrive in units of the same scale; the neurons' threshold turns it into the add's
            lam_out = lam[out.index]
            attrs[op.index] = {"activation": "NONE"}
            neurons[op.index] = dataclasses.replace(neuron, threshold=neuron.threshold * lam_out / lam_in)
        else:
            lam_out = lam_in
        scale[out.index] = lam_out
        scales[op.index] = lam_out
    return SpikingNet(rebuild(graph, changes, attrs), neurons, scales, last, readout, graph.name)
