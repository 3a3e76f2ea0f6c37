"""CFU Playground in software: an RV32IM ISS with a timing model, a CFU port and int8 C kernels."""

from .machine import Cfu, Machine, SimulationError
from .timing import CoreTiming

__all__ = ["Machine", "Cfu", "SimulationError", "CoreTiming"]
