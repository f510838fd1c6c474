"""The `djgj` command line: one module per command group, each registering its commands on `app`.

`main`, the `djgj` program, prints a `--help` page it has kept (`djgj.cli.helppage`) without
importing Typer; any other line, or a page not yet kept, loads every command and runs Typer.
`djgj.cli.app` is the Typer app with every command registered (loaded when first asked for).
"""

from __future__ import annotations

import sys
from types import ModuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    import typer


def commands() -> typer.Typer:
    """The Typer app with every command registered (importing a command module registers it)."""
    from djgj.cli import figures, imports, imports_log, ledgers, people, plan, units  # noqa: F401
    from djgj.cli.app import app

    return app


def main() -> None:
    """Entry point: a kept `--help` page, or Typer (`djgj.cli.app.main`), which exits."""
    from djgj.cli import helppage

    args = sys.argv[1:]
    line = helppage.key(args) if helppage.asks_help(args) else None
    if line is not None and helppage.serve(line):
        sys.exit(0)
    commands()
    from djgj.cli.app import main as run

    if line is None:
        run()
    else:
        helppage.keeping(run, line)


class _Package(ModuleType):
    """`djgj.cli` itself: its `app` is always the Typer app, loaded on first use."""

    @property
    def app(self) -> typer.Typer:
        return commands()

    @app.setter
    def app(self, value: object) -> None:
        """Importing the submodule `djgj.cli.app` sets this attribute to the module: `app` stays
        the Typer app, as when this package imported it by name."""


sys.modules[__name__].__class__ = _Package

__all__ = ["app", "commands", "main"]
