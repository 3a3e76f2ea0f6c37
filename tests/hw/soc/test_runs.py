"""SoC runs: reproducible Stats, cached backends, time limits for Python CFUs, Ctrl-C, energy."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import mlaccel
import mlaccel.session
from mlaccel.errors import Interrupted, MlaccelError
from mlaccel.hw.soc import SimulationError, SocConfig
from mlaccel.hw.soc.project import new_project

from ...conftest import model_path


@pytest.fixture(scope="module")
def kws():
    return mlaccel.load(model_path("kws"))


@pytest.fixture(scope="module")
def ad():
    return mlaccel.load(model_path("ad"))


def test_same_input_same_stats_every_run(kws, rng):
    x = rng.integers(-128, 128, kws.inputs[0].shape).astype(np.int8)
    first = kws.run(x, target="soc:baseline")
    second = kws.run(x, target="soc:baseline")
    assert [s.to_dict() for s in first.ops] == [s.to_dict() for s in second.ops]
    # A batch gives each sample the Stats it gets alone: caches start cold for every inference.
    batch = kws.run(np.stack([x, x]), target="soc:baseline")
    assert [s.cycles for s in batch.ops] == [s.cycles for s in first.ops]


def test_warm_caches_are_an_explicit_option(kws, rng):
    x = rng.integers(-128, 128, kws.inputs[0].shape).astype(np.int8)
    cold = kws.run(x, target="soc:baseline").total
    warm_cfg = SocConfig(name="warm", warm_caches=True)
    first = kws.run(x, target=warm_cfg).total
    again = kws.run(x, target=warm_cfg).total
    assert first.cycles == cold.cycles  # the first inference starts cold either way
    assert again.cycles < first.cycles  # then the caches hold the last run's lines


def test_backend_is_looked_up_before_it_is_built(ad, monkeypatch):
    built = []
    real = mlaccel.session.make_backend
    monkeypatch.setattr(mlaccel.session, "make_backend", lambda t: built.append(t) or real(t))
    x = np.zeros((1, 640), np.int8)
    for _ in range(3):
        ad.run(x, target="soc:simd4")
    assert len(built) <= 1  # at most once: an earlier test of this module may have built it
    backend = ad.prepare("soc:simd4")[0]
    assert ad.prepare("soc:simd4")[0] is backend


def test_editing_a_project_rebuilds_it(ad, tmp_path):
    proj = new_project(tmp_path / "edited")
    x = np.zeros((1, 640), np.int8)
    first = ad.prepare(f"soc:{proj.path}")[0]
    ad.run(x, target=f"soc:{proj.path}")
    src = proj.path / "src" / "overrides.c"
    time.sleep(0.01)
    src.write_text(src.read_text() + "\n/* edited */\n")
    assert ad.prepare(f"soc:{proj.path}")[0] is not first


LOOPING_OP = '''
class Cfu:
    def op(self, funct3, funct7, in0, in1):
        while True:
            pass

def make_cfu():
    return Cfu()
'''

USE_CFU = '''#include "cfu.h"
#include "kernels.h"
void fully_connected(const FcParams *p) { cfu_op(0, 0, 1, 2); fully_connected_reference(p); }
'''


def test_a_python_cfu_that_never_returns_stops_naming_cfu_and_pc(ad, tmp_path):
    proj = new_project(tmp_path / "loops")
    (proj.path / "cfu.py").write_text(LOOPING_OP)
    (proj.path / "src" / "overrides.c").write_text(USE_CFU)
    cfg = SocConfig(name="loops", project=str(proj.path), cfu_timeout_s=0.5)
    t0 = time.monotonic()
    with pytest.raises(SimulationError, match=r"The CFU \(Cfu\) did not return within 0.5 s at pc 0x\w+ "
                                              r"<fully_connected\+0x\w+> \(cfu funct3=0"):
        ad.run(np.zeros((1, 640), np.int8), target=cfg)
    assert time.monotonic() - t0 < 30


def test_a_cfu_py_that_loops_at_import_stops(ad, tmp_path):
    proj = new_project(tmp_path / "hangs")
    (proj.path / "cfu.py").write_text("while True:\n    pass\n")
    cfg = SocConfig(name="hangs", project=str(proj.path), cfu_timeout_s=0.5)
    with pytest.raises(MlaccelError, match=r"hangs/cfu.py: importing it took longer than 0.5 s"):
        ad.run(np.zeros((1, 640), np.int8), target=cfg)


def test_ctrl_c_in_a_cfu_says_where_it_stopped(ad, tmp_path):
    proj = new_project(tmp_path / "interrupted")
    (proj.path / "cfu.py").write_text("class Cfu:\n    def op(self, *a):\n        raise KeyboardInterrupt\n\n"
                                      "def make_cfu():\n    return Cfu()\n")
    (proj.path / "src" / "overrides.c").write_text(USE_CFU)
    with pytest.raises(Interrupted, match=r"Interrupted in op #0 FULLY_CONNECTED on 'soc:interrupted' at pc "
                                          r"0x\w+ <fully_connected"):
        ad.run(np.zeros((1, 640), np.int8), target=f"soc:{proj.path}")


def test_ctrl_c_on_the_command_line(tmp_path):
    """A real SIGINT while the simulated core runs: one line naming the op and the pc, exit 130."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # A batch of 16 keeps the core busy for many seconds, so the signal always lands mid-run.
    np.save(tmp_path / "batch.npy", np.zeros((16, 32, 32, 3), np.int8))
    # A shell that starts the suite in the background leaves SIGINT ignored, and children inherit
    # that; give the child the default, as a terminal would.
    p = subprocess.Popen([sys.executable, "-m", "mlaccel", "run", "ic", "-i", "batch.npy", "--target", "soc:baseline"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    # Wait until the core is running (the first op is being run), then interrupt.
    while time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.5)
        if _busy(p.pid):
            break
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (out, err)
    assert "interrupted" in err and "Traceback" not in err
    assert "at pc 0x" in err or "Interrupted in op" in err


def _busy(pid: int) -> bool:
    """True once the process has used a few seconds of CPU (imports, compilation, firmware done)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") > 3.0


def test_soc_energy_comes_from_the_table_and_the_cfu(ad):
    x = np.zeros((1, 640), np.int8)
    base = ad.run(x, target="soc:baseline")
    simd = ad.run(x, target="soc:simd4")
    for res in (base, simd):
        e = res.total.energy_pj
        assert {"fetch", "core", "alu", "dcache", "dram"} <= set(e) and all(v > 0 for v in e.values())
        instr = res.total.extra.get("instructions") or sum(s.extra["instructions"] for s in res.ops)
        assert e["fetch"] == pytest.approx(25.0 * instr, rel=1e-3)  # Horowitz: I-cache access per instruction
        assert res.total.seconds == pytest.approx(res.total.cycles / 100e6)
        assert res.total.read_bytes("dram") > 0 and res.total.levels == ("dram", "cache")
    assert "cfu" not in base.total.energy_pj
    cfu_ops = sum(s.extra["cfu_ops"] for s in simd.ops)
    assert 0 < simd.total.energy_pj["cfu"] <= cfu_ops * 4 * (0.03 + 0.2 + 0.1) + 1e-6
    assert simd.total.energy_total_pj < base.total.energy_total_pj  # fewer instructions
    assert not simd.notes
