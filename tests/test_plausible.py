"""Rows that read fine but contradict themselves: imported as written, marked, listed by the import
summary and by check, left out of the figures they would distort; --strict refuses the file."""

from __future__ import annotations

import json

import pytest

from builders import HEADER, unit_row, write_csv, write_xlsx
from conftest import invoke, sql

pytestmark = pytest.mark.usefixtures("backend")

N = 6_000  # more than one write round (ledger.BATCH_ROWS): the streamed CSV path
BAD = {17: {"会员数": 99}, 2_500: {"党员人数": 40}, 5_999: {"建会时间": "2015-02-01"}}


def long_csv(tmp_path):
    rows: list[list[object]] = [["城关镇非公有制企业党建工建情况（2014年度）"], HEADER]
    for i in range(1, N + 1):
        rows.append(unit_row(i, employees=30, **BAD.get(i, {})))
    return write_csv(tmp_path / "城关镇_2014.csv", rows)


def test_a_long_file_with_a_few_contradicting_rows_imports_and_flags_exactly_them(runner, tmp_path):
    f = long_csv(tmp_path)
    r = invoke(runner, "import", str(f), "--strict")
    assert r.exit_code == 1 and "--strict" in r.output and "整个文件未导入" in r.output
    assert sql("select count(*) from snapshots") == [(0,)]
    r = invoke(runner, "import", str(f))
    assert r.exit_code == 0, r.output
    assert "标记：3 行自相矛盾" in r.output and "第19行" in r.output  # 17th unit: line 19 of the CSV
    assert "会员数（99）超过从业人员（30）" in r.output and "晚于数据截至日期" in r.output
    flagged = sql("select s.row, s.flags from snapshots s where s.flags is not null order by s.row")
    assert flagged == [
        (19, "members_above_employees"),
        (2502, "party_members_above_employees"),
        (6001, "union_after_snapshot"),
    ]
    assert sql("select count(*) from snapshots") == [(N,)]
    # check lists them, with file and row.
    r = invoke(runner, "check", "--year", "2014", "--format", "json")
    problems = json.loads(r.stdout)
    rows = {(p["code"], p["row"]) for p in problems}
    assert {("members_above_employees", 19), ("party_members_above_employees", 2502)} <= rows
    assert ("union_after_snapshot", 6001) in rows
    # The figures leave each one out of what it would distort, and say how many.
    doc = json.loads(invoke(runner, "report", "--year", "2014", "--format", "json").stdout)
    fig = doc["figures"]
    assert fig["union_members"]["implausible"] == 1 and fig["party_members"]["implausible"] == 1
    assert fig["unions"]["implausible"] == 1 and doc["totals"]["unions"] == N - 1
    assert doc["totals"]["member_rate"] <= 1 and doc["totals"]["party_member_share"] <= 1


def test_a_small_file_is_flagged_the_same_way(runner, tmp_path):
    rows = [["城关镇非公有制企业党建工建情况（2014年度）"], HEADER, unit_row(1), unit_row(2, 会员数=99)]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", rows)))
    assert r.exit_code == 0, r.output
    assert "标记：1 行" in r.output and "第4行" in r.output
    assert sql("select flags from snapshots order by row") == [(None,), ("members_above_employees",)]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "b.xlsx", rows)), "--dry-run")
    assert r.exit_code == 0 and "自相矛盾的行" in r.output


def test_migration_marks_what_an_older_ledger_already_holds(tmp_path):
    from djgj.ledger import db

    url = db.resolve_url()
    engine = db.open_engine(url, migrate=False)
    if db.current_revision(engine):
        db.downgrade(engine, "base")
    db.upgrade(engine, None, "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO units (id, kind, name, norm_name) VALUES (1, 'non_public', '甲', '甲')"
        )
        conn.exec_driver_sql(
            "INSERT INTO snapshots (unit_id, as_of, employees, union_established_on) "
            "VALUES (1, '2014-12-31', 30, '2015-03-01')"
        )
    engine.dispose()
    engine = db.open_engine(url)
    assert db.current_revision(engine) == db.HEAD
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT flags, employees FROM snapshots").all() == [
            ("union_after_snapshot", 30)
        ]
    engine.dispose()
