"""The design-space commands: ``dse run`` and ``results list | show | export``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from .cli import ForceOpt, _check_output, _check_plot, _Command, _guarded, _opt, _Progress, _typer, app, console
from .errors import InputError

dse_app = _typer("Design-space exploration: sweep a TOML space into a resumable results store (dse run).")
app.add_typer(dse_app, name="dse")
results_app = _typer("Query a results store: list its sweeps, show the best points, export them as CSV.")
app.add_typer(results_app, name="results")

StoreArg = Annotated[Path, typer.Argument(help="A results store (.sqlite)", metavar="STORE")]
SweepOpt = Annotated[Optional[int], _opt("--sweep", metavar="ID", help="A sweep id (default: the latest)")]


@dse_app.command("run", cls=_Command)
@_guarded
def dse_run(space: Annotated[Path, typer.Argument(help="A space file (.toml)", metavar="SPACE")],
            store: Annotated[Path, _opt("--store", "-s", metavar="FILE", help="Results store (SQLite)")]
            = Path("results.sqlite"),
            resume: Annotated[bool, _opt("--resume", help="Continue the latest sweep of this space in the store, "
                                         "skipping its finished points")] = False,
            workers: Annotated[Optional[int], _opt("--workers", metavar="N", help="Processes (default: the "
                                                   "CPUs, at most 8)")] = None,
            plot: Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Write the Pareto plot of the "
                                                 "first two objectives")] = None,
            executor: Annotated[str, _opt("--executor", metavar="KIND", help="local (a process pool) or ray")]
            = "local",
            address: Annotated[Optional[str], _opt("--address", metavar="HOST:PORT", help="A running Ray "
                                                   "cluster (default: a local Ray instance)")] = None,
            force: ForceOpt = False):
    """Evaluate a design space's points, each stored as it finishes; a killed sweep resumes with --resume."""
    from .dse.pareto import pareto_plot
    from .dse.space import load_space
    from .dse.store import Store
    from .dse.sweep import run_sweep

    if plot is not None:
        _check_plot(plot, force)
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    sp = load_space(space)
    db = Store(store)
    try:
        with _Progress(f"sweeping {sp.name}", delay=0.2) as progress:
            s = run_sweep(sp, db, resume, workers, progress, executor, address)
        points = db.points(s.sweep)
        objectives = sp.minimize + sp.maximize
        if plot is not None and len(objectives) >= 2:
            pareto_plot(points, objectives, plot, title=f"{sp.name}: {', '.join(sp.models)}", maximize=sp.maximize)
    finally:
        db.close()
    console.print(escape(f"sweep {s.sweep} of {sp.name}: {s.evaluated} points evaluated, {s.skipped} already "
                         f"stored, {s.feasible} of {s.total} meet the constraints; {s.seconds:.1f} s "
                         f"({s.evaluated / s.seconds if s.seconds else 0:,.0f} points/s) -> {store}"), highlight=False)
    if s.feasible == 0:
        console.print("[yellow]no point satisfies the constraints: the space is empty under them[/]")
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


def _open(store: Path):
    from .dse.store import Store

    return Store(store, create=False)


@results_app.command("list", cls=_Command)
@_guarded
def results_list(store: StoreArg):
    """The sweeps in a store."""
    db = _open(store)
    try:
        rows = db.sweeps()
    finally:
        db.close()
    t = Table(title=escape(f"{store}"), title_justify="left")
    for col in ("sweep", "space", "started", "points"):
        t.add_column(col, justify="right" if col in ("sweep", "points") else "left")
    for r in rows:
        t.add_row(str(r[0]), escape(r[1]), r[2], f"{r[3]:,}")
    console.print(t)


@results_app.command("show", cls=_Command)
@_guarded
def results_show(store: StoreArg, sweep: SweepOpt = None,
                 sort: Annotated[str, _opt("--sort", metavar="METRIC", help="latency_s, energy_pj, area_mm2, "
                                           "edp, cycles or accuracy (highest first)")] = "edp",
                 top: Annotated[int, _opt("--top", metavar="N", help="Rows to show")] = 10,
                 as_json: Annotated[bool, _opt("--json", help="Print the points as JSON")] = False):
    """The best feasible points of a sweep, with the Pareto front of its objectives marked."""
    from .dse.pareto import front_of, known
    from .dse.space import METRICS

    if sort not in METRICS:
        raise InputError(f"--sort takes one of {', '.join(METRICS)}, got '{sort}'")
    db = _open(store)
    try:
        points = [p for p in db.points(sweep) if p.feasible]
        doc = db.space(points[0].sweep) if points else {}
    finally:
        db.close()
    if not points:
        raise InputError(f"'{store}' has no feasible points in that sweep")
    maximize = tuple(doc.get("maximize") or ())
    objectives = tuple(doc.get("minimize") or ()) + maximize
    on_front = {p.id for p, f in zip(known(points, objectives), front_of(known(points, objectives), objectives,
                                                                        maximize)) if f}
    sign = -1 if sort == "accuracy" else 1  # higher accuracy ranks first
    ranked = sorted(known(points, (sort,)), key=lambda p: sign * p.metrics[sort])[:top]
    if as_json:
        print(json.dumps([{"config": p.config, "metrics": p.metrics, "area_mm2": p.area, "pareto": p.id in on_front}
                          for p in ranked]))
        return
    t = Table(title=escape(f"{store}: {len(points)} feasible points, best by {sort} (* on the front of "
                           f"{', '.join(objectives)})"), title_justify="left")
    cols = [("latency", "latency_s", lambda v: f"{v * 1e3:.3g} ms"), ("uJ", "energy_pj", lambda v: f"{v / 1e6:,.4g}"),
            ("mm^2", "area_mm2", lambda v: f"{v:.3g}"), ("top-1", "accuracy", lambda v: f"{100 * v:.1f}%")]
    cols = [c for c in cols if any(p.metrics.get(c[1]) is not None for p in ranked)]
    for col in ["config"] + [c[0] for c in cols] + [""]:
        t.add_column(col, justify="left" if col == "config" else "right")
    for p in ranked:
        cells = ["-" if p.metrics.get(m) is None else f(p.metrics[m]) for _, m, f in cols]
        t.add_row(escape(", ".join(f"{k}={v}" for k, v in p.config.items())), *cells, "*" if p.id in on_front else "")
    console.print(t)


@results_app.command("export", cls=_Command)
@_guarded
def results_export(store: StoreArg,
                   out: Annotated[Path, _opt("--csv", metavar="FILE", help="The CSV file to write")],
                   sweep: SweepOpt = None, force: ForceOpt = False):
    """Every point of a sweep as CSV: its fields, metrics and feasibility."""
    _check_output(out, "--csv", [".csv"], force)
    db = _open(store)
    try:
        points = db.points(sweep)
    finally:
        db.close()
    if not points:
        raise InputError(f"'{store}' has no points in that sweep")
    fields = list(points[0].config)
    metrics = list(points[0].metrics)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields + metrics + ["feasible", "config_hash", "model_hash", "code_version"])
        for p in points:
            w.writerow([p.config[k] for k in fields] + ["" if p.metrics.get(k) is None else p.metrics[k]
                                                        for k in metrics]
                       + [int(p.feasible), p.config_hash, p.model_hash, p.code_version])
    console.print(f"wrote {escape(str(out))}: {len(points):,} points")


@app.command("report", cls=_Command)
@_guarded
def report_cmd(store: StoreArg,
               out: Annotated[Path, _opt("--out", "-o", metavar="FILE", help="The HTML file to write")],
               sweep: SweepOpt = None, force: ForceOpt = False):
    """One self-contained HTML file: the sweep's summary, Pareto plots, a sortable table of points, and the
    per-layer costs of its lowest-EDP design."""
    from .dse.store import Store
    from .report.html import sweep_html

    _check_output(out, "--out", [".html"], force)
    Store(store, create=False).close()  # a clear error for a missing, corrupt or newer store
    try:
        page = sweep_html(store, sweep)
    except ValueError as e:
        raise InputError(str(e)) from None
    out.write_text(page)
    console.print(f"wrote {escape(str(out))} ({len(page) / 1e3:,.0f} kB)")


__all__ = ["dse_app", "results_app", "report_cmd"]
