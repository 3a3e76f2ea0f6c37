"""What every command shares: the consoles, option helpers, one-line errors, progress, and checks of
what the user gives (output paths, counts) made before any work.

Nothing here decides anything about models or hardware: commands parse, call the library, and
print what :mod:`mlaccel.report` builds.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
from pathlib import Path
from typing import Annotated, Iterable

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperArgument, TyperCommand, TyperGroup

from ..errors import InputError, MlaccelError

__all__ = ["console", "err_console", "opt", "typer_app", "Command", "TargetsCommand", "guarded", "Bar", "spinner", "check_output",
           "check_plot", "positive", "nonnegative", "finite", "fraction", "note", "wrote", "write_atomic", "ForceOpt",
           "ModelArg", "JsonOpt", "PlotOpt", "print_json"]

console = Console()
err_console = Console(stderr=True)


class _QuietHelp:
    """Help that shows no type placeholders (``<str>``, ``<bool>``): arguments and options carry a
    metavar (FILE, TARGET) or none at all (flags), and so does --help."""

    def get_help_option(self, ctx):
        o = super().get_help_option(ctx)
        if o is not None:
            o.metavar = ""
        return o


class Command(_QuietHelp, TyperCommand):
    """A command whose arguments show no type noise in --help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for p in self.params:
            if isinstance(p, TyperArgument):
                p.display_type_rich = _no_type


class TargetsCommand(Command):
    """A command whose help ends with every registered target form, read from the registry when
    the help is shown (a family registered later appears too)."""

    def format_epilog(self, ctx, formatter) -> None:
        from ..targets import target_help

        formatter.write_paragraph()
        formatter.write_text("Targets:")
        with formatter.indentation():
            for line in target_help().splitlines():
                formatter.write(f"{formatter.current_indent * ' '}{line}\n")
        super().format_epilog(ctx, formatter)


def _no_type(ctx) -> None:
    return None


class _Group(_QuietHelp, TyperGroup):
    pass


def typer_app(help: str = "") -> typer.Typer:
    """A Typer app (a command group, or a module's commands merged into the root)."""
    return typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                       help=help, rich_markup_mode=None)


def opt(*names: str, help: str, metavar: str = ""):
    """An option with an explicit metavar (empty for flags), so help shows no type noise."""
    return typer.Option(*names, help=help, metavar=metavar)


ModelArg = Annotated[str, typer.Argument(help="A .tflite, .onnx or .nir file, or a shipped model's short name (kws, "
                                              "vww, ic, ...)", metavar="MODEL")]
ForceOpt = Annotated[bool, opt("--force", help="Overwrite an existing output file")]
JsonOpt = Annotated[bool, opt("--json", help="Print the result as JSON")]
PlotOpt = Annotated[Path | None, opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, .pdf)")]


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn):
    """Turn mlaccel errors into one clean line (exit 1) and Ctrl-C into a note of where it stopped
    (exit 130); EOFError, which click would print as a bare "Aborted.", too."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MlaccelError as e:
            _fail(str(e))
        except EOFError as e:
            _fail(f"unexpected end of input or file ({e or 'empty'})")
        except KeyboardInterrupt as e:
            where = f": {e}" if str(e) else ""
            err_console.print(f"[yellow]interrupted[/]{escape(where)}", highlight=False, soft_wrap=True)
            raise typer.Exit(130)
    return wrapper


class Bar:
    """A progress bar on stderr for ``progress(done, total, what)`` callbacks. It starts with the
    first callback (so a long first step still shows a spinner and the time), only on a terminal,
    and disappears when done."""

    def __init__(self, what: str):
        self.what = what
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, done: int, total: int, step: str = "") -> None:
        if self.bar is None:
            if not err_console.is_terminal or (done >= total and total):
                return
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(escape(self.what), total=total)
        text = f"{self.what}: {step}" if step else self.what
        self.bar.update(self.task, completed=done, total=total, description=escape(text))

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextlib.contextmanager
def spinner(what: str):
    """A spinner with the elapsed time for one long step without a count (a Yosys or Verilator
    run); nothing when stderr is not a terminal."""
    if not err_console.is_terminal:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn(escape(what)), TimeElapsedColumn(), console=err_console,
                  transient=True) as p:
        p.add_task(escape(what), total=None)
        yield


def _writable(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (None: it can): tried, not guessed from permission
    bits, which root ignores."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mlaccel-probe-"):
            pass
    except OSError as e:
        return e.strerror or str(e)
    return None


def check_output(path: Path, option: str, suffixes: Iterable[str], force: bool, what: str = "file type",
                 folder: bool = False) -> None:
    """Refuse an output before any work is done: a folder (or, with ``folder``, a file), a suffix not
    in ``suffixes``, a missing or unwritable parent folder, or an existing file without ``--force``.

    Raises
    ------
    InputError
        Naming the option, the path and what to do.
    """
    suffixes = list(suffixes)
    if folder:
        if path.exists() and not path.is_dir():
            raise InputError(f"{option} '{path}' is a file; give a folder")
        parent = path if path.is_dir() else path.parent
    else:
        if path.is_dir():
            raise InputError(f"{option} '{path}' is a folder; give a file name such as {path / ('out' + suffixes[0])}")
        if path.suffix.lower() not in suffixes:
            raise InputError(f"{option} '{path}': unknown {what} '{path.suffix}'; use {', '.join(suffixes)}")
        parent = path.parent
    if not parent.is_dir():
        raise InputError(f"{option} '{path}': folder '{parent}' does not exist")
    why = _writable(parent)
    if why is not None:
        raise InputError(f"{option} '{path}': folder '{parent}' is not writable ({why})")
    if not folder and path.exists() and not force:
        raise InputError(f"{option} '{path}' already exists; add --force to overwrite it")


def check_plot(plot: Path, force: bool, option: str = "--plot") -> None:
    """:func:`check_output` for an image matplotlib can write."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    kinds = sorted("." + k for k in Figure().canvas.get_supported_filetypes())
    check_output(plot, option, [".png"] + [k for k in kinds if k != ".png"], force, "image type")


def positive(value, option: str, integer: bool = True):
    """``value`` when it is a positive number (an integer unless ``integer`` is False); None passes."""
    if value is None:
        return None
    if (integer and not float(value).is_integer()) or not value > 0 or not math.isfinite(value):
        raise InputError(f"{option} must be a positive {'whole number' if integer else 'number'}, got {value}")
    return value


def nonnegative(value, option: str):
    """``value`` when it is a finite number >= 0."""
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{option} must be a finite number >= 0, got {value}")
    return value


def finite(value, option: str):
    """``value`` when it is a finite number."""
    if value is not None and not math.isfinite(value):
        raise InputError(f"{option} must be a finite number, got {value}")
    return value


def fraction(value, option: str, closed: bool = False):
    """``value`` when it lies in [0, 1) (or [0, 1] with ``closed``)."""
    if value is None:
        return None
    if not math.isfinite(value) or value < 0 or (value > 1 if closed else value >= 1):
        raise InputError(f"{option} must be in [0, 1{']' if closed else ')'}, got {value}")
    return value


def note(text: str) -> None:
    """One yellow note line."""
    console.print(f"[yellow]note:[/] {escape(text)}", highlight=False, soft_wrap=True)


def wrote(*paths) -> None:
    """``wrote PATH`` for each path written (None skipped)."""
    for p in paths:
        if p is not None:
            console.print(f"wrote {escape(str(p))}", highlight=False, soft_wrap=True)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write through a temporary file beside ``path``, so a failure leaves no partial output."""
    tmp = path.with_name(f".{path.name}.part")
    if isinstance(data, str):
        tmp.write_text(data)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def print_json(doc) -> None:
    """One JSON object on stdout, plainly (no markup, no wrapping)."""
    import json

    print(json.dumps(doc))

