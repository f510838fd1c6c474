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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.booleans())
def test_paths_as_pydantic_reads_them(text: str, many: bool) -> None:
    annotation = list[Path] if many else Path | None
    expected = pydantic.TypeAdapter(annotation).validate_python([text] if many else text)
    param = type("P", (), {"multiple": many, "nargs": -1 if many else 1})()
    assert coerce.plain(annotation).coerce((text,) if many else text, param, None) == expected


def _param(multiple: bool = False):
    return type("P", (), {"multiple": multiple, "nargs": 1})()


def test_which_options_are_converted_here() -> None:
    assert coerce.plain(str).convert is not None and coerce.plain(int | None).convert is not None
    assert coerce.plain(list[str] | None).many
    assert coerce.plain(Path | None).convert is not None and coerce.plain(list[Path]).many
    for other in (float, bool, int | str):  # Typer's own conversion, built when given
        assert coerce.plain(other).convert is None
        assert coerce.plain(other).coerce(None, _param(), None) is None  # left out: nothing built
    bounded = type("Info", (), {"parser": None, "min": 1, "max": None, "clamp": False})()
    assert coerce.plain(int, bounded).convert is None  # Typer checks the bounds
    many = coerce.plain(list[str] | None)
    assert many.coerce(("a", "b"), _param(True), None) == ["a", "b"]
    assert many.coerce(None, _param(True), None) == ()
    upper = type("Info", (), {"parser": staticmethod(str.upper), "min": None, "max": None, "clamp": None})()
    assert coerce.plain(list[str] | None, upper).coerce(("a", "b"), _param(True), None) == ["A", "B"]
    assert coerce.plain(str | None, upper).coerce("a", _param(), None) == "A"


def test_options_with_a_parser_and_paths_read_as_before(runner, sample_ledger, tmp_path) -> None:
    """Chinese names through the option's parser, a path through Typer's own conversion."""
    from conftest import invoke

    out = tmp_path / "gaps.csv"
    result = invoke(
        runner, "gaps", "--kind", "非公有制企业", "--rule", "应建工会", "--format", "csv", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "应建工会" in out.read_text(encoding="utf-8-sig")
    bad = invoke(runner, "gaps", "--kind", "工厂", "-o", str(out))
    assert bad.exit_code == 2 and "工厂" in bad.output


@pytest.mark.parametrize(
    "line",
    [
        ["gaps", "--year", "2014", "--limit", "3", "--rule", "应建工会"],
        ["import", "{csv}", "--as-of", "2014-12-31", "--rejects", "{dir}/r.csv", "-q"],
        ["report", "--year", "2014", "--format", "md", "-o", "{dir}/r.md"],
    ],
)
def test_a_command_runs_without_pydantic(tmp_path, line: list[str]) -> None:
    from builders import TOWN_HEADER, credit_code, write_csv

    csv = write_csv(
        tmp_path / "a.csv",
        [TOWN_HEADER, ["城关镇", "甲有限公司", credit_code(1), "私营企业", 30, 3, "已建", 20]],
    )
    args = [a.format(csv=csv, dir=tmp_path) for a in line]
    code = (
        f"import sys; sys.argv = ['djgj', *{args!r}];"
        "from djgj.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pydantic' in sys.modules, file=sys.stderr)"
    )
    env = {"DJGJ_DB": str(tmp_path / "l.db"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
