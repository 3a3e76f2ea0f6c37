"""Stats: the one per-op cost record that every backend fills in.

A whole-model report is a fold over ops: :func:`total` adds counts and merges the per-level and
per-component dictionaries. Fields a backend does not model stay at zero (or None for
utilization), so reports can tell "not modeled" from "zero".

Memory traffic has one vocabulary in every family: ``reads`` and ``writes`` map ``"LEVEL.OPERAND"``
to bytes moved at that memory level for that kind of operand, in one inference.

========  ==============================================================================
level     meaning
========  ==============================================================================
dram      off-chip main memory
sram      on-chip buffers or scratchpads (an accelerator's global buffers)
cache     CPU caches, as the core accesses them (a 32-bit port: 4 bytes per access)
mem       one flat tensor memory, for targets that model no hierarchy (``reference``)
========  ==============================================================================

========  ==============================================================================
operand   meaning
========  ==============================================================================
input     activations an op reads
weight    constant tensors: weights and biases
output    activations an op writes (an accelerator's output buffer holds partial sums too)
psum      partial sums spilled to a lower level and read back
code      instructions (CPU targets)
data      CPU loads and stores, whose operand kind the core does not know
========  ==============================================================================

Bytes are counted at each level, so the same byte moved from DRAM into SRAM and from SRAM into
the array counts at both levels; :meth:`Stats.read_bytes` sums one level.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

__all__ = ["Stats", "total", "mean", "LEVELS", "OPERANDS", "CostTable", "Cost"]

LEVELS = ("dram", "sram", "cache", "mem")
OPERANDS = ("input", "weight", "output", "psum", "code", "data")


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
    seconds : float
        Time of one inference of the op, in seconds, from the family's clock (0 where not modeled).
    utilization : float or None
        Fraction of peak compute used, or None where not modeled.
    param_bytes : int
        Bytes of constant tensors (weights, biases) the op uses.
    reads, writes : mapping of str to int
        Bytes per ``"LEVEL.OPERAND"`` (see the module's docstring), e.g.
        ``{"dram.weight": 640, "sram.input": 4900}``.
    energy_pj : mapping of str to float
        Energy per component, in picojoules (components are the family's own; its docs list them).
    output_shape : tuple of int
        Shape of the op's first output, as in the model.
    extra : mapping
        Family-specific figures.
    """

    op: str = ""
    cycles: int = 0
    seconds: float = 0.0
    stall_cycles: int = 0
    macs: int = 0
    utilization: float | None = None
    param_bytes: int = 0
    reads: Mapping[str, int] = field(default_factory=dict)
    writes: Mapping[str, int] = field(default_factory=dict)
    energy_pj: Mapping[str, float] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def read_bytes(self, level: str | None = None, operand: str | None = None) -> int:
        """Bytes read at one level (and of one operand kind), or everywhere when None."""
        return _select(self.reads, level, operand)

    def written_bytes(self, level: str | None = None, operand: str | None = None) -> int:
        """Bytes written at one level (and of one operand kind), or everywhere when None."""
        return _select(self.writes, level, operand)

    def moved_bytes(self, level: str) -> int:
        """Bytes read and written at one level."""
        return self.read_bytes(level) + self.written_bytes(level)

    @property
    def levels(self) -> tuple[str, ...]:
        """The memory levels this Stats has traffic at, outermost first."""
        seen = {k.split(".")[0] for k in (*self.reads, *self.writes)}
        return tuple(lv for lv in LEVELS if lv in seen) + tuple(sorted(seen - set(LEVELS)))

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


def _select(d: Mapping[str, int], level: str | None, operand: str | None) -> int:
    out = 0
    for key, v in d.items():
        lv, _, kind = key.partition(".")
        if (level is None or lv == level) and (operand is None or kind == operand):
            out += v
    return out


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
        seconds=sum(s.seconds for s in stats),
        stall_cycles=sum(s.stall_cycles for s in stats),
        macs=sum(s.macs for s in stats),
        utilization=util,
        param_bytes=sum(s.param_bytes for s in stats),
        reads=_merge(s.reads for s in stats),
        writes=_merge(s.writes for s in stats),
        energy_pj=_merge(s.energy_pj for s in stats),
        extra={},
    )


def mean(stats: list[Stats], weights: list[float]) -> Stats:
    """The weighted mean of one op's Stats from parts of a batch (``weights``: samples per part).

    For backends whose costs follow each sample's data; counts are rounded back to integers.
    """
    w = [x / sum(weights) for x in weights]

    def avg(values, integer):
        v = sum(a * b for a, b in zip(values, w))
        return int(round(v)) if integer else v

    def avg_dict(ds, integer):
        keys = dict.fromkeys(k for d in ds for k in d)
        return {k: avg([d.get(k, 0) for d in ds], integer) for k in keys}

    first = stats[0]
    extra = dict(first.extra)
    for k, v in first.extra.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            extra[k] = avg([s.extra.get(k, 0) for s in stats], isinstance(v, int))
    util = None if first.utilization is None else avg([s.utilization or 0.0 for s in stats], False)
    return Stats(op=first.op, cycles=avg([s.cycles for s in stats], True),
                 seconds=avg([s.seconds for s in stats], False),
                 stall_cycles=avg([s.stall_cycles for s in stats], True), macs=first.macs, utilization=util,
                 param_bytes=first.param_bytes, reads=avg_dict([s.reads for s in stats], True),
                 writes=avg_dict([s.writes for s in stats], True),
                 energy_pj=avg_dict([s.energy_pj for s in stats], False), output_shape=first.output_shape,
                 extra=extra)


@dataclass(frozen=True)
class Cost:
    """The energy of one action a family prices: ``pj`` per ``unit`` (``"MAC"``, ``"byte"``,
    ``"synaptic op"``), from ``source``."""

    pj: float
    unit: str
    source: str


@dataclass(frozen=True)
class CostTable:
    """What one design's actions cost: ``actions`` maps a name to its :class:`Cost`; ``notes`` say
    what is not priced. Every family's ``cost_table(config)`` returns one."""

    name: str
    actions: Mapping[str, Cost]
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"name": self.name, "actions": {k: asdict(v) for k, v in self.actions.items()},
                "notes": list(self.notes)}
