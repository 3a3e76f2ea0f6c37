"""Compression: float models in, int8 models out. Quantization, pruning and their reports."""
