"""Plain options converted without pydantic (djgj.cli.coerce) accept and refuse exactly what Typer's
pydantic adapter does, and a command that runs never imports pydantic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from djgj.cli import coerce

pydantic = pytest.importorskip("pydantic")

#: What a cadre may type for a year or a limit: a sign, digits, thousands underscores, a ".0", spaces,
#: or something else entirely (full-width digits, letters).
number_like = st.from_regex(r"[ \t]?[+-]?[0-9_]{0,6}(\.[0-9]{0,2})?[ \t]?", fullmatch=True) | st.text(
    alphabet="0123456789abe１２.", max_size=6
)


@settings(max_examples=300, deadline=None)
@given(number_like)
def test_whole_numbers_as_pydantic_reads_them(text: str) -> None:
    adapter = pydantic.TypeAdapter(int | None)
    try:
        expected = adapter.validate_python(text)
    except pydantic.ValidationError:
        expected = "refused"
    param = type("P", (), {"multiple": False, "nargs": 1})()
    try:
        got = coerce.plain(int | None).coerce(text, param, None)
    except Exception as exc:  # noqa: BLE001 - typer.BadParameter
        assert "valid integer" in str(exc)
        got = "refused"
    assert got == expected


def test_which_annotations_are_plain() -> None:
    assert coerce.plain(str) is not None and coerce.plain(int | None) is not None
    assert coerce.plain(Path | None) is not None and coerce.plain(list[str] | None).many
    assert coerce.plain(float) is None and coerce.plain(bool) is None and coerce.plain(int | str) is None
    many = coerce.plain(list[str] | None)
    param = type("P", (), {"multiple": True, "nargs": 1})()
    assert many.coerce(("a", "b"), param, None) == ["a", "b"]
    assert many.coerce(None, param, None) == ()
    assert coerce.plain(Path | None).coerce(
        "a/b.xlsx", type("P", (), {"multiple": False, "nargs": 1})(), None
    ) == Path("a/b.xlsx")


def test_a_command_runs_without_pydantic(tmp_path) -> None:
    code = (
        "import sys; sys.argv = ['djgj', 'gaps', '--year', '2014', '--limit', '3', '--rule', '应建工会'];"
        "from djgj.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pydantic' in sys.modules, file=sys.stderr)"
    )
    env = {"DJGJ_DB": str(tmp_path / "none.db"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
