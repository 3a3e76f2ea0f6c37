"""Technology nodes from 180 nm to 3 nm, and how energy and area scale between them.

First-order CMOS scaling: a device's switched capacitance scales with its feature size, its area
with the feature size squared, and its switching energy is ``C V^2``. Supply voltages are the
nominal logic Vdd of each node; they stopped following the feature size around 2005, which is
what ended Dennard scaling. Energy tables (``horowitz-45nm``) scale to another node by these
factors: ``load_table("horowitz-45nm@7nm")``. Off-chip DRAM does not follow the logic node and is
left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import MlaccelError

__all__ = ["Node", "NODES", "node", "energy_factor", "area_factor"]


@dataclass(frozen=True)
class Node:
    """One process node: ``nm`` (feature size), ``year`` of volume production, nominal ``vdd`` (V)
    and where that voltage comes from."""

    nm: float
    year: int
    vdd: float
    source: str


_ITRS = "ITRS roadmap editions of the node's years, high-performance logic nominal Vdd (rounded)"
_FOUNDRY = "foundry nominal core voltage at the node's introduction (TSMC/Intel/Samsung disclosures), our rounding"
NODES: dict[float, Node] = {n.nm: n for n in (
    Node(180, 1999, 1.8, _ITRS), Node(130, 2001, 1.3, _ITRS), Node(90, 2004, 1.2, _ITRS),
    Node(65, 2006, 1.1, _ITRS), Node(45, 2008, 1.0, _ITRS), Node(32, 2010, 0.9, _ITRS),
    Node(28, 2011, 0.9, _FOUNDRY), Node(22, 2012, 0.8, _ITRS), Node(20, 2014, 0.8, _FOUNDRY),
    Node(16, 2014, 0.8, _FOUNDRY), Node(14, 2014, 0.8, _FOUNDRY),
    Node(10, 2017, 0.75, _FOUNDRY), Node(7, 2018, 0.75, _FOUNDRY), Node(5, 2020, 0.7, _FOUNDRY),
    Node(3, 2022, 0.7, _FOUNDRY),
)}


def node(nm: float) -> Node:
    """The node of feature size ``nm``; the error lists the table's nodes."""
    try:
        nm = float(nm)
    except (TypeError, ValueError):
        raise MlaccelError(f"A node is a feature size in nm, got {nm!r}") from None
    if nm not in NODES:
        raise MlaccelError(f"Node {nm:g} nm is outside the technology table; nodes: "
                           f"{', '.join(f'{n:g}' for n in NODES)} nm")
    return NODES[nm]


def energy_factor(from_nm: float, to_nm: float) -> float:
    """Switching energy at ``to_nm`` over that at ``from_nm``: ``(C V^2)`` with C proportional to the
    feature size."""
    a, b = node(from_nm), node(to_nm)
    return (b.nm / a.nm) * (b.vdd / a.vdd) ** 2


def area_factor(from_nm: float, to_nm: float) -> float:
    """Area at ``to_nm`` over that at ``from_nm``: the feature size squared."""
    a, b = node(from_nm), node(to_nm)
    return (b.nm / a.nm) ** 2
