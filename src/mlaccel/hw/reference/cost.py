"""What the reference kernels cost: MACs and the bytes a flat tensor memory moves, no time, no energy."""

from __future__ import annotations

from ...lower import WorkItem
from ...stats import CostTable, Stats

__all__ = ["flat_memory_stats", "cost_table"]


def flat_memory_stats(item: WorkItem) -> Stats:
    """One inference of ``item`` in one flat tensor memory: activations and weights read, outputs
    written (``mem.input``, ``mem.weight``, ``mem.output`` bytes) and its MACs."""
    return Stats(op=item.label, macs=item.macs, param_bytes=item.weight_bytes,
                 reads={"mem.input": item.activation_bytes, "mem.weight": item.weight_bytes},
                 writes={"mem.output": item.output_bytes}, output_shape=item.op.outputs[0].shape)


def cost_table(config=None) -> CostTable:
    """The reference prices no action: it is the golden semantics, not hardware."""
    return CostTable("reference", {}, ("the reference kernels model no time and no energy",))
