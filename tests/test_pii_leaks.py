"""Personal information that leaked past the masks (issue 15): several numbers in one phone cell,
IDs and phones quoted in error messages, the reject report, and the database password.

README promise 8 (personal information minimised); RELIABILITY.md promise 9.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from builders import unit_row, write_xlsx
from conftest import invoke
from test_checks import ROSTER_HEADER, import_ledger, member, person_id
from test_pii import FORMATS, read_back

PHONES = {
    1: "13800138001、13900139001",
    2: "手机13800138003 座机65432103",
    3: "13800138005/0851-6543210",
}
FULL = ["13800138001", "13900139001", "13800138003", "65432103", "13800138005", "6543210"]
ID = re.compile(r"\d{17}[\dX]")


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")


def _roster_row(n: int, unit: int, phone: str, **over) -> list:
    row = member(n, unit)
    row[ROSTER_HEADER.index("联系电话")] = phone
    for k, v in over.items():
        row[ROSTER_HEADER.index(k)] = v
    return row


@pytest.fixture
def phones_ledger(runner, tmp_path, _isolated):
    import_ledger(runner, tmp_path, [unit_row(1, members=3), unit_row(2, members=3)])
    rows = [_roster_row(n, 1 + n % 2, phone) for n, phone in PHONES.items()]
    roster = write_xlsx(tmp_path / "roster.xlsx", [["工会会员花名册"], ROSTER_HEADER, *rows])
    r = invoke(runner, "import", str(roster), "--roster")
    assert r.exit_code == 0, r.output
    return r.output


def _leaks(text: str) -> list[str]:
    return [p for p in FULL if re.search(rf"(?<!\d){re.escape(p)}(?!\d)", text)]


def _output(runner, tmp_path: Path, args: list[str], fmt: str) -> str:
    if fmt == "xlsx":
        out = tmp_path / "out.xlsx"
        out.unlink(missing_ok=True)
        r = invoke(runner, *args, "--format", "xlsx", "-o", str(out))
        assert r.exit_code in (0, 1), r.output
        return r.output + (read_back(out) if out.exists() else "")
    r = invoke(runner, *args, "--format", fmt)
    assert r.exit_code in (0, 1), r.output
    return r.output


def test_every_number_in_a_phone_cell_is_masked_in_every_command_and_format(runner, tmp_path, phones_ledger):
    assert not _leaks(phones_ledger)
    commands = [["members", "list"], ["check"], *[["members", "show", f"会员{n}"] for n in PHONES]]
    for args in commands:
        for fmt in FORMATS:
            text = _output(runner, tmp_path, args, fmt)
            assert not _leaks(text), (args, fmt, _leaks(text))
    listed = _output(runner, tmp_path, ["members", "list"], "csv")
    assert "138****8001、139****9001" in listed
    assert "手机138****8003座机******03" in listed  # stored without the space
    full = _output(runner, tmp_path, ["members", "list", "--show-pii"], "csv")
    assert "13800138001、13900139001" in full  # --show-pii still shows them whole


def test_mask_phone_and_mask_text_mask_every_number():
    from djgj.ledger.privacy import mask_phone, mask_text

    assert mask_phone("13800138001、13900139001") == "138****8001、139****9001"
    assert mask_phone("手机13800138003 座机65432103") == "手机138****8003 座机******03"
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert mask_phone("110") == "***"
    said = mask_text(
        f"第3行：“13800138001”不是日期；{person_id(5)} 不在台账；信用代码 91139901MAG7800009；1234 人"
    )
    assert "13800138001" not in said and person_id(5) not in said
    assert "138****8001" in said and "91139901MAG7800009" in said and "1234 人" in said


def test_ids_and_phones_never_appear_in_full_in_error_messages(runner, tmp_path, phones_ledger):
    someone = person_id(77)
    # an ID typed into the 所在单位 cell, a phone typed into the 入会时间 cell
    rows = [
        _roster_row(11, 1, "13800138011", 所在单位=someone),
        _roster_row(12, 1, "13800138012", 入会时间="13800138012"),
    ]
    bad = write_xlsx(tmp_path / "bad.xlsx", [["工会会员花名册"], ROSTER_HEADER, *rows])
    r = invoke(runner, "import", str(bad), "--roster")
    assert r.exit_code == 1, r.output
    assert someone not in r.output and "13800138012" not in r.output, r.output
    assert someone[:6] + "********" in r.output or "138****8012" in r.output, r.output
    for key in ("13800138001", someone):
        r = invoke(runner, "members", "show", key)
        assert r.exit_code == 1 and key not in r.output and "****" in r.output, r.output


def test_the_reject_report_masks_phones_and_is_private(runner, tmp_path, monkeypatch):
    import os

    from builders import HEADER

    monkeypatch.chdir(tmp_path)
    header = [*HEADER, "联系电话", "备注"]
    rows = [
        [*unit_row(1), "13800138021", ""],
        [*unit_row(2, employees=-3), "手机13800138022 座机65432122", f"联系人身份证 {person_id(9)}"],
        [*unit_row(3, members="很多"), "13800138023、13900139023", "13800138024"],
    ]
    f = write_xlsx(tmp_path / "ledger.xlsx", [["城关镇企业（2014年度）"], header, *rows])
    old = os.umask(0o022)
    try:
        r = invoke(
            runner, "import", str(f), "--skip-bad-rows", "--as-of", "2014-12-31", "--kind", "non_public"
        )
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    report = tmp_path / "ledger.rejects.csv"
    assert report.exists(), r.output
    text = report.read_text(encoding="utf-8-sig")
    assert "测试2号有限公司" in text and "测试3号有限公司" in text
    for number in ("13800138022", "65432122", "13800138023", "13900139023", "13800138024", person_id(9)):
        assert number not in text, (number, text)
    assert "138****8022" in text and "******22" in text and "139****9023" in text
    assert not ID.search(text)
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert not _leaks(r.output)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+pg8000://admin:s3cret-pw@db.example/ledger",
        "mysql://admin:s3cret-pw@db.example/ledger",
        "nosuchdb://admin:s3cret-pw@db.example/ledger",
    ],
)
def test_the_database_password_is_never_printed(runner, url):
    r = invoke(runner, "--db", url, "report", "--year", "2014")
    assert r.exit_code == 1, r.output
    assert "s3cret-pw" not in r.output and "***" in r.output and "admin" in r.output, r.output


def test_display_url_hides_the_password():
    from djgj.ledger.db import display_url

    assert display_url("postgresql+psycopg://u:p%40ss@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert "secret" not in display_url("not a url://u:secret@h")
