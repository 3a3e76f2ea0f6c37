"""Every command in README.md and docs/*.md runs as written (issue 8, section 6).

Each document's ``bash`` blocks run line by line, in order, in a fresh folder laid out like a
checkout: ``examples/`` and ``benchmarks/`` copied in, ``../shared`` pointing at the shipped
models. A benchmark line of README.md that a page in docs/ also holds runs once, with the page. Its ``python`` blocks run there too. Two kinds of step are left to CI itself: ``pip install``
(CI installs the package before the tests run) and ``python -m pytest`` (this test is part of that
run). Benchmarks run with ``MLACCEL_BENCH_QUICK=1``: the same commands, fewer repeats.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MODELS

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SKIPPED = (re.compile(r"^pip install\b"), re.compile(r"^python -m pytest\b"))


def blocks(text: str, language: str) -> list[str]:
    """The contents of the fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def commands(text: str) -> list[str]:
    """The shell commands of a document: comments stripped, set-up steps left to CI dropped."""
    out = []
    for block in blocks(text, "bash"):
        for line in block.splitlines():
            line = re.split(r"\s{2,}#|^#", line)[0].strip()
            if not line:
                continue
            steps = [s.strip() for s in line.split("&&")]
            steps = [s for s in steps if not any(p.search(s) for p in SKIPPED)]
            if steps:
                out.append(" && ".join(steps))
    return out


def test_the_parser_finds_the_commands():
    readme = (REPO / "README.md").read_text()
    cmds = commands(readme)
    assert "mlaccel demo" in cmds  # "pip install -e . && mlaccel demo" keeps its second step
    assert any(c.startswith("mlaccel run kws -i ../shared/models/inputs/kws/yes_9.dat --check") for c in cmds)
    assert not any("pip install" in c or "pytest" in c for c in cmds)
    assert len(blocks(readme, "python")) == 1


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "main"
    root.mkdir()
    for folder in ("examples", "benchmarks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "shared").symlink_to(MODELS.parent, target_is_directory=True)
    return root


def _run_elsewhere(doc: Path) -> set[str]:
    """Benchmark commands of README.md that a page in docs/ runs as well: they need no earlier step,
    so running them once (with their page) proves the README's line too."""
    if doc.name != "README.md":
        return set()
    here = {c for c in commands(doc.read_text()) if c.startswith("python benchmarks/")}
    return here & {c for d in DOCS[1:] for c in commands(d.read_text())}


def test_readme_benchmarks_run_with_their_pages():
    shared = _run_elsewhere(REPO / "README.md")
    assert "python benchmarks/dse.py" in shared and not any("mlaccel" in c for c in shared)


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_documented_command_runs(doc, checkout):
    text = doc.read_text()
    cmds = [c for c in commands(text) if c not in _run_elsewhere(doc)]
    scripts = blocks(text, "python")
    assert cmds or scripts, f"{doc.name} documents no command"
    env = dict(os.environ, MLACCEL_BENCH_QUICK="1", COLUMNS="100")
    env.pop("MLACCEL_MODELS", None)
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    for cmd in cmds:
        r = subprocess.run(["bash", "-c", cmd], cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, f"{doc.name}: `{cmd}` exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        assert "Traceback" not in r.stderr, f"{doc.name}: `{cmd}`\n{r.stderr[-3000:]}"
    for script in scripts:
        r = subprocess.run([sys.executable, "-"], input=script, cwd=checkout, env=env, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, f"{doc.name}: python block failed\n{script}\n{r.stderr[-3000:]}"
