"""Pruning masks and structured channel removal, on float or int8 Graphs alike.

- magnitude (unstructured): the smallest ``|w|`` of each layer are zeroed; during fine-tuning the
  sparsity follows Zhu and Gupta's (2017) polynomial schedule, TF-MOT's default
  ``s_t = s_f + (s_i - s_f) (1 - t/T)^3``;
- N:M (2:4 by default): in every group of M consecutive weights along the reduction axis (K of a
  fully connected layer, the input channels of a convolution tap), only the N largest survive, as
  sparse tensor cores need it;
- channels: whole output channels (filters, or neurons of a hidden fully connected layer) with the
  smallest L1 norm are removed, with the matching input channels of the layers that read them, so
  the model gets smaller and faster on dense hardware too.

On an int8 Graph the zeroed values are int8 zeros (real 0, since weight zero points are 0) and the
quantization parameters are kept (per-channel scales are sliced with their channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..graph import Graph, Op, Quant, Tensor
from ..model.builder import rebuild

__all__ = ["PruneSpec", "parse_sparsity", "magnitude_mask", "nm_mask", "polynomial_sparsity", "masks_for",
           "apply_masks", "remove_channels", "prunable_ops"]

_PASS_THROUGH = ("RELU", "RELU6", "TANH", "LOGISTIC", "MAX_POOL_2D", "AVERAGE_POOL_2D", "PAD")


@dataclass(frozen=True)
class PruneSpec:
    """What to prune: a fraction (unstructured or channels), or an N:M pattern."""

    sparsity: float | None = None
    n: int = 0
    m: int = 0
    structured: str | None = None  # None or "channels"

    def __post_init__(self):
        if self.structured not in (None, "channels"):
            raise InputError(f"--structured must be 'channels', got '{self.structured}'")
        if self.n or self.m:
            if not (0 < self.n < self.m):
                raise InputError(f"N:M sparsity needs 0 < N < M, got {self.n}:{self.m}")
            if self.structured:
                raise InputError("N:M sparsity and --structured channels do not combine")
        elif self.sparsity is None or not 0 < self.sparsity < 1:
            raise InputError(f"sparsity must lie in (0, 1), got {self.sparsity}")

    @property
    def label(self) -> str:
        if self.n:
            return f"{self.n}:{self.m}"
        return f"{self.sparsity:.0%}" + (" channels" if self.structured else "")


def parse_sparsity(text: str, structured: str | None = None) -> PruneSpec:
    """``"0.5"`` or ``"2:4"`` as a :class:`PruneSpec`."""
    s = str(text).strip()
    try:
        if ":" in s:
            n, m = (int(v) for v in s.split(":"))
        else:
            value = float(s)
    except ValueError:
        raise InputError(f"--sparsity must be a fraction like 0.5 or a pattern like 2:4, got '{text}'") from None
    if ":" in s:
        return PruneSpec(n=n, m=m, structured=structured)
    return PruneSpec(sparsity=value, structured=structured)


def polynomial_sparsity(step: int, total: int, final: float, initial: float = 0.0, power: int = 3) -> float:
    """Zhu and Gupta's gradual schedule: the sparsity at ``step`` of ``total`` (reaches ``final`` at 60%)."""
    end = max(1, int(0.6 * total))
    t = min(1.0, step / end)
    return final + (initial - final) * (1.0 - t) ** power


def magnitude_mask(w: np.ndarray, sparsity: float) -> np.ndarray:
    """0/1 mask that zeroes the ``sparsity`` fraction of smallest-magnitude weights."""
    k = int(round(sparsity * w.size))
    mask = np.ones(w.shape, np.float32)
    if k <= 0:
        return mask
    order = np.argsort(np.abs(np.asarray(w, np.float64)).reshape(-1), kind="stable")
    mask.reshape(-1)[order[:k]] = 0
    return mask


def nm_mask(w: np.ndarray, n: int, m: int) -> np.ndarray:
    """0/1 mask keeping the N largest of every M consecutive weights along the last (reduction) axis.

    ``w`` is ``(O, ..., K)`` with the reduction innermost (TFLite's OHWI filters and (O, K) weights);
    K must be a multiple of M.
    """
    rows = np.abs(np.asarray(w, np.float64)).reshape(-1, m)
    keep = np.argsort(-rows, axis=1, kind="stable")[:, :n]
    mask = np.zeros(rows.shape, np.float32)
    np.put_along_axis(mask, keep, 1.0, axis=1)
    return mask.reshape(w.shape)


def prunable_ops(graph: Graph, spec: PruneSpec) -> list[Op]:
    """The weighted ops a mask applies to (N:M needs a reduction axis that M divides)."""
    out = []
    for op in graph.ops:
        if op.type not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        if spec.n and (op.type == "DEPTHWISE_CONV_2D" or op.inputs[1].shape[-1] % spec.m):
            continue
        out.append(op)
    return out


def masks_for(graph: Graph, spec: PruneSpec, sparsity: float | None = None) -> dict[int, np.ndarray]:
    """``{weight tensor index: mask}`` for every prunable op (``sparsity`` overrides the spec's)."""
    masks = {}
    for op in prunable_ops(graph, spec):
        w = op.inputs[1]
        masks[w.index] = (nm_mask(w.data, spec.n, spec.m) if spec.n
                          else magnitude_mask(w.data, spec.sparsity if sparsity is None else sparsity))
    return masks


def apply_masks(graph: Graph, masks: dict[int, np.ndarray]) -> Graph:
    """The Graph with masked weights zeroed (quantization parameters kept)."""
    changes = {}
    for i, mask in masks.items():
        t = graph.tensors[i]
        changes[i] = {"data": (t.data * mask.astype(t.data.dtype)).astype(t.dtype)}
    return rebuild(graph, changes)


def _take(t: Tensor, keep: np.ndarray, axis: int) -> dict:
    """The change that keeps ``keep`` along ``axis`` of a constant tensor, per-axis scales sliced with it."""
    data = np.take(t.data, keep, axis=axis)
    q = t.quant
    if q is not None and q.per_axis and q.axis == axis % len(t.shape):
        q = Quant(q.scale[keep].copy(), q.zero_point[keep].copy(), q.axis)
    return {"shape": data.shape, "data": data, "quant": q}


def _consumers(graph: Graph, t: Tensor) -> list[Op]:
    return [op for op in graph.ops if any(i is not None and i.index == t.index for i in op.inputs)]


def _plan(graph: Graph, op: Op, keep: np.ndarray) -> tuple[dict, dict] | None:
    """The tensor and attr changes that remove all but ``keep`` output channels of ``op``; None if blocked."""
    changes: dict[int, dict] = {}
    attrs: dict[int, dict] = {}
    c = op.outputs[0].shape[-1]
    for t in (op.inputs[1], op.input(2)):  # the filters and their biases
        if t is not None:
            changes[t.index] = _take(t, keep, 0)
    frontier = [op.outputs[0]]
    outputs = {t.index for t in graph.outputs}
    while frontier:
        t = frontier.pop()
        if t.index in outputs:
            return None
        changes[t.index] = {"shape": t.shape[:-1] + (len(keep),)}
        for user in _consumers(graph, t):
            if user.type in _PASS_THROUGH:
                frontier.append(user.outputs[0])
            elif user.type == "CONV_2D" and user.inputs[0].index == t.index and user.inputs[1].shape[-1] == c:
                uw = user.inputs[1]
                if uw.index in changes:
                    return None
                changes[uw.index] = _take(uw, keep, -1)
            elif user.type == "DEPTHWISE_CONV_2D" and user.attrs.get("depth_multiplier", 1) == 1:
                for ut, axis in ((user.inputs[1], -1), (user.input(2), 0)):
                    if ut is not None:
                        changes[ut.index] = _take(ut, keep, axis)
                frontier.append(user.outputs[0])
            elif user.type == "RESHAPE" and len(t.shape) == 4 and len(user.outputs[0].shape) == 2:
                cols = np.arange(t.size).reshape(t.shape)[..., keep].reshape(-1)
                out = user.outputs[0]
                new_out = (out.shape[0], len(cols))
                changes[out.index] = {"shape": new_out}
                attrs[user.index] = {"new_shape": list(new_out)}
                for fc in _consumers(graph, out):
                    if fc.type != "FULLY_CONNECTED" or fc.inputs[0].index != out.index:
                        return None
                    changes[fc.inputs[1].index] = _take(fc.inputs[1], cols, 1)
                if out.index in outputs:
                    return None
            elif user.type == "FULLY_CONNECTED" and len(t.shape) == 2 and user.inputs[0].index == t.index:
                changes[user.inputs[1].index] = _take(user.inputs[1], keep, 1)
            else:
                return None
    return changes, attrs


def remove_channels(graph: Graph, fraction: float) -> tuple[Graph, list[str]]:
    """Remove the ``fraction`` of output channels with the smallest L1 norm from every layer that can lose them.

    A layer can when its output reaches, through element-wise ops and pooling, only convolutions or
    fully connected layers (not a residual add, a concatenation or the model's output).

    Returns
    -------
    graph : Graph
        Smaller: fewer filters, activations and weights.
    skipped : list of str
        The layers left whole, with the reason.
    """
    skipped = []
    for idx in range(len(graph.ops)):
        op = graph.ops[idx]
        if op.type not in ("CONV_2D", "FULLY_CONNECTED"):
            continue
        w = op.inputs[1]
        if op.type == "CONV_2D" and op.inputs[0].shape[-1] != w.shape[-1]:
            skipped.append(f"{op.label}: grouped convolution")
            continue
        c = w.shape[0]
        n_keep = max(1, c - int(round(fraction * c)))
        wq = w.data.astype(np.float64)
        if w.quant is not None:  # compare real magnitudes across channels of different scales
            scale = np.broadcast_to(w.quant.scale.astype(np.float64), (c,))
            wq = wq * scale.reshape((-1,) + (1,) * (w.data.ndim - 1))
        norms = np.abs(wq).reshape(c, -1).sum(axis=1)
        keep = np.sort(np.argsort(-norms, kind="stable")[:n_keep])
        plan = _plan(graph, op, keep)
        if plan is None:
            skipped.append(f"{op.label}: its output reaches an op that cannot drop channels (or the model output)")
            continue
        graph = rebuild(graph, *plan)
    return graph, skipped
