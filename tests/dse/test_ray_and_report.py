"""Ray runs the same points as the local pool; the HTML report renders in a real browser (chromium)."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.dse.space import load_space
from mlaccel.dse.store import Store
from mlaccel.dse.sweep import run_sweep
from mlaccel.errors import InputError

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]

SPACE = """
[space]
base = "systolic:edge-16x16-os"
models = ["kws"]
[space.fields]
rows = [4, 8, 16]
cols = [8, 16]
dataflow = ["ws", "os", "is"]
[constraints]
area_mm2 = "<= 1.2"
[objectives]
minimize = ["latency_s", "energy_pj", "area_mm2"]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    d = tmp_path_factory.mktemp("dse")
    (d / "space.toml").write_text(SPACE)
    db = Store(d / "local.sqlite")
    run_sweep(load_space(d / "space.toml"), db, workers=2)
    db.close()
    return d


@pytest.mark.slow
def test_ray_gives_the_local_executors_points(swept):
    pytest.importorskip("ray")
    db = Store(swept / "ray.sqlite")
    s = run_sweep(load_space(swept / "space.toml"), db, executor="ray", workers=2)
    ours = {p.config_hash: p.metrics for p in db.points(s.sweep)}
    db.close()
    local = Store(swept / "local.sqlite")
    theirs = {p.config_hash: p.metrics for p in local.points()}
    local.close()
    assert len(ours) == 18 and ours == theirs


def test_a_ray_address_that_does_not_answer_fails_fast(swept):
    pytest.importorskip("ray")
    db = Store(swept / "unused.sqlite")
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="Ray address '127.0.0.1:9' does not answer"):
        run_sweep(load_space(swept / "space.toml"), db, executor="ray", address="127.0.0.1:9")
    assert time.perf_counter() - t0 < 10
    db.close()


def _chromium() -> str:
    if shutil.which("chromium") is None:
        subprocess.run(["bash", str(REPO / "tools" / "install_chromium.sh")], check=True, timeout=600)
    return shutil.which("chromium")


@pytest.mark.slow
def test_the_report_renders_sorts_and_escapes_in_chromium(swept, tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["report", str(swept / "local.sqlite"), "--out", str(out)], terminal_width=200)
    assert r.exit_code == 0, r.output
    page_html = out.read_text()
    assert "<script>" in page_html and "http" not in page_html.split("<body>")[1]  # self-contained
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        assert not errors
        images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert len(images) >= 4 and all(w > 100 for w in images)  # three Pareto pairs and the layer plot
        rows = page.eval_on_selector_all("#points tbody tr", "rs => rs.length")
        assert rows == 18
        header = page.locator("#points th", has_text="latency_s")
        col = page.eval_on_selector_all("#points th", "hs => hs.map(h => h.textContent)").index("latency_s")
        values = f"rs => rs.map(r => parseFloat(r.cells[{col}].getAttribute('data-v')))"
        header.click()
        up = page.eval_on_selector_all("#points tbody tr", values)
        header.click()
        down = page.eval_on_selector_all("#points tbody tr", values)
        assert up == sorted(up) and down == sorted(down, reverse=True)
        # a table further down sorts by its own column (each header knows its own table)
        layers = page.locator("table[id^=layers] th", has_text="cycles").first
        layers.click()
        cyc = page.eval_on_selector("table[id^=layers]", "t => Array.from(t.tBodies[0].rows).map("
                                                         "r => parseFloat(r.cells[1].getAttribute('data-v')))")
        assert cyc == sorted(cyc) and len(cyc) > 3
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_names_are_escaped(tmp_path):
    from mlaccel.report.html import _table

    t = _table(["<b>op</b>"], [["<script>alert(1)</script>"]])
    assert "<script>alert" not in t and "&lt;script&gt;" in t and "&lt;b&gt;op" in t


def test_run_html_report(tmp_path):
    out = tmp_path / "run.html"
    r = runner.invoke(app, ["run", "kws", "--target", "systolic:edge-16x16-os", "--html", str(out)],
                      terminal_width=200)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "kws" in text and 'id="ops"' in text and "data:image/png;base64," in text
