"""The power wall: dynamic and leakage power, Dennard scaling against what happened after 2005, and
dark silicon under a fixed power budget.

``P = alpha C f V^2 + V I_leak``. Between nodes (:mod:`mlaccel.energy.nodes`), a device's C scales
with the feature size and its area with the square:

- **Dennard** (ideal, 1974): V and C scale with the feature size and f inversely, so power per
  device falls as fast as density rises and power density stays flat;
- **post-Dennard**: V follows the node table (it stalls near 0.7-0.8 V) and f stays at the
  reference node's clock, so power density rises as ``(45 / n) (V_n / V_45)^2``.

Dark silicon: a chip of fixed area and power budget, fully lit at the reference node, can light
``1 / power density`` of itself at another node. Esmaeilzadeh et al. (ISCA 2011) found 21% dark at
22 nm and more than 50% at 8 nm with their multicore model; this first-order model is printed
beside their points.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..energy.nodes import NODES, node
from ..errors import InputError

__all__ = ["dynamic_power", "leakage_power", "ScalingPoint", "scaling", "ESMAEILZADEH", "APPLE_SOCS", "scaling_plot"]

# Esmaeilzadeh, Blem, St. Amant, Sankaralingam and Burger, "Dark Silicon and the End of Multicore
# Scaling", ISCA 2011: the fraction of a fixed-size chip that must be powered off (ITRS projections).
ESMAEILZADEH = {22: 0.21, 8: 0.50}
ESMAEILZADEH_NOTE = "21% at 22 nm; 'more than 50%' at 8 nm (plotted at 50%, a lower bound)"

# The lecture's heterogeneous SoCs (after Shao and Brooks): node nm, die mm^2, accelerators on the die.
APPLE_SOCS = {"A4": (65, 53, 4), "A8": (20, 89, 28), "A12": (7, 83, 42)}


def dynamic_power(alpha: float, capacitance_f: float, freq_hz: float, vdd: float) -> float:
    """Switching power ``alpha C f V^2``, W (C in farads)."""
    for name, v in (("alpha", alpha), ("capacitance", capacitance_f), ("frequency", freq_hz), ("vdd", vdd)):
        if v < 0:
            raise InputError(f"{name} must be >= 0, got {v}")
    if alpha > 1:
        raise InputError(f"alpha (activity factor) must be in [0, 1], got {alpha}")
    return alpha * capacitance_f * freq_hz * vdd ** 2


def leakage_power(vdd: float, leak_current_a: float) -> float:
    """Static power ``V I_leak``, W."""
    if vdd < 0 or leak_current_a < 0:
        raise InputError(f"vdd and leakage current must be >= 0, got {vdd}, {leak_current_a}")
    return vdd * leak_current_a


@dataclass(frozen=True)
class ScalingPoint:
    """One node, relative to the reference node.

    Attributes
    ----------
    nm, vdd : float
    density : float
        Devices per area.
    energy_dennard, energy_real : float
        Switching energy per operation.
    power_density_dennard, power_density_real : float
        Power per area with every device switching at its scaling's clock.
    dark : float
        Fraction of a fixed-area chip at the reference node's power that must stay off (post-Dennard).
    """

    nm: float
    vdd: float
    density: float
    energy_dennard: float
    energy_real: float
    power_density_dennard: float
    power_density_real: float
    dark: float


def scaling(from_nm: float = 45, to_nm: float = 7) -> list[ScalingPoint]:
    """Every node of the table from ``from_nm`` (the reference, the older and larger node) to ``to_nm``.

    Raises
    ------
    InputError
        A node the table lacks, or ``to_nm`` larger than ``from_nm`` (scaling runs from old to new).
    """
    a, b = node(from_nm), node(to_nm)
    if b.nm > a.nm:
        raise InputError(f"Scaling runs from an older node to a newer one: --from {from_nm:g} nm is newer than "
                         f"--to {to_nm:g} nm; swap them (--from {to_nm:g} --to {from_nm:g})")
    lo, hi = sorted((a.nm, b.nm))
    nodes = sorted((n for n in NODES.values() if lo <= n.nm <= hi), key=lambda n: -n.nm if a.nm > b.nm else n.nm)
    out = []
    for n in nodes:
        k = n.nm / a.nm
        density = 1 / k ** 2
        e_real = k * (n.vdd / a.vdd) ** 2
        pd_real = density * e_real  # the clock stays at the reference's
        out.append(ScalingPoint(n.nm, n.vdd, density, k ** 3, e_real, 1.0, pd_real, max(0.0, 1 - 1 / pd_real)))
    return out


def scaling_plot(points: list[ScalingPoint], path, title: str = "") -> None:
    """Power density (Dennard vs post-Dennard) and dark silicon against the node, with Esmaeilzadeh's
    points and the Apple SoCs' accelerator counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p.nm for p in points]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax.plot(xs, [p.power_density_dennard for p in points], "o-", label="Dennard (V, C scale; f rises)")
    ax.plot(xs, [p.power_density_real for p in points], "s-", label="post-2005 (V stalls; f flat)")
    ticks = sorted(set(xs) | {v[0] for v in APPLE_SOCS.values()})
    for a in (ax, ax2):
        a.set_xscale("log")
        a.set_xticks(ticks, [f"{t:g}" for t in ticks])
        a.minorticks_off()
        a.set_xlabel("node (nm)")
    ax.invert_xaxis()
    ax.set_ylabel(f"power density vs {xs[0]:g} nm")
    ax.legend(fontsize=8)
    ax2.plot(xs, [100 * p.dark for p in points], "s-", color="#C44E52", label="dark fraction (this model)")
    ax2.scatter(list(ESMAEILZADEH), [100 * v for v in ESMAEILZADEH.values()], marker="*", s=150, color="k",
                zorder=3, label="Esmaeilzadeh et al. 2011")
    ax2.set_xlim(ax.get_xlim())
    ax2.set_ylabel("dark silicon (%)")
    acc = ax2.twinx()
    acc.scatter([v[0] for v in APPLE_SOCS.values()], [v[2] for v in APPLE_SOCS.values()], marker="D", color="#55A868",
                label="Apple SoC accelerators")
    for name, (nm, _, count) in APPLE_SOCS.items():
        acc.annotate(name, (nm, count), textcoords="offset points", xytext=(4, 4), fontsize=8)
    acc.set_ylabel("accelerators on the SoC")
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = acc.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
    fig.suptitle(title or "The power wall: Dennard scaling, its end, and dark silicon")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
