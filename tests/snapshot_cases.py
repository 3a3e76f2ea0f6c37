"""The runs whose Stats the snapshot holds: every shipped model on the reference, every systolic and
analog preset; small models on the SoC presets; kws pruned 2:4 on the sparse arrays; ResNet-50's
topology on the systolic presets. Inputs are seeded random samples (a batch of 3)."""

from __future__ import annotations

import numpy as np

import mlaccel

SYSTOLIC = ("lab-4x4-ws", "edge-16x16-os", "tpu-v1-like", "scalesim-32x32", "sparse-16x16-ws",
            "sparse-16x16-os-skip")
ANALOG = ("ideal", "isaac", "pcm")
SOC = ("baseline", "simd4", "systolic")
SOC_MODELS = ("ad", "micro_speech", "hello_world", "str_ww")
MODELS = ("kws", "vww", "ic", "ic-large", "ad", "str_ww", "pdti8", "mnv2", "micro_speech", "magic_wand", "hps",
          "hps_shared", "hello_world", "simple_add")


def _inputs(model, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for t in model.inputs:
        shape = (3,) + (t.shape[1:] if t.shape[:1] == (1,) else t.shape)
        if t.dtype == np.float32:
            out.append(rng.normal(0, 1, shape).astype(np.float32))
        else:
            info = np.iinfo(t.dtype)
            out.append(rng.integers(info.min, info.max + 1, shape).astype(t.dtype))
    return out


def _runner(model, target):
    return lambda: model.run(*_inputs(model), target=target, threads=1)


def cases():
    """``(key, run)`` pairs; ``run()`` gives a Result."""
    from mlaccel.model.zoo import resolve_model

    for name in MODELS:
        m = mlaccel.load(resolve_model(name))
        targets = ["reference", *(f"systolic:{p}" for p in SYSTOLIC), *(f"analog:{p}" for p in ANALOG)]
        if name in SOC_MODELS:
            targets += [f"soc:{p}" for p in SOC]
        for t in targets:
            yield f"{name}|{t}", _runner(m, t)
    from mlaccel.compress.flows import prune_int8
    from mlaccel.compress.prune import parse_sparsity

    kws = mlaccel.load(resolve_model("kws"))
    pruned = mlaccel.session.Model(prune_int8(kws.graph, parse_sparsity("2:4"))[0])
    for p in SYSTOLIC:
        yield f"kws-2:4|systolic:{p}", _runner(pruned, f"systolic:{p}")
    from mlaccel.dse.workloads import resnet50_graph

    r50 = mlaccel.session.Model(resnet50_graph())
    for p in SYSTOLIC[:4]:
        yield f"resnet50|systolic:{p}", _runner(r50, f"systolic:{p}")


def stats_rows(result) -> list[dict]:
    """Each op's Stats as a JSON-ready dict (the extra dict's plain values only)."""
    rows = []
    for s in result.ops:
        d = s.to_dict()
        d["extra"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in d["extra"].items()
                      if isinstance(v, (int, float, str, bool, tuple)) or v is None}
        rows.append(d)
    return rows
