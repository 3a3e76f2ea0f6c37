"""Model files in and out: the TFLite reader, the writer, and a graph builder."""

from .builder import GraphBuilder, quant
from .reader import parse_tflite, read_tflite
from .writer import serialize_tflite, write_tflite

__all__ = ["read_tflite", "parse_tflite", "write_tflite", "serialize_tflite", "GraphBuilder", "quant"]
