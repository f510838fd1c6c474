"""`djgj check`: each check fires on a ledger built for it and stays silent on clean data.

Ledgers are small spreadsheets written here and imported through `djgj import`; data the importer
refuses (members above employees, ...) is written into an imported ledger directly with SQLAlchemy
Core, as an older version or another tool could have left it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from builders import HEADER, ROSTER_HEADER, credit_code, unit_row, write_xlsx
from conftest import invoke

pytestmark = pytest.mark.usefixtures("backend")  # every test here runs on SQLite and on PostgreSQL

TITLE = "城关镇非公有制企业党建工建情况（2014年度）"


def person_id(n: int, sex: str = "男", valid: bool = True) -> str:
    """A resident ID number for person n (region 139901, born 1980–1999), with the sex digit asked for."""
    from stdnum.cn import ric

    seq = (n * 2) % 1000 + (1 if sex == "男" else 0)
    body = f"139901{1980 + n % 20}0{1 + n % 9}1{n % 10}{seq:03d}"
    digit = ric.calc_check_digit(body + "0")  # stdnum wants the number with a check digit in place
    if not valid:
        digit = "0" if digit != "0" else "1"
    return body + digit


def member(
    n: int,
    unit: int,
    *,
    sex: str = "男",
    politics: str = "群众",
    valid: bool = True,
    id_sex: str | None = None,
    joined: str = "2012-05-01",
    migrant: str = "否",
) -> list[Any]:
    """A roster row: person n in test unit ``unit`` (builders.unit_row's 测试{unit}号有限公司)."""
    number = person_id(n, id_sex or sex, valid)
    return [n, f"会员{n}", sex, number, politics, f"测试{unit}号有限公司", migrant, joined, f"1390000{n:04d}"]


def import_ledger(
    runner: Any,
    tmp_path: Path,
    rows: list[list[Any]],
    *,
    name: str = "ledger.xlsx",
    title: str = TITLE,
    as_of: str = "2014-12-31",
    township: str | None = "城关镇",
) -> None:
    f = write_xlsx(tmp_path / name, [[title], HEADER, *rows])
    args = ["import", str(f), "--as-of", as_of, "--kind", "non_public"] + (
        ["--township", township] if township else []
    )
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.output


def import_roster(runner: Any, tmp_path: Path, rows: list[list[Any]], name: str = "roster.xlsx") -> str:
    f = write_xlsx(tmp_path / name, [["工会会员花名册"], ROSTER_HEADER, *rows])
    result = invoke(runner, "import", str(f), "--roster")
    assert result.exit_code == 0, result.output
    return result.output


def clean_units() -> list[list[Any]]:
    """Three units whose figures agree: 3 members each, 2 Party members, 1 migrant member."""
    return [unit_row(i, employees=30, members=3, **{"农民工会员数": 1}) for i in (1, 2, 3)]


def clean_roster() -> list[list[Any]]:
    rows = []
    for unit in (1, 2, 3):
        for k in range(3):
            n = unit * 10 + k
            rows.append(
                member(n, unit, sex="女" if k == 1 else "男", politics="中共党员" if k == 0 else "群众")
            )
    return rows


@pytest.fixture
def clean_ledger(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    import_roster(runner, tmp_path, clean_roster())


def problems(runner: Any, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = invoke(runner, "check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else [])


def codes(found: list[dict[str, Any]]) -> list[str]:
    return sorted(p["code"] for p in found)


def set_snapshot(db: Path, unit: int, **values: Any) -> None:
    """Write values the importer would refuse straight into unit ``unit``'s snapshot."""
    from djgj.ledger.db import resolve_url
    from djgj.ledger.models import Snapshot, Unit

    engine = create_engine(resolve_url())  # the current test's ledger, SQLite or PostgreSQL
    with engine.begin() as conn:
        uid = conn.execute(Unit.__table__.select().where(Unit.credit_code == credit_code(unit))).one().id
        conn.execute(update(Snapshot).where(Snapshot.unit_id == uid).values(**values))
    engine.dispose()


# ---------------------------------------------------------------- clean


def test_clean_ledger_is_silent_with_exit_0(runner, clean_ledger):
    for args in ([], ["--year", "2014"], ["--year", "2013"]):
        result = invoke(runner, "check", *args)
        assert result.exit_code == 0, result.output
        assert result.output == ""


def test_empty_new_ledger_is_silent(runner, tmp_path):
    import_ledger(
        runner, tmp_path, [unit_row(1, employees=5, members=0, union="未建", **{"农民工会员数": 0})]
    )
    assert invoke(runner, "check").output == ""


# ---------------------------------------------------------------- snapshot checks


@pytest.mark.parametrize(
    "code, values, numbers",
    [
        (
            "members_above_employees",
            {"union_members": 40, "migrant_union_members": 1},
            {"union_members": 40, "employees": 30},
        ),
        (
            "migrant_members_above_migrants",
            {"migrant_union_members": 6, "union_members": 10},
            {"migrant_union_members": 6, "migrant_workers": 5},
        ),
        (
            "migrant_members_above_members",
            {"migrant_union_members": 4, "migrant_workers": 10},
            {"migrant_union_members": 4, "union_members": 3},
        ),
        (
            "party_members_above_employees",
            {"party_members": 25, "probationary_members": 6},
            {"party_members": 25, "probationary_members": 6, "employees": 30},
        ),
        (
            "union_without_members",
            {"union_members": 0, "migrant_union_members": 0},
            {"union_form": "committee", "union_members": 0},
        ),
        ("members_without_union", {"union_form": "none"}, {"union_members": 3}),
    ],
)
def test_snapshot_check_fires_on_the_unit_with_its_numbers(
    runner, clean_ledger, _isolated, code, values, numbers
):
    set_snapshot(_isolated, 2, **values)
    exit_code, found = problems(runner)
    found = [p for p in found if not p["code"].startswith("roster_")]  # the roster now disagrees too
    assert exit_code == 1
    assert codes(found) == [code]
    p = found[0]
    assert p["unit"] == "测试2号有限公司" and p["credit_code"] == credit_code(2) and p["township"] == "城关镇"
    assert p["numbers"] == numbers and p["as_of"] == "2014-12-31"
    assert p["file"] == "ledger.xlsx" and p["sheet"] == "Sheet1" and p["row"] == 4
    for value in numbers.values():
        if isinstance(value, int):
            assert str(value) in p["message"]


def test_union_set_up_after_the_snapshot_date_imported_then_checked(runner, tmp_path):
    import_ledger(runner, tmp_path, [unit_row(1, members=3, **{"建会时间": "2015-03-05", "农民工会员数": 1})])
    exit_code, found = problems(runner)
    assert exit_code == 1 and codes(found) == ["union_after_snapshot"]
    assert "2015-03-05" in found[0]["message"] and "2014-12-31" in found[0]["message"]


def test_union_without_members_and_members_without_union_from_an_import(runner, tmp_path):
    import_ledger(
        runner,
        tmp_path,
        [
            unit_row(1, members=0, **{"农民工会员数": 0}),
            unit_row(2, members=5, union="未建", **{"农民工会员数": 0}),
        ],
    )
    _, found = problems(runner)
    assert codes(found) == ["members_without_union", "union_without_members"]
    by_code = {p["code"]: p for p in found}
    assert by_code["union_without_members"]["severity"] == "warning"
    assert by_code["members_without_union"]["severity"] == "error"


def test_year_reads_each_units_latest_snapshot_at_the_year_end(runner, tmp_path, _isolated):
    """A flaw in 2013 fixed in 2014: --year 2014 is silent, --year 2013 and all snapshots report it."""
    import_ledger(
        runner,
        tmp_path,
        [unit_row(1, members=3, **{"农民工会员数": 1, "建会时间": "2012-03-05"})],
        name="2013.xlsx",
        title="城关镇（2013年度）",
        as_of="2013-12-31",
    )
    set_snapshot(_isolated, 1, union_members=50)
    import_ledger(runner, tmp_path, [unit_row(1, members=4, **{"农民工会员数": 1})], name="2014.xlsx")
    assert problems(runner, "--year", "2014") == (0, [])
    _, found = problems(runner, "--year", "2013")
    assert codes(found) == ["members_above_employees"] and found[0]["as_of"] == "2013-12-31"
    _, found = problems(runner)
    assert codes(found) == ["members_above_employees"]
    assert problems(runner, "--year", "2012") == (0, [])  # no snapshot yet at the end of 2012


# ---------------------------------------------------------------- roster checks


def test_roster_count_mismatch_gives_both_numbers(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = [r for r in clean_roster() if r[5] != "测试1号有限公司" or r[0] != 12]  # unit 1: 2 of 3
    import_roster(runner, tmp_path, rows)
    exit_code, found = problems(runner)
    assert exit_code == 1 and codes(found) == ["roster_count_mismatch"]
    p = found[0]
    assert p["credit_code"] == credit_code(1) and p["numbers"] == {"roster": 2, "declared": 3}
    assert "2 人" in p["message"] and "3 人" in p["message"] and "少 1 人" in p["message"]
    assert p["file"] == "ledger.xlsx" and p["row"] == 3  # where the declared figure came from


def test_roster_members_joined_after_the_year_end_are_not_counted(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    import_roster(runner, tmp_path, [*clean_roster(), member(99, 3, joined="2015-02-01")])
    assert problems(runner, "--year", "2014") == (0, [])
    _, found = problems(runner)  # without a year every current membership counts
    assert codes(found) == ["roster_count_mismatch"] and found[0]["numbers"] == {"roster": 4, "declared": 3}


def test_roster_party_members_above_declared(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = clean_roster()
    for r in rows:
        if r[5] == "测试3号有限公司":
            r[4] = "中共预备党员" if r[0] == 31 else "中共党员"
    import_roster(runner, tmp_path, rows)
    _, found = problems(runner)
    assert codes(found) == ["roster_party_members"]
    assert found[0]["credit_code"] == credit_code(3) and found[0]["numbers"] == {"roster": 3, "declared": 2}


def test_roster_party_count_within_declared_formal_plus_probationary_is_silent(runner, tmp_path):
    import_ledger(runner, tmp_path, [unit_row(1, members=3, **{"农民工会员数": 1, "党员人数": 1})])
    import_roster(runner, tmp_path, [member(1, 1, politics="中共党员"), member(2, 1), member(3, 1)])
    assert problems(runner) == (0, [])
    import_roster(runner, tmp_path, [member(4, 1, politics="中共党员")], name="more.xlsx")
    _, found = problems(runner)
    assert "roster_party_members" in codes(found)


# ---------------------------------------------------------------- people


def test_invalid_id_is_named_with_a_masked_number_and_its_row(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = clean_roster()
    rows[4] = member(21, 2, sex="女", valid=False)
    import_roster(runner, tmp_path, rows)
    exit_code, found = problems(runner)
    assert exit_code == 1 and codes(found) == ["invalid_id"]
    p = found[0]
    bad = person_id(21, "女", valid=False)
    assert p["person"] == "会员21" and p["id_number"] == bad[:6] + "********" + bad[-4:]
    assert bad not in json.dumps(found) and "校验位" in p["message"]
    assert p["file"] == "roster.xlsx" and p["row"] == 7 and p["severity"] == "error"


def test_sex_mismatch_against_the_17th_digit(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = clean_roster()
    rows[0] = member(10, 1, sex="女", id_sex="男", politics="中共党员")
    import_roster(runner, tmp_path, rows)
    _, found = problems(runner)
    assert codes(found) == ["sex_mismatch"]
    assert found[0]["numbers"] == {"roster": "女", "from_id": "男"} and found[0]["row"] == 3


def test_person_on_two_rosters(runner, tmp_path):
    import_ledger(
        runner, tmp_path, [*clean_units()[:2], unit_row(3, employees=30, members=4, **{"农民工会员数": 1})]
    )
    rows = [*clean_roster(), member(11, 3, sex="女")]  # 会员11 of unit 1 also on unit 3's roster
    import_roster(runner, tmp_path, rows)
    _, found = problems(runner)
    assert codes(found) == ["two_rosters"]
    p = found[0]
    assert p["person"] == "会员11" and p["numbers"] == {"units": 2}
    assert p["unit"] == "测试1号有限公司、测试3号有限公司"


def test_unit_without_a_township(runner, tmp_path):
    import_ledger(
        runner,
        tmp_path,
        [unit_row(1, members=3, **{"农民工会员数": 1})],
        title="非公企业（2014年度）",
        township=None,
    )
    _, found = problems(runner)
    assert codes(found) == ["no_township"] and found[0]["unit"] == "测试1号有限公司"


# ---------------------------------------------------------------- the database itself


def test_foreign_key_check(runner, clean_ledger, _isolated, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL enforces foreign keys itself; the check runs SQLite's foreign_key_check")
    con = sqlite3.connect(_isolated)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("INSERT INTO memberships (person_id, unit_id) VALUES (1, 999)")
    con.commit()
    con.close()
    _, found = problems(runner)
    assert "foreign_key" in codes(found)
    assert [p for p in found if p["code"] == "foreign_key"][0]["numbers"]["parent"] == "units"


def test_integrity_check_failure_is_a_problem():
    from djgj.figures import checks

    class Result:
        def __init__(self, rows: list[tuple[Any, ...]]) -> None:
            self.rows = rows

        def fetchmany(self, n: int) -> list[tuple[Any, ...]]:
            return self.rows[:n]

    class Conn:
        class dialect:  # noqa: N801 - mimics Connection.dialect.name
            name = "sqlite"

        def exec_driver_sql(self, sql: str) -> Result:
            if "integrity" in sql:
                return Result([("*** in database main ***",), ("Page 5 is never used",)])
            return Result([])

    found = checks.database(Conn())  # type: ignore[arg-type]
    assert [p.code for p in found] == ["integrity", "integrity"] and "Page 5" in found[1].message


def test_integrity_ok_on_a_real_ledger(clean_ledger):
    from djgj.figures import checks
    from djgj.ledger.db import open_engine

    with open_engine(None, write=False).connect() as conn:
        assert checks.database(conn) == []


# ---------------------------------------------------------------- output


def test_output_formats_and_exit_code(runner, tmp_path, clean_ledger, _isolated, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    set_snapshot(_isolated, 1, union_members=45)
    table = invoke(runner, "check")
    # a person reads the check's Chinese name, never its id
    assert table.exit_code == 1 and "会员多于从业人员" in table.output and "错误" in table.output
    assert "members_above_employees" not in table.output
    for fmt in ("csv", "md"):
        r = invoke(runner, "check", "--format", fmt)
        assert r.exit_code == 1 and "测试1号有限公司" in r.output
    out = tmp_path / "check.xlsx"
    r = invoke(runner, "check", "--format", "xlsx", "--output", str(out))
    assert r.exit_code == 1
    import openpyxl

    values = [c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    assert "会员多于从业人员" in values and "members_above_employees" not in values


def test_sample_county_rosters(runner, any_sample_ledger, expected):
    """The generated county: exactly 2 invalid IDs, 1 person on two rosters, each roster against its unit."""
    exit_code, found = problems(runner, "--year", "2014")
    assert exit_code == 1
    roster = expected["roster_2014"]
    assert codes(found).count("invalid_id") == roster["invalid_ids"] == 2
    assert codes(found).count("two_rosters") == roster["people_on_two_rosters"] == 1
    mismatches = {p["credit_code"]: p["numbers"] for p in found if p["code"] == "roster_count_mismatch"}
    want = {
        code: {"roster": n, "declared": roster["declared"][code]}
        for code, n in roster["by_org"].items()
        if n != roster["declared"][code]
    }
    assert mismatches == want
    first = next(iter(roster["by_org"]))
    assert mismatches[first]["declared"] - mismatches[first]["roster"] == 5
    structural = {
        "integrity",
        "foreign_key",
        "members_above_employees",
        "migrant_members_above_migrants",
        "migrant_members_above_members",
        "party_members_above_employees",
        "union_after_snapshot",
    }
    assert not structural & set(codes(found))


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="a terminal is a pty here")
def test_a_clean_ledger_is_said_clean_at_a_terminal_only(clean_ledger):
    """At a terminal the user is told nothing was found; a script (no terminal) still reads nothing."""
    import os
    import subprocess
    import sys

    master, slave = os.openpty()
    cmd = [sys.executable, "-c", "from djgj.cli import main; main()", "check", "--year", "2014"]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=slave, timeout=120)
    os.close(slave)
    said = os.read(master, 4096).decode("utf-8")
    os.close(master)
    assert done.returncode == 0 and done.stdout == b""
    assert "未发现问题（2014年底" in said
