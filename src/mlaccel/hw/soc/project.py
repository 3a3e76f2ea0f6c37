"""CFU projects, as in CFU Playground: a folder with ``cfu.py`` and ``src/`` C overrides.

``cfu.py`` defines ``make_cfu()`` returning the CFU (see :class:`~.machine.Cfu`) and may list more C
files to link in ``SOURCES``. Every ``src/*.c`` is linked before the kernel library, so a function defined there (``conv_per_channel``,
``fully_connected``, ...) replaces the library's; it may call ``conv_per_channel_reference`` and
friends for shapes it does not handle. Example projects ship in ``mlaccel/hw/soc/projects``.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ...errors import MlaccelError
from .soc_config import SocConfig

__all__ = ["Project", "find_project", "new_project", "EXAMPLES_DIR"]

EXAMPLES_DIR = Path(__file__).parent / "projects"


@dataclass(frozen=True)
class Project:
    """A project folder."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def sources(self, module=None) -> list[Path]:
        """``src/*.c``, plus any files that ``cfu.py`` lists in ``SOURCES`` (relative to the project)."""
        extra = [(self.path / s).resolve() for s in getattr(module, "SOURCES", ())]
        for s in extra:
            if not s.is_file():
                raise MlaccelError(f"{self.path / 'cfu.py'}: SOURCES names '{s}', which does not exist")
        return sorted((self.path / "src").glob("*.c")) + extra

    def load_cfu_module(self):
        file = self.path / "cfu.py"
        if not file.is_file():
            raise MlaccelError(f"Project '{self.path}' has no cfu.py")
        spec = importlib.util.spec_from_file_location(f"mlaccel_project_{self.name}_cfu", file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # numba finds compiled functions through their module
        try:
            spec.loader.exec_module(module)
        except Exception as e:  # noqa: BLE001 - the user's file: report its own line
            frame = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == str(file)]
            line = frame[-1].lineno if frame else getattr(e, "lineno", "?")
            sys.modules.pop(spec.name, None)
            raise MlaccelError(f"{file}:{line}: {type(e).__name__}: {e}") from None
        if not hasattr(module, "make_cfu"):
            raise MlaccelError(f"{file}: defines no make_cfu()")
        return module

    def config(self) -> SocConfig:
        module = self.load_cfu_module()
        return SocConfig(name=self.name, cfu=module.make_cfu, c_sources=tuple(self.sources(module)),
                         include_dirs=(self.path / "src",))


def find_project(name: str | Path) -> Project:
    """A project folder by path, or an example project by name (``simd4``, ``systolic``)."""
    p = Path(name)
    if (p / "cfu.py").is_file():
        return Project(p.resolve())
    if (EXAMPLES_DIR / str(name) / "cfu.py").is_file():
        return Project(EXAMPLES_DIR / str(name))
    examples = ", ".join(sorted(d.name for d in EXAMPLES_DIR.iterdir() if (d / "cfu.py").is_file()))
    raise MlaccelError(f"No CFU project '{name}': not a folder with cfu.py, nor an example ({examples}); "
                       f"'mlaccel soc new {name}' creates one")


_CFU_TEMPLATE = '''"""CFU of project {name}: one multiply-accumulate per instruction (a starting point)."""

import numpy as np
from numba import njit


def s8(v, i):
    """Byte i of a 32-bit operand, as a signed int8."""
    b = (v >> (8 * i)) & 0xFF
    return b - 256 if b > 127 else b


class Cfu:
    """funct3 0: acc = (funct7 ? 0 : acc) + s8(in0) * s8(in1); returns acc. Latency 1 cycle."""

    def __init__(self):
        self.state = np.zeros(1, np.int64)  # the accumulator

    def op(self, funct3, funct7, in0, in1):
        if funct3 != 0:
            raise ValueError(f"unknown funct3 {{funct3}}")
        if funct7:
            self.state[0] = 0
        self.state[0] += s8(in0, 0) * s8(in1, 0)
        return int(self.state[0]) & 0xFFFFFFFF, 1

    # Optional compiled twin of `op`, for speed: the core calls it without leaving compiled code.
    # Delete it to run `op` instead; `mlaccel soc check {name}` tests that the two agree.
    @staticmethod
    @njit(cache=True)
    def jit_op(state, funct3, funct7, in0, in1):
        if funct3 != 0:
            raise ValueError("unknown funct3")
        if funct7:
            state[0] = 0
        a = (in0 & 0xFF) - 256 * ((in0 >> 7) & 1)
        b = (in1 & 0xFF) - 256 * ((in1 >> 7) & 1)
        state[0] += a * b
        return state[0] & 0xFFFFFFFF, 1


def make_cfu():
    return Cfu()
'''

_SRC_TEMPLATE = '''/* C overrides for project {name}. Define any kernel of kernels.h here to replace the library's;
 * call its *_reference twin for shapes you do not accelerate. cfu_op(funct3, funct7, a, b) issues
 * a CFU instruction. Example (a no-op override):
 *
 *   #include "cfu.h"
 *   #include "kernels.h"
 *   void fully_connected(const FcParams *p) {{ fully_connected_reference(p); }}
 */
'''


def new_project(path: str | Path) -> Project:
    """Create a project folder with a template ``cfu.py`` and ``src/``; never overwrites."""
    p = Path(path)
    if p.exists():
        raise MlaccelError(f"'{p}' already exists; choose another name (nothing was changed)")
    (p / "src").mkdir(parents=True)
    (p / "cfu.py").write_text(_CFU_TEMPLATE.format(name=p.name))
    (p / "src" / "overrides.c").write_text(_SRC_TEMPLATE.format(name=p.name))
    return Project(p.resolve())

