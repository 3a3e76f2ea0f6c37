"""Technology tables: energy and area per action, each number with its source.

Tables are TOML data files (``mlaccel/energy/data/<name>.toml``, or any path), so they can be
swapped without touching a hardware model. Hardware models count actions; this module prices them.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import MlaccelError

__all__ = ["TechTable", "load_table", "TABLES_DIR"]

TABLES_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class TechTable:
    """Per-action energy (pJ) and area (um^2) of one technology.

    Attributes
    ----------
    name : str
    energy_pj : dict
        Action name -> pJ, e.g. ``mult_int8``, ``add_int32``, ``dram_64b``.
    area_um2 : dict
        Component name -> um^2.
    sram_points : tuple of (KiB, pJ per 64-bit access)
    sources : dict
        Entry name -> the citation its number comes from.
    sram_extrapolate : float
        How far beyond its end points (a factor) the SRAM fit may be extrapolated.
    node_nm : float or None
        The process node the numbers are for.
    """

    name: str
    energy_pj: dict
    area_um2: dict
    sram_points: tuple
    sources: dict
    sram_extrapolate: float = 1.0
    node_nm: float | None = None

    @property
    def sram_range_kib(self) -> tuple[float, float]:
        """Smallest and largest SRAM, in KiB, whose energy the table will give."""
        return self.sram_points[0][0] / self.sram_extrapolate, self.sram_points[-1][0] * self.sram_extrapolate

    def sram_note(self, capacity_bytes: float) -> str | None:
        """None when the table measures an SRAM of this size; otherwise a sentence saying the
        energy is extrapolated.

        Raises
        ------
        MlaccelError
            The size is beyond even the extrapolation range.
        """
        kib = capacity_bytes / 1024
        lo, hi = self.sram_range_kib
        first, last = self.sram_points[0][0], self.sram_points[-1][0]
        if not lo <= kib <= hi:
            raise MlaccelError(f"an SRAM of {kib:g} KiB is outside what technology table '{self.name}' can price "
                               f"({lo:g} to {hi:g} KiB: its measured {first:g} to {last:g} KiB, extrapolated "
                               f"{self.sram_extrapolate:g}x)")
        if first <= kib <= last:
            return None
        return (f"SRAM energy for {kib:g} KiB is extrapolated beyond table '{self.name}' "
                f"({first:g} to {last:g} KiB measured)")

    def pj(self, action: str) -> float:
        """Energy of one action in pJ."""
        try:
            return self.energy_pj[action]
        except KeyError:
            raise MlaccelError(f"Technology table '{self.name}' has no energy for '{action}'; it has "
                               f"{', '.join(sorted(self.energy_pj))}") from None

    def sram_pj_per_byte(self, capacity_bytes: float) -> float:
        """Energy per byte accessed in an SRAM of this capacity (log-log interpolation), in pJ.

        Raises
        ------
        MlaccelError
            The capacity is outside :attr:`sram_range_kib`.
        """
        self.sram_note(capacity_bytes)
        kib = capacity_bytes / 1024
        pts = self.sram_points
        x = math.log(kib)
        xs = [math.log(p[0]) for p in pts]
        ys = [math.log(p[1]) for p in pts]
        i = 1
        while i < len(pts) - 1 and x > xs[i]:
            i += 1
        slope = (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
        return math.exp(ys[i - 1] + slope * (x - xs[i - 1])) / 8

    def dram_pj_per_byte(self) -> float:
        """DRAM energy per byte, in pJ."""
        return self.pj("dram_64b") / 8

    def area(self, component: str) -> float | None:
        """Area of a component in um^2, or None where the table's source gives none."""
        return self.area_um2.get(component)

    def area_of(self, counts: dict, what: str) -> float:
        """The area of ``{component: count}``, um^2; ``what`` names the design in the error.

        Raises
        ------
        MlaccelError
            The table gives no area for one of the components.
        """
        total = 0.0
        for name, n in counts.items():
            a = self.area(name)
            if a is None:
                raise MlaccelError(f"Technology table '{self.name}' has no area for '{name}', which {what} needs; "
                                   f"it has: {', '.join(sorted(self.area_um2))}")
            total += n * a
        return total


def load_table(name_or_path: str | os.PathLike = "horowitz-45nm") -> TechTable:
    """Load a technology table by name (a file in ``TABLES_DIR``) or path; ``NAME@7nm`` scales it to
    another node (:mod:`.nodes`: logic and SRAM energy by ``C V^2``, areas by the feature size
    squared; DRAM, off-chip, as it is)."""
    name, at, target = str(name_or_path).partition("@")
    if at:
        return _at_node(load_table(name), target)
    p = Path(name_or_path)
    if not p.suffix:
        p = TABLES_DIR / f"{name_or_path}.toml"
    return _load(str(p))


def _at_node(base: TechTable, target: str) -> TechTable:
    from .nodes import area_factor, energy_factor

    if base.node_nm is None:
        raise MlaccelError(f"Technology table '{base.name}' gives no node_nm, so it cannot be scaled to {target}")
    to_nm = target.removesuffix("nm")
    try:
        e, a = energy_factor(base.node_nm, to_nm), area_factor(base.node_nm, to_nm)
    except MlaccelError as err:
        raise MlaccelError(f"Technology table '{base.name}@{target}': {err}") from None
    energy = {k: v if k.startswith("dram") else v * e for k, v in base.energy_pj.items()}
    note = f"; scaled from {base.node_nm:g} nm to {to_nm} nm by C V^2 ({e:.3g}x energy, {a:.3g}x area)"
    return TechTable(f"{base.name}@{to_nm}nm", energy, {k: v * a for k, v in base.area_um2.items()},
                     tuple((kib, pj * e) for kib, pj in base.sram_points),
                     {k: v + ("" if k.startswith("dram") else note) for k, v in base.sources.items()},
                     base.sram_extrapolate, float(to_nm))


@lru_cache(maxsize=16)
def _load(path: str) -> TechTable:
    p = Path(path)
    if not p.is_file():
        known = ", ".join(sorted(f.stem for f in TABLES_DIR.glob("*.toml")))
        raise MlaccelError(f"Technology table '{path}' does not exist (built in: {known})")
    try:
        d = tomllib.loads(p.read_text())
        energy = {k: float(v["value"]) for k, v in d.get("energy_pj", {}).items()}
        area = {k: float(v["value"]) for k, v in d.get("area_um2", {}).items()}
        sources = {k: v["source"] for sec in ("energy_pj", "area_um2") for k, v in d.get(sec, {}).items()}
        sram = d["sram_64b"]
        sources["sram_64b"] = sram["source"]
        points = tuple(sorted((float(a), float(b)) for a, b in sram["points"]))
        extrapolate = float(sram.get("extrapolate", 1.0))
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as e:
        raise MlaccelError(f"Technology table '{path}' is malformed: {e}") from None
    node_nm = d.get("node_nm")
    return TechTable(d.get("name", p.stem), energy, area, points, sources, extrapolate,
                     None if node_nm is None else float(node_nm))
