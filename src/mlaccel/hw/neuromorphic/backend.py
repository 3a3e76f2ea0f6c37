"""The neuromorphic backend: what ``mlaccel run`` gets for a ``neuromorphic:`` target.

A neuromorphic chip runs spiking networks, not int8 graphs: the networks come from
:mod:`mlaccel.snn` (conversion, training, NIR files), which counts their events and prices them with
:func:`.cost.chip_cost`. An int8 or float model run here is refused with the commands that do it.
"""

from __future__ import annotations

from ...errors import TargetError
from ...graph import Op
from .config import NeuromorphicConfig

__all__ = ["NeuromorphicBackend"]


class NeuromorphicBackend:
    """Refuses non-spiking graphs, pointing to the ``mlaccel snn`` commands."""

    parallel = True
    columns = ("macs",)
    notes: tuple[str, ...] = ()

    def __init__(self, config: NeuromorphicConfig):
        self.config = config
        self.name = f"neuromorphic:{config.name}"

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs."""

    def prepare(self, op: Op):
        raise TargetError(f"'{self.name}' runs spiking networks, not op {op.label} of an ANN: convert a float "
                          f"model with 'mlaccel snn convert MODEL.onnx --calib DATA --out NET.nir', then "
                          f"'mlaccel snn eval NET.nir --data DATA --target {self.name}'")

    def run(self, op: Op, prepared, inputs: list):
        raise TargetError(f"'{self.name}' runs spiking networks (see 'mlaccel snn eval')")

    def __repr__(self) -> str:
        return f"NeuromorphicBackend({self.name!r})"
