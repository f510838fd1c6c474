"""The documentation cannot drift from the code (as sqlite-utils checks its own docs):
every command appears in the README with an example, every `--help` has one, and every test that
docs/ names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from builders import command_paths
from conftest import invoke

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


PATHS = command_paths()


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_is_in_the_readme_with_an_example(path):
    command = "djgj " + " ".join(path)
    examples = [line for line in README.splitlines() if re.search(re.escape(command) + r"(\s|$|`)", line)]
    assert examples, f"README has no example of `{command}`"


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_help_has_an_example(runner, path):
    result = invoke(runner, *path, "--help")
    assert result.exit_code == 0
    assert re.search(r"例：djgj " + re.escape(path[0]), result.output), result.output


def _tests_named_in_docs() -> list[tuple[str, str, str]]:
    """(doc, test file, test name) for every `file.py::test_name` and following `::test_name` in docs/."""
    found = []
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for line in doc.read_text(encoding="utf-8").splitlines():
            current = None
            for m in re.finditer(r"(test_\w+\.py)?::(test_\w+)", line):
                current = m.group(1) or current
                if current:
                    found.append((doc.name, current, m.group(2)))
    return found


def _defined(test_file: str) -> set[str]:
    path = ROOT / "tests" / test_file
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_named_in_docs_exists():
    named = _tests_named_in_docs()
    assert named, "docs/ names no test at all?"
    missing = [f"{doc}: {f}::{t}" for doc, f, t in named if t not in _defined(f)]
    assert missing == []


def test_every_test_file_named_in_docs_exists():
    files = set()
    for doc in (ROOT / "docs").glob("*.md"):
        files |= set(re.findall(r"`(test_\w+\.py)", doc.read_text(encoding="utf-8")))
    assert sorted(f for f in files if not (ROOT / "tests" / f).exists()) == []
