"""Numbers as people read them: energy in pJ, nJ, uJ, mJ or J; time in s, ms, us or ns; counts with
k, M, G; and the same choices for plot axes, whose tick labels name the unit once."""

from __future__ import annotations

import math

__all__ = ["fmt_count", "fmt_seconds", "fmt_energy", "fmt_bytes", "fmt_si", "axis_scale", "readable_axis", "UNITS"]

# Per quantity: (factor from the base unit, label), largest first; the base unit is the last.
UNITS = {
    "energy_pj": ((1e12, "J"), (1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ"), (1.0, "pJ")),
    "seconds": ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")),
    "count": ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")),
    "bytes": ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B")),
}


def _pick(v: float, quantity: str) -> tuple[float, str]:
    units = UNITS[quantity]
    for factor, label in units:
        if abs(v) >= factor:
            return factor, label
    return units[-1]


def _number(x: float) -> str:
    """Three significant digits, never in exponent form: 1.23, 12.3, 123, 1,234."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def fmt_energy(pj: float) -> str:
    """``4.53 mJ``, ``188 µJ``, ``920 pJ``: an energy given in picojoules."""
    if pj == 0:
        return "0"
    f, u = _pick(pj, "energy_pj")
    return f"{_number(pj / f)} {u}"


def fmt_seconds(s: float) -> str:
    """``1.25 ms``, ``40.2 µs``: a time given in seconds."""
    if s == 0:
        return "0"
    f, u = _pick(s, "seconds")
    return f"{_number(s / f)} {u}"


def fmt_count(n: float) -> str:
    """``12.5M``, ``640``, ``2.66k``: a compact count for tables."""
    n = float(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


def fmt_bytes(n: float) -> str:
    """``16 kB``, ``2.5 MB``: a size in bytes (powers of 1000)."""
    if n == 0:
        return "0 B"
    f, u = _pick(n, "bytes")
    return f"{_number(n / f)} {u}"


def fmt_si(v: float, unit: str) -> str:
    """``v`` with an SI prefix from peta to pico: 5.43e-10 s as ``543 ps``."""
    for scale, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"),
                          (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(v) >= scale:
            return f"{_number(v / scale)} {prefix}{unit}".rstrip()
    return f"{v:.3g} {unit}".rstrip()


def _compact(x: float) -> str:
    """Up to three significant digits, no trailing zeros, thousands separated: 0.25, 2, 50, 1,500."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{float(f'{x:.3g}'):g}"


def axis_scale(values, quantity: str, log: bool = False) -> tuple[float, str]:
    """The factor to divide ``values`` by and the unit label: the largest reads between 1 and 1000 on
    a linear axis; on a log axis the geometric middle of the range does."""
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v)) and v != 0]
    if not finite:
        return UNITS[quantity][-1]
    ref = math.sqrt(min(finite) * max(finite)) if log else max(finite)
    return _pick(ref, quantity)


_QUANTITY = {"energy_pj": "energy_pj", "latency_s": "seconds", "cycles": "count"}


def readable_axis(axis, values, metric: str, label: str) -> None:
    """Label a matplotlib axis (``ax.xaxis`` or ``ax.yaxis``) of ``metric`` with a readable unit and
    tick labels that do not crowd: energy in µJ or mJ rather than ``2x10^10 pJ``, time in ms, counts
    with k or M, accuracy in %. Call it after the axis's scale is set.

    ``label`` is the quantity's name without its unit (``"energy"``).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    quantity = _QUANTITY.get(metric)
    log = axis.get_scale() == "log"
    factor, unit = 1.0, ""
    if metric in ("accuracy", "agreement"):
        factor, unit = 0.01, "%"
    elif quantity is not None:
        factor, unit = axis_scale(values, quantity, log)
    axis.set_major_formatter(FuncFormatter(lambda v, _: _compact(v / factor)))
    axis.set_label_text(f"{label} ({unit})" if unit else label)
    if log:
        finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v)) and v > 0]
        decades = math.log10(max(finite) / min(finite)) if finite else 1.0
        subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
        axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
        axis.set_minor_formatter(NullFormatter())
    else:
        axis.set_major_locator(MaxNLocator(nbins=6))
