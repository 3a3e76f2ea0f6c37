"""The session API: ``load(path) -> Model`` and ``Model.run(*inputs, target=...) -> Result``."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .backend import Backend
from .errors import InputError, KernelError, MlaccelError
from .graph import Graph, Op, Tensor
from .model.reader import read_tflite
from .stats import Stats, total
from .targets import resolve_target

__all__ = ["load", "Model", "Result"]


def load(path: str | os.PathLike) -> "Model":
    """Load a ``.tflite`` model.

    Raises
    ------
    ModelFileError
        The file is missing or unreadable.
    ModelFormatError
        The file is not a valid TFLite model.
    """
    return Model(read_tflite(path))


@dataclass(frozen=True)
class Result:
    """The outcome of :meth:`Model.run`.

    Attributes
    ----------
    outputs : list of ndarray
        One array per graph output. A batched run gives each a leading axis of length ``batch``.
    ops : list of Stats
        Per-op costs of one inference, in execution order.
    total : Stats
        The sum of ``ops``.
    batch : int
        Number of samples run.
    target : str
        The backend's name.
    seconds : float
        Wall-clock time of the whole run.
    """

    outputs: list[np.ndarray]
    ops: list[Stats]
    total: Stats
    batch: int = 1
    target: str = "reference"
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@contextmanager
def _naming_op(op: Op, backend: Backend, stage: str):
    """Turn an unexpected failure inside a backend into a KernelError that names the op."""
    try:
        yield
    except MlaccelError:
        raise
    except Exception as e:  # noqa: BLE001 - name the op instead of a deep NumPy trace
        raise KernelError(f"Op {op.label} failed to {stage} on target '{backend.name}': "
                          f"{type(e).__name__}: {e}") from e


class Model:
    """A loaded model, ready to run on any target.

    Per-op preparation (multipliers, weight matrices) is done once per target and kept.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self._prepared: dict[str, list] = {}

    def __repr__(self) -> str:
        return f"Model({self.graph.name!r}, ops={len(self.graph.ops)})"

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The graph's input tensors (shape, dtype, quantization)."""
        return self.graph.inputs

    @property
    def outputs(self) -> tuple[Tensor, ...]:
        """The graph's output tensors."""
        return self.graph.outputs

    def prepare(self, target: str | Backend = "reference") -> list:
        """Prepare every op for a target; raises UnsupportedOpError before anything runs."""
        backend = resolve_target(target)
        key = target if isinstance(target, str) else f"{backend.name}@{id(backend)}"
        if key not in self._prepared:
            prepared = []
            for op in self.graph.ops:
                with _naming_op(op, backend, "prepare"):
                    prepared.append(backend.prepare(op))
            self._prepared[key] = [backend, prepared]
        return self._prepared[key]

    def run(self, *inputs, target: str | Backend = "reference") -> Result:
        """Run the model on one sample or a batch.

        Parameters
        ----------
        *inputs : array_like
            One array per graph input, of the input's dtype. An array shaped exactly like the
            input is one sample; ``(N, *shape)`` or, when the model's batch dimension is 1,
            ``(N, *shape[1:])`` is a batch of N.
        target : str or Backend
            ``"reference"`` (default) or another backend.

        Returns
        -------
        Result
        """
        t0 = time.perf_counter()
        backend, prepared = self.prepare(target)
        arrays, batch, form = self._check_inputs(inputs)
        values: dict[int, np.ndarray] = {t.index: a for t, a in zip(self.graph.inputs, arrays)}
        last_use = self._last_use()
        keep = {t.index for t in self.graph.outputs}
        stats = []
        for op, prep in zip(self.graph.ops, prepared):
            ins = [None if t is None else (values[t.index] if not t.is_constant else t.data[None])
                   for t in op.inputs]
            with _naming_op(op, backend, "run"):
                res = backend.run(op, prep, ins)
            for t, out in zip(op.outputs, res.outputs):
                values[t.index] = out
            stats.append(res.stats)
            for t in op.inputs:
                if t is not None and last_use.get(t.index) == op.index and t.index not in keep:
                    values.pop(t.index, None)
        outputs = [self._shape_output(values[t.index], t, form) for t in self.graph.outputs]
        return Result(outputs, stats, total(stats), batch, backend.name, time.perf_counter() - t0)

    def _last_use(self) -> dict[int, int]:
        last: dict[int, int] = {}
        for op in self.graph.ops:
            for t in op.inputs:
                if t is not None:
                    last[t.index] = op.index
        return last

    def _check_inputs(self, inputs) -> tuple[list[np.ndarray], int, str]:
        specs = self.graph.inputs
        if len(inputs) != len(specs):
            names = ", ".join(f"'{t.name}' {t.shape} {t.dtype}" for t in specs)
            raise InputError(f"The model takes {len(specs)} input(s) ({names}); got {len(inputs)}")
        arrays, batches, forms = [], set(), set()
        for i, (x, t) in enumerate(zip(inputs, specs)):
            x = self._as_dtype(i, x, t)
            if x.shape == t.shape:
                arr, form = x[None], "single"
            elif x.shape[1:] == t.shape:
                arr, form = x, "stacked"
            elif t.shape[:1] == (1,) and x.ndim == len(t.shape) and x.shape[1:] == t.shape[1:]:
                arr, form = x[:, None], "batch-dim"
            else:
                raise InputError(
                    f"Input {i} '{t.name}' has shape {x.shape}; expected {t.shape}, or "
                    f"(N, {', '.join(map(str, t.shape[1:] if t.shape[:1] == (1,) else t.shape))}) "
                    f"for a batch of N")
            arrays.append(np.ascontiguousarray(arr))
            batches.add(arr.shape[0])
            forms.add(form)
        if len(batches) > 1:
            raise InputError(f"Inputs have different batch sizes: {sorted(batches)}")
        if not specs:  # a graph without inputs (all constants) runs once
            return arrays, 1, "single"
        form = "single" if forms == {"single"} else ("batch-dim" if "batch-dim" in forms else "stacked")
        return arrays, batches.pop(), form

    @staticmethod
    def _as_dtype(i: int, x, t: Tensor) -> np.ndarray:
        if isinstance(x, np.ndarray):
            if x.dtype != t.dtype:
                raise InputError(f"Input {i} '{t.name}' must be {t.dtype.name}, got {x.dtype.name}")
            return x
        arr = np.asarray(x)
        if np.issubdtype(t.dtype, np.integer):
            info = np.iinfo(t.dtype)
            if not np.issubdtype(arr.dtype, np.integer) or (arr.size and (arr.min() < info.min or
                                                                          arr.max() > info.max)):
                raise InputError(f"Input {i} '{t.name}' must hold {t.dtype.name} values "
                                 f"in [{info.min}, {info.max}]")
        return arr.astype(t.dtype)

    @staticmethod
    def _shape_output(y: np.ndarray, t: Tensor, form: str) -> np.ndarray:
        if form == "single":
            return y[0]
        if form == "batch-dim" and t.shape[:1] == (1,):
            return y[:, 0]
        return y
