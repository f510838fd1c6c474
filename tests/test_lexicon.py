"""Headers by composition: concepts + grammar, the words behind each decision, columns that cannot
be placed, --map in Chinese and by column letter, and mappings remembered for the same header."""

from __future__ import annotations

import pytest

from builders import write_csv
from conftest import invoke, sql
from djgj.errors import InputError, UsageError
from djgj.read.headers import Column, cut, parse_map_options, read_header, read_one, resolve


@pytest.mark.parametrize(
    "header, field",
    [
        ("建会否", "union_form"),
        ("有无工会组织", "union_form"),
        ("工会是否组建", "union_form"),
        ("職工總人數", "employees"),
        ("入会职工", "union_members"),
        ("在册会员数", "union_members"),
        ("企业（单位）全称", "name"),
        ("居委会", "name"),
        ("自然村", "name"),
        ("务工人员", "migrant_workers"),
        ("单位经济类型", "ownership"),
        ("主席由书记兼任否", "chair_is_secretary"),
        ("工会会员数", "union_members"),
        ("党员职工", "party_members"),
        ("外出务工人员", "villagers_away"),
        ("已建立党组织类型", "party_org"),
        # the unit a member belongs to (所属工会 is left to the roster: see test_rosters)
        ("会员所在单位", "unit_name"),
        ("职工所在企业", "unit_name"),
        # a roster's yes/no of membership
        ("是否系工会会员", "is_member"),
        ("入会（是/否）", "is_member"),
    ],
)
def test_headers_compose_into_fields(header, field):
    assert read_one(header).field == field


@pytest.mark.parametrize(
    "header",
    [
        "在册人员",
        "入党积极分子",
        "积极分子人数",
        "女会员人数",
        "新增会员数",
        "备注",
        "单位法人",
        "组织机构代码",
        "会员所属工会",  # a name, never a count of members (it had been 会员数)
        "所属工会",  # a union's superior union in a list of unions
    ],
)
def test_ambiguous_or_foreign_headers_stay_unknown(header):
    assert read_one(header).field is None


def test_two_subjects_resolve_by_grammar_or_not_at_all():
    assert read_one("党员职工").field != "employees"
    assert read_one("女", ["党员"]).field is None  # female Party members: no field
    assert read_one("女", ["从业人员"]).field == "female_employees"
    assert read_one("入会", ["农民工"]).field == "migrant_union_members"
    assert read_one("其中入会", [], "villagers_away").field == "migrant_union_members"
    assert read_one("会员数", ["年内新增"]).field is None  # a qualifier above changes the quantity


def test_every_decision_names_its_words():
    r = read_one("建会否")
    assert "建会" in r.words and "否" in r.words
    r = read_one("总数", ["从业人员（人）"])
    assert "从业人员" in r.words and "总数" in r.words
    assert cut("建会否").concepts >= {"union", "establish", "whether"}


def test_unplaceable_column_refuses_naming_the_field_in_chinese():
    cols = [Column(0, "", "企业名称"), Column(1, "", "从业人员数"), Column(2, "", "会员数量（在册）X")]
    with pytest.raises(InputError) as exc:
        read_header(cols, {}, sheet="表1")
    text = str(exc.value) + " ".join(exc.value.details)
    assert "看起来是“会员”" in text and "--map" in text and "C=忽略" in text


def test_a_column_read_whole_that_is_no_field_is_ignored_not_refused():
    cols = [Column(0, "", "企业名称"), Column(1, "", "工会主席电话"), Column(2, "", "党员工会会员数")]
    notices = read_header(cols, {}, sheet="表1")
    assert [c.field for c in cols] == ["name", None, None]
    assert any("工会主席电话" in n for n in notices)


def test_unplaceable_column_whose_field_is_present_is_ignored_with_a_notice():
    cols = [
        Column(0, "", "企业名称"),
        Column(1, "", "会员数"),
        Column(2, "", "会员数量X"),
        Column(3, "", "备注"),
    ]
    notices = read_header(cols, {}, sheet="表1")
    assert any("已忽略" in n and "备注" in n and "会员数量X" in n for n in notices)
    assert [c.field for c in cols] == ["name", "union_members", None, None]


def test_map_takes_chinese_field_names_and_column_letters():
    got = parse_map_options(["在册会员=会员数", "E=忽略", "职工合计=从业人员", "F=employees"])
    assert got == {
        "在册会员": "union_members",
        "列:E": "ignore",
        "职工合计": "employees",
        "列:F": "employees",
    }
    cols = [Column(3, "", "在册会员"), Column(4, "", "会员数"), Column(5, "", "某某")]
    resolve(cols, got)
    assert [c.field for c in cols] == ["union_members", "ignore", "employees"]
    with pytest.raises(UsageError, match="未知字段"):
        parse_map_options(["在册会员=不存在的字段"])


def _sheet(path, extra_header="会员数量X"):
    rows = [
        ["企业名称", "从业人员数", "是否建会", extra_header],
        ["甲公司", "30", "已建", "20"],
        ["乙公司", "10", "尚未建立", "0"],
    ]
    return write_csv(path, rows, encoding="utf-8")


@pytest.mark.usefixtures("backend")
def test_mapping_is_remembered_for_the_same_header(runner, tmp_path, _isolated):
    opts = ("--as-of", "2014-12-31", "--township", "城关镇", "--kind", "non_public")
    refused = invoke(runner, "import", str(_sheet(tmp_path / "a.csv")), *opts)
    assert refused.exit_code == 1 and "看起来是“会员”" in refused.output
    first = invoke(runner, "import", str(_sheet(tmp_path / "a.csv")), *opts, "--map", "D=会员数")
    assert first.exit_code == 0, first.output
    f2 = write_csv(
        tmp_path / "b.csv",
        [["企业名称", "从业人员数", "是否建会", "会员数量X"], ["丙公司", "12", "有", "7"]],
        encoding="utf-8",
    )
    again = invoke(runner, "import", str(f2), *opts)
    assert again.exit_code == 0, again.output
    assert "沿用此前为相同表头指定的对应" in again.output
    assert sorted(sql("select union_members from snapshots")) == [(0,), (7,), (20,)]


def test_dry_run_shows_the_words_behind_each_column(runner, tmp_path, _isolated):
    f = _sheet(tmp_path / "c.csv", extra_header="备注")
    out = invoke(
        runner,
        "import",
        str(f),
        "--dry-run",
        "--as-of",
        "2014-12-31",
        "--township",
        "城关镇",
        "--kind",
        "non_public",
    )
    assert out.exit_code == 0, out.output
    assert "工会（union_form）" in out.output and "依据：是否 + 建会" in out.output
