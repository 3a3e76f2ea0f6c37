"""CFU projects whose CFU is an RTL design under Verilator.

``mlaccel.hw.soc`` finds this folder through the ``mlaccel.cfu_projects`` entry point (see
``pyproject.toml``), so the SoC family never imports ``mlaccel.hdl``.
"""

from pathlib import Path

PROJECTS_DIR = Path(__file__).parent
