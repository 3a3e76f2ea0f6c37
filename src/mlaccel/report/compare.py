"""Side-by-side tables of one model on two targets: a sparse array against its dense twin, or any
target against a baseline target.

Speedups are ratios of modeled time, which equal cycle ratios only on one clock; a target without
time (the reference) has no speedup. The sparse columns (how a layer ran, its weight and
activation density, metadata read) appear only when either run has sparse layers.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..stats import Stats
from .tables import _table
from ..units import fmt_count, fmt_energy

__all__ = ["compare_table", "compare_rows", "has_sparse_layers"]


def _ratio(base: float, this: float) -> float | None:
    return base / this if base and this else None


def compare_rows(ops: list[Stats], base: list[Stats]) -> list[dict]:
    """Per op: cycles, time and energy on both targets, speedup (base time / this time), energy saving
    (base / this), densities and metadata.

    Returns
    -------
    list of dict
        Keys ``op``, ``sparse`` (how the op ran), ``weight_density``, ``act_density`` (None when not a
        sparse GEMM), ``base_cycles``, ``cycles``, ``base_seconds``, ``seconds``, ``speedup`` (None
        without time), ``base_pj``, ``pj``, ``energy_saving`` (None without energy),
        ``metadata_bytes``.
    """
    rows = []
    for s, b in zip(ops, base):
        rows.append(dict(op=s.op, sparse=s.extra.get("sparse", ""), weight_density=s.extra.get("weight_density"),
                         act_density=s.extra.get("act_density"), base_cycles=b.cycles, cycles=s.cycles,
                         base_seconds=b.seconds, seconds=s.seconds, speedup=_ratio(b.seconds, s.seconds),
                         base_pj=b.energy_total_pj, pj=s.energy_total_pj,
                         energy_saving=_ratio(b.energy_total_pj, s.energy_total_pj),
                         metadata_bytes=s.extra.get("metadata_bytes", 0)))
    return rows


def has_sparse_layers(*runs: list[Stats]) -> bool:
    """Whether any op of the runs ran on sparse hardware (and the sparse columns mean something)."""
    return any(s.extra.get("sparse") for ops in runs for s in ops)


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def compare_table(ops: list[Stats], total: Stats, base: list[Stats], base_total: Stats, title: str = "") -> Table:
    """Per op: cycles on the baseline (``base``) and on this target, speedup in time, energy saving
    (baseline energy / this energy); for sparse runs also how each op ran, its weight/activation
    density (%) and metadata bytes read. Totals in the footer."""
    t = _table(title)
    sparse = has_sparse_layers(ops, base)
    meta = sum(s.extra.get("metadata_bytes", 0) for s in ops)
    cols = [("op", "total", "left")]
    if sparse:
        cols += [("sparse", "", "left"), ("W/A %", "", "right")]
    cols += [("base cycles", fmt_count(base_total.cycles), "right"), ("cycles", fmt_count(total.cycles), "right"),
             ("speedup", _x(_ratio(base_total.seconds, total.seconds)), "right"),
             ("energy", fmt_energy(total.energy_total_pj), "right"),
             ("saving", _x(_ratio(base_total.energy_total_pj, total.energy_total_pj)), "right")]
    if sparse:
        cols.append(("meta B", fmt_count(meta), "right"))
    for header, footer, justify in cols:
        t.add_column(header, footer=footer, justify=justify, no_wrap=True)
    for r in compare_rows(ops, base):
        cells = [escape(r["op"])]
        if sparse:
            dens = "" if r["weight_density"] is None else \
                f"{100 * r['weight_density']:.0f}/{100 * r['act_density']:.0f}"
            cells += [escape(r["sparse"]), dens]
        cells += [fmt_count(r["base_cycles"]), fmt_count(r["cycles"]), _x(r["speedup"]), fmt_energy(r["pj"]),
                  _x(r["energy_saving"])]
        if sparse:
            cells.append(fmt_count(r["metadata_bytes"]) if r["metadata_bytes"] else "")
        t.add_row(*cells)
    return t
