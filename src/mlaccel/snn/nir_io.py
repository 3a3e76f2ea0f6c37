"""Export and import through NIR, the Neuromorphic Intermediate Representation (PyPI ``nir``).

A :class:`SpikingNet` is a chain: ``Input``, then per op a ``Conv2d`` (groups = channels for a
depthwise convolution), ``Affine``, ``AvgPool2d`` or ``Flatten`` node, each weighted op's neurons as
an ``IF``, ``LIF`` or ``CubaLIF`` node, and ``Output``. Conventions:

- **Layout.** NIR is channels-first without the batch: our NHWC tensors become ``(C, H, W)``, and the
  columns of a fully connected layer after a flatten are permuted from HWC to CHW order.
- **Time.** One simulation step is ``dt`` (graph metadata ``dt``, default 1e-4 s as snnTorch uses):
  a LIF's ``beta = 1 - dt / tau`` and its input scale ``r dt / tau``; an IF adds ``r I`` per step.
- **Reset.** NIR's neurons reset to ``v_reset`` (zero). Reset by subtraction, the initial membrane
  and the refractory period, which NIR cannot say, travel in each neuron node's metadata (``reset``,
  ``v_init``, ``refractory``); other tools read the node as reset-to-zero from rest.
- **Readout.** A membrane readout is the last layer's output summed over the steps: the graph ends
  in that layer (graph metadata ``readout = "membrane"``), or in an ``I`` integrator node.
- **Threshold.** NIR fires at ``v > v_threshold``, we at ``v >= threshold``; float membranes almost
  never land on the threshold exactly.

NIR has no max pooling: a network with MAX_POOL_2D does not export.
"""

from __future__ import annotations

import dataclasses
import os
from math import ceil
from pathlib import Path

import numpy as np

from ..errors import InputError, MlaccelError, UnsupportedOpError
from ..model.builder import GraphBuilder
from .convert import SpikingNet
from .neurons import Neuron

__all__ = ["to_nir", "write_nir", "from_nir", "read_nir", "SUPPORTED_NODES", "DT"]

DT = 1e-4  # seconds per step, snnTorch's convention for NIR time constants
SUPPORTED_NODES = ("Input", "Output", "Affine", "Linear", "Conv2d", "AvgPool2d", "Flatten", "IF", "LIF", "CubaLIF",
                   "I")


def _nir():
    try:
        import nir
    except ImportError:
        raise MlaccelError("NIR export and import need the nir package: pip install nir") from None
    return nir


def _chw(shape: tuple) -> np.ndarray:
    """A batched NHWC (or NC) shape as NIR's batch-less channels-first shape."""
    s = shape[1:]
    return np.array((s[2], s[0], s[1]) if len(s) == 3 else s, np.int64)


def _hwc_to_chw(h: int, w: int, c: int) -> np.ndarray:
    """``perm[p]``: the CHW position of HWC position ``p``."""
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).ravel()


def _same_pads(size: int, k: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLite's SAME padding (before, after) along one axis."""
    total = max((ceil(size / stride) - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _symmetric_pads(pad, conv) -> tuple[int, int]:
    """The ``(h, w)`` padding of a PAD op that NIR's Conv2d can take over (zero, even, spatial only)."""
    p = pad.input(1).data.reshape(-1, 2)
    if conv.attrs.get("padding") != "VALID" or np.any(p[[0, 3]]) or p[1, 0] != p[1, 1] or p[2, 0] != p[2, 1]:
        raise UnsupportedOpError(f"Op {pad.label}: padding {p.tolist()} before {conv.label} is not the even "
                                 f"spatial padding NIR's Conv2d takes", op_type=pad.type, op_index=pad.index)
    return int(p[1, 0]), int(p[2, 0])


def _neuron_node(nir, neuron: Neuron, shape: np.ndarray, dt: float):
    ones = np.ones(shape, np.float32)
    thr = neuron.threshold * ones
    meta = {"reset": neuron.reset, "v_init": float(neuron.v_init), "refractory": int(neuron.refractory)}
    if neuron.kind == "if" or (neuron.kind == "lif" and neuron.beta == 1):
        return nir.IF(r=ones, v_threshold=thr, v_reset=0 * ones, metadata=meta)
    tau_mem = np.inf if neuron.beta == 1 else dt / (1 - neuron.beta)
    if neuron.kind == "lif":
        return nir.LIF(tau=tau_mem * ones, r=tau_mem / dt * ones, v_leak=0 * ones, v_threshold=thr,
                       v_reset=0 * ones, metadata=meta)
    tau_syn = dt / (1 - neuron.alpha)
    return nir.CubaLIF(tau_syn=tau_syn * ones, tau_mem=tau_mem * ones, r=tau_mem / dt * ones, v_leak=0 * ones,
                       v_threshold=thr, v_reset=0 * ones, w_in=tau_syn / dt * ones, metadata=meta)


def _layer_node(nir, op, perm, pad=None):
    """The NIR node of one op, and the flatten permutation that the next op must apply; ``pad`` is
    the PAD op just before a convolution, folded into its padding."""
    a, x = op.attrs, (op.inputs[0] if pad is None else pad.inputs[0])
    if op.type == "FULLY_CONNECTED":
        w = op.inputs[1].data
        if perm is not None:
            w = w[:, np.argsort(perm)]
        b = op.input(2)
        return nir.Affine(weight=w, bias=np.zeros(w.shape[0], np.float32) if b is None else b.data), None
    if op.type == "RESHAPE":
        if len(x.shape) == 4 and len(op.outputs[0].shape) == 2:
            _, h, w, c = x.shape
            return nir.Flatten(input_type={"input": _chw(x.shape)}, start_dim=0, end_dim=-1), _hwc_to_chw(h, w, c)
        raise UnsupportedOpError(f"Op {op.label}: only a flatten of (H, W, C) to a vector has a NIR node, not "
                                 f"{x.shape} to {op.outputs[0].shape}", op_type=op.type, op_index=op.index)
    if op.type == "AVERAGE_POOL_2D":
        if a.get("padding", "VALID") != "VALID":
            raise UnsupportedOpError(f"Op {op.label}: NIR's AvgPool2d takes no SAME padding", op_type=op.type,
                                     op_index=op.index)
        k, s = np.array([a["filter_h"], a["filter_w"]]), np.array([a["stride_h"], a["stride_w"]])
        if (x.shape[1], x.shape[2]) == tuple(k):  # global pooling: one window, any stride
            s = k
        return nir.AvgPool2d(kernel_size=k, stride=s, padding=np.zeros(2, np.int64)), None
    if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        w = op.inputs[1].data
        stride, dil = (a.get("stride_h", 1), a.get("stride_w", 1)), (a.get("dilation_h", 1), a.get("dilation_w", 1))
        if op.type == "CONV_2D":
            weight, groups = w.transpose(0, 3, 1, 2), 1
        else:
            weight, groups = w[0].transpose(2, 0, 1)[:, None], x.shape[3]
        pads = (0, 0) if pad is None else _symmetric_pads(pad, op)
        if a.get("padding") == "SAME":
            ph = _same_pads(x.shape[1], weight.shape[2], stride[0], dil[0])
            pw = _same_pads(x.shape[2], weight.shape[3], stride[1], dil[1])
            if ph[0] != ph[1] or pw[0] != pw[1]:
                raise UnsupportedOpError(f"Op {op.label}: its SAME padding is uneven ({ph}, {pw}), which NIR's "
                                         f"symmetric Conv2d padding cannot express", op_type=op.type, op_index=op.index)
            pads = (ph[0], pw[0])
        b = op.input(2)
        bias = np.zeros(weight.shape[0], np.float32) if b is None else b.data
        return nir.Conv2d(input_shape=(x.shape[1], x.shape[2]), weight=weight, stride=stride, padding=pads,
                          dilation=dil, groups=groups, bias=bias), None
    hint = " (NIR has no max pooling: train the model with average pooling)" if op.type == "MAX_POOL_2D" else ""
    raise UnsupportedOpError(f"Op {op.label} has no NIR node{hint}", op_type=op.type, op_index=op.index)


def to_nir(net: SpikingNet, dt: float = DT):
    """``net`` as a ``nir.NIRGraph`` (see the module's conventions).

    Raises
    ------
    UnsupportedOpError
        An op NIR cannot express (max pooling, an uneven SAME padding); the message names it.
    """
    nir = _nir()
    nodes, order = {}, []
    ops = net.ops
    x = net.graph.inputs[0]
    in_shape = _chw(x.shape)
    # A leading flatten that keeps the element order (one channel) folds into a flat input.
    if ops and ops[0].type == "RESHAPE" and len(x.shape) == 4 and x.shape[3] == 1 and ops[0].index not in net.neurons:
        in_shape = np.array([int(np.prod(x.shape[1:]))])
        ops = ops[1:]
    nodes["input"] = nir.Input(input_type={"input": in_shape})
    order.append("input")
    perm = pad = None
    for i, op in enumerate(ops):
        if op.type == "PAD" and op.index not in net.neurons and i + 1 < len(ops) and \
                ops[i + 1].type in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            pad = op
            continue
        name = f"{op.type.lower()}_{op.index}"
        nodes[name], perm = _layer_node(nir, op, perm, pad)
        pad = None
        order.append(name)
        if op.index in net.neurons:
            nodes[f"{name}_neurons"] = _neuron_node(nir, net.neurons[op.index], _chw(op.outputs[0].shape), dt)
            order.append(f"{name}_neurons")
    out_shape = _chw(net.graph.ops[net.output_op].outputs[0].shape)
    nodes["output"] = nir.Output(output_type={"output": out_shape})
    order.append("output")
    meta = {"producer": "mlaccel", "dt": float(dt), "readout": net.readout,
            "input_shape": np.array(x.shape, np.int64), "source": net.source or net.graph.name}
    if net.timesteps:
        meta["timesteps"] = int(net.timesteps)
    # NIR 1.0's type inference takes a Conv2d's input channels from its weight, ignoring groups, so
    # a graph with a depthwise convolution is built without it.
    grouped = any(type(n).__name__ == "Conv2d" and n.groups > 1 for n in nodes.values())
    return nir.NIRGraph(nodes=nodes, edges=list(zip(order, order[1:])), metadata=meta, type_check=not grouped)


def write_nir(net: SpikingNet, path: str | os.PathLike, dt: float = DT) -> Path:
    """Write ``net`` as a NIR file (HDF5); returns the path."""
    p = Path(path)
    graph = to_nir(net, dt)
    try:
        _nir().write(p, graph)
    except OSError as e:
        raise InputError(f"Cannot write '{p}': {e}") from None
    return p


def read_nir(path: str | os.PathLike) -> SpikingNet:
    """Read a NIR file into a :class:`SpikingNet` (see :func:`from_nir`)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"Network file '{p}' does not exist")
    try:
        graph = _nir().read(p, type_check=False)  # our import checks shapes; NIR 1.0 mistypes groups
    except Exception as e:  # h5py and nir raise many kinds on a damaged file
        raise InputError(f"'{p}' is not a readable NIR file: {type(e).__name__}: {e}") from None
    return from_nir(graph, source=str(p))


def _meta(node) -> dict:
    m = getattr(node, "metadata", None) or {}
    return {k: (v.decode() if isinstance(v, bytes) else v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
            for k, v in m.items()}


def _uniform(name: str, field: str, v) -> float:
    v = np.asarray(v, np.float64)
    if v.size and not np.allclose(v, v.flat[0]):
        raise InputError(f"NIR node '{name}': field '{field}' differs between neurons; mlaccel takes one value "
                         f"per layer")
    return float(v.flat[0]) if v.size else 0.0


def _chain(graph) -> list[str]:
    """Node names from the Input to the Output, checking that the graph is a chain."""
    succ, pred = {}, {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    for name, lst in list(succ.items()) + list(pred.items()):
        if len(lst) > 1:
            raise InputError(f"NIR node '{name}' has several inputs or outputs ({', '.join(lst)}); mlaccel imports "
                             f"feed-forward chains")
    starts = [n for n, v in graph.nodes.items() if type(v).__name__ == "Input"]
    if len(starts) != 1:
        raise InputError(f"A NIR graph needs exactly one Input node, this one has {len(starts)}")
    order, n = [], starts[0]
    while n is not None:
        if n in order:
            raise InputError(f"NIR node '{n}' is in a cycle; mlaccel imports feed-forward chains")
        order.append(n)
        n = succ.get(n, [None])[0]
    return order


class _Importer:
    """Builds the Graph and neurons of a NIR chain, in NHWC."""

    def __init__(self, graph, source: str):
        self.meta = _meta(graph)
        self.dt = float(self.meta.get("dt", DT))
        self.g = GraphBuilder(f"imported from NIR ({source})")
        self.neurons: dict[int, Neuron] = {}
        self.perm = None
        self.last_op = None
        self.consts = {}

    def tensor(self, name, shape):
        return self.g.tensor(name, shape, np.float32)

    def const(self, name, data):
        return self.g.tensor(name, np.shape(data), np.float32, data=np.asarray(data, np.float32))

    def op(self, kind, name, inputs, shape, **attrs):
        out = self.tensor(name, shape)
        self.last_op = self.g.op(kind, [self.x] + inputs, [out], **attrs)
        self.x = out
        return self.last_op

    def input(self, node):
        shape = tuple(int(d) for d in np.asarray(node.input_type["input"]).ravel())
        declared = self.meta.get("input_shape")
        if len(shape) == 3:
            self.x = self.inp = self.tensor("input", (1, shape[1], shape[2], shape[0]))
        elif len(shape) == 1 and declared is not None and int(np.prod(declared)) == shape[0] and len(declared) == 4:
            self.x = self.inp = self.tensor("input", tuple(int(d) for d in declared))
            self.op("RESHAPE", "flat", [], (1, shape[0]), new_shape=[1, shape[0]])
        elif len(shape) == 1:
            self.x = self.inp = self.tensor("input", (1, shape[0]))
        else:
            raise InputError(f"NIR Input of shape {shape}: mlaccel takes (C, H, W) images or (N,) vectors")

    def layer(self, name, node):
        kind = type(node).__name__
        if kind in ("Affine", "Linear"):
            if len(self.x.shape) != 2:
                raise InputError(f"NIR node '{name}' ({kind}) takes a vector, but its input is {_chw(self.x.shape)}; "
                                 f"put a Flatten before it")
            w = np.asarray(node.weight, np.float32)
            if w.ndim != 2 or w.shape[1] != self.x.shape[1]:
                raise InputError(f"NIR node '{name}': weight {w.shape} does not take {self.x.shape[1]} inputs")
            if self.perm is not None:
                w = w[:, self.perm]
                self.perm = None
            b = np.asarray(node.bias, np.float32) if kind == "Affine" else np.zeros(w.shape[0], np.float32)
            self.op("FULLY_CONNECTED", name, [self.const(f"{name}.weight", w), self.const(f"{name}.bias", b)],
                    (1, w.shape[0]), activation="NONE")
        elif kind == "Flatten":
            n = int(np.prod(self.x.shape[1:]))
            if len(self.x.shape) == 4:
                _, h, w, c = self.x.shape
                self.perm = _hwc_to_chw(h, w, c)
            self.op("RESHAPE", name, [], (1, n), new_shape=[1, n])
        elif kind == "Conv2d":
            self.conv(name, node)
        elif kind == "AvgPool2d":
            if np.any(np.asarray(node.padding)):
                raise InputError(f"NIR node '{name}' (AvgPool2d): padding {node.padding} is not supported")
            (kh, kw), (sh, sw) = np.broadcast_to(node.kernel_size, 2), np.broadcast_to(node.stride, 2)
            _, h, w, c = self.x.shape
            self.op("AVERAGE_POOL_2D", name, [], (1, (h - kh) // sh + 1, (w - kw) // sw + 1, c), padding="VALID",
                    filter_h=int(kh), filter_w=int(kw), stride_h=int(sh), stride_w=int(sw), activation="NONE")
        else:
            raise UnsupportedOpError(f"NIR node '{name}' is a {kind}, which mlaccel does not import; it imports "
                                     f"{', '.join(SUPPORTED_NODES)}", op_type=kind)

    def conv(self, name, node):
        if len(self.x.shape) != 4:
            raise InputError(f"NIR node '{name}' (Conv2d) takes (C, H, W), but its input is {_chw(self.x.shape)}")
        w = np.asarray(node.weight, np.float32)
        _, h, wd, cin = self.x.shape
        cout, groups = w.shape[0], int(node.groups)
        (sh, sw), (dh, dw) = np.broadcast_to(node.stride, 2), np.broadcast_to(node.dilation, 2)
        if groups == 1 and w.shape[1] == cin:
            kind, data, extra = "CONV_2D", w.transpose(0, 2, 3, 1), {}
        elif groups == cin and w.shape[1] == 1:
            kind, data, extra = "DEPTHWISE_CONV_2D", w[:, 0].transpose(1, 2, 0)[None], {"depth_multiplier": cout // cin}
        else:
            raise InputError(f"NIR node '{name}' (Conv2d): weight {w.shape} with groups={groups} on {cin} channels; "
                             f"mlaccel takes groups 1 or one group per channel")
        kh, kw = w.shape[2:]
        if isinstance(node.padding, str):
            if node.padding not in ("same", "valid"):
                raise InputError(f"NIR node '{name}' (Conv2d): padding {node.padding!r}")
            padding = node.padding.upper()
        else:
            ph, pw = (int(v) for v in np.broadcast_to(node.padding, 2))
            if (ph, pw) == (0, 0):
                padding = "VALID"
            elif ((ph, ph) == _same_pads(h, kh, sh, dh) and (pw, pw) == _same_pads(wd, kw, sw, dw)):
                padding = "SAME"
            else:
                pads = self.g.tensor(f"{name}/paddings", (4, 2), np.int32,
                                     data=np.array([[0, 0], [ph, ph], [pw, pw], [0, 0]], np.int32))
                self.op("PAD", f"{name}/padded", [pads], (1, h + 2 * ph, wd + 2 * pw, cin))
                _, h, wd, _ = self.x.shape
                padding = "VALID"
        if padding == "SAME":
            oh, ow = ceil(h / sh), ceil(wd / sw)
        else:
            oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (wd - (kw - 1) * dw - 1) // sw + 1
        b = np.zeros(cout, np.float32) if node.bias is None else np.asarray(node.bias, np.float32)
        self.op(kind, name, [self.const(f"{name}.weight", data), self.const(f"{name}.bias", b)], (1, oh, ow, cout),
                padding=padding, activation="NONE", stride_h=int(sh), stride_w=int(sw), dilation_h=int(dh),
                dilation_w=int(dw), **extra)

    def neuron(self, name, node):
        kind, meta = type(node).__name__, _meta(node)
        op = self.last_op
        if op is None or op.index in self.neurons:
            raise InputError(f"NIR node '{name}' ({kind}) must follow a layer (Conv2d, Affine, ...), not "
                             f"{'the input' if op is None else 'other neurons'}")
        dt = self.dt
        reset = meta.get("reset", "zero")
        if reset == "zero" and not np.allclose(np.asarray(node.v_reset), 0):
            raise InputError(f"NIR node '{name}' ({kind}): v_reset other than 0 is not supported")
        thr = _uniform(name, "v_threshold", node.v_threshold)
        if kind == "IF":
            scale, n = _uniform(name, "r", node.r), Neuron("if", thr, reset=reset)
        elif kind == "LIF":
            if not np.allclose(np.asarray(node.v_leak), 0):
                raise InputError(f"NIR node '{name}' (LIF): v_leak other than 0 is not supported")
            tau, r = _uniform(name, "tau", node.tau), _uniform(name, "r", node.r)
            scale = 1.0 if np.isinf(tau) else r * dt / tau
            n = Neuron("lif", thr, beta=1.0 - dt / tau, reset=reset)
        else:  # CubaLIF
            if not np.allclose(np.asarray(node.v_leak), 0):
                raise InputError(f"NIR node '{name}' (CubaLIF): v_leak other than 0 is not supported")
            ts, tm = _uniform(name, "tau_syn", node.tau_syn), _uniform(name, "tau_mem", node.tau_mem)
            r, w_in = _uniform(name, "r", node.r), _uniform(name, "w_in", node.w_in)
            scale = w_in * dt / ts * (1.0 if np.isinf(tm) else r * dt / tm)
            n = Neuron("cuba", thr, beta=1.0 - dt / tm, alpha=1.0 - dt / ts, reset=reset)
        if not np.isclose(scale, 1.0):
            self.fold(name, op, scale)
        self.neurons[op.index] = Neuron(n.kind, n.threshold, n.beta, n.alpha, n.reset,
                                        int(meta.get("refractory", 0)), float(meta.get("v_init", 0.0)))

    def fold(self, name, op, scale):
        """An input scale folded into the preceding layer's weights and bias."""
        if op.type not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            raise InputError(f"NIR node '{name}': its input scale {scale:g} needs a layer with weights before it")
        for t in op.inputs[1:]:
            if t is not None:
                data = np.ascontiguousarray(t.data * np.float32(scale), np.float32)
                data.flags.writeable = False
                self.g.tensors[t.index] = dataclasses.replace(t, data=data)
        ins = tuple(self.g.tensors[t.index] if t is not None else None for t in op.inputs)
        self.g.ops[op.index] = self.last_op = dataclasses.replace(op, inputs=ins)


def from_nir(graph, source: str = "NIR graph") -> SpikingNet:
    """A ``nir.NIRGraph`` as a :class:`SpikingNet`.

    Raises
    ------
    UnsupportedOpError
        A node type mlaccel does not import (the message names the node and lists the supported).
    InputError
        A graph that is not a feed-forward chain, or parameters mlaccel cannot represent (per-neuron
        thresholds, a leak voltage, a non-zero reset potential).
    """
    imp = _Importer(graph, source)
    names = _chain(graph)
    for name in names:
        node = graph.nodes[name]
        kind = type(node).__name__
        if kind == "Input":
            imp.input(node)
        elif kind == "Output":
            continue
        elif kind in ("IF", "LIF", "CubaLIF"):
            imp.neuron(name, node)
        elif kind == "I":
            r = _uniform(name, "r", node.r)
            if not np.isclose(r, 1.0):
                imp.fold(name, imp.last_op, r)
        elif kind == "NIRGraph":
            raise UnsupportedOpError(f"NIR node '{name}' is a subgraph (a recurrent layer?); mlaccel imports "
                                     f"feed-forward chains of {', '.join(SUPPORTED_NODES)}", op_type=kind)
        else:
            imp.layer(name, node)
    if imp.last_op is None:
        raise InputError(f"{source} has no layer between its Input and Output")
    g = imp.g.build([imp.inp], [imp.x], name=Path(source).stem if source.endswith(".nir") else source)
    last = g.ops[-1].index
    readout = "spikes" if last in imp.neurons else "membrane"
    steps = imp.meta.get("timesteps")
    return SpikingNet(g, dict(imp.neurons), {}, last, readout, str(imp.meta.get("source", source)),
                      int(steps) if steps is not None else None)
