"""Terminal tables (rich) for models, per-op profiles and compression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from rich.markup import escape
from rich.table import Table

from ..compress.report import layer_figures
from ..graph import Graph, Op
from ..lower import lower
from ..stats import Stats
from ..units import fmt_count, fmt_energy, fmt_seconds

__all__ = ["model_table", "profile_table", "speedup_table", "summary_line", "run_title", "scalesim_table", "fmt_count",
           "fmt_shape", "fmt_seconds", "fmt_energy", "COLUMNS", "Column", "compression_table", "short_label", "pct",
           "eval_line"]


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
    return q.describe() if q.per_axis else f"{q.s:.3g}/{q.zp}"


def model_table(graph: Graph, title: str = "") -> Table:
    """Per-op table: type, shapes, output quantization, MACs and parameters, with totals; it fits 80
    columns (long op names are shortened, attributes wrap, numbers never do)."""
    t = _table(title or escape(graph.name))
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("op", footer="total", no_wrap=True)
    t.add_column("input", style="dim", no_wrap=True)
    t.add_column("output", no_wrap=True)
    t.add_column("attrs", style="dim", overflow="fold")
    t.add_column("scale/zp", style="dim", no_wrap=True)
    macs = [item.macs for item in lower(graph).items]
    params = [sum(x.nbytes for x in op.inputs if x is not None and x.is_constant) for op in graph.ops]
    t.add_column("MACs", justify="right", footer=fmt_count(sum(macs)), no_wrap=True)
    t.add_column("param B", justify="right", footer=fmt_count(sum(params)), no_wrap=True)
    for op, m, p in zip(graph.ops, macs, params):
        x = op.input(0)
        out = op.outputs[0]
        t.add_row(str(op.index), _SHORT_OPS.get(op.type, op.type), fmt_shape(x.shape) if x is not None else "-",
                  fmt_shape(out.shape), _attrs(op), _quant(out), fmt_count(m) if m else "", fmt_count(p) if p else "")
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
    "neurons": Column("neurons", lambda s, t: fmt_count(s.extra["neurons"]) if "neurons" in s.extra else "",
                      _extra_sum("neurons")),
    "cores": Column("cores", lambda s, t: str(s.extra.get("cores", "")), lambda o, t: str(o[-1].extra.get("cores", ""))
                    if o else ""),
    "events": Column("events", lambda s, t: fmt_count(s.extra["events"]) if "events" in s.extra else "",
                     _extra_sum("events")),
    "synops": Column("synops", lambda s, t: fmt_count(s.extra["synops"]) if "synops" in s.extra else "",
                     _extra_sum("synops")),
    "spikes": Column("spikes", lambda s, t: fmt_count(s.extra["spikes"]) if "spikes" in s.extra else "",
                     _extra_sum("spikes")),
}


def _table(title: str, footer: bool = True) -> Table:
    # No rules between columns, one space each side: eight columns of numbers fit in 80 characters.
    return Table(title=title, title_justify="left", show_footer=footer, box=None, pad_edge=False, padding=(0, 1),
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


def summary_line(total: Stats) -> str:
    """One short line of a run's totals per inference: cycles and stalls, time and clock,
    utilization, energy; MACs and parameters where no time is modeled."""
    if not total.cycles and not total.seconds:
        return (f"{fmt_count(total.macs)} MACs, {fmt_count(total.param_bytes)} B of parameters (no time modeled)"
                + (f", {fmt_energy(total.energy_total_pj)}" if total.energy_pj else ""))
    parts = []
    if total.cycles:
        parts.append(f"{total.cycles:,} cycles")
        if total.stall_cycles:
            parts[0] += f" ({total.stall_cycles / total.cycles:.0%} stall)"
    if total.seconds:
        clock = f" @ {total.cycles / total.seconds / 1e6:.4g} MHz" if total.cycles else ""
        parts.append(f"{fmt_seconds(total.seconds)}{clock}")
    if total.utilization is not None:
        parts.append(f"util {total.utilization:.1%}")
    if total.energy_pj:
        parts.append(fmt_energy(total.energy_total_pj))
    return ", ".join(parts)


def run_title(result, model_name: str) -> str:
    """A run table's title: model, target, batch, and the run's own time beside what preparing the
    target took (compiling kernels, building firmware: once per process)."""
    per = result.wall_seconds / max(result.batch, 1)
    text = (f"{model_name} on {result.target}, batch {result.batch}: {fmt_seconds(result.wall_seconds)} run "
            f"({fmt_seconds(per)} per inference)")
    if result.prepare_seconds >= 1e-3:
        text += f", {fmt_seconds(result.prepare_seconds)} to prepare"
    return text + " on this machine"


def scalesim_table(layers, rows, title: str) -> Table:
    """SCALE-Sim's COMPUTE_REPORT columns per layer (``rows`` from
    :func:`mlaccel.hw.systolic.scalesim.compute_report`)."""
    t = Table(title=title, title_justify="left")
    for col in ("layer", "Total Cycles", "Overall Util %", "Mapping Eff %", "Compute Util %"):
        t.add_column(col, justify="right" if col != "layer" else "left")
    for layer, row in zip(layers, rows):
        t.add_row(escape(layer.name), f"{row[2]:,}", f"{row[4]:.1f}", f"{row[5]:.1f}", f"{row[6]:.1f}")
    return t


def pct(a: float | None) -> str:
    """A fraction as a percentage with one decimal; an em dash for None."""
    return "—" if a is None else f"{100 * a:.1f}%"


def eval_line(model_name: str, r) -> str:
    """One line of an :class:`~mlaccel.verify.accuracy.EvalResult`: accuracy, samples, agreement, time."""
    line = f"{model_name} on {r.target}: top-1 {pct(r.accuracy)} of {r.samples} ({r.dataset})"
    if r.agreement is not None:
        line += f"; agreement with the reference kernels {pct(r.agreement)}"
    return line + f"  [{r.seconds:.2f} s]"


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
