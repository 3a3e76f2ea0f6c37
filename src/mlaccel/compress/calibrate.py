"""Calibration: run a float Graph on sample inputs and choose each activation's int8 range.

Three methods, as in TFLite's and TensorRT's calibrators:

- ``minmax``: the observed minimum and maximum;
- ``percentile``: the ``p``-th and ``(100 - p)``-th percentiles (default 99.99), which ignores outliers;
- ``mse``: the clipping range, among shrunken min/max ranges, whose int8 round trip has the least
  mean squared error on the observed values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, KernelError
from ..graph import Graph
from ..kernels import kernel_for
from ..data.layout import as_samples

__all__ = ["trace", "calibrate", "CALIBRATION_METHODS", "check_calibration"]

CALIBRATION_METHODS = ("minmax", "percentile", "mse")
_MAX_SAMPLES = 1 << 18  # values kept per tensor for the percentile and MSE searches
_MSE_STEPS = 40


def check_calibration(graph: Graph, x: np.ndarray) -> np.ndarray:
    """Calibration samples as a float32 ``(N, *input shape)`` batch, or an InputError saying what is wrong."""
    if len(graph.inputs) != 1:
        raise InputError(f"Calibration supports models with one input; '{graph.name}' has {len(graph.inputs)}")
    t = graph.inputs[0]
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise InputError(f"Calibration data must be floating point (the float model's input), got {x.dtype}")
    x = as_samples(x, t, "Calibration samples")
    if x.shape[0] == 0:
        raise InputError("Calibration data holds no samples")
    if not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.isfinite(x)))
        raise InputError(f"Calibration data contains {bad} NaN or infinite value(s)")
    return np.ascontiguousarray(x, np.float32)


def _prepared(graph: Graph) -> list:
    plan = []
    for op in graph.ops:
        k = kernel_for(op)
        if k is None:
            raise KernelError(f"Op {op.label} has no kernel")
        plan.append((op, k.eval, k.prepare(op)))
    return plan


def trace(graph: Graph, inputs: list[np.ndarray], plan: list | None = None) -> dict[int, np.ndarray]:
    """Every tensor's value for a batch: ``{tensor index: (N, *shape) array}`` (float kernels).

    ``plan`` is the ops' prepared kernels from an earlier call, so a batch loop prepares once.
    """
    env = {t.index: x for t, x in zip(graph.inputs, inputs)}
    for op, evaluate, params in plan if plan is not None else _prepared(graph):
        args = [None if t is None else (t.data[None] if t.is_constant else env[t.index]) for t in op.inputs]
        env[op.outputs[0].index] = evaluate(params, args)
    return env


@dataclass(frozen=True)
class _Observed:
    lo: float
    hi: float
    sample: np.ndarray


def _observe(values: np.ndarray, rng: np.random.Generator) -> _Observed:
    flat = values.reshape(-1)
    sample = flat if flat.size <= _MAX_SAMPLES else rng.choice(flat, _MAX_SAMPLES, replace=False)
    return _Observed(float(flat.min()), float(flat.max()), sample.astype(np.float32))


def _int8_mse(x: np.ndarray, lo: float, hi: float) -> float:
    scale = (hi - lo) / 255.0
    if scale <= 0:
        return float(np.mean(x * x))
    zp = np.round(-128 - lo / scale)
    q = np.clip(np.round(x / scale) + zp, -128, 127)
    return float(np.mean((x - (q - zp) * scale) ** 2))


def _range(o: _Observed, method: str, percentile: float) -> tuple[float, float]:
    if method == "minmax":
        return o.lo, o.hi
    if method == "percentile":
        lo, hi = np.percentile(o.sample, [100.0 - percentile, percentile])
        return float(lo), float(hi)
    best, best_err = (o.lo, o.hi), _int8_mse(o.sample, o.lo, o.hi)
    for f in np.linspace(1.0, 0.2, _MSE_STEPS)[1:]:
        err = _int8_mse(o.sample, o.lo * f, o.hi * f)
        if err < best_err:
            best, best_err = (o.lo * f, o.hi * f), err
    return best


def calibrate(graph: Graph, x: np.ndarray, method: str = "minmax", percentile: float = 99.99,
              batch: int = 256) -> dict[int, tuple[float, float]]:
    """The float range of every activation tensor (graph inputs included) over calibration samples.

    Parameters
    ----------
    graph : Graph
        A float32 graph with one input.
    x : ndarray
        ``(N, *input shape)`` float samples in the graph's (NHWC) layout.
    method : {"minmax", "percentile", "mse"}
    percentile : float
        For ``percentile``: the upper percentile, in (50, 100].

    Returns
    -------
    dict
        ``{tensor index: (lo, hi)}`` in real units, always with ``lo <= 0 <= hi``.
    """
    if method not in CALIBRATION_METHODS:
        raise InputError(f"Unknown calibration method '{method}'; choose {', '.join(CALIBRATION_METHODS)}")
    if not 50 < percentile <= 100:
        raise InputError(f"percentile must be in (50, 100], got {percentile}")
    x = check_calibration(graph, x)
    rng = np.random.default_rng(0)
    seen: dict[int, list[np.ndarray]] = {}
    plan = _prepared(graph)
    for s in range(0, x.shape[0], batch):
        for i, v in trace(graph, [x[s:s + batch]], plan).items():
            seen.setdefault(i, []).append(v)
    out = {}
    for i, parts in seen.items():
        lo, hi = _range(_observe(np.concatenate([p.reshape(-1) for p in parts]), rng), method, percentile)
        out[i] = (min(lo, 0.0), max(hi, 0.0))
    return out
