"""The session API: ``load(path) -> Model`` and ``Model.run(*inputs, target=...) -> Result``."""

from __future__ import annotations

import os
import time
from pathlib import Path
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import numpy as np

from .backend import Backend, BoundKernel
from .errors import InputError, Interrupted, KernelError, MlaccelError, ModelFileError, TargetError, UnsupportedOpError
from .graph import Graph, Op, Tensor
from .kernels import KERNELS, is_float_op, kernel_for
from .lower import Program, WorkItem, lower
from .model.onnx_reader import parse_onnx, read_onnx
from .model.reader import parse_tflite, read_tflite
from .model.zoo import golden_cases, golden_input, labels_for, models_dir, resolve_model
from .runtime import Runtime, available_cpus
from .stats import Stats, total
from .stats import mean as mean_stats
from .targets import Target, families, family, make_backend, resolve

__all__ = ["load", "Model", "Result", "Progress"]

# progress(done, total, what): called before each op runs (and once at the end with done == total).
Progress = Callable[[int, int, str], None]
_DEFAULT_COLUMNS = ("macs", "cycles", "energy")  # for a Backend object that declares none


def load(source: str | os.PathLike | bytes, input_shapes: dict[str, tuple] | None = None) -> "Model":
    """Load a model: a ``.tflite`` (int8) or float ``.onnx`` file or its bytes, a spiking network
    (``.nir``), or a shipped model by its short name (``"kws"``, ``"vww"``; see
    :data:`mlaccel.model.zoo.MODEL_ALIASES`).

    ``input_shapes`` gives ONNX inputs with dynamic shapes a size (see
    :func:`mlaccel.model.onnx_reader.read_onnx`).

    Raises
    ------
    ModelFileError
        The file is missing or unreadable, or ``source`` is neither a path nor bytes.
    ModelFormatError
        The data is not a valid model.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[4:8] != b"TFL3" and data[:1] == b"\x08":  # a protobuf starting with ir_version
            return Model(parse_onnx(data, input_shapes=input_shapes), source=data)
        return Model(parse_tflite(data, name="<bytes>"), source=data)
    if not isinstance(source, (str, os.PathLike)):
        raise ModelFileError(f"load() takes a .tflite, .onnx or .nir path, a shipped model's name, or a model's "
                             f"bytes; got {type(source).__name__}")
    path = os.fspath(resolve_model(source))
    if path.lower().endswith(".onnx"):
        return Model(read_onnx(path, input_shapes), source=path)
    if path.lower().endswith(".nir"):
        from .snn.nir_io import read_nir

        net = read_nir(path)
        return Model(net.graph, source=path, network=net)
    return Model(read_tflite(path), source=path)


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
        The sum of ``ops`` (computed when first read): ``total.cycles``, ``total.seconds``
        (modeled time of one inference), ``total.energy_total_pj``.
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
    batch: int = 1
    target: str = "reference"
    config: Any = None
    wall_seconds: float = 0.0
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)
    model: str = ""
    resolved: Target | None = None
    prepare_seconds: float = 0.0

    @cached_property
    def total(self) -> Stats:
        """The sum of ``ops``."""
        return total(self.ops)

    @property
    def family(self):
        """The target's :class:`~mlaccel.family.Family` record (None for a hand-written Backend)."""
        return None if self.resolved is None else family(self.resolved.family)

    def as_dict(self) -> dict:
        """A JSON-ready dict of the run: model, target, batch, outputs, per-op Stats, total, notes and
        times (what ``mlaccel run --json`` prints)."""
        doc = {"model": self.model, "target": self.target, "batch": self.batch,
               "outputs": [np.asarray(y).tolist() for y in self.outputs], "ops": [s.to_dict() for s in self.ops],
               "total": self.total.to_dict(), "notes": list(self.notes), "wall_seconds": self.wall_seconds,
               "prepare_seconds": self.prepare_seconds}
        for key, value in self.extra.items():
            as_dict = getattr(value, "as_dict", None)
            if as_dict is not None:
                doc[key] = as_dict()
            elif isinstance(value, (int, float, str, bool, list, dict)) or value is None:
                doc[key] = value
        return doc


def _op_failure(e: BaseException, op: Op, backend: Backend, stage: str) -> BaseException:
    """The error to raise for a failure inside a backend: mlaccel errors pass through, Ctrl-C says
    where it stopped, anything else becomes a KernelError that names the op (not a deep trace)."""
    if isinstance(e, MlaccelError):
        return e
    if isinstance(e, KeyboardInterrupt):
        where = f" {e}" if str(e) else ""
        return Interrupted(f"Interrupted in op {op.label} on '{backend.name}'{where}")
    return KernelError(f"Op {op.label} failed to {stage} on target '{backend.name}': {type(e).__name__}: {e}")


@dataclass(frozen=True)
class _Step:
    """One work item of a run, with what the session needs to feed it, precomputed once per target."""

    item: WorkItem
    prepared: Any
    inputs: tuple  # the item's inputs with constants filled in (with a sample axis); None elsewhere
    activations: tuple[tuple[int, int], ...]  # (position in inputs, tensor index) of each activation
    outputs: tuple[int, ...]
    free: tuple[int, ...]  # activations no later item reads


class Model:
    """A loaded model, ready to run on any target.

    The graph is lowered (:mod:`mlaccel.lower`) and its kernels prepared once; per-item preparation
    (multipliers, weight matrices, a SoC's firmware and tensor placement) is done once per target
    and kept: a second run on the same target builds nothing.
    """

    def __init__(self, graph: Graph, source: str | bytes | None = None, network=None):
        self.graph = graph
        self.source = source  # the file path or bytes it was loaded from (for the TFLM oracle)
        self.network = network  # a SpikingNet (mlaccel.snn) for a spiking model; its float graph is `graph`
        self._prepared: dict[Any, tuple[Backend, list, list[_Step]]] = {}
        self._kernels: list[BoundKernel] | None = None
        self._program: Program | None = None
        self._runtime: Runtime | None = None
        self._default_threads = 1

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

    @property
    def workload(self) -> str:
        """``"spiking"`` for a spiking network (it runs on families whose workload is spiking), else
        ``"graph"``."""
        return "graph" if self.network is None else "spiking"

    @property
    def labels(self) -> list[str] | None:
        """The class names of a shipped classifier's output, in output order (None: not known)."""
        return labels_for(self.source)

    @property
    def goldens(self):
        """The TFLite-Micro golden cases of a shipped model and their inputs stacked as one batch, as
        ``(cases, inputs)``; None for a model without goldens (or without the shipped models folder)."""
        src = Path(self.source) if isinstance(self.source, (str, os.PathLike)) else None
        if src is None or self.workload != "graph" or len(self.inputs) != 1:
            return None
        try:
            root = models_dir()
        except MlaccelError:
            return None
        cases = [c for c in golden_cases(root) if (root / c.model).resolve() == src.resolve()]
        if not cases:
            return None
        return cases, np.stack([golden_input(c, self.inputs[0], root) for c in cases])

    @property
    def program(self) -> Program:
        """The graph lowered to work items, with its buffers' lifetimes (made when first read)."""
        if self._program is None:
            self._program = lower(self.graph)
        return self._program

    def prepare(self, target: "str | Target | Backend" = "reference", progress: Progress | None = None
                ) -> tuple[Backend, list]:
        """Prepare every work item for a target; raises UnsupportedOpError before anything runs.

        The prepared backend is looked up before one is built: the key is the resolved target (its
        family and config) and, for families that depend on files (SoC projects), their
        fingerprint.

        Returns
        -------
        backend, prepared : Backend, list
        """
        backend, prepared, _ = self._entry(target, progress)
        return backend, prepared

    def _kernel_calls(self, backend: Backend, progress: Progress | None) -> list[BoundKernel]:
        """Every op's golden kernel, prepared once per model (the parameters do not depend on the target)."""
        if self._kernels is None:
            kernels = []
            for i, op in enumerate(self.graph.ops):
                if progress is not None:
                    progress(i, len(self.graph.ops), f"preparing {op.label}")
                kernel = kernel_for(op)
                if kernel is None:
                    raise UnsupportedOpError(f"Op {op.label} is not supported on target '{backend.name}' (kernels: "
                                             f"{', '.join(sorted(KERNELS))})", op_type=op.type, op_index=op.index)
                try:
                    kernels.append(BoundKernel(kernel.eval, kernel.prepare(op)))
                except BaseException as e:  # noqa: BLE001 - re-raised, naming the op
                    raise _op_failure(e, op, backend, "prepare") from (None if isinstance(e, MlaccelError) else e)
            self._kernels = kernels
        return self._kernels

    def _entry(self, target, progress: Progress | None) -> tuple[Backend, list, list["_Step"]]:
        key = self._key_of(target)
        if key not in self._prepared:
            if not _is_backend(target):
                self._check_workload(key[0])
            backend = target if _is_backend(target) else make_backend(key[0])
            floats = [op for op in self.graph.ops if is_float_op(op)]
            if floats and not getattr(backend, "runs_float", False):
                raise TargetError(
                    f"Model '{self.graph.name}' computes in float32 ({floats[0].label} first); target "
                    f"'{backend.name}' runs int8 models only. Quantize it first: mlaccel quantize MODEL "
                    f"--calib DATA --out MODEL.tflite")
            kernels = self._kernel_calls(backend, progress)
            prepared = []
            for item, kernel in zip(self.program.items, kernels):
                if progress is not None:
                    progress(item.index, len(kernels), f"preparing {item.label}")
                try:
                    prepared.append(backend.prepare(item, kernel))
                except BaseException as e:  # noqa: BLE001 - re-raised, naming the op
                    raise _op_failure(e, item.op, backend, "prepare") from (None if isinstance(e, MlaccelError) else e)
            self._prepared[key] = (backend, prepared, self._plan(prepared))
        return self._prepared[key]

    @staticmethod
    def _key_of(target) -> Any:
        if _is_backend(target):
            return ("backend", id(target))
        t = resolve(target)
        return (t, family(t.family).fingerprint(t.config))

    def _plan(self, prepared: list) -> list[_Step]:
        program = self.program
        steps = []
        for item, prep in zip(program.items, prepared):
            op = item.op
            consts = tuple(t.data[None] if t is not None and t.is_constant else None for t in op.inputs)
            acts = tuple((i, t.index) for i, t in enumerate(op.inputs) if t is not None and not t.is_constant)
            steps.append(_Step(item, prep, consts, acts, tuple(t.index for t in op.outputs),
                               program.freed_after(item.index)))
        return steps

    def run(self, *inputs, target: "str | Target | Backend" = "reference", progress: Progress | None = None,
            threads: int | None = None, timesteps: int | None = None, encoder: str = "direct") -> Result:
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
        threads : int, optional
            Threads for a large batch on targets whose runs are independent per sample (the
            reference and systolic families): the batch is split into chunks run in parallel, with
            BLAS held to one thread. Default: the cores this process may use (``$MLACCEL_THREADS``
            overrides); 1 runs in the calling thread.
        timesteps, encoder : int, str, optional
            For a spiking network: the time steps to simulate (default: the network's own) and the
            input coding (``direct``, ``rate`` or ``ttfs``).

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
        resolved = None if _is_backend(target) else resolve(target)
        if self.workload == "spiking" or (resolved is not None and family(resolved.family).workload == "spiking"):
            return self._run_network(inputs, resolved if resolved is not None else target, timesteps, encoder, progress, t0)
        backend, _, steps = self._entry(resolved if resolved is not None else target, progress)
        arrays, batch, form = self._check_inputs(inputs)
        t1 = time.perf_counter()
        begin = getattr(backend, "begin", None)  # optional for a Backend object written by hand
        if begin is not None:
            begin(batch)
        runtime = self._runtime_for(threads)
        spans = runtime.chunks(batch) if getattr(backend, "parallel", False) else [(0, batch)]
        if len(spans) == 1:
            parts = [self._execute(steps, backend, arrays, progress)]
        else:  # our threads take the cores, so BLAS must not spin on them as well
            with runtime.single_blas():
                parts = runtime.map(lambda span: self._execute(steps, backend, [a[span[0]:span[1]] for a in arrays],
                                                               progress if span[0] == 0 else None), spans)
        if progress is not None:
            progress(len(steps), len(steps), "done")
        outs, stats = parts[0]
        if len(parts) > 1:
            outs = [np.concatenate([p[0][i] for p in parts]) for i in range(len(outs))]
            if getattr(backend, "data_dependent_stats", False):
                sizes = [stop - start for start, stop in spans]
                stats = [mean_stats([p[1][i] for p in parts], sizes) for i in range(len(stats))]
        outputs = [self._shape_output(y, t, form) for y, t in zip(outs, self.graph.outputs)]
        t2 = time.perf_counter()
        return Result(outputs, stats, batch, backend.name, getattr(backend, "config", None), t2 - t1,
                      tuple(getattr(backend, "columns", _DEFAULT_COLUMNS)), tuple(getattr(backend, "notes", ())),
                      model=self.graph.name, resolved=resolved, prepare_seconds=t1 - t0)

    def _check_workload(self, target: Target) -> None:
        """Refuse a target whose family runs another workload, saying what to do instead."""
        fam = family(target.family)
        if fam.workload == self.workload:
            return
        if self.workload == "graph":
            raise TargetError(f"'{target.name}' runs spiking networks, not the ops of a graph such as "
                              f"'{self.graph.name}': convert a float model with 'mlaccel snn convert MODEL.onnx "
                              f"--calib DATA --out NET.nir', then 'mlaccel run NET.nir --target {target.name}'")
        spiking = [f"{p}:{next(iter(f.presets), 'PRESET')}" for p, f in families().items() if f.workload == "spiking"]
        raise TargetError(f"'{self.source}' is a spiking network; it runs on {' or '.join(spiking)} (a target whose "
                          f"family runs spiking networks), not on '{target.name}'. The float model it came from "
                          f"runs on '{target.name}' once quantized")

    def _run_network(self, inputs, target, timesteps: int | None, encoder: str, progress: Progress | None,
                     t0: float) -> Result:
        """A spiking network on a spiking family: simulated for ``timesteps`` steps, priced per event."""
        if not isinstance(target, Target):
            raise TargetError("A spiking network runs on a target such as 'neuromorphic:loihi', not on a Backend "
                              "object")
        self._check_workload(target)
        net = self.network
        steps = timesteps if timesteps is not None else net.timesteps
        if steps is None:
            raise InputError(f"'{self.source}' does not say how many time steps it runs; give timesteps")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise InputError(f"timesteps must be a positive integer, got {steps!r}")
        if len(inputs) != 1:
            raise InputError(f"A spiking network takes one input array; got {len(inputs)}")
        x = np.asarray(inputs[0], np.float32)
        spec = self.inputs[0]
        single = x.shape == tuple(spec.shape) or x.shape == tuple(spec.shape[1:])
        x = x.reshape((1,) + x.shape) if single else x
        key = self._key_of(target)
        if key not in self._prepared:
            self._prepared[key] = (make_backend(target), [], [])
        backend = self._prepared[key][0]
        backend.begin(len(x))
        t1 = time.perf_counter()
        run = backend.run_network(net, x, int(steps), encoder, progress)
        outputs = [run.outputs[0] if single else run.outputs]
        return Result(outputs, run.stats, len(x), backend.name, backend.config, time.perf_counter() - t1,
                      tuple(backend.columns), tuple(backend.notes), model=net.source or self.graph.name,
                      resolved=target, prepare_seconds=t1 - t0,
                      extra={"timesteps": int(steps), "encoder": encoder, "simulation": run.simulation,
                             "chip": run.cost})

    def _execute(self, steps: list[_Step], backend: Backend, arrays: list[np.ndarray],
                 progress: Progress | None) -> tuple[list[np.ndarray], list[Stats]]:
        """Run every op on arrays with a leading sample axis; returns the graph's outputs and Stats."""
        values: dict[int, np.ndarray] = {t.index: a for t, a in zip(self.graph.inputs, arrays)}
        stats = []
        step = None
        try:
            for step in steps:
                if progress is not None:
                    progress(step.item.index, len(steps), f"running {step.item.label}")
                ins = list(step.inputs)
                for pos, index in step.activations:
                    ins[pos] = values[index]
                outs, op_stats = backend.run(step.item, step.prepared, ins)
                for i, out in zip(step.outputs, outs):
                    values[i] = out
                stats.append(op_stats)
                for i in step.free:
                    del values[i]
        except BaseException as e:  # noqa: BLE001 - re-raised, naming the op
            if step is None:
                raise
            raise _op_failure(e, step.item.op, backend, "run") from (None if isinstance(e, MlaccelError) else e)
        return [values[t.index] for t in self.graph.outputs], stats

    def _runtime_for(self, threads: int | None) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(available_cpus())
            self._default_threads = self._runtime.threads
        n = self._default_threads if threads is None else threads
        if self._runtime.threads != n:
            self._runtime.close()
            self._runtime = Runtime(n)
        return self._runtime

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
