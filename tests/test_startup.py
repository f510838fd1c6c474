"""Start-up: a `--help` page loads Typer and djgj's command layer, nothing else.

The issue asked that printing any `--help` import nothing beyond Typer: the database layer, pandas,
rich, pydantic and the readers load inside the commands that need them. A fresh interpreter prints
every command's help page in turn, then reports which packages it loaded beyond those `import typer`
loads itself; the union must be djgj alone, and of djgj only the command layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from djgj.cli import app as typer_app

SCRIPT = r"""
import contextlib, io, json, sys
import typer
typer_own = {m.split(".")[0] for m in sys.modules}
from djgj.cli.app import main

lines = [[]] + json.loads(sys.argv[1])
for line in lines:
    sys.argv = ["djgj", *line, "--help"]
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main()
        except SystemExit:
            pass
tops = sorted({m.split(".")[0] for m in sys.modules} - typer_own - set(sys.stdlib_module_names))
ours = sorted(m for m in sys.modules if m.startswith("djgj."))
print(json.dumps({"tops": tops, "ours": ours}))
"""


def _command_lines() -> list[list[str]]:
    """Every command, and every group with each of its subcommands."""
    from typer.main import get_command_name

    def named(commands) -> list[str]:
        return [c.name or get_command_name(c.callback.__name__) for c in commands]

    lines = [[n] for n in named(typer_app.registered_commands)]
    for g in typer_app.registered_groups:
        lines += [[g.name]] + [[g.name, n] for n in named(g.typer_instance.registered_commands)]
    return lines


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(_command_lines())],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_help_page_loads_only_typer(loaded) -> None:
    heavy = set(loaded["tops"]) - {"djgj"}
    assert heavy == set(), f"--help loaded {sorted(heavy)}"


def test_help_pages_load_only_the_command_layer(loaded) -> None:
    stages = {m.split(".")[1] for m in loaded["ours"]}
    assert stages <= {"cli", "vocab", "errors"}, sorted(stages)
    assert "djgj.cli.app" in loaded["ours"]
