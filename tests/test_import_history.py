"""What a second file for a unit and date may change, and what it may not: blanks keep known values,
an older year keeps the unit's newer name and place, a changed value is said and kept in the history,
a re-import with other options replaces the earlier reading, invisible characters make no new unit."""

from __future__ import annotations

import json

import pytest

from builders import HEADER, credit_code, ledger_rows, unit_row, write_csv, write_xlsx
from conftest import invoke, sql

pytestmark = pytest.mark.usefixtures("backend")

TITLE = "城关镇非公有制企业党建工建情况（2014年度）"
FULL = [
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "农民工人数",
    "会员数",
    "是否建立职代会",
    "党建指导员",
]


def test_blank_cells_never_overwrite_known_values_and_are_listed(runner, tmp_path):
    first = [[TITLE], FULL, ["甲公司", credit_code(1), "私营企业", 40, 5, 30, "是", "王五"]]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", first))).exit_code == 0
    # The corrected file for the same date gives employees again, leaves the other cells blank.
    corrected = [[TITLE], FULL, ["甲公司", credit_code(1), "私营企业", 42, "", None, " ", None]]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "b.xlsx", corrected)))
    assert r.exit_code == 0, r.output
    got = sql(
        "select employees, migrant_workers, union_members, workers_congress, has_instructor, instructor "
        "from snapshots"
    )
    assert [tuple(bool(v) if i in (3, 4) else v for i, v in enumerate(row)) for row in got] == [
        (42, 5, 30, True, True, "王五")
    ]
    assert "空白单元格未覆盖" in r.output and "空白未覆盖已有值" in r.output
    assert "：保留 30（a.xlsx），本文件第3行为空白" in r.output
    # A unit the ledger does not know yet keeps the sheet's convention (blank count = 0).
    new = [[TITLE], FULL, ["乙公司", credit_code(2), "私营企业", 10, "", "", "", ""]]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "c.xlsx", new))).exit_code == 0
    assert sql(
        "select union_members from snapshots s join units u on u.id = s.unit_id where u.name = '乙公司'"
    ) == [(0,)]


def test_a_changed_value_for_the_same_date_is_listed_and_kept_in_the_history(runner, tmp_path):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "一.xlsx", ledger_rows(2)))).exit_code == 0
    rows = ledger_rows(2)
    rows[2] = unit_row(1, employees=35, members=25)
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "二.xlsx", rows)))
    assert r.exit_code == 0, r.output
    assert "改动已有值（共 2 处" in r.output
    assert "测试1号有限公司 " in r.output and "：30（一.xlsx） → 35（二.xlsx 第3行）" in r.output
    assert sql("select employees, union_members from snapshots order by id") == [(35, 25), (30, 20)]
    history = sql(
        "select employees, union_members, b.file_name from snapshot_history h join import_batches b on b.id = h.batch_id"
    )
    assert history == [(30, 20, "一.xlsx")]
    imports = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert imports[-1]["conflicts"] == 2


def test_an_older_year_does_not_rewrite_the_unit(runner, tmp_path):
    code = credit_code(9)
    head = ["企业名称", "统一社会信用代码", "企业类型", "乡镇", "从业人员数", "是否建立工会", "会员数"]
    y2014 = [["2014年度统计"], head, ["甲集团有限公司", code, "国有企业", "城关镇", 100, "是", 80]]
    y2013 = [["2013年度统计"], head, ["甲公司", code, "私营企业", "北关镇", 90, "是", 70]]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "2014.xlsx", y2014))).exit_code == 0
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "2013.xlsx", y2013)))
    assert r.exit_code == 0 and "较晚日期为准" in r.output, r.output
    assert sql("select u.name, u.kind, t.name from units u join townships t on t.id = u.township_id") == [
        ("甲集团有限公司", "state_owned", "城关镇")
    ]
    # The 2013 snapshot keeps what the 2013 file said.
    assert sql(
        "select s.unit_name, s.unit_kind, t.name from snapshots s join townships t on t.id = s.township_id "
        "where s.as_of < '2014-01-01'"
    ) == [("甲公司", "non_public", "北关镇")]
    report = json.loads(invoke(runner, "report", "--year", "2014", "--format", "json").stdout)
    assert set(report["by_township"]) == {"城关镇"}


def test_reimport_with_another_as_of_replaces_the_earlier_reading(runner, tmp_path):
    rows = [["城关镇企业情况"], HEADER, unit_row(1), unit_row(2)]
    f = write_xlsx(tmp_path / "城关镇.xlsx", rows)
    assert invoke(runner, "import", str(f), "--as-of", "2013-12-31").exit_code == 0
    r = invoke(runner, "import", str(f), "--as-of", "2014-12-31")
    assert r.exit_code == 0 and "已撤销并由本次取代" in r.output, r.output
    assert sql("select distinct as_of from snapshots") == [("2014-12-31",)]
    assert sql("select count(*) from units") == [(2,)]
    again = invoke(runner, "import", str(f), "--as-of", "2014-12-31")
    assert again.exit_code == 0 and "未做任何改动" in again.output
    listed = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert [(i["status"], i["replaced_by"]) for i in listed] == [("undone", listed[1]["id"]), ("ok", None)]
    # Another township and another --map are other readings too.
    r = invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--township", "北关镇")
    assert r.exit_code == 0, r.output
    assert sql("select distinct t.name from units u join townships t on t.id = u.township_id") == [
        ("北关镇",)
    ]
    r = invoke(
        runner, "import", str(f), "--as-of", "2014-12-31", "--township", "北关镇", "--map", "会员数=ignore"
    )
    assert r.exit_code == 0, r.output
    assert sql("select distinct union_members from snapshots") == [(None,)]


def test_invisible_characters_in_a_name_make_no_second_unit(runner, tmp_path):
    head = ["企业名称", "从业人员数"]
    for i, name in enumerate(
        ["甲公司", "甲\u200b公司", "甲\u00a0公司", "甲\u3000公司\ufeff", "甲公\u2060司"]
    ):
        rows = [["城关镇统计（2014年度）"], head, [name, 10 + i]]
        f = write_csv(tmp_path / f"{i}.csv", rows)
        assert invoke(runner, "import", str(f), "--kind", "non_public").exit_code == 0
    assert sql("select count(*) from units") == [(1,)]
    assert sql("select employees from snapshots") == [(14,)]


def test_imports_from_before_options_were_kept_are_still_recognised(runner, tmp_path):
    from sqlalchemy import create_engine, text

    from djgj.ledger.db import resolve_url

    f = write_xlsx(tmp_path / "城关镇.xlsx", ledger_rows(2))
    assert invoke(runner, "import", str(f)).exit_code == 0
    engine = create_engine(resolve_url())
    with engine.begin() as conn:
        conn.execute(text('UPDATE import_batches SET options = NULL, counts = NULL, "user" = NULL'))
    engine.dispose()
    assert "未做任何改动" in invoke(runner, "import", str(f), "--as-of", "2014-12-31").output
    r = invoke(runner, "import", str(f), "--as-of", "2015-12-31")
    assert r.exit_code == 0 and "已撤销并由本次取代" in r.output, r.output
    assert sql("select distinct as_of from snapshots") == [("2015-12-31",)]


def test_migration_dates_existing_snapshots_with_their_units_attributes(runner, tmp_path):
    from djgj.ledger import db

    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(2)))).exit_code == 0
    engine = db.open_engine(db.resolve_url())
    db.downgrade(engine, "0003")
    engine.dispose()
    engine = db.open_engine(db.resolve_url())  # upgraded again, as a user's next command would
    engine.dispose()
    assert sql(
        "select s.unit_name, s.unit_kind, t.name from snapshots s join townships t on t.id = s.township_id order by s.id"
    ) == [
        ("测试1号有限公司", "non_public", "城关镇"),
        ("测试2号有限公司", "non_public", "城关镇"),
    ]
    listed = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert listed[0]["status"] == "ok" and listed[0]["options"] == {}
