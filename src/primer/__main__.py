"""`python -m primer` runs the command line."""

from primer.cli import entry

entry()
