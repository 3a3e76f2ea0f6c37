"""Per-op rooflines (Williams, Waterman and Patterson, CACM 2009).

Each op's operations (2 per MAC; one per element for vector ops) and its off-chip bytes under a
stated reuse model give its arithmetic intensity; the device's peak and bandwidth bound it.

**Reuse model.** Every tensor element is ``bytes_per_element`` wide (1 for int8, 2 for fp16/bf16,
4 for fp32). An op whose operands and result fit the on-chip memory together moves each once
(compulsory traffic). A larger GEMM ``(M x K) @ (K x N)`` is tiled into output tiles of ``T x T``
with ``T = floor(sqrt(S / 3))`` elements (an output tile and its two operand panels share the
capacity ``S``), streaming K: activations are read ``ceil(N / T)`` times, weights ``ceil(M / T)``
times, outputs written once. A batch of B samples multiplies M, so weights are reused across it.
Depthwise convolutions, pooling and elementwise ops move their inputs and outputs once.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, sqrt

import numpy as np

from ...graph import Graph
from ...lower import Gemm, Move, Window, lower
from .catalog import Device, RooflineError

__all__ = ["OpLoad", "RooflinePoint", "Roofline", "loads_of_graph", "loads_of_layers", "loads_of_model", "gemm_traffic", "roofline",
           "BYTES", "TPU_V1_APPS", "tpu_v1_check"]

BYTES = {"int8": 1, "int8_sparse": 1, "fp8": 1, "fp16": 2, "bf16": 2, "tf32": 4, "fp32": 4}


@dataclass(frozen=True)
class OpLoad:
    """One op's work: ``ops`` (operations), and its GEMM shape or its element counts."""

    name: str
    kind: str
    ops: float
    m: int = 0
    k: int = 0
    n: int = 0
    in_elems: int = 0
    weight_elems: int = 0
    out_elems: int = 0


def gemm_traffic(m: int, k: int, n: int, bytes_per_element: int, capacity_bytes: float) -> float:
    """Off-chip bytes of ``(m x k) @ (k x n)`` under the module's reuse model."""
    b = bytes_per_element
    if (m * k + k * n + m * n) * b <= capacity_bytes:
        return float((m * k + k * n + m * n) * b)
    t = max(1, floor(sqrt(capacity_bytes / b / 3)))
    return float(b * (m * k * ceil(n / t) + k * n * ceil(m / t) + m * n))


def loads_of_graph(graph: Graph, batch: int = 1) -> list[OpLoad]:
    """The work items of a model (int8 or float) as loads, for a batch of ``batch`` samples."""
    out = []
    for item in lower(graph).items:
        op = item.op
        ins = sum(int(np.prod(t.shape)) for t in op.inputs if t is not None and not t.is_constant) * batch
        consts = sum(int(np.prod(t.shape)) for t in op.inputs[1:2] if t is not None and t.is_constant)
        outs = sum(int(np.prod(t.shape)) for t in op.outputs) * batch
        if isinstance(item, Gemm):
            out.append(OpLoad(item.label, "gemm", 2.0 * item.macs * batch, item.m * batch, item.k,
                              item.n * item.groups, ins, consts, outs))
        elif isinstance(item, Window) and item.function == "depthwise":
            out.append(OpLoad(item.label, "depthwise", 2.0 * item.macs * batch, in_elems=ins, weight_elems=consts,
                              out_elems=outs))
        elif isinstance(item, Move) and item.function == "reshape":
            continue  # relabels a buffer: no work, no traffic
        else:
            kind = "pool" if isinstance(item, Window) else item.kind
            out.append(OpLoad(item.label, kind, float(item.lane_ops * batch), in_elems=ins, out_elems=outs))
    return out


def loads_of_model(model: str, batch: int = 1) -> list[OpLoad]:
    """A model's loads: ``resnet50`` (the 54-layer topology), a float ``.onnx`` file, or any model
    :func:`mlaccel.load` takes (a ``.tflite`` file, a shipped model's short name)."""
    from ... import session

    if model == "resnet50":
        from ...hw.systolic.topologies import resnet50

        return loads_of_layers(resnet50(), batch)
    m = session.load(model)
    if str(m.source).lower().endswith(".onnx"):
        from ...compress.flows import from_onnx

        return loads_of_graph(from_onnx(m.source), batch)
    return loads_of_graph(m.graph, batch)


def loads_of_layers(layers, batch: int = 1) -> list[OpLoad]:
    """SCALE-Sim topology layers (e.g. :func:`mlaccel.hw.systolic.topologies.resnet50`) as loads."""
    out = []
    for lay in layers:
        m = lay.ofmap_h * lay.ofmap_w * batch
        k = lay.filter_h * lay.filter_w * lay.channels
        out.append(OpLoad(lay.name, "gemm", 2.0 * m * k * lay.filters, m, k, lay.filters,
                          lay.ifmap_h * lay.ifmap_w * lay.channels * batch, k * lay.filters, m * lay.filters))
    return out


@dataclass(frozen=True)
class RooflinePoint:
    """One op on the roofline: ``intensity`` (ops/byte), ``attainable`` (ops/s), ``bound``
    (``"compute"`` or ``"memory"``), ``seconds`` at the attainable rate."""

    load: OpLoad
    bytes: float
    intensity: float
    attainable: float
    bound: str

    @property
    def seconds(self) -> float:
        return self.load.ops / self.attainable if self.attainable else self.bytes / 1e18


@dataclass(frozen=True)
class Roofline:
    """A model on a device: per-op points and totals."""

    device: Device
    precision: str
    batch: int
    points: list

    @property
    def ops(self) -> float:
        return float(sum(p.load.ops for p in self.points))

    @property
    def bytes(self) -> float:
        return float(sum(p.bytes for p in self.points))

    @property
    def seconds(self) -> float:
        """Time of the whole model, each op at its own bound, s."""
        return float(sum(p.seconds for p in self.points))

    @property
    def attainable(self) -> float:
        """Whole-model operations per second (ops / seconds)."""
        return self.ops / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        d = self.device
        return {"device": d.key, "precision": self.precision, "batch": self.batch, "peak_ops": d.peak(self.precision),
                "bandwidth_bytes": d.bandwidth(), "ops": self.ops, "bytes": self.bytes, "seconds": self.seconds,
                "attainable_ops": self.attainable,
                "ops_detail": [{"op": p.load.name, "ops": p.load.ops, "bytes": p.bytes, "intensity": p.intensity,
                                "attainable_ops": p.attainable, "bound": p.bound} for p in self.points]}


def roofline(loads: list[OpLoad], device: Device, precision: str = "int8", batch: int = 1) -> Roofline:
    """Place every load on ``device``'s roofline at ``precision``.

    Raises
    ------
    RooflineError
        The device has no peak for the precision, or no published bandwidth.
    """
    if precision not in BYTES:
        raise RooflineError(f"Unknown precision '{precision}'; choose {', '.join(BYTES)}")
    peak, bw = device.peak(precision), device.bandwidth()
    b = BYTES[precision]
    cap = (device.onchip_mib or 0.0) * 2 ** 20
    points = []
    for ld in loads:
        if ld.kind == "gemm":
            moved = gemm_traffic(ld.m, ld.k, ld.n, b, cap)
        else:
            moved = float((ld.in_elems + ld.weight_elems + ld.out_elems) * b)
        intensity = ld.ops / moved if moved else float("inf")
        att = min(peak, intensity * bw)
        points.append(RooflinePoint(ld, moved, intensity, att, "compute" if att >= peak else "memory"))
    return Roofline(device, precision, batch, points)


# Jouppi et al., ISCA 2017: the six production apps' operational intensity (MACs per weight byte,
# Table 1) and the TOPS the TPU achieved on them (Table 3).
TPU_V1_APPS = {"MLP0": (200, 12.3), "MLP1": (168, 9.7), "LSTM0": (64, 3.7), "LSTM1": (96, 2.8),
               "CNN0": (2888, 86.0), "CNN1": (1750, 14.1)}


def tpu_v1_check(device: Device) -> list[tuple[str, float, float, float]]:
    """``(app, MACs per weight byte, our roofline bound in TOPS, the paper's measured TOPS)`` for the six
    apps on ``device`` (the TPU v1 entry): the bound is ``min(peak, 2 x intensity x bandwidth)``."""
    peak, bw = device.peak("int8"), device.bandwidth()
    return [(app, i, min(peak, 2 * i * bw) / 1e12, measured) for app, (i, measured) in TPU_V1_APPS.items()]


def roofline_plot(r: Roofline, path, title: str = "") -> None:
    """The device's roofline with every op placed on it (by bound), and the model's total."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    peak, bw = r.device.peak(r.precision), r.device.bandwidth()
    xs = [p.intensity for p in r.points if np.isfinite(p.intensity) and p.intensity > 0]
    lo, hi = min(xs + [peak / bw]) / 4, max(xs + [peak / bw]) * 4
    grid = np.geomspace(lo, hi, 200)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(grid, np.minimum(peak, grid * bw) / 1e12, "k-", lw=1.5, label=f"{r.device.name}, {r.precision}")
    for bound, color in (("memory", "#DD8452"), ("compute", "#4C72B0")):
        pts = [p for p in r.points if p.bound == bound and np.isfinite(p.intensity) and p.intensity > 0]
        if pts:
            ax.scatter([p.intensity for p in pts], [p.attainable / 1e12 for p in pts], s=18, color=color,
                       alpha=0.8, label=f"{len(pts)} ops {bound}-bound")
    total_i = r.ops / r.bytes if r.bytes else hi
    ax.scatter([total_i], [r.attainable / 1e12], marker="*", s=160, color="#55A868", zorder=3,
               label=f"whole model: {r.attainable / 1e12:.3g} TOPS")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (ops / off-chip byte)")
    ax.set_ylabel("attainable TOPS")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
