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
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ...errors import MlaccelError
from .config import PRESETS, SocConfig, SocConfigError, load_config
from .watchdog import TimeLimit, Watchdog

__all__ = ["Project", "new_project", "config_for", "project_parts", "project_fingerprint", "RESERVED"]

# Names `soc new` refuses: a folder of that name would be shadowed by the preset in `soc:NAME`.
RESERVED = frozenset(PRESETS)


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

    def load_cfu_module(self, timeout_s: float = 10.0):
        """Import ``cfu.py``; it must define ``make_cfu()`` and finish within ``timeout_s`` seconds.

        An unchanged file is imported once per process: numba's compiled kernels hold the CFU's
        jitted functions by weak reference, so a re-import that drops them breaks those kernels.
        """
        file = self.path / "cfu.py"
        if not file.is_file():
            raise MlaccelError(f"Project '{self.path}' has no cfu.py")
        st = file.stat()
        return _load_module(str(file.resolve()), st.st_mtime_ns, st.st_size, self.name, timeout_s)


@lru_cache(maxsize=64)
def _load_module(path: str, mtime_ns: int, size: int, name: str, timeout_s: float):
    """Import a project's ``cfu.py`` (cached on its path and file stats)."""
    file = Path(path)
    spec = importlib.util.spec_from_file_location(f"mlaccel_project_{name}_cfu", file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba finds compiled functions through their module
    try:
        with Watchdog(timeout_s) as wd, wd.guard():
            spec.loader.exec_module(module)
    except TimeLimit:
        sys.modules.pop(spec.name, None)
        raise MlaccelError(f"{file}: importing it took longer than {timeout_s:g} s (an endless loop at "
                           f"import?); raise SocConfig.cfu_timeout_s if it is only slow") from None
    except Exception as e:  # noqa: BLE001 - the user's file: report its own line
        frame = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == str(file)]
        line = frame[-1].lineno if frame else getattr(e, "lineno", "?")
        sys.modules.pop(spec.name, None)
        raise MlaccelError(f"{file}:{line}: {type(e).__name__}: {e}") from None
    if not hasattr(module, "make_cfu"):
        raise MlaccelError(f"{file}: defines no make_cfu()")
    return module


def config_for(spec: str) -> SocConfig:
    """The config that ``soc:SPEC`` names: a preset, a ``.toml``/``.yaml`` file, or a project folder.

    Raises
    ------
    SocConfigError, MlaccelError
        Unknown name; the message lists the presets.
    """
    if spec.endswith((".toml", ".yaml", ".yml")):
        return load_config(spec)
    p = Path(spec)
    if spec in PRESETS:
        own = PRESETS[spec].project
        if (p / "cfu.py").is_file() and (own is None or p.resolve() != Path(own).resolve()):
            raise SocConfigError(f"'{spec}' is both a built-in soc preset and a project folder here; write "
                                 f"'soc:./{spec}' for the folder")
        return PRESETS[spec]
    if (p / "cfu.py").is_file():
        return SocConfig(name=p.resolve().name, project=str(p.resolve()))
    if p.is_dir():
        raise SocConfigError(f"Folder '{p}' is not a CFU project: it has no cfu.py "
                             f"('mlaccel soc new NAME' creates one)")
    raise SocConfigError(f"Unknown soc target '{spec}': not a preset ({', '.join(PRESETS)}), a config file, "
                         f"nor a CFU project folder")


def project_parts(config: SocConfig) -> tuple[Callable | None, list[Path], list[Path]]:
    """What a config's CFU project contributes: the CFU factory, C sources and include folders.

    Imports the project's ``cfu.py`` (under ``config.cfu_timeout_s``).
    """
    make_cfu, sources, includes = config.cfu, [Path(s) for s in config.c_sources], \
        [Path(d) for d in config.include_dirs]
    if config.project is not None:
        proj = Project(Path(config.project))
        module = proj.load_cfu_module(config.cfu_timeout_s)
        make_cfu = module.make_cfu
        sources = proj.sources(module) + sources
        includes = [proj.path / "src", *includes]
    return make_cfu, sources, includes


_CFU_TEMPLATE = '''"""CFU of project {name}: one multiply-accumulate per instruction (a starting point)."""

import numpy as np
from numba import njit


def s8(v, i):
    """Byte i of a 32-bit operand, as a signed int8."""
    b = (v >> (8 * i)) & 0xFF
    return b - 256 if b > 127 else b


class Cfu:
    """funct3 0: acc = (funct7 ? 0 : acc) + s8(in0) * s8(in1); returns acc. Latency 1 cycle."""

    # Energy of each operation, as actions the technology table prices (see mlaccel.hw.soc.cost):
    # one 8-bit multiply and one 32-bit add per MAC. Update it as the CFU grows.
    ENERGY = {{0: {{"op": {{"mult_int8": 1, "add_int32": 1}}}}}}
    # Its area, as cells the same table prices (see mlaccel.hw.soc.area): the multiplier, the adder
    # and the 32-bit accumulator register.
    AREA = {{"mult_int8": 1, "add_int32": 1, "dff_bit": 32}}

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
    """Create a project folder with a template ``cfu.py`` and ``src/``; never overwrites.

    Raises
    ------
    MlaccelError
        The folder exists, its name is a built-in preset's, or it cannot be written.
    """
    p = Path(path)
    if p.name in RESERVED:
        raise MlaccelError(f"'{p.name}' is the name of a built-in soc preset, which 'soc:{p.name}' would run "
                           f"instead of your project; choose another name (reserved: {', '.join(sorted(RESERVED))})")
    if p.exists():
        raise MlaccelError(f"'{p}' already exists; choose another name (nothing was changed)")
    try:
        (p / "src").mkdir(parents=True)
        (p / "cfu.py").write_text(_CFU_TEMPLATE.format(name=p.name))
        (p / "src" / "overrides.c").write_text(_SRC_TEMPLATE.format(name=p.name))
    except OSError as e:
        raise MlaccelError(f"Cannot create project '{p}': {e.strerror or e}") from None
    return Project(p.resolve())


def project_fingerprint(config: SocConfig) -> tuple:
    """Sizes and modification times of a config's project files and C sources, so that a prepared
    backend is rebuilt after the user edits them."""
    files = [Path(s) for s in config.c_sources]
    if config.project is not None:
        root = Path(config.project)
        files += [root / "cfu.py", *sorted((root / "src").glob("*"))]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())
