"""`djgj units`, `unit`, `set` and `info` on SQLite and PostgreSQL: find one unit, see where each of its
values came from, correct one value with who/when/why, and see which ledger is in use."""

from __future__ import annotations

import json

import pytest

from conftest import invoke, sql


def _first_unit(runner, *words: str) -> dict:
    result = invoke(runner, "units", *words, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)[0]


def test_units_finds_by_any_part_of_name_or_code(runner, any_sample_ledger):
    u = _first_unit(runner, "有限公司")
    part = u["name"][1:3]
    by_name = json.loads(invoke(runner, "units", part, "--format", "json").output)
    assert u["name"] in [r["name"] for r in by_name]
    by_code = json.loads(invoke(runner, "units", u["credit_code"][-6:].lower(), "--format", "json").output)
    assert [r["name"] for r in by_code] == [u["name"]]
    two_words = json.loads(invoke(runner, "units", part, u["credit_code"][-6:], "--format", "json").output)
    assert [r["name"] for r in two_words] == [u["name"]]
    in_town = json.loads(invoke(runner, "units", "--township", u["township"], "--format", "json").output)
    assert {r["township"] for r in in_town} == {u["township"]}
    villages = json.loads(invoke(runner, "units", "--kind", "村", "--format", "json").output)
    assert villages and {r["kind"] for r in villages} == {"village"}
    none = invoke(runner, "units", "绝无此单位")
    assert none.exit_code == 0 and "找到 0 个单位" in none.output


def test_unit_shows_every_snapshot_and_where_each_value_came_from(runner, any_sample_ledger):
    u = _first_unit(runner, "有限公司")
    result = invoke(runner, "unit", u["name"], "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["unit"]["credit_code"] == u["credit_code"] and doc["unit"]["kind_label"]
    dates = [s["as_of"] for s in doc["snapshots"]]
    assert dates == sorted(dates) and dates
    expected = sql(
        "SELECT s.as_of, b.file_name, s.sheet, s.row FROM snapshots s JOIN units un ON un.id = s.unit_id "
        "JOIN import_batches b ON b.id = s.batch_id WHERE un.credit_code = :c ORDER BY s.as_of",
        c=u["credit_code"],
    )
    got = [
        (s["as_of"], s["source"]["file"], s["source"]["sheet"], s["source"]["row"]) for s in doc["snapshots"]
    ]
    assert got == [tuple(r) for r in expected]
    for s in doc["snapshots"]:
        for v in s["values"].values():
            assert v["source"]["file"] and v["source"]["row"]
    by_code = invoke(runner, "unit", u["credit_code"])
    assert by_code.exit_code == 0 and u["name"] in by_code.output and "工作表" in by_code.output
    assert invoke(runner, "unit", "绝无此单位").exit_code == 2


def test_set_corrects_one_value_records_why_and_shows_in_history(runner, any_sample_ledger):
    u = _first_unit(runner, "有限公司")
    name = u["name"]
    before = invoke(runner, "report", "--year", "2014", "--format", "json").output
    dry = invoke(
        runner, "set", name, "从业人员", "1234人", "--as-of", "2014-12-31", "--reason", "核实", "--dry-run"
    )
    assert dry.exit_code == 0, dry.output
    assert "→ 1234" in dry.output and "试运行" in dry.output
    assert invoke(runner, "report", "--year", "2014", "--format", "json").output == before

    done = invoke(
        runner, "set", name, "employees", "1234", "--as-of", "2014-12-31", "--reason", "乡镇来电更正"
    )
    assert done.exit_code == 0, done.output
    [(employees,)] = sql(
        "SELECT s.employees FROM snapshots s JOIN units u ON u.id = s.unit_id "
        "WHERE u.credit_code = :c AND s.as_of = '2014-12-31'",
        c=u["credit_code"],
    )
    assert employees == 1234
    [(field, new, reason, user)] = sql('SELECT field, new_value, reason, "user" FROM corrections')
    assert (field, reason) == ("employees", "乡镇来电更正") and json.loads(json.dumps(new)) in (1234, "1234")
    assert user
    history = invoke(runner, "unit", name)
    assert "更正" in history.output and "乡镇来电更正" in history.output


def test_set_on_a_new_date_creates_a_snapshot_from_the_latest_one(runner, any_sample_ledger):
    u = _first_unit(runner, "有限公司")
    result = invoke(
        runner,
        "set",
        u["credit_code"],
        "工会",
        "联合工会",
        "--as-of",
        "2015-06-30",
        "--reason",
        "新建联合工会",
    )
    assert result.exit_code == 0, result.output
    assert "新建 2015-06-30 的快照" in result.output
    rows = sql(
        "SELECT s.as_of, s.union_form, s.employees FROM snapshots s JOIN units u ON u.id = s.unit_id "
        "WHERE u.credit_code = :c ORDER BY s.as_of",
        c=u["credit_code"],
    )
    assert rows[-1][0] == "2015-06-30" and rows[-1][1] == "joint"
    assert rows[-1][2] == rows[-2][2]  # the other values carried over from the latest snapshot
    doc = json.loads(invoke(runner, "unit", u["credit_code"], "--format", "json").output)
    last = doc["snapshots"][-1]
    assert last["values"]["union_form"]["source"]["correction"]["reason"] == "新建联合工会"
    assert last["values"]["employees"]["source"]["copied_from"] == rows[-2][0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["从业人员", "很多"], ["从业人员"]),
        (["没有的字段", "3"], ["未知的字段"]),
        # a roster's field or a unit's identity is no snapshot value to correct: not offered
        (["姓名", "张三"], ["字段“姓名”在这里不可用", "可用：从业人员"]),
        (["是否会员", "是"], ["在这里不可用"]),
    ],
)
def test_set_refuses_bad_values_and_fields(runner, any_sample_ledger, args, words):
    u = _first_unit(runner, "有限公司")
    result = invoke(runner, "set", u["name"], *args, "--as-of", "2014-12-31", "--reason", "测试")
    assert result.exit_code == 2, result.output
    for w in words:
        assert w in result.output
    assert sql("SELECT count(*) FROM corrections") == [(0,)]


def test_info_names_the_ledger_and_what_it_holds(runner, any_sample_ledger, monkeypatch):
    result = invoke(runner, "info", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["origin"] == "环境变量 DJGJ_DB"
    assert doc["years"] == [2013, 2014] and doc["units"] > 0 and doc["townships"]
    assert doc["last_import"]["file_name"]
    text = invoke(runner, "info").output
    assert "台账" in text and "环境变量 DJGJ_DB" in text and "2013、2014" in text


def test_info_without_a_ledger_says_where_it_would_be(runner, _isolated):
    result = invoke(runner, "info")
    assert result.exit_code == 0, result.output
    assert str(_isolated) in result.output and "还不存在" in result.output
    assert not _isolated.exists()
