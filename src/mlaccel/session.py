"""The session API: ``load(path) -> Model`` and ``Model.run(*inputs, target=...) -> Result``."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .backend import Backend
from .errors import InputError, Interrupted, KernelError, MlaccelError, ModelFileError
from .graph import Graph, Op, Tensor
from .model.reader import parse_tflite, read_tflite
from .stats import Stats, total
from .targets import Target, family, make_backend, resolve

__all__ = ["load", "Model", "Result", "Progress"]

# progress(done, total, what): called before each op runs (and once at the end with done == total).
Progress = Callable[[int, int, str], None]


def load(source: str | os.PathLike | bytes) -> "Model":
    """Load a ``.tflite`` model from a file or from its bytes.

    Raises
    ------
    ModelFileError
        The file is missing or unreadable, or ``source`` is neither a path nor bytes.
    ModelFormatError
        The data is not a valid TFLite model.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return Model(parse_tflite(data, name="<bytes>"), source=data)
    if not isinstance(source, (str, os.PathLike)):
        raise ModelFileError(f"load() takes a .tflite path or the model's bytes, got {type(source).__name__}")
    return Model(read_tflite(source), source=os.fspath(source))


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
        The sum of ``ops``: ``total.cycles``, ``total.seconds`` (modeled time of one inference),
        ``total.energy_total_pj``.
    batch : int
        Number of samples run.
    target : str
        The resolved target, e.g. ``"systolic:edge-16x16-os"``.
    config : object
        The target's Config (None for ``reference``).
    wall_seconds : float
        Wall-clock time of the whole run on this machine.
    columns : tuple of str
        The columns the target's per-op table shows (:func:`mlaccel.report.tables.profile_table`).
    notes : tuple of str
        Caveats the target reports for this configuration.
    """

    outputs: list[np.ndarray]
    ops: list[Stats]
    total: Stats
    batch: int = 1
    target: str = "reference"
    config: Any = None
    wall_seconds: float = 0.0
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


@contextmanager
def _naming_op(op: Op, backend: Backend, stage: str):
    """Turn an unexpected failure inside a backend into a KernelError that names the op."""
    try:
        yield
    except MlaccelError:
        raise
    except KeyboardInterrupt as e:
        where = f" {e}" if str(e) else ""
        raise Interrupted(f"Interrupted in op {op.label} on '{backend.name}'{where}") from None
    except Exception as e:  # noqa: BLE001 - name the op instead of a deep NumPy trace
        raise KernelError(f"Op {op.label} failed to {stage} on target '{backend.name}': "
                          f"{type(e).__name__}: {e}") from e


class Model:
    """A loaded model, ready to run on any target.

    Per-op preparation (multipliers, weight matrices, a SoC's firmware and tensor placement) is
    done once per target and kept: a second run on the same target builds nothing.
    """

    def __init__(self, graph: Graph, source: str | bytes | None = None):
        self.graph = graph
        self.source = source  # the file path or bytes it was loaded from (for the TFLM oracle)
        self._prepared: dict[Any, tuple[Backend, list]] = {}

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

    def prepare(self, target: "str | Target | Backend" = "reference", progress: Progress | None = None
                ) -> tuple[Backend, list]:
        """Prepare every op for a target; raises UnsupportedOpError before anything runs.

        The prepared backend is looked up before one is built: the key is the resolved target (its
        family and config) and, for families that depend on files (SoC projects), their
        fingerprint.

        Returns
        -------
        backend, prepared : Backend, list
        """
        if _is_backend(target):
            key: Any = ("backend", id(target))
        else:
            t = resolve(target)
            key = (t, family(t.family).fingerprint(t.config))
        if key not in self._prepared:
            backend = target if _is_backend(target) else make_backend(key[0])
            prepared = []
            for i, op in enumerate(self.graph.ops):
                if progress is not None:
                    progress(i, len(self.graph.ops), f"preparing {op.label}")
                with _naming_op(op, backend, "prepare"):
                    prepared.append(backend.prepare(op))
            self._prepared[key] = (backend, prepared)
        return self._prepared[key]

    def run(self, *inputs, target: "str | Target | Backend" = "reference", progress: Progress | None = None
            ) -> Result:
        """Run the model on one sample or a batch.

        Parameters
        ----------
        *inputs : array_like
            One array per graph input, of the input's dtype. An array shaped exactly like the
            input is one sample; ``(N, *shape)`` or, when the model's batch dimension is 1,
            ``(N, *shape[1:])`` is a batch of N.
        target : str, Config, Target or Backend
            ``"reference"`` (default), ``"systolic:PRESET"``, ``"soc:PRESET"``, a config file...
            (see :mod:`mlaccel.targets`), a family's Config object such as
            ``SystolicConfig(rows=8, cols=8)``, or a Backend object.
        progress : callable, optional
            ``progress(done, total, what)``, called as ops are prepared and run.

        Returns
        -------
        Result

        Raises
        ------
        InputError
            Wrong number, shape, dtype or values of inputs, or an empty batch.
        TargetError, ConfigError
            The target names nothing known.
        Interrupted
            Ctrl-C; the message names the op (and, on the SoC, the sample and pc).
        """
        t0 = time.perf_counter()
        backend, prepared = self.prepare(target, progress)
        arrays, batch, form = self._check_inputs(inputs)
        backend.begin(batch)
        values: dict[int, np.ndarray] = {t.index: a for t, a in zip(self.graph.inputs, arrays)}
        last_use = self._last_use()
        keep = {t.index for t in self.graph.outputs}
        stats = []
        n_ops = len(self.graph.ops)
        for op, prep in zip(self.graph.ops, prepared):
            if progress is not None:
                progress(op.index, n_ops, f"running {op.label}")
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
        if progress is not None:
            progress(n_ops, n_ops, "done")
        outputs = [self._shape_output(values[t.index], t, form) for t in self.graph.outputs]
        return Result(outputs, stats, total(stats), batch, backend.name, getattr(backend, "config", None),
                      time.perf_counter() - t0, tuple(backend.columns), tuple(backend.notes))

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
            if arr.shape[0] == 0:
                raise InputError(f"Input {i} '{t.name}' holds no samples (a batch of 0)")
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
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as e:
            raise InputError(f"Input {i} '{t.name}' is not a rectangular array of numbers: {e}") from None
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise InputError(f"Input {i} '{t.name}' is not an array of numbers (got {arr.dtype.name} "
                             f"from {type(x).__name__})")
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


def _is_backend(target) -> bool:
    return not isinstance(target, (str, os.PathLike, Target)) and hasattr(target, "run") and hasattr(target, "prepare")
