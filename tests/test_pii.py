"""Personal information (PIPL Arts. 28–29; docs/reliability.md promise 9).

Every command that can print people or messages is run in every format, and its output (stdout,
stderr, files, xlsx read back) is searched for an 18-character ID number: none may appear unless
--show-pii is given, and every --show-pii use leaves a row in audit_events.
"""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import pytest

from builders import unit_row, write_xlsx
from conftest import invoke
from test_checks import ROSTER_HEADER, import_ledger, member, person_id

ID = re.compile(r"\d{17}[\dX]")
FORMATS = ("table", "csv", "json", "md", "xlsx")


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    """A wide terminal, so a table never wraps an ID number across lines (and hides it from the regex)."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def pii_ledger(runner, tmp_path, _isolated):
    """Units with rosters holding every kind of person problem: invalid ID, sex mismatch, two rosters."""
    import_ledger(
        runner,
        tmp_path,
        [unit_row(1, members=3, **{"农民工会员数": 1}), unit_row(2, members=5, **{"农民工会员数": 1})],
    )
    rows = [
        member(1, 1),
        member(2, 1, sex="女", id_sex="男"),
        member(3, 1, valid=False),
        member(3, 2, valid=False),
        member(4, 2, politics="中共党员"),
    ]
    roster = write_xlsx(tmp_path / "roster.xlsx", [["工会会员花名册"], ROSTER_HEADER, *rows])
    outputs = []
    for args in (["--dry-run"], []):
        r = invoke(runner, "import", str(roster), "--roster", *args)
        assert r.exit_code == 0, r.output
        outputs.append(r.output)
    return {"rows": rows, "import_output": "\n".join(outputs), "roster": roster}


def read_back(path: Path) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )


def run(runner, tmp_path: Path, args: list[str], fmt: str) -> str:
    """A command's whole output in one format, an xlsx file read back as text."""
    if fmt == "xlsx":
        out = tmp_path / f"{'_'.join(a for a in args if a.isalnum())}.xlsx"
        r = invoke(runner, *args, "--format", "xlsx", "--output", str(out))
        assert r.exit_code in (0, 1), r.output
        return r.output + (read_back(out) if out.exists() else "")
    r = invoke(runner, *args, "--format", fmt)
    assert r.exit_code in (0, 1), r.output
    return r.output


COMMANDS = [
    ["check"],
    ["check", "--year", "2014"],
    ["members", "list"],
    ["members", "show", "会员3"],
    ["members", "show", "会员2"],
    ["gaps", "--year", "2014"],
    ["report", "--year", "2014"],
]


def audit_count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    finally:
        con.close()


def test_no_command_prints_an_unmasked_id_number(runner, tmp_path, pii_ledger, _isolated):
    assert not ID.search(pii_ledger["import_output"]), pii_ledger["import_output"]
    assert "********" in pii_ledger["import_output"]  # the warnings do name people, masked
    for args in COMMANDS:
        for fmt in FORMATS:
            text = run(runner, tmp_path, args, fmt)
            assert not ID.search(text), (args, fmt, ID.findall(text))
    shown = run(runner, tmp_path, ["members", "list"], "csv")
    assert "139901********" in shown and "139****0001" in shown
    assert audit_count(_isolated) == 0


def test_show_pii_shows_full_numbers_and_writes_an_audit_event(runner, tmp_path, pii_ledger, _isolated):
    full = person_id(3, valid=False)
    for i, args in enumerate([["check"], ["members", "list"], ["members", "show", "会员3"]], start=1):
        for fmt in ("json", "xlsx"):
            text = run(runner, tmp_path, [*args, "--show-pii"], fmt)
            assert full in text, (args, fmt)
        assert audit_count(_isolated) == 2 * i
    con = sqlite3.connect(_isolated)
    details = [d for (d,) in con.execute("SELECT detail FROM audit_events ORDER BY id")]
    con.close()
    assert any("check" in d for d in details) and any("members show" in d for d in details)


def test_errors_and_warnings_mask_id_numbers(runner, tmp_path, pii_ledger):
    unknown = person_id(99)
    r = invoke(runner, "members", "show", unknown)
    assert r.exit_code != 0 and not ID.search(str(r.exception) + r.output)
    # a roster row naming a unit the ledger does not know is refused; the message must not leak the ID
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["花名册"],
            ROSTER_HEADER,
            [1, "某人", "男", unknown, "群众", "无此公司", "否", "2014-01-01", "13900000000"],
        ],
    )
    r = invoke(runner, "import", str(bad), "--roster")
    assert r.exit_code == 1 and not ID.search(r.output)
    r = invoke(runner, "members", "list", "--unit", unknown)
    assert r.exit_code != 0 and not ID.search(str(r.exception) + r.output)


def test_show_pii_needs_a_writable_ledger_for_its_audit(runner, tmp_path, pii_ledger, _isolated):
    _isolated.chmod(0o400)
    try:
        r = invoke(runner, "members", "list", "--show-pii")
        if r.exit_code == 0:  # running as root: the file stays writable, so the audit was written
            assert audit_count(_isolated) == 1
        else:
            assert not ID.search(r.output)
    finally:
        _isolated.chmod(0o600)


def test_ledger_file_is_private(runner, tmp_path, _isolated):
    import_ledger(runner, tmp_path, [unit_row(1)])
    assert stat.S_IMODE(_isolated.stat().st_mode) == 0o600


def test_sample_county_outputs_are_masked(runner, tmp_path, sample_ledger):
    for args in (["check", "--year", "2014"], ["members", "list"]):
        for fmt in FORMATS:
            text = run(runner, tmp_path, args, fmt)
            assert not ID.search(text), (args, fmt)
