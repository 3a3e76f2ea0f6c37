"""SCALE-Sim compatibility: its ``.cfg`` and topology ``.csv`` files, and its COMPUTE_REPORT.csv.

In this mode layers are sized as SCALE-Sim 3.0.0 sizes them, which differs from the native model:

* output size ``ceil((H - KH + S) / S)``, with no padding (native mode applies TFLite's SAME/VALID
  padding and dilation, as the model file says);
* every fold is charged for the whole array and the layer total is the sum minus one (native mode
  lets a partial fold finish when its last used row/column does);
* a layer whose name contains ``DP`` (depthwise) becomes one single-channel layer per channel
  (native mode runs depthwise layers in the column-FIR mode of :mod:`.depthwise`);
* stalls are zero: SCALE-Sim's ``InterfaceBandwidth: CALC`` sizes DRAM bandwidth so that none occur.
  "Total Cycles (incl. prefetch)" is our estimate (compute plus the first fold's operand fetch at
  the config's bandwidth), not SCALE-Sim's memory simulation.
"""

from __future__ import annotations

import configparser
import csv
import os
from dataclasses import dataclass
from math import ceil
from pathlib import Path

from ...errors import MlaccelError
from .config import SystolicConfig, SystolicConfigError
from .dataflow import Mapping, map_gemm

__all__ = ["ScaleSimLayer", "read_scalesim_config", "read_topology", "compute_report", "write_compute_report",
           "scalesim_config_text", "run_scalesim", "REPORT_COLUMNS"]

REPORT_COLUMNS = ["LayerID", "Total Cycles (incl. prefetch)", "Total Cycles", "Stall Cycles",
                  "Overall Util %", "Mapping Efficiency %", "Compute Util %"]


@dataclass(frozen=True)
class ScaleSimLayer:
    """One topology row, as SCALE-Sim sizes it."""

    name: str
    ifmap_h: int
    ifmap_w: int
    filter_h: int
    filter_w: int
    channels: int
    filters: int
    stride_h: int
    stride_w: int

    @property
    def ofmap_h(self) -> int:
        return ceil((self.ifmap_h - self.filter_h + self.stride_h) / self.stride_h)

    @property
    def ofmap_w(self) -> int:
        return ceil((self.ifmap_w - self.filter_w + self.stride_w) / self.stride_w)

    @property
    def gemm(self) -> tuple[int, int, int]:
        """(M ofmap pixels, K window size, N filters)."""
        return self.ofmap_h * self.ofmap_w, self.filter_h * self.filter_w * self.channels, self.filters


def read_scalesim_config(path: str | os.PathLike) -> SystolicConfig:
    """Read a SCALE-Sim ``.cfg`` (``[architecture_presets]`` and ``[run_presets]``)."""
    p = Path(path)
    if not p.is_file():
        raise SystolicConfigError(f"SCALE-Sim config '{p}' does not exist")
    cp = configparser.ConfigParser()
    try:
        cp.read(p)
        arch = cp["architecture_presets"]

        def get(key: str) -> str:
            if key not in arch:
                raise SystolicConfigError(f"SCALE-Sim config '{p}': [architecture_presets] lacks '{key}'")
            return arch[key].split("#")[0].strip()

        bw = 10.0
        if cp.has_section("run_presets") and cp["run_presets"].get("InterfaceBandwidth", "CALC").strip() == "USER":
            bw = float(get("Bandwidth").split(",")[0])
        name = cp["general"].get("run_name", p.stem).strip() if cp.has_section("general") else p.stem
        return SystolicConfig(rows=int(get("ArrayHeight")), cols=int(get("ArrayWidth")),
                              dataflow=get("Dataflow").lower(), ifmap_sram_kb=float(get("IfmapSramSzkB")),
                              filter_sram_kb=float(get("FilterSramSzkB")),
                              ofmap_sram_kb=float(get("OfmapSramSzkB")), dram_bw=bw, double_buffering=True,
                              name=name)
    except SystolicConfigError as e:
        raise SystolicConfigError(f"SCALE-Sim config '{p}': {e}" if str(p) not in str(e) else str(e)) from None
    except (configparser.Error, KeyError, ValueError) as e:
        raise SystolicConfigError(f"SCALE-Sim config '{p}' cannot be read: {e}") from None


def read_topology(path: str | os.PathLike, gemm: bool | None = None) -> list[ScaleSimLayer]:
    """Read a SCALE-Sim topology: conv rows (name, IFMAP H, W, filter H, W, channels, filters,
    stride) or, with ``gemm`` (detected from an ``M, N, K`` header when None), GEMM rows (name, M, N,
    K). Depthwise (``DP``) conv rows expand to one layer per channel, as SCALE-Sim does.
    """
    p = Path(path)
    if p.is_dir():
        raise MlaccelError(f"Topology '{p}' is a folder, not a .csv file")
    if not p.is_file():
        raise MlaccelError(f"Topology file '{p}' does not exist")
    try:
        rows = [r for r in csv.reader(p.read_text().splitlines())]
    except (UnicodeDecodeError, csv.Error) as e:
        raise MlaccelError(f"Topology file '{p}' is not a text CSV file ({e})") from None
    if not rows:
        raise MlaccelError(f"Topology file '{p}' is empty")
    header = [h.strip().upper() for h in rows[0]]
    if gemm is None:
        gemm = header[1:4] == ["M", "N", "K"]
    layers = []
    for line_no, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        try:
            if gemm:
                name, m, n, k = cells[0], *map(int, cells[1:4])
                if min(m, n, k) < 1:
                    raise MlaccelError(f"{p}:{line_no}: GEMM '{name}' has M={m}, N={n}, K={k}; each must be >= 1")
                layers.append(ScaleSimLayer(name, m, k, 1, k, 1, n, 1, 1))
                continue
            name = cells[0]
            h, w, fh, fw, c, f, s = map(int, cells[1:8])
        except (ValueError, IndexError):
            raise MlaccelError(f"{p}:{line_no}: expected {'name, M, N, K' if gemm else 'name, IFMAP H, IFMAP W, Filter H, Filter W, Channels, Num Filter, Strides'}, got {row}") from None
        if min(h, w, fh, fw, c, f, s) < 1 or fh > h or fw > w:
            raise MlaccelError(f"{p}:{line_no}: layer '{name}' has impossible dimensions {cells[1:8]}")
        if "DP" in name:
            layers += [ScaleSimLayer(f"{name}Channel_{i}", h, w, fh, fw, 1, f, s, s) for i in range(c)]
        else:
            layers.append(ScaleSimLayer(name, h, w, fh, fw, c, f, s, s))
    if not layers:
        raise MlaccelError(f"Topology file '{p}' has no layers (only a header line?)")
    return layers


def _mapping(layer: ScaleSimLayer, cfg: SystolicConfig) -> Mapping:
    m, k, n = layer.gemm
    return map_gemm(m, k, n, cfg.rows, cfg.cols, cfg.dataflow)


def compute_report(layers: list[ScaleSimLayer], cfg: SystolicConfig) -> list[list]:
    """COMPUTE_REPORT.csv rows, one per layer, in SCALE-Sim's columns."""
    out = []
    for i, layer in enumerate(layers):
        mp = _mapping(layer, cfg)
        cycles = mp.scalesim_cycles
        first_fold = (min(mp.m, cfg.rows if mp.dataflow == "os" else mp.m) * min(mp.k, cfg.rows)
                      + min(mp.k, cfg.rows) * min(mp.n, cfg.cols)) * cfg.word_bytes
        prefetch = ceil(first_fold / cfg.dram_bw)
        out.append([i, cycles + prefetch, cycles, 0, 100 * mp.macs / (cycles * cfg.rows * cfg.cols),
                    100 * mp.mapping_efficiency, 100 * mp.compute_utilization])
    return out


def write_compute_report(layers: list[ScaleSimLayer], cfg: SystolicConfig, out_dir: str | os.PathLike) -> Path:
    """Write ``COMPUTE_REPORT.csv`` in SCALE-Sim's format; returns its path.

    Refuses to overwrite an existing report.
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / "COMPUTE_REPORT.csv"
    if path.exists():
        raise MlaccelError(f"'{path}' already exists; choose another --out folder or remove it")
    lines = [", ".join(REPORT_COLUMNS) + ",\n"]
    lines += [", ".join(str(v) for v in row) + ",\n" for row in compute_report(layers, cfg)]
    path.write_text("".join(lines))
    return path


def scalesim_config_text(cfg: SystolicConfig, run_name: str = "mlaccel") -> str:
    """A SCALE-Sim 3.0.0 ``.cfg`` for this array (CALC bandwidth, no sparsity, no custom layout)."""
    return f"""[general]
run_name = {run_name}

[architecture_presets]
ArrayHeight:    {cfg.rows}
ArrayWidth:     {cfg.cols}
IfmapSramSzkB:    {int(cfg.ifmap_sram_kb)}
FilterSramSzkB:   {int(cfg.filter_sram_kb)}
OfmapSramSzkB:    {int(cfg.ofmap_sram_kb)}
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Dataflow : {cfg.dataflow}
Bandwidth : {int(cfg.dram_bw)}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""


_DRIVER = """import sys, time
from scalesim.scale_sim import scalesim
cfg, topo, layout, out, kind = sys.argv[1:6]
t0 = time.perf_counter()
scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout,
         input_type_gemm=(kind == "gemm")).run_scale(top_path=out)
print(time.perf_counter() - t0)
"""


def run_scalesim(python: str | os.PathLike, config: str | os.PathLike, topology: str | os.PathLike,
                 gemm: bool = False) -> tuple[str, float]:
    """Run an installed SCALE-Sim (its own interpreter: it needs numpy<2) on a config and topology.

    Returns
    -------
    report : str
        Its COMPUTE_REPORT.csv.
    seconds : float
        SCALE-Sim's own run time.
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "driver.py").write_text(_DRIVER)
        (t / "layout.csv").write_text("Layer name, x,\n")  # required by its CLI, unused without custom layouts
        r = subprocess.run([str(python), str(t / "driver.py"), str(config), str(topology), str(t / "layout.csv"),
                            str(t / "out"), "gemm" if gemm else "conv"], capture_output=True, text=True)
        if r.returncode != 0:
            raise MlaccelError(f"SCALE-Sim failed: {r.stderr.strip()[-1500:]}")
        seconds = float(r.stdout.strip().splitlines()[-1])
        return next((t / "out").glob("*/COMPUTE_REPORT.csv")).read_text(), seconds
