"""Running a design space: every point evaluated once, stored as it finishes, resumable.

``grid`` and ``random`` spread their points over a process pool (``workers``); ``nsga2`` and ``tpe``
ask Optuna (NSGA-II, TPE) for one point at a time against the space's objectives. Only this
process writes the store.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from ..errors import InputError
from .evaluate import Job, evaluate_point, model_hash
from .space import Space
from .store import Store, config_hash

__all__ = ["SweepSummary", "run_sweep", "feasible", "MAX_WORKERS"]

MAX_WORKERS = 64


@dataclass(frozen=True)
class SweepSummary:
    """``sweep``: the store's id; ``evaluated``: points run now; ``skipped``: found finished (resume);
    ``feasible``: points meeting the constraints, of ``total``; ``seconds``: wall time."""

    sweep: int
    evaluated: int
    skipped: int
    feasible: int
    total: int
    seconds: float


def _metric(metrics: dict, name: str) -> float:
    v = metrics.get(name)
    if v is None:
        why = "the space gives no datasets" if name == "accuracy" else "this family reports no area for the design"
        raise InputError(f"Metric '{name}' is unknown for this point ({why}); it cannot be an objective or a "
                         f"constraint here")
    return v


def feasible(metrics: dict, constraints: dict) -> bool:
    """Whether a point's metrics meet every constraint."""
    return all((_metric(metrics, m) <= v) if op == "<=" else (_metric(metrics, m) >= v)
               for m, (op, v) in constraints.items())


def objective_values(metrics: dict, space: Space) -> list[float]:
    """A point's objectives, each signed so that lower is better (maximized ones negated)."""
    return [sign * _metric(metrics, m) for m, sign in space.objectives]


def _hash_of_models(models: tuple) -> str:
    return ",".join(model_hash(m) for m in models)


def run_sweep(space: Space, store: Store, resume: bool = False, workers: int | None = None,
              progress=None, executor: str = "local", address: str | None = None) -> SweepSummary:
    """Evaluate the space's points into ``store``; ``progress(done, total, text)`` after each point.

    ``executor``: ``"local"`` (a process pool of ``workers``) or ``"ray"`` (Ray tasks on a local
    instance, or on the cluster at ``address``).
    """
    if executor not in ("local", "ray"):
        raise InputError(f"executor must be 'local' or 'ray', got {executor!r}")
    if address is not None and executor != "ray":
        raise InputError(f"--address names a Ray cluster; it needs --executor ray (the {executor} executor "
                         f"would ignore it)")
    if workers is not None and (workers < 1 or workers > MAX_WORKERS):
        raise InputError(f"--workers must be between 1 and {MAX_WORKERS} (each worker is a process with its own "
                         f"copy of the models), got {workers}")
    if executor == "ray" and space.method in ("nsga2", "tpe"):
        raise InputError(f"Search method '{space.method}' asks for one point at a time; run it with the local "
                         f"executor (grid and random spread over Ray)")
    t0 = time.perf_counter()
    job = Job.of(space)
    space_doc = {"base": space.base, "fields": space.fields, "models": space.models, "method": space.method,
                 "points": space.points, "constraints": space.constraints, "minimize": space.minimize,
                 "maximize": space.maximize, "datasets": space.datasets, "calibration": space.calibration,
                 "samples": space.samples, "seed": space.seed}
    sweep = store.sweep(space.name, space.digest(), space_doc, resume)
    done = store.done(sweep)
    mhash = _hash_of_models(space.paths or space.models)
    if space.method in ("nsga2", "tpe"):
        return _optuna(space, job, store, sweep, done, mhash, progress, t0)
    todo = [v for v in space.sample() if config_hash(v) not in done]
    total, skipped = len(todo) + len(done), len(done)
    n_ok = sum(1 for p in store.points(sweep) if p.feasible)
    workers = workers or min(os.cpu_count() or 1, 8)
    workers = max(1, min(workers, len(todo) - 1)) if len(todo) > 1 else 1  # the first point runs here
    count = skipped

    def finish(v: dict, res: dict) -> None:
        nonlocal n_ok, count
        ok = feasible(res["metrics"], space.constraints)
        objective_values(res["metrics"], space)  # an objective the point cannot give fails here, early
        store.add(sweep, v, res, ok, mhash)
        n_ok += ok
        count += 1
        if progress:
            progress(count, total, "")

    if todo:  # the first point here: a config the family refuses fails cleanly, not in a worker
        finish(todo[0], evaluate_point(job, todo[0]))
        todo = todo[1:]
    if executor == "ray":
        for v, res in _ray_results(job, todo, address, workers):
            finish(v, res)
    elif workers <= 1:
        for v in todo:
            finish(v, evaluate_point(job, v))
    else:
        pool = ProcessPoolExecutor(workers, initializer=_quiet_worker)
        try:
            pending = {pool.submit(evaluate_point, job, v): v for v in todo}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    finish(pending.pop(f), f.result())
        except BaseException:
            # Ctrl-C or a failed point: drop what has not started, stop the workers quietly; every
            # finished point is already in the store.
            workers_now = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers_now:
                proc.terminate()
            raise
        pool.shutdown()
    return SweepSummary(sweep, count - skipped, skipped, n_ok, total, time.perf_counter() - t0)


def _quiet_worker() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _evaluate_chunk(job: Job, chunk: list) -> list:
    return [evaluate_point(job, v) for v in chunk]


def _check_address(address: str) -> None:
    """Fail within seconds when a Ray cluster's address does not answer (ray.init would wait minutes)."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=3).close()
    except (OSError, ValueError) as e:
        raise InputError(f"Ray address '{address}' does not answer ({e}); give a running cluster's "
                         f"HOST:PORT, or leave out --address for a local Ray instance") from None


def _ray_results(job: Job, todo: list, address: str | None, workers: int):
    """``(values, result)`` pairs as Ray tasks finish; only this process writes the store."""
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray: pip install 'ray[default]' (or ray)") from None
    if address:
        _check_address(address)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                 log_to_driver=False, logging_level="ERROR", configure_logging=False)
    try:
        task = ray.remote(_evaluate_chunk)
        # Chunks of points per task: a Ray task costs milliseconds, a point a fraction of one.
        size = max(1, len(todo) // (4 * max(1, int(ray.cluster_resources().get("CPU", 1)))))
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        pending = {task.remote(job, c): c for c in chunks}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                yield from zip(pending.pop(ref), ray.get(ref))
    finally:
        if started:
            ray.shutdown()


def _optuna(space: Space, job: Job, store: Store, sweep: int, done: set, mhash: str, progress,
            t0: float) -> SweepSummary:
    try:
        import optuna
    except ImportError:
        raise InputError("Search methods nsga2 and tpe need Optuna: pip install optuna") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.NSGAIISampler(seed=space.seed) if space.method == "nsga2"
               else optuna.samplers.TPESampler(seed=space.seed))
    study = optuna.create_study(directions=["minimize"] * len(space.objectives), sampler=sampler)
    known = {}  # config hash -> objective values, of every point the sweep has
    n_ok = 0
    for p in store.points(sweep):  # a resumed search learns from what it already ran
        known[p.config_hash] = objective_values(p.metrics, space)
        n_ok += p.feasible
        study.add_trial(optuna.trial.create_trial(
            params=p.config, values=known[p.config_hash],
            distributions={k: optuna.distributions.CategoricalDistribution(list(vals))
                           for k, vals in space.fields.items()}))
    evaluated = 0
    seen = set(done)
    target = space.points
    for _ in range(50 * target):  # samplers repeat points on small spaces: bounded, not endless
        if len(seen) >= min(target, space.size):
            break
        trial = study.ask()
        v = {k: trial.suggest_categorical(k, list(vals)) for k, vals in space.fields.items()}
        h = config_hash(v)
        if h in seen:  # a point already run: tell the sampler its known values
            study.tell(trial, known[h])
            continue
        if space.refusal(v) is not None:  # fields that clash: the sampler learns to avoid them
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        res = evaluate_point(job, v)
        ok = feasible(res["metrics"], space.constraints)
        known[h] = objective_values(res["metrics"], space)
        store.add(sweep, v, res, ok, mhash)
        study.tell(trial, known[h])
        seen.add(h)
        evaluated += 1
        n_ok += ok
        if progress:
            progress(len(seen), target, "")
    return SweepSummary(sweep, evaluated, len(done), n_ok, len(seen), time.perf_counter() - t0)
