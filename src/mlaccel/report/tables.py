"""Terminal tables (rich) for models, per-op profiles and compression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from rich.markup import escape
from rich.table import Table

from ..compress.report import layer_figures
from ..graph import Graph, Op
from ..stats import Stats
from ..lower import lower

__all__ = ["model_table", "profile_table", "speedup_table", "summary_line", "fmt_count", "fmt_shape",
           "fmt_seconds", "fmt_energy", "COLUMNS", "Column", "compression_table", "short_label"]


def fmt_count(n: float) -> str:
    """``12.5M``, ``640``, ``2.7k``: compact counts for tables."""
    n = float(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


def fmt_shape(shape) -> str:
    """``1x49x10x1``: a shape for tables."""
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _attrs(op: Op) -> str:
    a = op.attrs
    parts = []
    if "filter_h" in a:
        parts.append(f"{a['filter_h']}x{a['filter_w']}")
    elif op.input(1) is not None and len(op.input(1).shape) == 4:
        w = op.input(1).shape
        parts.append(f"{w[1]}x{w[2]}")
    if "stride_h" in a and (a["stride_h"], a["stride_w"]) != (1, 1):
        parts.append(f"s{a['stride_h']}x{a['stride_w']}")
    if a.get("dilation_h", 1) != 1 or a.get("dilation_w", 1) != 1:
        parts.append(f"d{a['dilation_h']}x{a['dilation_w']}")
    if "padding" in a:
        parts.append(a["padding"])
    if a.get("activation", "NONE") != "NONE":
        parts.append(a["activation"])
    return " ".join(parts)


def _quant(t) -> str:
    q = t.quant
    if q is None:
        return t.dtype.name
    return q.describe() if q.per_axis else f"s={q.s:.3g} zp={q.zp}"


def model_table(graph: Graph, title: str = "") -> Table:
    """Per-op table: type, shapes, output quantization, MACs and parameters, with totals."""
    t = _table(title or escape(graph.name))
    t.add_column("#", justify="right")
    t.add_column("op", footer="total", no_wrap=True)
    t.add_column("input", style="dim", no_wrap=True)
    t.add_column("output", no_wrap=True)
    t.add_column("attrs", style="dim", overflow="fold")
    t.add_column("out quant", style="dim", overflow="fold")
    macs = [item.macs for item in lower(graph).items]
    params = [sum(x.nbytes for x in op.inputs if x is not None and x.is_constant) for op in graph.ops]
    t.add_column("MACs", justify="right", footer=fmt_count(sum(macs)))
    t.add_column("params (B)", justify="right", footer=fmt_count(sum(params)))
    for op, m, p in zip(graph.ops, macs, params):
        x = op.input(0)
        out = op.outputs[0]
        t.add_row(str(op.index), op.type, fmt_shape(x.shape) if x is not None else "-",
                  fmt_shape(out.shape), _attrs(op), _quant(out),
                  fmt_count(m) if m else "", fmt_count(p) if p else "")
    return t


@dataclass(frozen=True)
class Column:
    """One column of a per-op table: a header, a cell per op, and a footer from the ops and total."""

    header: str
    cell: Callable[[Stats, Stats], str]
    footer: Callable[[list[Stats], Stats], str]
    justify: str = "right"


def _extra_sum(key: str) -> Callable[[list[Stats], Stats], str]:
    return lambda ops, tot: fmt_count(sum(s.extra.get(key, 0) for s in ops))


def _share(s: Stats, tot: Stats) -> str:
    share = s.macs / tot.macs if tot.macs else 0.0
    return f"{'█' * int(round(share * 5))} {share:.0%}" if share else ""


def _uj(pj: float) -> str:
    uj = pj / 1e6
    return f"{uj:,.0f}" if uj >= 1000 else f"{uj:.3g}"


def _cpi_footer(ops: list[Stats], tot: Stats) -> str:
    instr = sum(s.extra.get("instructions", 0) for s in ops)
    return f"{tot.cycles / instr:.2f}" if instr else ""


# Every column a target may ask for (Backend.columns names them); none is chosen by looking at keys.
COLUMNS: dict[str, Column] = {
    "output": Column("output", lambda s, t: fmt_shape(s.output_shape), lambda o, t: "", "left"),
    "macs": Column("MACs", lambda s, t: fmt_count(s.macs) if s.macs else "", lambda o, t: fmt_count(t.macs)),
    "share": Column("MAC share", _share, lambda o, t: "", "left"),
    "params": Column("param B", lambda s, t: fmt_count(s.param_bytes) if s.param_bytes else "",
                     lambda o, t: fmt_count(t.param_bytes)),
    "mem": Column("mem B r/w", lambda s, t: f"{fmt_count(s.read_bytes('mem'))}/{fmt_count(s.written_bytes('mem'))}",
                  lambda o, t: f"{fmt_count(t.read_bytes('mem'))}/{fmt_count(t.written_bytes('mem'))}"),
    "cycles": Column("cycles", lambda s, t: fmt_count(s.cycles), lambda o, t: fmt_count(t.cycles)),
    "time": Column("time", lambda s, t: fmt_seconds(s.seconds), lambda o, t: fmt_seconds(t.seconds)),
    "stall": Column("stall", lambda s, t: fmt_count(s.stall_cycles) if s.stall_cycles else "",
                    lambda o, t: fmt_count(t.stall_cycles)),
    "util": Column("util", lambda s, t: f"{s.utilization:.0%}" if s.macs and s.utilization is not None else "-",
                   lambda o, t: f"{(t.utilization or 0):.1%}"),
    "sram": Column("SRAM B", lambda s, t: fmt_count(s.moved_bytes("sram")), lambda o, t: fmt_count(t.moved_bytes("sram"))),
    "dram": Column("DRAM B", lambda s, t: fmt_count(s.moved_bytes("dram")), lambda o, t: fmt_count(t.moved_bytes("dram"))),
    "energy": Column("uJ", lambda s, t: _uj(s.energy_total_pj), lambda o, t: _uj(t.energy_total_pj)),
    "instructions": Column("instr", lambda s, t: fmt_count(s.extra.get("instructions", 0)), _extra_sum("instructions")),
    "cpi": Column("CPI", lambda s, t: f"{s.extra.get('cpi', 0):.2f}", _cpi_footer),
    "cfu_ops": Column("CFU ops", lambda s, t: fmt_count(s.extra.get("cfu_ops", 0)), _extra_sum("cfu_ops")),
}


def _table(title: str) -> Table:
    # No rules between columns, one space each side: eight columns of numbers fit in 80 characters.
    return Table(title=title, title_justify="left", show_footer=True, box=None, pad_edge=False, padding=(0, 1),
                 header_style="bold")


def profile_table(ops: list[Stats], total: Stats, columns: Iterable[str], title: str = "") -> Table:
    """Per-op Stats of a run in the columns its target declares (``Result.columns``).

    Parameters
    ----------
    ops, total : Stats
        ``Result.ops`` and ``Result.total``.
    columns : iterable of str
        Names from :data:`COLUMNS`.
    """
    t = _table(title)
    t.add_column("op", footer="total", no_wrap=True)
    cols = []
    for name in columns:
        if name not in COLUMNS:
            raise KeyError(f"unknown table column '{name}'; known: {', '.join(COLUMNS)}")
        c = COLUMNS[name]
        t.add_column(c.header, footer=c.footer(ops, total), justify=c.justify, no_wrap=True)
        cols.append(c)
    for s in ops:
        t.add_row(s.op, *(c.cell(s, total) for c in cols))
    return t


def speedup_table(ops: list[Stats], total: Stats, baseline: list[Stats], title: str = "") -> Table:
    """Per-op cycles of a CPU target against a baseline run of the same model (TFLM-profiler
    style): baseline cycles, cycles, speedup, instructions, CPI and CFU operations."""
    t = _table(title)
    base_total = sum(b.cycles for b in baseline)
    t.add_column("op", footer="total", no_wrap=True)
    t.add_column("baseline", justify="right", footer=fmt_count(base_total))
    t.add_column("cycles", justify="right", footer=fmt_count(total.cycles))
    t.add_column("speedup", justify="right", footer=f"{base_total / max(total.cycles, 1):.2f}x")
    names = ("instructions", "cpi", "cfu_ops", "energy")
    for name in names:
        t.add_column(COLUMNS[name].header, justify="right", footer=COLUMNS[name].footer(ops, total))
    for s, b in zip(ops, baseline):
        t.add_row(s.op, fmt_count(b.cycles), fmt_count(s.cycles), f"{b.cycles / max(s.cycles, 1):.2f}x",
                  *(COLUMNS[n].cell(s, total) for n in names))
    return t


def fmt_seconds(x: float) -> str:
    """``1.25 ms``, ``40.2 us``: a compact time."""
    for unit, size in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(x) >= size:
            return f"{x / size:.3g} {unit}"
    return "0" if x == 0 else f"{x / 1e-9:.3g} ns"


def fmt_energy(pj: float) -> str:
    """``4.53 mJ``, ``188 uJ``: a compact energy from picojoules."""
    for unit, size in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if abs(pj) >= size:
            return f"{pj / size:.3g} {unit}"
    return "0" if pj == 0 else f"{pj:.3g} pJ"


def summary_line(total: Stats) -> str:
    """One short line of a timed run's totals: cycles, stalls, time and clock, utilization, energy."""
    parts = [f"{total.cycles:,} cycles"]
    if total.stall_cycles:
        parts[0] += f" ({total.stall_cycles / total.cycles:.0%} stall)"
    if total.seconds:
        clock = total.cycles / total.seconds / 1e6
        parts.append(f"{fmt_seconds(total.seconds)} @ {clock:.4g} MHz")
    if total.utilization is not None:
        parts.append(f"util {total.utilization:.1%}")
    if total.energy_pj:
        parts.append(fmt_energy(total.energy_total_pj))
    return ", ".join(parts)


def compression_table(graph: Graph, title: str = "") -> Table:
    """Per weighted layer: bits, sparsity, bytes dense, bitmask, CSR and 2:4 (see
    :func:`~mlaccel.compress.report.layer_figures`), with a total row."""
    figs = layer_figures(graph)
    t = _table(title)
    for name in ("layer", "bits", "sparse", "dense", "bitmask", "CSR", "2:4"):
        t.add_column(name, justify="left" if name == "layer" else "right")
    for f in figs:
        t.add_row(escape(f.op), str(f.bits), f"{f.sparsity:.0%}", fmt_count(f.dense), fmt_count(f.bitmask),
                  fmt_count(f.csr), "—" if f.nm24 is None else fmt_count(f.nm24))
    if figs:
        params, nnz = sum(f.params for f in figs), sum(f.nonzero for f in figs)
        nm = None if any(f.nm24 is None for f in figs) else sum(f.nm24 for f in figs)
        t.add_row("[bold]total[/]", "", f"{1 - nnz / params:.0%}", fmt_count(sum(f.dense for f in figs)),
                  fmt_count(sum(f.bitmask for f in figs)), fmt_count(sum(f.csr for f in figs)),
                  "—" if nm is None else fmt_count(nm))
    return t


_SHORT_OPS = {"FULLY_CONNECTED": "FC", "CONV_2D": "CONV", "DEPTHWISE_CONV_2D": "DWCONV", "AVERAGE_POOL_2D": "AVGPOOL",
              "MAX_POOL_2D": "MAXPOOL"}


def short_label(label: str) -> str:
    """``#1 FULLY_CONNECTED`` as ``#1 FC``, for narrow tables; other labels as they are."""
    num, _, kind = label.partition(" ")
    return f"{num} {_SHORT_OPS[kind]}" if kind in _SHORT_OPS else label
