"""Self-contained HTML reports: one file, plots embedded as PNG data, a table sortable by any column.

:func:`sweep_html` reports a design sweep from the results store (summary, Pareto plots, every
point, and the per-layer costs of the best design); :func:`run_html` one ``mlaccel run``. Every
name is HTML-escaped; the only script is the table sorter below.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from ..units import fmt_energy, fmt_seconds, readable_axis
from .dse import METRIC_FORMATS, constraint_text

__all__ = ["sweep_html", "run_html"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f2f2f2; cursor: pointer; user-select: none; }
td.name, th.name { text-align: left; }
tr.front td { font-weight: 600; }
tr.dominated td { color: #888; }
img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; }
"""

# Sorts a table by the clicked column: numbers as numbers, text as text; a second click reverses.
_SORTER = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.getAttribute("data-order") !== "asc";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-order"); });
    th.setAttribute("data-order", asc ? "asc" : "desc");
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _e(v) -> str:
    return html.escape(str(v), quote=True)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _file_png(draw) -> str:
    """A plot function that writes to a path, as an embedded PNG."""
    buf = io.BytesIO()
    draw(buf)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _table(headers: list, rows: list, row_class=None, table_id: str = "") -> str:
    """A sortable table; each cell is ``(shown, sort value)`` or a plain value."""
    out = [f'<table class="sortable" id="{_e(table_id)}"><thead><tr>']
    for i, h in enumerate(headers):
        out.append(f'<th class="{"name" if i == 0 else ""}">{_e(h)}</th>')
    out.append("</tr></thead><tbody>")
    for k, row in enumerate(rows):
        cls = f' class="{row_class(k)}"' if row_class else ""
        out.append(f"<tr{cls}>")
        for i, cell in enumerate(row):
            shown, value = cell if isinstance(cell, tuple) else (cell, cell)
            out.append(f'<td class="{"name" if i == 0 else ""}" data-v="{_e(value)}">{_e(shown)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>{body}<script>{_SORTER}</script></body></html>")


def _layer_bars(rows: list, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.2))
    x = np.arange(len(rows))
    ax.bar(x, [r[1] for r in rows], color="#4C72B0")
    readable_axis(ax.yaxis, [r[1] for r in rows], "cycles", "cycles")
    ax.set_xlabel("layer")
    ax2 = ax.twinx()
    ax2.plot(x, [100 * (r[3] or 0) for r in rows], "o-", color="#DD8452", ms=3)
    ax2.set_ylabel("utilization (%)")
    ax.set_title(title)
    fig.tight_layout()
    return _png(fig)


def sweep_html(store_path, sweep: int | None = None) -> str:
    """The report of one sweep (default: the latest) in a results store."""
    from ..dse.pareto import LABELS, front_of, known, pareto_plot
    from ..dse.store import Store

    db = Store(store_path, create=False)
    try:
        runs = {r[0]: r for r in db.sweeps()}
        points = db.points(sweep)
        if not points:
            raise ValueError(f"'{store_path}' has no points in that sweep")
        sid = points[0].sweep
        doc = db.space(sid)
    finally:
        db.close()
    maximize = tuple(doc.get("maximize") or ())
    objectives = tuple(doc.get("minimize") or ()) + maximize or ("latency_s", "energy_pj")
    ok = known([p for p in points if p.feasible], objectives)
    on_front = {p.id for p, f in zip(ok, front_of(ok, objectives, maximize)) if f}
    body = [f'<p class="note">Sweep {sid} ({_e(runs[sid][1])}, started {_e(runs[sid][2])}) of '
            f"<code>{_e(doc.get('base'))}</code> on {_e(', '.join(doc.get('models', [])))}: {len(points):,} points, "
            f"{len(ok):,} meet the constraints ({_e(constraint_text(doc.get('constraints') or {}))}), {len(on_front)} on the Pareto "
            f"front of {_e(', '.join(objectives))}.</p>"]
    pairs = [(objectives[i], objectives[j]) for i in range(len(objectives)) for j in range(i + 1, len(objectives))]
    for a, b in pairs or [("latency_s", "energy_pj")]:
        what = f"{LABELS.get(a, a)} against {LABELS.get(b, b)}"
        src = _file_png(lambda buf, a=a, b=b, what=what: pareto_plot(points, (a, b), buf, title=what,
                                                                     maximize=maximize))
        body.append(f'<h2>Pareto: {_e(what)}</h2><img alt="Pareto front {_e(a)} {_e(b)}" src="{src}">')
    if ok:
        chosen = [p for p in ok if p.id in on_front] or ok
        best = min(chosen, key=lambda p: p.metrics["edp"])
        body.append(f"<h2>The chosen design: lowest energy-delay product on the front</h2><p><code>"
                    f"{_e(', '.join(f'{k}={v}' for k, v in best.config.items()))}</code></p>")
        if best.area:
            body.append(_table(["component", "area (mm^2)"], [[k, (f"{v:.4g}", v)] for k, v in best.area.items()],
                               table_id="area"))
        for model, rows in best.layers.items():
            parts = sorted({k for r in rows if len(r) > 4 for k in r[4]})
            body.append(f"<h3>{_e(model)}: per layer</h3>")
            body.append(f'<img alt="{_e(model)} per layer" src="{_layer_bars(rows, model)}">')
            body.append(_table(["layer", "cycles", "energy (nJ)", "utilization"] + [f"{p} (nJ)" for p in parts],
                               [[r[0], (f"{r[1]:,}", r[1]), (f"{r[2] / 1e3:,.1f}", r[2]),
                                 (f"{100 * (r[3] or 0):.1f}%", r[3] or 0)]
                                + [(f"{r[4].get(p, 0) / 1e3:,.2f}", r[4].get(p, 0)) if len(r) > 4 else ("", 0)
                                   for p in parts] for r in rows], table_id=f"layers-{model}"))
    fields = list(points[0].config)
    metrics = [m for m in points[0].metrics if any(p.metrics.get(m) is not None for p in points)]
    rows = [[(str(p.id), p.id)] + [p.config[f] for f in fields]
            + [_metric_cell(m, p.metrics.get(m)) for m in metrics] + ["yes" if p.feasible else "no"]
            for p in points]
    body.append("<h2>Every point (click a column to sort)</h2>")
    body.append(_table(["point"] + fields + metrics + ["feasible"], rows, table_id="points",
                       row_class=lambda k: "front" if points[k].id in on_front else "dominated"))
    return _page(f"Design sweep: {runs[sid][1]}", "".join(body))


def _metric_cell(metric: str, v) -> tuple:
    """A sortable table cell in a readable unit; an unknown value sorts first."""
    if v is None:
        return "-", -1e308
    shown = METRIC_FORMATS[metric][1](v) if metric in METRIC_FORMATS else f"{v:.4g}"
    return shown, v


def run_html(result, model_name: str) -> str:
    """The report of one ``Model.run``: totals, the per-layer plot and table."""
    ops = result.ops
    t = result.total
    body = [f'<p class="note">{_e(model_name)} on <code>{_e(result.target)}</code>: {t.macs:,} MACs, '
            f"{t.cycles:,} cycles, {fmt_seconds(t.seconds)}, {fmt_energy(t.energy_total_pj)} per inference.</p>"]
    if any(s.cycles for s in ops):
        rows = [[s.op, s.cycles, s.energy_total_pj, s.utilization] for s in ops]
        body.append(f'<img alt="per layer" src="{_layer_bars(rows, model_name)}">')
    parts = sorted({k for s in ops for k in s.energy_pj})
    body.append("<h2>Per layer (click a column to sort)</h2>")
    body.append(_table(["op", "MACs", "cycles", "utilization"] + [f"{p} (nJ)" for p in parts],
                       [[s.op, (f"{s.macs:,}", s.macs), (f"{s.cycles:,}", s.cycles),
                         (f"{100 * (s.utilization or 0):.1f}%", s.utilization or 0)]
                        + [(f"{s.energy_pj.get(p, 0) / 1e3:,.2f}", s.energy_pj.get(p, 0)) for p in parts]
                        for s in ops], table_id="ops"))
    return _page(f"{model_name} on {result.target}", "".join(body))
