"""Chiplet economics: die yield, cost per good die, and a monolithic die against N chiplets.

Yield of a die of area A (cm^2) at defect density D0 (per cm^2):

- **Murphy** (1964): ``((1 - exp(-A D0)) / (A D0))^2``;
- **negative binomial** (Stapper): ``(1 + A D0 / alpha)^-alpha``, with clustering ``alpha`` (3 is the
  common choice; alpha -> infinity is Poisson).

Dies per wafer: ``pi (d/2)^2 / A - pi d / sqrt(2 A)`` (the second term loses the edge). Cost per good
die is the wafer's cost over its good dies. A chiplet design adds packaging per chiplet and moves
bits between dies at an energy per bit.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from math import exp, pi, sqrt

from ..errors import InputError

__all__ = ["murphy_yield", "negative_binomial_yield", "dies_per_wafer", "die_cost", "DieCost", "compare",
           "ChipletComparison", "AMD_EPYC"]


MIN_DIE_MM2 = 1.0  # below this a die is mostly its seal ring, scribe and pads: no chiplet is that small


def _check(area_mm2: float, d0: float) -> None:
    if not (area_mm2 > 0 and math.isfinite(area_mm2)):
        raise InputError(f"Die area must be a finite number > 0 mm^2, got {area_mm2}")
    if not (d0 > 0 and math.isfinite(d0)):
        raise InputError(f"Defect density must be a finite number > 0 per cm^2, got {d0}")


def murphy_yield(area_mm2: float, d0_per_cm2: float) -> float:
    """Murphy's yield of a die of ``area_mm2`` at ``d0_per_cm2`` defects per cm^2."""
    _check(area_mm2, d0_per_cm2)
    ad = area_mm2 / 100 * d0_per_cm2
    return ((1 - exp(-ad)) / ad) ** 2


def negative_binomial_yield(area_mm2: float, d0_per_cm2: float, alpha: float = 3.0) -> float:
    """Negative-binomial yield with clustering ``alpha``."""
    _check(area_mm2, d0_per_cm2)
    if not alpha > 0:
        raise InputError(f"Clustering alpha must be > 0, got {alpha}")
    return (1 + area_mm2 / 100 * d0_per_cm2 / alpha) ** -alpha


def dies_per_wafer(area_mm2: float, wafer_mm: float = 300.0) -> int:
    """Whole dies on a wafer of diameter ``wafer_mm``."""
    if not area_mm2 > 0:
        raise InputError(f"Die area must be > 0 mm^2, got {area_mm2}")
    return max(0, int(pi * (wafer_mm / 2) ** 2 / area_mm2 - pi * wafer_mm / sqrt(2 * area_mm2)))


@dataclass(frozen=True)
class DieCost:
    """One die: its ``yield_``, dies per wafer, and cost per good die (the wafer's currency)."""

    area_mm2: float
    yield_: float
    per_wafer: int
    cost: float


def die_cost(area_mm2: float, d0_per_cm2: float, wafer_cost: float, model: str = "negative-binomial",
             alpha: float = 3.0, wafer_mm: float = 300.0) -> DieCost:
    """Cost of one good die of ``area_mm2``."""
    if model == "murphy":
        y = murphy_yield(area_mm2, d0_per_cm2)
    elif model == "negative-binomial":
        y = negative_binomial_yield(area_mm2, d0_per_cm2, alpha)
    else:
        raise InputError(f"Yield model must be 'murphy' or 'negative-binomial', got {model!r}")
    n = dies_per_wafer(area_mm2, wafer_mm)
    if n == 0:
        raise InputError(f"A {area_mm2:g} mm^2 die does not fit a {wafer_mm:g} mm wafer")
    return DieCost(area_mm2, y, n, wafer_cost / (n * y))


@dataclass(frozen=True)
class ChipletComparison:
    """A monolithic die against ``chiplets`` dies of ``area / chiplets`` (plus overhead area each).

    ``monolithic_cost`` and ``chiplet_cost`` are silicon plus packaging; ``io_energy_pj_per_bit`` the
    die-to-die energy of the chiplet design; ``ratio`` chiplet over monolithic cost."""

    monolithic: DieCost
    chiplet: DieCost
    chiplets: int
    monolithic_cost: float
    chiplet_cost: float
    io_energy_pj_per_bit: float

    @property
    def ratio(self) -> float:
        return self.chiplet_cost / self.monolithic_cost


def compare(area_mm2: float, chiplets: int, d0_per_cm2: float, wafer_cost: float, overhead: float = 0.1,
            package_cost: float = 0.0, chiplet_package_cost: float = 0.0, io_pj_per_bit: float = 0.0,
            model: str = "negative-binomial", alpha: float = 3.0) -> ChipletComparison:
    """A monolithic die of ``area_mm2`` against ``chiplets`` dies that split it, each ``overhead``
    larger for its die-to-die interface; packaging per package and per chiplet."""
    if not isinstance(chiplets, int) or chiplets < 1:
        raise InputError(f"chiplets must be a positive integer, got {chiplets!r}")
    if not (overhead >= 0 and math.isfinite(overhead)):
        raise InputError(f"overhead must be a finite number >= 0, got {overhead}")
    if not (wafer_cost > 0 and math.isfinite(wafer_cost)):
        raise InputError(f"wafer cost must be a finite number > 0, got {wafer_cost}")
    if area_mm2 / chiplets * (1 + overhead) < MIN_DIE_MM2:
        raise InputError(f"{chiplets:,} chiplets of a {area_mm2:g} mm^2 design are {area_mm2 / chiplets:.3g} mm^2 each, "
                         f"below the {MIN_DIE_MM2:g} mm^2 a die needs for its pads and seal ring; use fewer chiplets")
    mono = die_cost(area_mm2, d0_per_cm2, wafer_cost, model, alpha)
    part = die_cost(area_mm2 / chiplets * (1 + overhead), d0_per_cm2, wafer_cost, model, alpha)
    return ChipletComparison(mono, part, chiplets, mono.cost + package_cost,
                             chiplets * (part.cost + chiplet_package_cost) + package_cost, io_pj_per_bit)


# AMD's published comparison (Naffziger et al., ISSCC 2020 and ISCA 2021, "Pioneering Chiplet
# Technology and Design for the AMD EPYC and Ryzen Processor Families"): the 32-core first-generation
# EPYC as four 213 mm^2 dies cost 0.59x of a hypothetical 777 mm^2 monolithic die, the 4-die
# design spending about 10% extra area on die-to-die interfaces.
AMD_EPYC = {"monolithic_mm2": 777.0, "chiplets": 4, "chiplet_mm2": 213.0, "published_ratio": 0.59}
