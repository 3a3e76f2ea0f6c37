"""The architecture's rules, held by the code itself: import directions and the family template."""

import ast
import dataclasses
import importlib
from pathlib import Path

import pytest

import mlaccel
from mlaccel.errors import ConfigError
from mlaccel.targets import FAMILIES, family, resolve

SRC = Path(mlaccel.__file__).parent
# Layers that sit above the hardware families: none of them may be imported by a family or by the
# foundations below it.
ABOVE_HW = ("mlaccel.session", "mlaccel.targets", "mlaccel.check", "mlaccel.cli", "mlaccel.demo",
            "mlaccel.report", "mlaccel.dse", "mlaccel.hdl", "mlaccel.compress", "mlaccel.accuracy",
            "mlaccel.cli_compress", "mlaccel.cli_analog", "mlaccel.cli_snn", "mlaccel.sweeps", "mlaccel.snn",
            "mlaccel.cli_system", "mlaccel.cli_learn", "mlaccel.roofline", "mlaccel.power", "mlaccel.chiplet",
            "mlaccel.learn", "mlaccel.cli_dse")
FOUNDATIONS = ("graph", "kernels", "model", "workload", "energy", "stats", "errors", "configfile", "family",
               "backend", "cache", "data")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included), made absolute."""
    module = "mlaccel." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            out.add(name)
            out |= {f"{name}.{a.name}" for a in node.names}  # "from . import core" imports a module
    return {m for m in out if m.startswith("mlaccel")}


def _violations(files, forbidden) -> list[str]:
    bad = []
    for f in files:
        for m in _imports(f):
            if any(m == x or m.startswith(x + ".") for x in forbidden):
                bad.append(f"{f.relative_to(SRC)} imports {m}")
    return bad


def test_hw_families_import_no_other_family_and_nothing_above():
    families = sorted(d.name for d in (SRC / "hw").iterdir() if d.is_dir() and (d / "__init__.py").is_file())
    assert {"systolic", "soc", "analog"} <= set(families)
    bad = []
    for fam in families:
        others = [f"mlaccel.hw.{o}" for o in families if o != fam]
        bad += _violations((SRC / "hw" / fam).rglob("*.py"), others + list(ABOVE_HW))
    assert not bad, "\n".join(bad)


def test_foundations_import_no_hardware_and_nothing_above():
    files = [p for name in FOUNDATIONS for p in ([SRC / f"{name}.py"] if (SRC / f"{name}.py").is_file()
                                                 else (SRC / name).rglob("*.py"))]
    assert files
    assert not (bad := _violations(files, ["mlaccel.hw", *ABOVE_HW])), "\n".join(bad)


def test_hdl_may_import_hw_but_not_the_layers_above():
    bad = _violations((SRC / "hdl").rglob("*.py"), ["mlaccel.session", "mlaccel.cli", "mlaccel.report",
                                                     "mlaccel.demo", "mlaccel.check"])
    assert not bad, "\n".join(bad)


def test_the_import_scanner_sees_relative_and_lazy_imports(tmp_path):
    # A guard for the guard: the scanner must catch the violations it exists to catch.
    f = SRC / "hw" / "soc" / "project.py"
    assert "mlaccel.hw.soc.config" in _imports(f) and "mlaccel.hw.soc.watchdog" in _imports(f)
    cli = _imports(SRC / "cli.py")
    assert "mlaccel.hdl.designs" in cli  # imported inside a function


@pytest.mark.parametrize("prefix", [p for p in FAMILIES if p != "reference"])
def test_every_family_has_the_template_rooms(prefix):
    fam = family(prefix)
    assert fam.prefix == prefix
    config = importlib.import_module(f"mlaccel.hw.{prefix}.config")
    backend = importlib.import_module(f"mlaccel.hw.{prefix}.backend")
    for name in ("PRESETS", "preset", "load_config"):
        assert hasattr(config, name), f"hw/{prefix}/config.py lacks {name}"
    cls = fam.config_type
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert fam.presets is config.PRESETS and fam.load_config is config.load_config
    assert all(isinstance(c, cls) for c in config.PRESETS.values())
    name = next(iter(config.PRESETS))
    assert config.preset(name) is config.PRESETS[name]
    with pytest.raises(ConfigError):
        config.preset("no-such-preset")
    errors = [v for v in vars(config).values() if isinstance(v, type) and issubclass(v, ConfigError)
              and v is not ConfigError]
    assert errors, f"hw/{prefix}/config.py defines no ConfigError subclass"
    backends = [v for v in vars(backend).values() if isinstance(v, type) and v.__module__ == backend.__name__
                and all(hasattr(v, a) for a in ("prepare", "run", "begin"))]
    assert backends, f"hw/{prefix}/backend.py defines no Backend"
    assert resolve(f"{prefix}:{name}").config == config.PRESETS[name]


def test_config_files_round_trip_every_family(tmp_path):
    for prefix in (p for p in FAMILIES if p != "reference"):
        f = tmp_path / f"{prefix}.toml"
        f.write_text(f'[{prefix}]\npreset = "{next(iter(family(prefix).presets))}"\n')
        t = resolve(str(f))
        assert t.family == prefix and t.config.name == prefix
        assert resolve(f"{prefix}:{f}").config == t.config
