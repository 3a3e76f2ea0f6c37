"""The architecture's rules, held by the code itself: the layers and their import directions, no import
circle, no family-name branch outside the families, the rooms every family has, and a new family
that needs only its own folder and one registry line."""

import ast
import dataclasses
import importlib
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import mlaccel
from mlaccel.area import AreaBreakdown
from mlaccel.errors import ConfigError
from mlaccel.stats import CostTable
from mlaccel.targets import FAMILIES, family, resolve

SRC = Path(mlaccel.__file__).parent

# The layers, from the foundations down to the command line (DESIGN.md's picture, top to bottom). A
# module may import its own layer and the layers above it, never one below; every module belongs to
# exactly one, by its longest matching prefix.
LAYERS = (
    ("foundations", ("mlaccel.version", "mlaccel.errors", "mlaccel.graph", "mlaccel.cache", "mlaccel.configfile",
                     "mlaccel.runtime", "mlaccel.stats", "mlaccel.area", "mlaccel.units")),
    ("workloads", ("mlaccel.model", "mlaccel.kernels", "mlaccel.data", "mlaccel.energy")),
    ("lowering and compression", ("mlaccel.lower", "mlaccel.compress")),
    ("spiking networks", ("mlaccel.snn",)),
    ("family contract", ("mlaccel.family", "mlaccel.backend")),
    ("hardware families", ("mlaccel.hw",)),
    ("core", ("mlaccel.targets", "mlaccel.session", "mlaccel.inputs")),
    ("verification and system models", ("mlaccel.verify", "mlaccel.system", "mlaccel.hdl", "mlaccel.learn")),
    ("exploration", ("mlaccel.dse",)),
    ("reports", ("mlaccel.report",)),
    ("command line and public API", ("mlaccel.cli", "mlaccel.__main__", "mlaccel")),
)
FAMILY_ROOMS = ("config", "backend", "cost", "area")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in SRC.rglob("*.py")}


def _imports(path: Path, source: str | None = None) -> set[str]:
    """Every mlaccel module a file imports, at any depth (function-level imports included), made
    absolute, and resolved to modules (``from .config import PRESETS`` is ``...config``)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            names = [f"{name}.{a.name}" if f"{name}.{a.name}" in MODULES else name for a in node.names]
        else:
            continue
        for n in names:
            while n not in MODULES and "." in n:
                n = n.rsplit(".", 1)[0]
            if n.startswith("mlaccel") and n in MODULES:
                out.add(n)
    return out


GRAPH = {m: _imports(p) - {m} for m, p in MODULES.items()}


def layer_of(module: str) -> int:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (i, len(p))
    assert best is not None, f"{module} belongs to no layer"
    return best[0]


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in MODULES if m != "mlaccel" and layer_of(m) == len(LAYERS) - 1
                and not m.startswith(("mlaccel.cli", "mlaccel.__main__"))]
    assert not unplaced, f"modules that only the catch-all 'mlaccel' prefix places: {unplaced}"


def test_no_import_runs_back_up_a_layer():
    bad = [f"{m} ({LAYERS[layer_of(m)][0]}) imports {d} ({LAYERS[layer_of(d)][0]})"
           for m, deps in GRAPH.items() for d in deps if layer_of(d) > layer_of(m)]
    assert not bad, "\n".join(sorted(bad))


def _cycles(graph: dict) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_circle():
    # A package's __init__ importing its own modules is not a circle of layers: leave those edges out.
    graph = {m: {d for d in deps if not (MODULES[m].name == "__init__.py" and d.startswith(m + "."))}
             for m, deps in GRAPH.items()}
    assert _cycles(graph) == []


def test_hw_families_import_no_other_family():
    families = sorted(d.name for d in (SRC / "hw").iterdir() if d.is_dir() and (d / "__init__.py").is_file())
    assert set(FAMILIES) <= set(families)
    bad = [f"{m} imports {d}" for m, deps in GRAPH.items() if m.startswith("mlaccel.hw.") for d in deps
           if d.startswith("mlaccel.hw.") and d.split(".")[2] != m.split(".")[2]]
    assert not bad, "\n".join(bad)


def test_the_import_scanner_sees_relative_and_lazy_imports():
    # A guard for the guard: the scanner must catch what it exists to catch.
    assert {"mlaccel.hw.soc.config", "mlaccel.hw.soc.watchdog"} <= GRAPH["mlaccel.hw.soc.project"]
    assert "mlaccel.hdl.designs" in GRAPH["mlaccel.cli.rtl"]  # imported inside a function
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# -- no family-name branch outside hw/ and targets.py ------------------------------------------

def _family_names() -> set[str]:
    return set(FAMILIES)


def _branches(source: str) -> list[str]:
    """Comparisons with a family's name or a target prefix (``t.family == "analog"``,
    ``name.startswith("analog:")``, ``x in ("soc", ...)``), and the line of each."""
    names = _family_names()

    def family_text(node) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            v = node.value
            return v in names or any(v.startswith(f"{n}:") for n in names)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(family_text(e) for e in node.elts)
        return False

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(family_text(x) for x in [node.left, *node.comparators]):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("startswith", "endswith", "partition") and \
                any(family_text(a) for a in node.args):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Match):
            found += [f"line {node.lineno}: match on {ast.unparse(c.pattern)}" for c in node.cases
                      if isinstance(c.pattern, ast.MatchValue) and family_text(c.pattern.value)]
    return found


def test_no_family_name_branch_outside_the_families():
    allowed = ("mlaccel.hw", "mlaccel.targets")
    bad = [f"{MODULES[m].relative_to(SRC)} {b}" for m in MODULES if not m.startswith(allowed)
           for b in _branches(MODULES[m].read_text())]
    assert not bad, "branches on a family's name (give the Family record a field instead):\n" + "\n".join(bad)


def test_the_branch_finder_finds_branches():
    code = textwrap.dedent('''
        if t.family == "analog": pass
        if res.target.startswith("soc:"): pass
        ok = name in ("systolic", "x")
        if fam.exact: pass
        label = "analog:isaac"
    ''')
    assert [b.split(":")[0] for b in _branches(code)] == ["line 2", "line 3", "line 4"]


# -- the rooms of every family ------------------------------------------------------------------

@pytest.mark.parametrize("prefix", list(FAMILIES))
def test_every_family_has_the_template_rooms(prefix):
    fam = family(prefix)
    assert fam.prefix == prefix
    package = FAMILIES[prefix]
    rooms = {room: importlib.import_module(f"{package}.{room}") for room in FAMILY_ROOMS}
    config = rooms["config"]
    for name in ("PRESETS", "preset", "load_config"):
        assert hasattr(config, name), f"{package}.config lacks {name}"
    assert fam.presets is config.PRESETS and fam.load_config is config.load_config
    errors = [v for v in vars(config).values() if isinstance(v, type) and issubclass(v, ConfigError)
              and v is not ConfigError]
    assert errors, f"{package}.config defines no ConfigError subclass"
    with pytest.raises(ConfigError):
        config.preset("no-such-preset")
    backends = [v for v in vars(rooms["backend"]).values() if isinstance(v, type)
                and v.__module__ == rooms["backend"].__name__ and all(hasattr(v, a) for a in ("prepare", "run", "begin"))]
    assert backends, f"{package}.backend defines no Backend"
    cfg = None
    if fam.config_type is not None:
        cls = fam.config_type
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        assert all(isinstance(c, cls) for c in config.PRESETS.values())
        name = next(iter(config.PRESETS))
        assert config.preset(name) is config.PRESETS[name]
        assert resolve(f"{prefix}:{name}").config == config.PRESETS[name]
        cfg = config.PRESETS[name]
    table = fam.cost_table(cfg)
    assert isinstance(table, CostTable) and all(c.source or c.pj == 0 for c in table.actions.values()) or \
        not table.actions
    area = fam.area(cfg)
    assert area is None or (isinstance(area, AreaBreakdown) and area.total > 0)
    assert fam.workload in ("graph", "spiking")


def test_config_files_round_trip_every_family(tmp_path):
    for prefix in (p for p in FAMILIES if family(p).config_type is not None):
        f = tmp_path / f"{prefix}.toml"
        f.write_text(f'[{prefix}]\npreset = "{next(iter(family(prefix).presets))}"\n')
        t = resolve(str(f))
        assert t.family == prefix and t.config.name == prefix
        assert resolve(f"{prefix}:{f}").config == t.config


# -- a new family: its own folder and one registry line ----------------------------------------

TOY = {
    "__init__.py": '''
        """A toy family: a MAC array that takes one cycle per MAC, to show what a family needs."""
        from mlaccel.family import Family, preset_or_file
        from .area import area
        from .backend import ToyBackend
        from .config import PRESETS, ToyConfig, load_config, preset
        from .cost import cost_table

        FAMILY = Family(prefix="toy", config_type=ToyConfig, presets=PRESETS, load_config=load_config,
                        resolve=preset_or_file(preset, load_config), backend=ToyBackend, area=area,
                        cost_table=cost_table, summary="toy:PRESET: one MAC per cycle per lane")
    ''',
    "config.py": '''
        import dataclasses
        from dataclasses import dataclass, field
        from mlaccel.configfile import check_number, family_config_file, named_preset
        from mlaccel.errors import ConfigError

        class ToyConfigError(ConfigError):
            """A toy config value is out of range."""

        @dataclass(frozen=True)
        class ToyConfig:
            lanes: int = 4
            pj_per_mac: float = 1.0
            name: str = field(default="custom", compare=False)

            def __post_init__(self):
                check_number(ToyConfigError, "lanes", self.lanes, integer=True, low=1)
                check_number(ToyConfigError, "pj_per_mac", self.pj_per_mac, low=0)

            def replace(self, **changes):
                return dataclasses.replace(self, **changes)

        PRESETS = {"small": ToyConfig(name="small"), "wide": ToyConfig(lanes=64, name="wide")}

        def preset(name):
            return named_preset(PRESETS, name, "toy", ToyConfigError)

        def load_config(path):
            return family_config_file(ToyConfig, path, "toy", PRESETS, ToyConfigError)
    ''',
    "cost.py": '''
        from math import ceil
        from mlaccel.stats import Cost, CostTable, Stats

        def item_stats(config, item):
            cycles = ceil(max(item.macs, item.lane_ops) / config.lanes)
            return Stats(op=item.label, cycles=cycles, seconds=cycles * 1e-9, macs=item.macs,
                         energy_pj={"mac": item.macs * config.pj_per_mac}, output_shape=item.op.outputs[0].shape)

        def cost_table(config):
            return CostTable(f"toy:{config.name}", {"mac": Cost(config.pj_per_mac, "MAC", "the config")})
    ''',
    "area.py": '''
        from mlaccel.area import AreaBreakdown

        def area(config):
            return AreaBreakdown({"lanes": 0.01 * config.lanes})
    ''',
    "backend.py": '''
        from mlaccel.backend import OpResult
        from .cost import item_stats

        class ToyBackend:
            columns = ("macs", "cycles", "energy")
            notes = ()
            parallel = True

            def __init__(self, config):
                self.config, self.name = config, f"toy:{config.name}"

            def begin(self, batch):
                pass

            def prepare(self, item, kernel):
                return kernel, item_stats(self.config, item)

            def price(self, item):
                return item_stats(self.config, item)

            def run(self, item, prepared, inputs):
                kernel, stats = prepared
                return OpResult([kernel(inputs)], stats)
    ''',
}


@pytest.fixture
def toy_family(tmp_path, monkeypatch):
    pkg = tmp_path / "toyfam"
    pkg.mkdir()
    for name, text in TOY.items():
        (pkg / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(FAMILIES, "toy", "toyfam")  # the one registry line
    yield pkg
    for m in [m for m in sys.modules if m == "toyfam" or m.startswith("toyfam.")]:
        del sys.modules[m]


def test_a_new_family_needs_its_folder_and_one_registry_line(toy_family, tmp_path):
    from mlaccel.cli import app

    m = mlaccel.load("kws")
    x = np.zeros((1, 49, 10, 1), np.int8)
    res = m.run(x, target="toy:small")
    assert res.target == "toy:small" and res.family.prefix == "toy"
    assert np.array_equal(res.outputs[0], m.run(x).outputs[0])  # the golden kernels, as every digital family
    assert res.total.macs == 2_656_768 and res.total.energy_pj["mac"] == 2_656_768
    runner = CliRunner()
    r = runner.invoke(app, ["run", "kws", "--target", "toy:wide", "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["area", "toy:wide"])
    assert r.exit_code == 0 and "0.64" in r.output, r.output
    r = runner.invoke(app, ["costs", "toy:small"])
    assert r.exit_code == 0 and "MAC" in r.output, r.output
    cfg = tmp_path / "mine.toml"
    cfg.write_text("[toy]\nlanes = 8\n")
    assert resolve(str(cfg)).config.lanes == 8
    space = tmp_path / "toy.toml"
    space.write_text('[space]\nbase = "toy:small"\nmodels = ["kws"]\n[space.fields]\nlanes = [1, 16]\n'
                     '[objectives]\nminimize = ["latency_s", "area_mm2"]\n')
    r = runner.invoke(app, ["dse", "run", str(space), "--store", str(tmp_path / "r.sqlite"), "--workers", "1"])
    assert r.exit_code == 0 and "2 points evaluated" in r.output, r.output
    assert "toy:PRESET" in runner.invoke(app, ["run", "--help"]).output
