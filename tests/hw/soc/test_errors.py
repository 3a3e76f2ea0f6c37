"""Bad input on the SoC gives clear errors and loses nothing."""

import numpy as np
import pytest
from typer.testing import CliRunner

import mlaccel
from mlaccel.cli import app
from mlaccel.errors import MlaccelError
from mlaccel.hw.soc import Machine, SimulationError
from mlaccel.hw.soc.project import config_for, new_project, project_parts
from mlaccel.hw.soc.toolchain import FIRMWARE_DIR, BuildError, build_firmware

from ...conftest import model_path

PROGRAM = r"""
#include <stdint.h>
#include "cfu.h"
int bad_load(void) { return *(volatile int *)0x10; }
int bad_store(int v) { *(volatile int *)0x7ffffff0 = v; return 0; }
int spin(void) { volatile int x = 0; for (;;) x++; return x; }
int use_cfu(int a, int b) { return cfu_op(2, 5, a, b); }
"""


@pytest.fixture(scope="module")
def elf(tmp_path_factory):
    src = tmp_path_factory.mktemp("fw") / "prog.c"
    src.write_text(PROGRAM)
    return build_firmware([FIRMWARE_DIR / "crt0.S", src], [FIRMWARE_DIR], "errors-test")


def test_access_outside_memory_names_address_and_pc(elf):
    m = Machine(1 << 20)
    m.load_elf(elf)
    with pytest.raises(SimulationError, match=r"Load fault at address 0x00000010 by pc 0x4\w+ <bad_load\+0x"):
        m.call("bad_load")
    with pytest.raises(SimulationError, match=r"Store fault at address 0x7ffffff0 by pc 0x4\w+ <bad_store"):
        m.call("bad_store", 1)


def test_runaway_stops_at_instruction_limit(elf):
    m = Machine(1 << 20)
    m.load_elf(elf)
    with pytest.raises(SimulationError, match=r"Instruction limit of 50,000 reached at pc .*<spin"):
        m.call("spin", max_instructions=50_000)


class Broken:
    def op(self, funct3, funct7, a, b):
        raise ZeroDivisionError("the CFU's own bug")


def test_cfu_exception_names_pc_and_instruction(elf):
    m = Machine(1 << 20, cfu=Broken())
    m.load_elf(elf)
    with pytest.raises(SimulationError, match=r"ZeroDivisionError: the CFU's own bug at pc .*<use_cfu\+0x\w+> "
                                              r"\(cfu funct3=2 funct7=5"):
        m.call("use_cfu", 3, 4)
    bare = Machine(1 << 20)
    bare.load_elf(elf)
    with pytest.raises(SimulationError, match="no CFU is attached"):
        bare.call("use_cfu", 1, 2)


def test_compile_error_shows_file_and_line(tmp_path):
    bad = tmp_path / "broken.c"
    bad.write_text("int f(void) {\n  return undefined_thing;\n}\n")
    with pytest.raises(BuildError, match=r"broken.c:2:\d+: error: use of undeclared identifier 'undefined_thing'"):
        build_firmware([FIRMWARE_DIR / "crt0.S", bad], [FIRMWARE_DIR], "broken")


def test_project_with_bad_override_fails_cleanly_and_keeps_files(tmp_path):
    proj = new_project(tmp_path / "myproj")
    override = proj.path / "src" / "overrides.c"
    override.write_text('#include "kernels.h"\nvoid fully_connected(const FcParams *p) { oops(p); }\n')
    before = {p: p.read_bytes() for p in proj.path.rglob("*") if p.is_file()}
    model = mlaccel.load(model_path("ad"))
    with pytest.raises(BuildError, match=r"overrides.c:2:\d+: error"):
        model.run(np.zeros((1, 640), np.int8), target=f"soc:{proj.path}")
    assert {p: p.read_bytes() for p in proj.path.rglob("*") if p.is_file()} == before
    with pytest.raises(MlaccelError, match="already exists"):
        new_project(proj.path)


def test_cfu_py_error_names_line(tmp_path):
    proj = new_project(tmp_path / "p2")
    (proj.path / "cfu.py").write_text("import numpy\n\ndef make_cfu():\n    return 1\n\nraise RuntimeError('typo')\n")
    with pytest.raises(MlaccelError, match=r"cfu.py:6: RuntimeError: typo"):
        project_parts(config_for(str(proj.path)))


def test_cli_soc_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "existing"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    r = CliRunner().invoke(app, ["soc", "new", str(target)])
    assert r.exit_code == 1 and "already exists" in r.output
    assert (target / "keep.txt").read_text() == "mine"
