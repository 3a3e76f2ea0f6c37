"""``python -m mlaccel``: the command line."""

from .cli import main

main()
