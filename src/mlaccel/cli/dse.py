"""The design-space commands: ``dse run``, ``results list | show | export`` and ``report``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ..errors import InputError
from ..report.dse import points_table, sweep_line, sweeps_table
from .common import (Bar, Command, ForceOpt, JsonOpt, check_output, check_plot, console, guarded, note, opt,
                     positive, print_json, typer_app, wrote)

dse_app = typer_app("Design-space exploration: sweep a TOML space into a resumable results store (dse run).")
results_app = typer_app("Query a results store: list its sweeps, show the best points, export them as CSV.")
app = typer_app()

StoreArg = Annotated[Path, typer.Argument(help="A results store (.sqlite)", metavar="STORE")]
SweepOpt = Annotated[Optional[int], opt("--sweep", metavar="ID", help="A sweep id (default: the latest)")]


@dse_app.command("run", cls=Command)
@guarded
def dse_run(space: Annotated[Path, typer.Argument(help="A space file (.toml)", metavar="SPACE")],
            store: Annotated[Path, opt("--store", "-s", metavar="FILE", help="Results store (SQLite)")]
            = Path("results.sqlite"),
            resume: Annotated[bool, opt("--resume", help="Continue the latest sweep of this space in the store, "
                                        "skipping its finished points")] = False,
            workers: Annotated[Optional[int], opt("--workers", metavar="N", help="Processes (default: the "
                                                  "CPUs, at most 8)")] = None,
            plot: Annotated[Optional[Path], opt("--plot", metavar="FILE", help="Write the Pareto plot of the "
                                                "first two objectives")] = None,
            executor: Annotated[str, opt("--executor", metavar="KIND", help="local (a process pool) or ray")]
            = "local",
            address: Annotated[Optional[str], opt("--address", metavar="HOST:PORT", help="A running Ray "
                                                  "cluster (with --executor ray; default: a local Ray instance)")]
            = None,
            force: ForceOpt = False):
    """Evaluate a design space's points, each stored as it finishes; a killed sweep resumes with --resume."""
    from ..dse.pareto import pareto_plot
    from ..dse.space import load_space
    from ..dse.store import Store
    from ..dse.sweep import run_sweep

    if plot is not None:
        check_plot(plot, force)
    check_output(store, "--store", [store.suffix.lower()], True)
    sp = load_space(space)
    db = Store(store)
    try:
        try:
            with Bar(f"sweeping {sp.name}") as progress:
                s = run_sweep(sp, db, resume, workers, progress, executor, address)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(f"every finished point is in {store}; continue with --resume") from None
        points = db.points(s.sweep)
        objectives = sp.minimize + sp.maximize
        if plot is not None and len(objectives) >= 2:
            pareto_plot(points, objectives, plot, title=f"{sp.name}: {', '.join(sp.models)}", maximize=sp.maximize)
    finally:
        db.close()
    console.print(escape(sweep_line(s, sp.name, store)), highlight=False)
    if s.feasible == 0:
        note("no point satisfies the constraints: the space is empty under them")
    wrote(plot)


def _open(store: Path):
    from ..dse.store import Store

    return Store(store, create=False)


@results_app.command("list", cls=Command)
@guarded
def results_list(store: StoreArg):
    """The sweeps in a store."""
    db = _open(store)
    try:
        rows = db.sweeps()
    finally:
        db.close()
    console.print(sweeps_table(rows, str(store)))


@results_app.command("show", cls=Command)
@guarded
def results_show(store: StoreArg, sweep: SweepOpt = None,
                 sort: Annotated[str, opt("--sort", metavar="METRIC", help="latency_s, energy_pj, area_mm2, "
                                          "edp, cycles, accuracy or agreement (highest first)")] = "edp",
                 top: Annotated[int, opt("--top", metavar="N", help="Rows to show")] = 10,
                 as_json: JsonOpt = False):
    """The best feasible points of a sweep, with the Pareto front of its objectives marked."""
    from ..dse.pareto import front_of, known
    from ..dse.space import METRICS

    if sort not in METRICS:
        raise InputError(f"--sort takes one of {', '.join(METRICS)}, got '{sort}'")
    positive(top, "--top")
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
    front = known(points, objectives)
    on_front = {p.id for p, f in zip(front, front_of(front, objectives, maximize)) if f}
    sign = -1 if sort in ("accuracy", "agreement") else 1  # higher scores rank first
    ranked = sorted(known(points, (sort,)), key=lambda p: sign * p.metrics[sort])[:top]
    if as_json:
        print_json([{"config": p.config, "metrics": p.metrics, "area_mm2": p.area, "pareto": p.id in on_front}
                    for p in ranked])
        return
    console.print(points_table(ranked, on_front, f"{store}: {len(points)} feasible points, best by {sort} (* on the "
                                                 f"front of {', '.join(objectives)})"))


@results_app.command("export", cls=Command)
@guarded
def results_export(store: StoreArg,
                   out: Annotated[Path, opt("--csv", metavar="FILE", help="The CSV file to write")],
                   sweep: SweepOpt = None, force: ForceOpt = False):
    """Every point of a sweep as CSV: its fields, metrics and feasibility."""
    check_output(out, "--csv", [".csv"], force)
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


@app.command("report", cls=Command)
@guarded
def report_cmd(store: StoreArg,
               out: Annotated[Path, opt("--out", "-o", metavar="FILE", help="The HTML file to write")],
               sweep: SweepOpt = None, force: ForceOpt = False):
    """One self-contained HTML file: the sweep's summary, Pareto plots, a sortable table of points, and the
    per-layer costs of its lowest-EDP design."""
    from ..report.html import sweep_html

    check_output(out, "--out", [".html"], force)
    _open(store).close()  # a clear error for a missing, corrupt or newer store
    try:
        page = sweep_html(store, sweep)
    except ValueError as e:
        raise InputError(str(e)) from None
    out.write_text(page)
    console.print(f"wrote {escape(str(out))} ({len(page) / 1e3:,.0f} kB)")
