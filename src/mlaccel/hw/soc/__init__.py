"""CFU Playground in software: an RV32IM ISS with a timing model, a CFU port and int8 C kernels.

The family's rooms: :mod:`.config` (``SocConfig``, ``PRESETS``, ``preset``, ``load_config``) and
:mod:`.backend` (``SocBackend``). Importing this package is cheap; the simulator (numba) loads with
the backend.
"""

from .config import PRESETS, CoreTiming, SocConfig, SocConfigError, load_config, preset

__all__ = ["SocConfig", "SocConfigError", "CoreTiming", "PRESETS", "preset", "load_config", "SocBackend", "Machine",
           "Cfu", "SimulationError", "FAMILY"]


def __getattr__(name: str):
    if name in ("Machine", "Cfu", "SimulationError"):
        from . import machine

        return getattr(machine, name)
    if name == "SocBackend":
        from .backend import SocBackend

        return SocBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _resolve(spec: str) -> SocConfig:
    from .project import config_for

    return config_for(spec)


def _backend(config: SocConfig):
    from .backend import SocBackend

    return SocBackend(config)


def _fingerprint(config: SocConfig):
    """What besides the config decides a prepared backend: the project's files (edited between runs)."""
    from .project import project_fingerprint

    return project_fingerprint(config)


def _area(config: SocConfig):
    from .area import soc_area

    return soc_area(config)


def _cost_table(config: SocConfig):
    from .cost import cost_table

    return cost_table(config)


from ...family import Family  # noqa: E402 - after the names the family refers to

FAMILY = Family(
    prefix="soc", config_type=SocConfig, presets=PRESETS, load_config=load_config, resolve=_resolve,
    backend=_backend, fingerprint=_fingerprint, area=_area, cost_table=_cost_table,
    summary="soc:PRESET | soc:PROJECT_FOLDER | soc:FILE.toml: an RV32IM core with a CFU (CFU Playground in software)",
)
