"""Kept `--help` pages (`djgj.cli.helppage`, issue 13): a page Typer printed once is printed again
from the user cache without importing Typer, byte for byte; anything that shapes it makes a new key;
a cache that cannot be read or written changes nothing; only a line Typer answered with its help page
is kept, and a line that does not ask for help never looks at the cache.

The subprocesses run the `djgj` entry point (`djgj.cli:main`) with ``XDG_CACHE_HOME`` in the test's
own directory (the autouse fixture), and report on stderr whether Typer was imported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from djgj.cli import helppage

#: The entry point as the installed `djgj` script runs it; stderr's last line says whether Typer
#: (and which of djgj's modules) were imported.
ENTRY = r"""
import atexit, sys
def loaded():
    ours = sorted(m for m in sys.modules if m.startswith("djgj"))
    print("typer" in sys.modules, ",".join(ours), file=sys.stderr)
atexit.register(loaded)
sys.argv[0] = "djgj"
from djgj.cli import main
main()
"""
#: Typer alone, as before kept pages: the reference for byte-identical pages.
TYPER = r"""
import sys
sys.argv[0] = "djgj"
from djgj.cli import commands
commands()
from djgj.cli.app import main
main()
"""

LINES = [[], ["import"], ["members", "list"], ["targets", "set"]]


def run(script: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def typer_loaded(done: subprocess.CompletedProcess) -> bool:
    last = done.stderr.decode().strip().splitlines()[-1]
    return last.split()[0] == "True"


def pages(root: Path | None = None) -> list[Path]:
    folder = Path(helppage.directory()) if root is None else root
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


@pytest.mark.parametrize("columns", [None, "60", "100", "200"])
def test_a_kept_page_is_typers_own_byte_for_byte(columns) -> None:
    env = {"COLUMNS": columns} if columns else {}
    for line in LINES:
        own = run(TYPER, *line, "--help", env=env)
        first = run(ENTRY, *line, "--help", env=env)
        again = run(ENTRY, *line, "--help", env=env)
        assert own.returncode == first.returncode == again.returncode == 0
        assert typer_loaded(first) and not typer_loaded(again), line
        assert first.stdout == own.stdout == again.stdout, line
        assert "用法：djgj" in again.stdout.decode()
    assert len(pages()) == len(LINES)


def test_every_width_and_encoding_is_its_own_page() -> None:
    wide = run(ENTRY, "report", "--help", env={"COLUMNS": "200"})
    narrow = run(ENTRY, "report", "--help", env={"COLUMNS": "60"})
    gbk = run(ENTRY, "report", "--help", env={"COLUMNS": "60", "PYTHONIOENCODING": "gbk"})
    assert wide.stdout != narrow.stdout
    assert gbk.stdout == narrow.stdout.decode("utf-8").encode("gbk")
    assert len(pages()) == 3
    again = run(ENTRY, "report", "--help", env={"COLUMNS": "60", "PYTHONIOENCODING": "gbk"})
    assert not typer_loaded(again) and again.stdout == gbk.stdout
    own = run(TYPER, "report", "--help", env={"COLUMNS": "60", "PYTHONIOENCODING": "gbk"})
    assert own.stdout == gbk.stdout


def test_a_hit_loads_no_typer_and_only_the_entry() -> None:
    run(ENTRY, "--help")
    hit = run(ENTRY, "--help")
    assert hit.returncode == 0 and not typer_loaded(hit)
    ours = hit.stderr.decode().strip().splitlines()[-1].split()[1].split(",")
    assert ours == ["djgj", "djgj.cli", "djgj.cli.helppage"]
    assert hit.stderr.decode().strip().count("\n") == 0  # nothing else on stderr


def test_changed_code_is_a_new_page(tmp_path: Path) -> None:
    """A copy of djgj whose `import` help changes after its page was kept prints the new help."""
    src = Path(helppage.__file__).parents[2]
    shutil.copytree(src / "djgj", tmp_path / "code" / "djgj", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(tmp_path / "code")}
    before = run(ENTRY, "import", "--help", env=env)
    assert run(ENTRY, "import", "--help", env=env).stdout == before.stdout
    module = tmp_path / "code" / "djgj" / "cli" / "imports.py"
    text = module.read_text(encoding="utf-8")
    assert "导入乡镇报表（" in text
    module.write_text(text.replace("导入乡镇报表（", "导入乡镇报表（新版；", 1), encoding="utf-8")
    after = run(ENTRY, "import", "--help", env=env)
    assert typer_loaded(after) and "新版；" in after.stdout.decode()
    assert not typer_loaded(again := run(ENTRY, "import", "--help", env=env))
    assert again.stdout == after.stdout


def test_a_changed_fingerprint_misses(monkeypatch) -> None:
    line = helppage.key(["import", "--help"])
    assert line is not None
    helppage.keep(line, "页面\n")
    assert helppage.kept(line) == "页面\n"
    real = helppage.fingerprint
    monkeypatch.setattr(helppage, "fingerprint", lambda: (*real(), "one more file:1:1"))
    changed = helppage.key(["import", "--help"])
    assert changed is not None and changed != line
    assert helppage.kept(changed) is None


def test_an_unwritable_cache_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env = {"XDG_CACHE_HOME": str(blocker)}
    own = run(TYPER, "gaps", "--help")
    for _ in range(2):
        done = run(ENTRY, "gaps", "--help", env=env)
        assert done.returncode == 0 and done.stdout == own.stdout and typer_loaded(done)
        assert done.stderr.decode().strip().count("\n") == 0  # no warning, no traceback


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b: b"\xff\xfe" + b[2:],  # not UTF-8
        lambda b: b[: len(b) // 2],  # cut short
        lambda b: b.replace("选项".encode(), "选择".encode(), 1),  # same length, other text
        lambda b: b"",
        lambda b: b.split(b"\n", 1)[1],  # key line lost
    ],
)
def test_a_corrupt_page_is_not_printed(spoil) -> None:
    own = run(TYPER, "plan", "--help")
    run(ENTRY, "plan", "--help")
    (page,) = pages()
    spoiled = spoil(page.read_bytes())
    page.write_bytes(spoiled)
    done = run(ENTRY, "plan", "--help")
    assert done.returncode == 0 and done.stdout == own.stdout and typer_loaded(done)
    assert done.stderr.decode().strip().count("\n") == 0
    assert run(ENTRY, "plan", "--help").stdout == own.stdout  # kept again, whole


def test_a_help_word_that_is_a_value_runs_the_command_and_is_never_kept(tmp_path: Path) -> None:
    """`--output --help` writes the list to a file named `--help`: the command runs every time."""
    for _ in range(2):
        done = run(ENTRY, "fields", "--output", "--help", cwd=tmp_path)
        assert done.returncode == 0 and typer_loaded(done)
        assert (tmp_path / "--help").stat().st_size > 0
        (tmp_path / "--help").unlink()
    assert pages() == []


def test_an_error_is_never_kept_and_keeps_its_exit_code() -> None:
    for _ in range(2):
        done = run(ENTRY, "imprt", "--help")
        assert done.returncode == 2 and "没有命令" in done.stderr.decode() and typer_loaded(done)
    assert pages() == []


def test_which_lines_may_ask_for_help(monkeypatch) -> None:
    asks = helppage.asks_help
    assert asks(["--help"]) and asks(["-h"]) and asks(["members", "list", "-h"])
    assert asks(["--db", "x.db", "import", "--help"])
    assert not asks([]) and not asks(["import", "a.xlsx"]) and not asks(["import", "--", "--help"])
    assert not asks(["--helpx"]) and not asks(["-hv"])
    monkeypatch.setenv("_DJGJ_COMPLETE", "complete_bash")
    assert not asks(["import", "--help"])


def test_a_line_without_help_never_looks_at_the_cache(monkeypatch, capsys) -> None:
    from djgj.cli import main

    looked: list[str] = []
    monkeypatch.setattr(helppage, "key", lambda args: looked.append("key"))
    monkeypatch.setattr(helppage, "kept", lambda line: looked.append("kept"))
    for line in (["fields"], ["--version"], ["import", "--", "--help"]):
        monkeypatch.setattr(sys, "argv", ["djgj", *line])
        with pytest.raises(SystemExit):
            main()
    assert looked == []
    assert "djgj" in capsys.readouterr().out


def test_the_page_in_process_is_the_one_printed(monkeypatch, capsys) -> None:
    """The entry point in-process (a test's captured stdout): kept, then printed from the cache."""
    from djgj.cli import main

    monkeypatch.setattr(sys, "argv", ["djgj", "undo", "--help"])
    outs = []
    for _ in range(2):
        with pytest.raises(SystemExit) as done:
            main()
        assert done.value.code == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and "撤销" in outs[0]
    assert len(pages()) == 1


def test_a_windows_console_keeps_the_help_click_wrote_around_the_stream(monkeypatch) -> None:
    class Console:
        def isatty(self) -> bool:
            return True

    tee = helppage.Tee(Console())  # type: ignore[arg-type]
    monkeypatch.setattr(sys, "platform", "win32")
    tee.around = True
    assert helppage.page_of(tee, ["用法：djgj"]) == "用法：djgj\n"
    assert helppage.page_of(tee, ["用法：djgj", "用法：djgj"]) is None  # two pages: not a help line
    assert helppage.page_of(tee, ["\x1b[1m用法\x1b[0m"]) is None
    monkeypatch.setattr(sys, "platform", "linux")
    assert helppage.page_of(tee, ["用法：djgj"]) is None  # written around the stream elsewhere: unknown bytes


def test_the_usual_cache_dir_is_platformdirs(monkeypatch, tmp_path: Path) -> None:
    from platformdirs import user_cache_dir

    for xdg in (str(tmp_path / "c"), "", "relative/dir"):
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert helppage.directory() == os.path.join(user_cache_dir("djgj", appauthor=False), "help")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert helppage.directory() == os.path.join(user_cache_dir("djgj", appauthor=False), "help")


def test_a_long_output_is_not_recorded() -> None:
    """A command that ran (its line held `--help` as a value) may write a lot: not held in memory."""
    import io

    tee = helppage.Tee(io.StringIO())
    for _ in range(3):
        tee.write("x" * (helppage.Tee.LIMIT // 2))
    assert tee.parts == [] and tee.size > tee.LIMIT
    assert helppage.page_of(tee, ["x"]) is None
    assert tee.stream.getvalue() == "x" * (helppage.Tee.LIMIT // 2 * 3)  # all of it reached the stream
