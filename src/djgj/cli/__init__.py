"""The `djgj` command line: one module per command group, each registering its commands on `app`."""

from djgj.cli import figures, imports, imports_log, ledgers, people, plan, units  # noqa: F401  (importing registers the commands)
from djgj.cli.app import app, main

__all__ = ["app", "main"]
