"""Model files in and out: the TFLite reader and writer."""

from .reader import parse_tflite, read_tflite

__all__ = ["read_tflite", "parse_tflite"]
