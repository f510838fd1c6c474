"""`djgj members list/show`: filters, lookups, and numbers masked unless --show-pii (audited)."""

from __future__ import annotations

import json

import pytest

from builders import credit_code, unit_row
from conftest import invoke, sql
from djgj.errors import InputError
from test_checks import import_ledger, import_roster, member, person_id

pytestmark = pytest.mark.usefixtures("backend")  # every test here runs on SQLite and on PostgreSQL


@pytest.fixture
def roster_ledger(runner, tmp_path):
    """Two units in 城关镇, one in 南坪乡; 会员2 sits on two rosters."""
    import_ledger(
        runner,
        tmp_path,
        [unit_row(1, members=3, **{"农民工会员数": 1}), unit_row(2, members=2, **{"农民工会员数": 1})],
    )
    import_ledger(
        runner, tmp_path, [unit_row(3, members=1, **{"农民工会员数": 0})], name="np.xlsx", township="南坪乡"
    )
    import_roster(
        runner,
        tmp_path,
        [
            member(1, 1, politics="中共党员", migrant="是", joined="2010-03-01"),
            member(2, 1, sex="女", joined="2013-07-01"),
            member(3, 1, politics="中共预备党员", joined="2013-01-15"),
            member(2, 2, sex="女", joined="2013-07-01"),
            member(5, 2, migrant="是", joined="2014-02-02"),
            member(6, 3, politics="共青团员"),
        ],
    )


def failure(r) -> str:
    """The error a failed command reports, whether the runner translated it (stderr) or not (exception)."""
    assert r.exit_code != 0
    return r.output + ("" if isinstance(r.exception, SystemExit) else str(r.exception or ""))


def listed(runner, *args: str) -> list[dict]:
    result = invoke(runner, "members", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def names(rows: list[dict]) -> list[str]:
    return [r["person_name"] for r in rows]


def test_list_everyone_one_row_per_membership(runner, roster_ledger):
    rows = listed(runner)
    assert len(rows) == 6 and names(rows).count("会员2") == 2
    assert {r["township"] for r in rows} == {"城关镇", "南坪乡"}


@pytest.mark.parametrize(
    "args, want",
    [
        (["--unit", "测试1号有限公司"], ["会员1", "会员2", "会员3"]),
        (["--unit", credit_code(2)], ["会员2", "会员5"]),
        (["--unit", credit_code(2).lower()], ["会员2", "会员5"]),
        (["--migrant"], ["会员1", "会员5"]),
        (["--no-migrant"], ["会员2", "会员3", "会员2", "会员6"]),
        (["--politics", "党员"], ["会员1", "会员3"]),
        (["--politics", "预备"], ["会员3"]),
        (["--joined-year", "2013"], ["会员2", "会员3", "会员2"]),
        (["--unit", "测试1号有限公司", "--joined-year", "2013", "--politics", "群众"], ["会员2"]),
    ],
)
def test_list_filters(runner, roster_ledger, args, want):
    assert sorted(names(listed(runner, *args))) == sorted(want)


def test_list_limit_keeps_the_order(runner, roster_ledger):
    assert listed(runner, "--limit", "2") == listed(runner)[:2]


def test_list_by_township(runner, roster_ledger):
    assert names(listed(runner, "--township", "南坪乡")) == ["会员6"]
    assert listed(runner, "--township", "没有这个乡") == []


def test_list_unknown_unit_is_a_usage_error(runner, roster_ledger):
    r = invoke(runner, "members", "list", "--unit", "不存在公司")
    assert "不存在公司" in failure(r) and not isinstance(r.exception, InputError)


def test_list_masks_ids_and_phones_by_default(runner, roster_ledger):
    rows = listed(runner)
    full = person_id(1)
    row = next(r for r in rows if r["person_name"] == "会员1")
    assert row["id_number"] == full[:6] + "********" + full[-4:]
    assert row["phone"] == "139****0001"
    assert row["is_migrant"] is True and row["politics"] == "中共党员" and row["joined_on"] == "2010-03-01"


def test_list_show_pii_shows_full_numbers_and_is_audited(runner, roster_ledger, _isolated):
    rows = listed(runner, "--show-pii")
    assert person_id(1) in [r["id_number"] for r in rows] and "13900000001" in [r["phone"] for r in rows]
    events = sql('SELECT "user", action, detail, at FROM audit_events')
    assert len(events) == 1
    user, action, detail, at = events[0]
    assert action == "show_pii" and user and at and "members list" in detail and "show_pii=True" in detail


def test_show_by_id_number_with_all_memberships(runner, roster_ledger):
    number = person_id(2, "女")
    r = invoke(runner, "members", "show", number, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["person_name"] == "会员2" and doc["sex"] == "女" and doc["id_valid"] is True
    assert doc["id_number"] == number[:6] + "********" + number[-4:] and number not in r.stdout
    assert [m["unit_name"] for m in doc["memberships"]] == ["测试1号有限公司", "测试2号有限公司"]
    assert doc["memberships"][0]["file"] == "roster.xlsx" and doc["memberships"][0]["row"] == 4


def test_show_by_name_and_lower_case_x_or_spaces_in_the_number(runner, roster_ledger):
    r = invoke(runner, "members", "show", "会员5", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["memberships"][0]["unit_name"] == "测试2号有限公司"
    spaced = " ".join([person_id(5)[:6], person_id(5)[6:14], person_id(5)[14:]]).lower()
    assert (
        json.loads(invoke(runner, "members", "show", spaced, "--format", "json").stdout)["person_name"]
        == "会员5"
    )


def test_show_table_and_other_formats(runner, roster_ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    r = invoke(runner, "members", "show", "会员2")
    assert r.exit_code == 0 and "测试1号有限公司" in r.output and "测试2号有限公司" in r.output
    assert "会员2" in r.output and "139****0002" in r.output
    csv_out = invoke(runner, "members", "show", "会员2", "--format", "csv").output
    assert csv_out.count("会员2") == 2  # one line per membership
    assert "测试2号有限公司" in invoke(runner, "members", "show", "会员2", "--format", "md").output


def test_show_unknown_person_never_echoes_the_number(runner, roster_ledger):
    unknown = person_id(77)
    r = invoke(runner, "members", "show", unknown)
    text = failure(r)
    assert "花名册中没有" in text and unknown not in text and unknown[-4:] in text


def test_show_ambiguous_name_lists_masked_numbers(runner, roster_ledger, tmp_path):
    row = member(8, 3)
    row[1] = "会员1"  # a second person with the same name
    import_roster(runner, tmp_path, [row], name="more.xlsx")
    r = invoke(runner, "members", "show", "会员1")
    text = failure(r)
    assert "2 人" in text and "身份证号" in text
    assert person_id(1) not in text and person_id(1)[-4:] in text


def test_show_pii_is_audited(runner, roster_ledger, _isolated):
    r = invoke(runner, "members", "show", "会员1", "--show-pii")
    assert r.exit_code == 0 and person_id(1) in r.output
    assert sql("SELECT count(*) FROM audit_events WHERE action = 'show_pii'")[0][0] == 1
