"""Build firmware for rv32im with the clang that the PyPI ``ziglang`` package ships.

Builds are cached by the hash of every source, flag and the compiler version, under
``$MLACCEL_CACHE`` (default ``~/.cache/mlaccel``). A failing build raises BuildError carrying the
compiler's own ``file:line: error:`` lines.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from ...cache import cache_dir
from ...errors import MlaccelError

__all__ = ["BuildError", "build_firmware", "FIRMWARE_DIR", "CFLAGS", "KERNEL_SOURCES", "kernel_sources"]

FIRMWARE_DIR = Path(__file__).parent / "firmware"
# The kernel library every firmware image links (after a project's own C files).
KERNEL_SOURCES = ("crt0.S", "conv.c", "fully_connected.c", "pooling.c", "elementwise.c", "activations.c",
                  "copy.c")


def kernel_sources() -> list[Path]:
    """Paths of the kernel library's sources, in link order."""
    return [FIRMWARE_DIR / s for s in KERNEL_SOURCES]
CFLAGS = ["-target", "riscv32-freestanding-none", "-mcpu=generic_rv32+m", "-O2", "-ffreestanding",
          "-fno-builtin", "-nostdlib", "-Wall", "-Werror=implicit-function-declaration"]


class BuildError(MlaccelError):
    """C sources failed to compile or link; the message holds the compiler's file:line errors."""


def _zig() -> list[str]:
    try:
        import ziglang  # noqa: F401
    except ImportError:
        raise BuildError("Building firmware needs the 'ziglang' package: pip install 'mlaccel[soc]'") from None
    return [sys.executable, "-m", "ziglang"]


def build_firmware(sources: list[Path], include_dirs: list[Path] = (), name: str = "firmware") -> Path:
    """Compile and link C/assembly sources into an ELF; returns its (cached) path."""
    sources = [Path(s) for s in sources]
    h = hashlib.sha256()
    for s in sorted(sources) + sorted(p for d in include_dirs for p in Path(d).glob("*.h")):
        h.update(str(s.name).encode())
        h.update(s.read_bytes())
    h.update((FIRMWARE_DIR / "link.ld").read_bytes())
    h.update(" ".join(CFLAGS).encode())
    h.update(_zig_version().encode())
    out = cache_dir() / "firmware" / f"{name}-{h.hexdigest()[:16]}.elf"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    cmd = _zig() + ["cc", *CFLAGS, "-T", str(FIRMWARE_DIR / "link.ld"),
                    *[f"-I{d}" for d in include_dirs], "-o", str(tmp), *map(str, sources)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        errors = [line for line in r.stderr.splitlines() if re.search(r":\d+:\d+: (error|fatal error)", line)]
        detail = "\n".join(errors[:20]) or r.stderr.strip()[-2000:]
        raise BuildError(f"Firmware build failed:\n{detail}")
    os.replace(tmp, out)  # atomic: parallel test workers never see half a file
    return out


_VERSION: list[str] = []


def _zig_version() -> str:
    if not _VERSION:
        r = subprocess.run(_zig() + ["version"], capture_output=True, text=True)
        _VERSION.append(r.stdout.strip())
    return _VERSION[0]
