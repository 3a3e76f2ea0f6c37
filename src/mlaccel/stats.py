"""Stats: the one per-op cost record that every backend fills in.

A whole-model report is a fold over ops: :func:`total` adds counts and merges the per-level and
per-component dictionaries. Fields a backend does not model stay at zero (or None for
utilization), so reports can tell "not modeled" from "zero".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

__all__ = ["Stats", "total"]


@dataclass(frozen=True)
class Stats:
    """Costs of one op (or, summed, of a whole model) for one inference.

    Attributes
    ----------
    op : str
        The op's label, such as ``"#3 CONV_2D"``; ``"total"`` for sums.
    cycles : int
        Clock cycles, stalls included; 0 where the backend has no timing.
    stall_cycles : int
        Cycles spent waiting on memory.
    macs : int
        Multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED.
    utilization : float or None
        Fraction of peak compute used, or None where not modeled.
    param_bytes : int
        Bytes of constant tensors (weights, biases) the op uses.
    reads, writes : mapping of str to int
        Bytes read and written per memory level, e.g. ``{"activations": 490, "parameters": 640}``.
    energy_pj : mapping of str to float
        Energy per component, in picojoules.
    output_shape : tuple of int
        Shape of the op's first output, as in the model.
    extra : mapping
        Family-specific figures.
    """

    op: str = ""
    cycles: int = 0
    stall_cycles: int = 0
    macs: int = 0
    utilization: float | None = None
    param_bytes: int = 0
    reads: Mapping[str, int] = field(default_factory=dict)
    writes: Mapping[str, int] = field(default_factory=dict)
    energy_pj: Mapping[str, float] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def bytes_read(self) -> int:
        """Bytes read at every level together."""
        return sum(self.reads.values())

    @property
    def bytes_written(self) -> int:
        """Bytes written at every level together."""
        return sum(self.writes.values())

    @property
    def energy_total_pj(self) -> float:
        """Energy of every component together, in pJ."""
        return float(sum(self.energy_pj.values()))

    def to_dict(self) -> dict:
        """A JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        d["output_shape"] = list(self.output_shape)
        d["reads"], d["writes"] = dict(self.reads), dict(self.writes)
        d["energy_pj"], d["extra"] = dict(self.energy_pj), dict(self.extra)
        return d


def _merge(ds: Iterable[Mapping]) -> dict:
    out: dict = {}
    for d in ds:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def total(stats: Iterable[Stats]) -> Stats:
    """Sum per-op Stats into whole-model Stats.

    Utilization is cycle-weighted; it is None when no op reports it or no cycles are modeled.
    """
    stats = list(stats)
    cycles = sum(s.cycles for s in stats)
    timed = [s for s in stats if s.utilization is not None]
    util = None
    if timed and cycles:
        util = sum(s.utilization * s.cycles for s in timed) / cycles
    return Stats(
        op="total",
        cycles=cycles,
        stall_cycles=sum(s.stall_cycles for s in stats),
        macs=sum(s.macs for s in stats),
        utilization=util,
        param_bytes=sum(s.param_bytes for s in stats),
        reads=_merge(s.reads for s in stats),
        writes=_merge(s.writes for s in stats),
        energy_pj=_merge(s.energy_pj for s in stats),
        extra={},
    )
