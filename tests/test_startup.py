"""Start-up: a `--help` page loads Typer and djgj's command layer, nothing else.

The issue asked that printing any `--help` import nothing beyond Typer: the database layer, pandas,
rich, pydantic and the readers load inside the commands that need them. A fresh interpreter prints
every command's help page in turn, then reports which packages it loaded beyond those `import typer`
loads itself; the union must be djgj alone, and of djgj only the command layer. The pages go through
the `djgj` entry point with an empty help-page cache (`djgj.cli.helppage`), so Typer prints and keeps
each one; tests/test_help_pages.py checks that a kept page is printed without Typer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from djgj.cli import app as typer_app

SCRIPT = r"""
import contextlib, io, json, sys
import typer
typer_own = {m.split(".")[0] for m in sys.modules}
from djgj.cli import main

lines = [[]] + json.loads(sys.argv[1])
codes = []
for line in lines:
    sys.argv = ["djgj", *line, "--help"]
    with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        try:
            main()
        except SystemExit as done:
            codes.append(done.code)
tops = sorted({m.split(".")[0] for m in sys.modules} - typer_own - set(sys.stdlib_module_names))
ours = sorted(m for m in sys.modules if m.startswith("djgj."))
print(json.dumps({"tops": tops, "ours": ours, "codes": codes}))
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
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    cache = tmp_path_factory.mktemp("cache")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(_command_lines())],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_help_page_is_printed(loaded) -> None:
    assert loaded["codes"] == [0] * (len(_command_lines()) + 1)


def test_every_help_page_loads_only_typer(loaded) -> None:
    heavy = set(loaded["tops"]) - {"djgj"}
    assert heavy == set(), f"--help loaded {sorted(heavy)}"


def test_help_pages_load_only_the_command_layer(loaded) -> None:
    stages = {m.split(".")[1] for m in loaded["ours"]}
    assert stages <= {"cli", "vocab", "errors"}, sorted(stages)
    assert "djgj.cli.app" in loaded["ours"]
