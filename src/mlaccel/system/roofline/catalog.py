"""The device catalog: peak operations per precision, memory bandwidth, on-chip memory, TDP, die area
and process node, each number with its source (``data/devices.toml``), and our systolic presets
derived from their configs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ...errors import MlaccelError

__all__ = ["Device", "RooflineError", "catalog", "device", "CATALOG_FILE"]

CATALOG_FILE = Path(__file__).parent / "data" / "devices.toml"


class RooflineError(MlaccelError):
    """An unknown device or precision, or a device without the numbers a roofline needs."""


@dataclass(frozen=True)
class Device:
    """One accelerator.

    Attributes
    ----------
    key : str
        The catalog name (``a100``, ``tpu-v1``, ``systolic:edge-16x16-os``).
    name : str
    peak_tops : dict
        Precision (``fp32``, ``fp16``, ``bf16``, ``int8``, ``int8_sparse``, ...) -> peak, 1e12
        operations per second (a MAC is two).
    bandwidth_gbs : float or None
        Off-chip memory bandwidth, 1e9 bytes per second.
    onchip_mib : float or None
        On-chip memory the reuse model may hold data in, MiB.
    tdp_w, die_mm2, node_nm : float or None
    sources : dict
        Field -> where its number comes from.
    extra : dict
        Other recorded facts (``die_mm2_alt``, ``transistors``, ``cores``).
    """

    key: str
    name: str
    peak_tops: dict
    bandwidth_gbs: float | None = None
    onchip_mib: float | None = None
    tdp_w: float | None = None
    die_mm2: float | None = None
    node_nm: float | None = None
    sources: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def peak(self, precision: str) -> float:
        """Peak operations per second at ``precision`` (ops/s)."""
        if precision not in self.peak_tops:
            have = ", ".join(self.peak_tops) or "none published"
            raise RooflineError(f"Device '{self.key}' has no {precision} peak; it has: {have}")
        return self.peak_tops[precision] * 1e12

    def bandwidth(self) -> float:
        """Off-chip bandwidth, bytes/s."""
        if not self.bandwidth_gbs:
            raise RooflineError(f"Device '{self.key}' has no published memory bandwidth; "
                                f"{self.sources.get('unpublished', 'a roofline needs one')}")
        return self.bandwidth_gbs * 1e9

    def ridge(self, precision: str) -> float:
        """The ridge point: operations per byte where compute and bandwidth bounds meet."""
        return self.peak(precision) / self.bandwidth()


_FIELDS = ("name", "peak_tops", "bandwidth_gbs", "onchip_mib", "tdp_w", "die_mm2", "node_nm", "sources")


@lru_cache(maxsize=1)
def _published() -> dict[str, Device]:
    try:
        data = tomllib.loads(CATALOG_FILE.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RooflineError(f"Device catalog '{CATALOG_FILE}' cannot be read: {e}") from None
    out = {}
    for key, d in data.items():
        known = {k: d[k] for k in _FIELDS if k in d}
        extra = {k: v for k, v in d.items() if k not in _FIELDS}
        out[key] = Device(key, known.pop("name", key), dict(known.pop("peak_tops", {})), extra=extra, **known)
    return out


def _systolic() -> dict[str, Device]:
    """Our systolic presets as devices: peak ``2 x rows x cols x clock``, DRAM bytes per cycle x clock,
    their three SRAMs."""
    from ...hw.systolic import PRESETS

    out = {}
    for p in PRESETS.values():
        peak = 2 * p.rows * p.cols * p.clock_mhz * 1e6 / 1e12
        key = f"systolic:{p.name}"
        src = f"derived from the {key} config ({p.rows}x{p.cols} at {p.clock_mhz:g} MHz, {p.dram_bw:g} B/cycle)"
        out[key] = Device(key, f"mlaccel {key}", {"int8": peak}, p.dram_bw * p.clock_mhz * 1e6 / 1e9,
                          (p.ifmap_sram_kb + p.filter_sram_kb + p.ofmap_sram_kb) / 1024,
                          sources={"peak_tops": src, "bandwidth_gbs": src, "onchip_mib": src})
    return out


def catalog() -> dict[str, Device]:
    """Every device: the published catalog, then our systolic presets."""
    return {**_published(), **_systolic()}


def device(key: str) -> Device:
    """A device by catalog name; the error lists the known ones."""
    devices = catalog()
    if key not in devices:
        raise RooflineError(f"Unknown device '{key}'; known devices: {', '.join(devices)}")
    return devices[key]
