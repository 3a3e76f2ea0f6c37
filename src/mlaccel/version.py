"""The package's version, apart so that any layer may name it (stores record it with each point)."""

__version__ = "0.1.0"
