"""The ``mlaccel`` command line: a thin shell over the Python API.

Each module holds one area's commands (:mod:`.run`, :mod:`.compress`, :mod:`.soc`, :mod:`.rtl`,
:mod:`.analog`, :mod:`.snn`, :mod:`.system`, :mod:`.learn`, :mod:`.dse`) and imports only
:mod:`.common` and the library: a command parses, calls the library and prints what
:mod:`mlaccel.report` builds. This module assembles them into ``app``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..targets import target_help
from ..version import __version__
from . import analog, compress, dse, learn, rtl, run, snn, soc, system
from .common import console, typer_app

__all__ = ["app", "main"]

app = typer_app("mlaccel: run real int8 models on modeled accelerators, bit-exact, with costs.\n\n"
                "Targets (--target):\n\n\b\n" + target_help())


def _version(value: bool) -> None:
    if value:
        console.print(f"mlaccel {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit", metavar="",
                                                callback=_version, is_eager=True)] = False):
    """mlaccel: run real int8 models on modeled accelerators, bit-exact, with costs."""


for module in (run, compress, system, dse):
    app.add_typer(module.app)
app.add_typer(compress.compress_app, name="compress")
app.add_typer(soc.soc_app, name="soc")
app.add_typer(rtl.rtl_app, name="rtl")
app.add_typer(analog.analog_app, name="analog")
app.add_typer(snn.snn_app, name="snn")
app.add_typer(system.power_app, name="power")
app.add_typer(learn.learn_app, name="learn")
app.add_typer(dse.dse_app, name="dse")
app.add_typer(dse.results_app, name="results")


def main() -> None:  # pragma: no cover - console entry point
    app()
