"""Tables and lines of the design-space commands: a finished sweep, the sweeps of a store, its best points."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..units import fmt_energy, fmt_seconds

__all__ = ["sweep_line", "sweeps_table", "points_table", "constraint_text", "METRIC_FORMATS"]

# How each metric reads in a table: column header and formatter.
METRIC_FORMATS = {
    "latency_s": ("latency", fmt_seconds),
    "energy_pj": ("energy", fmt_energy),
    "area_mm2": ("mm^2", lambda v: f"{v:.3g}"),
    "accuracy": ("top-1", lambda v: f"{100 * v:.1f}%"),
    "agreement": ("agreement", lambda v: f"{100 * v:.1f}%"),
}


def _rate(count: int, seconds: float) -> str:
    if not count or not seconds:
        return "no new point"
    per = count / seconds
    return f"{per:,.1f} points/s" if per >= 1 else f"{fmt_seconds(seconds / count)} per point"


def sweep_line(s, name: str, store) -> str:
    """One line of a finished :class:`~mlaccel.dse.sweep.SweepSummary`."""
    return (f"sweep {s.sweep} of {name}: {s.evaluated} points evaluated, {s.skipped} already stored, {s.feasible} of "
            f"{s.total} meet the constraints; {fmt_seconds(s.seconds)} ({_rate(s.evaluated, s.seconds)}) -> {store}")


def sweeps_table(rows, title: str) -> Table:
    """``(id, name, started, points)`` rows of :meth:`~mlaccel.dse.store.Store.sweeps`."""
    t = Table(title=escape(title), title_justify="left")
    for col in ("sweep", "space", "started", "points"):
        t.add_column(col, justify="right" if col in ("sweep", "points") else "left")
    for r in rows:
        t.add_row(str(r[0]), escape(str(r[1])), r[2], f"{r[3]:,}")
    return t


def points_table(ranked, on_front: set, title: str) -> Table:
    """The best points: their config, the metrics they have, and a star on the Pareto front."""
    t = Table(title=escape(title), title_justify="left")
    cols = [(m, h, f) for m, (h, f) in METRIC_FORMATS.items() if any(p.metrics.get(m) is not None for p in ranked)]
    for col in ["config"] + [h for _, h, _ in cols] + [""]:
        t.add_column(col, justify="left" if col == "config" else "right")
    for p in ranked:
        cells = ["-" if p.metrics.get(m) is None else f(p.metrics[m]) for m, _, f in cols]
        t.add_row(escape(", ".join(f"{k}={v}" for k, v in p.config.items())), *cells, "*" if p.id in on_front else "")
    return t


def constraint_text(constraints: dict) -> str:
    """``{"area_mm2": ["<=", 5.0]}`` as ``area_mm2 <= 5``; ``none`` without constraints."""
    if not constraints:
        return "none"
    return ", ".join(f"{m} {op} {v:g}" for m, (op, v) in constraints.items())
