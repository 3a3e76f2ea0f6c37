"""Rooflines of real models on real devices: a sourced catalog (:mod:`.catalog`) and per-op arithmetic
intensity under an on-chip reuse model (:mod:`.model`)."""

from .catalog import Device, RooflineError, catalog, device
from .model import TPU_V1_APPS, OpLoad, Roofline, RooflinePoint, gemm_traffic, loads_of_graph, loads_of_layers, loads_of_model, roofline, roofline_plot, tpu_v1_check

__all__ = ["Device", "RooflineError", "catalog", "device", "OpLoad", "Roofline", "RooflinePoint", "gemm_traffic",
           "loads_of_graph", "loads_of_layers", "loads_of_model", "roofline", "roofline_plot", "TPU_V1_APPS", "tpu_v1_check"]
