"""Counties laid out in ways the sample county never was: each file is written here by code, imported
as a cadre would, and every figure compared with what the file says, worked out by hand.

Phrasings are checked twice: those a rule was written from, and held-out ones it was not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import write_xlsx
from conftest import invoke
from conftest import report_json as _report
from conftest import units_json as _units
from djgj.read import values as V
from djgj.read.headers import read_one

# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("group", "header", "want"),
    [
        # written from
        ("工会", "组建状态", "union_form"),
        ("", "工会联合会是否成立", "union_form"),
        ("", "在编在岗人数", "employees"),
        ("", "党组织覆盖方式", "party_org"),
        ("", "社团名称", "name"),
        ("", "机关事业单位名称", "name"),
        # held out
        ("党组织", "建立状态", "party_org"),
        ("", "党支部设立状态", "party_org"),
        ("", "建会状态", "union_form"),
        ("", "是否成立村级工会联合会", "union_form"),
        ("", "在编职工数", "employees"),
        ("", "工会覆盖形式", "union_form"),
        ("", "协会名称", "name"),
        ("", "商户名称", "name"),
        ("", "工会组织现状", "union_form"),
    ],
)
def test_new_phrasings_of_known_fields_are_read(group, header, want):
    assert read_one(header, [group] if group else []).field == want


@pytest.mark.parametrize(
    "header",
    [
        "工会状态",  # a union list's record state (正常/注销), not whether one exists
        "单位状态",
        "编制人数",  # an agency's quota, not the people it has
        "工会覆盖率",
        "党组织覆盖单位数",
        "登记管理机关",
    ],
)
def test_neighbouring_phrasings_stay_unplaced(header):
    assert read_one(header, []).field in (None, "")


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("cell", ["—", "/", "－", " / ", "——", "／", "--"])
def test_a_struck_through_count_is_unknown_not_zero_nor_refused(cell):
    assert V.count_or_unknown(cell) is None


@pytest.mark.parametrize("cell", ["无", "暂无", "没有", "尚无"])
def test_a_count_saying_none_is_zero(cell):
    assert V.count_or_unknown(cell) == 0 and V.count(cell) == 0


@pytest.mark.parametrize("cell", ["约30", "30左右", "50余人", "约四十人", "二十多人", "100以上"])
def test_an_estimate_is_refused_and_called_an_estimate(cell):
    with pytest.raises(V.ValueProblem, match="约数"):
        V.count_or_unknown(cell)


@pytest.mark.parametrize(
    ("cell", "form", "instructor"),
    [
        ("选派指导员", "none", True),  # written from
        ("派驻党建指导员", "none", True),  # held out
        ("已选派党建工作指导员", "none", True),
        ("由指导员覆盖", "none", True),
        ("有联络员", "none", True),
        ("未选派指导员", "none", False),
        ("联合党支部", "joint_branch", False),
        ("单独组建党支部", "branch", False),
    ],
)
def test_an_instructor_in_the_party_column_is_no_organisation_of_its_own(cell, form, instructor):
    assert V.party_org(cell) == form
    assert V.names_instructor(cell) is instructor


@pytest.mark.parametrize(
    ("cell", "want"),
    [("纳入街道联合工会", "joint"), ("加入镇联合工会", "joint"), ("已加入乡镇区域性工会", "joint")],
)
def test_a_joint_union_named_with_its_place_is_joint(cell, want):
    assert V.union_form(cell) == want


# ---------------------------------------------------------------- whole files


def _two_family_workbook(path: Path) -> Path:
    """A township's workbook: a 非公企业 sheet (no type column; the sheet's name says the kind) with
    a two-row header, status words and struck-through counts, beside a 村（社区） sheet."""
    firms = [
        ["2023年青石镇两新组织党建带工建工作台账"],
        ["序", "企业全称", "职工", None, "工会", None, "党组织", None],
        [None, None, "人数", "其中女", "组建状态", "会员", "是否组建", "党员"],
        [1, "青石镇华兴五金有限公司", "48人", "20", "已建", "45", "有", "5"],
        [2, "青石镇鑫达物流有限公司", "26", "/", "正在组建", "/", "否", "1"],
        [3, "青石镇宏远建材厂", "不详", None, "已建", "12人", "无", "0"],
        [4, "青石镇顺丰食品有限公司", "60", "25", "筹建中", "无", "是", "4"],
        [None, "合计", "134", None, None, "57", None, "10"],
        ["填报说明：职工人数含劳务派遣人员。"],
    ]
    villages = [
        ["2023年青石镇村（社区）工会组建情况"],
        ["村（社区）", "工会联合会是否成立", "会员人数", "外出务工人员", "其中已入会"],
        ["石门村", "已成立", "120", "300", "40"],
        ["青石社区", "是", "80", "0", "0"],
        ["北山村", "未成立", "0", "150", "0"],
        ["南河村", "筹备中", "0", "90", "0"],
    ]
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in (("非公企业", firms), ("村（社区）", villages)):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    for c0, c1, text in ((2, 3, "职工"), (4, 5, "工会"), (6, 7, "党组织")):
        wb.get_worksheet_by_name("非公企业").merge_range(1, c0, 1, c1, text)
    wb.close()
    return path


def test_a_workbook_of_enterprises_and_villages_each_read_by_its_own_meaning(runner, tmp_path):
    path = _two_family_workbook(tmp_path / "青石镇_2023年党建带工建台账.xlsx")
    res = invoke(runner, "import", str(path))
    assert res.exit_code == 0, res.output
    assert "“—”“/”记为未知" in res.output and "“无”计为 0" in res.output
    units = _units(runner)
    assert {u["kind"] for n, u in units.items() if n.endswith("公司") or n.endswith("厂")} == {"non_public"}
    assert units["石门村"]["union_form"] == "federation" and units["青石社区"]["union_form"] == "federation"
    assert units["北山村"]["union_form"] == "none" and units["南河村"]["union_form"] == "none"
    assert units["青石镇鑫达物流有限公司"]["union_form"] == "none"  # 正在组建: none yet
    firms = _report(runner, "--kind", "non_public")
    t, f = firms["totals"], firms["figures"]
    assert t["orgs"] == 4 and t["employees"] == 134 and f["employees"]["left_out"] == 1  # 不详
    assert t["unions"] == 2 and t["union_required"] == 3 and t["union_rate"] == pytest.approx(1 / 3)
    # 会员 of the units whose employees are known: 45 + 0 (无); 鑫达's "/" is unknown, not 0
    assert t["member_rate"] == pytest.approx(45 / 108) and f["member_rate"]["left_out"] == 2
    sections = {s["family"]: s for s in _report(runner)["sections"]}
    v = sections["villages"]["totals"]
    assert v["orgs"] == 4 and v["union_covered"] == 2 and v["union_coverage_rate"] == 0.5
    assert v["union_members"] == 200
    for s in sections.values():  # two families, never one rate, none above 100%
        assert all(x is None or x <= 1 for k, x in s["totals"].items() if k.endswith(("rate", "share")))


def test_a_struck_through_member_count_is_left_out_not_read_as_zero(runner, tmp_path):
    rows = [
        ["城南镇非公企业工会情况（2023年）"],
        ["企业名称", "职工人数", "是否建会", "会员人数"],
        ["城南镇甲有限公司", "40", "是", "—"],
        ["城南镇乙有限公司", "60", "是", "30"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城南镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    f = _report(runner)["figures"]
    assert f["union_members"]["value"] == 30 and f["union_members"]["left_out"] == 1
    assert f["member_rate"]["value"] == pytest.approx(0.5)  # 30 / 60, not 30 / 100


@pytest.mark.parametrize(
    ("title", "sheet", "want"),
    [
        ("金沙街道社会组织“两个覆盖”情况统计表", "Sheet1", "social_org"),  # written from
        ("2023年金沙街道党建工作统计", "社会团体", "social_org"),  # held out: the sheet's name
        ("金沙街道国有企业工会情况", "Sheet1", "state_owned"),
        ("金沙街道集体企业党建情况", "Sheet1", "collective"),
    ],
)
def test_a_title_or_sheet_naming_one_kind_gives_it_to_units_without_their_own(
    runner, tmp_path, title, sheet, want
):
    rows = [
        [title],
        ["组织名称", "党员人数", "党组织覆盖方式", "工会覆盖方式"],
        ["金沙街道老年人协会", "3", "单独组建党支部", "纳入街道联合工会"],
        ["金沙街道志愿者服务中心", "0", "选派指导员", "无"],
    ]
    path = write_xlsx(tmp_path / "金沙街道.xlsx", [], sheets={sheet: rows})
    res = invoke(runner, "import", str(path), "--as-of", "2023-12-31")
    assert res.exit_code == 0, res.output
    units = _units(runner)
    assert {u["kind"] for u in units.values()} == {want}
    assert units["金沙街道老年人协会"]["party_org"] == "branch"
    assert units["金沙街道志愿者服务中心"]["party_org"] == "none"
    gaps = json.loads(invoke(runner, "gaps", "--year", "2023", "--format", "json").stdout)
    assert not [g for g in gaps if g.get("rule") == "party_coverage"]  # the instructor covers it


def test_a_title_naming_two_kinds_gives_neither(runner, tmp_path):
    rows = [
        ["金沙街道非公企业和社会组织党建情况（2023年）"],
        ["单位名称", "党员人数", "党组织"],
        ["金沙街道老年人协会", "3", "党支部"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "金沙街道.xlsx", rows)))
    assert res.exit_code == 1 and "无法判断" in res.output and "单位类别" in res.output


# ---------------------------------------------------------------- a 备注 carrying the union's status


@pytest.mark.parametrize(
    ("remark", "want"),
    [
        ("与卫生院联合建会", "joint"),  # written from
        ("已纳入园区联合工会", "joint"),  # held out
        ("尚未建立工会", "none"),
        ("工会正在筹建", "none"),
        ("2019年单独建会", "committee"),
        ("设工会组织员一名", "organizer"),
        ("已注销", None),  # speaks of no union: no evidence
        ("法人代表兼任会计", None),
    ],
)
def test_a_remark_states_the_union_form_by_its_words(remark, want):
    from djgj.records.unions import form_in_remark

    assert form_in_remark(remark) == want


def test_a_remark_stating_a_joint_union_comes_before_members_as_evidence():
    from djgj.records.unions import UnionEvidence, infer_union

    ev = UnionEvidence()
    values: dict = {"union_members": 10}
    infer_union(values, None, None, ev, "与卫生院联合建会")
    assert values["union_form"] == "joint" and ev.remarked == 1 and ev.inferred == 0
    values = {"union_members": 10}
    infer_union(values, None, None, ev, None)
    assert values["union_form"] == "committee"  # members alone: an own union, said in the summary


def _remark_sheet(path: Path) -> Path:
    rows = [
        ["桃源镇机关事业单位工会组建情况统计（2023年）"],
        ["备注", "会员（名）", "在编在岗人数", "单位名称", "单位性质", "工会成立时间"],
        [None, "35", "38", "桃源镇人民政府", "机关", "2010年5月"],
        ["与卫生院联合建会", "10", "15", "桃源镇农业服务中心", "事业单位", None],
        [None, "50", "52", "桃源镇卫生院", "事业单位", "2015.3"],
    ]
    return write_xlsx(path, rows)


def test_a_remark_saying_joint_union_is_not_counted_as_an_own_union(runner, tmp_path):
    res = invoke(runner, "import", str(_remark_sheet(tmp_path / "桃源镇.xlsx")))
    assert res.exit_code == 0, res.output
    units = _units(runner)
    assert units["桃源镇农业服务中心"]["union_form"] == "joint"
    assert _report(runner)["totals"]["unions"] == 2


def test_instructors_sent_but_not_named_are_said_to_be_left_out(runner, tmp_path):
    rows = [
        ["柳河镇非公企业党建情况（2023年）"],
        ["企业名称", "职工人数", "党员人数", "党组织", "党建指导员"],
        ["柳河镇甲有限公司", "20", "1", "无", "否"],
        ["柳河镇乙有限公司", "30", "2", "无", "王建国"],
        ["柳河镇丙有限公司", "40", "1", "无", "是"],  # has one, not named
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "柳河镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    report = _report(runner)
    assert report["totals"]["instructors"] == 1  # the instructors named (王建国) …
    assert report["figures"]["instructors"]["left_out"] == 1  # … and 丙's, not named, said as left out
    text = invoke(runner, "report").stdout
    assert (
        "党建指导员：1个单位未计入" in text and "选派党建指导员1名（另有1家有党建指导员但未填姓名）" in text
    )


# ---------------------------------------------------------------- a union column holding dates


@pytest.mark.parametrize(
    ("cell", "day", "precision"),
    [
        ("2016.5", "2016-05-01", "month"),  # written from
        ("2021年3月", "2021-03-01", "month"),
        ("2016年5月建会", "2016-05-01", "month"),  # held out
        ("于2019年成立", "2019-01-01", "year"),
        ("2018-07-12", "2018-07-12", "day"),
    ],
)
def test_a_union_cell_giving_its_founding_date_says_it_exists(cell, day, precision):
    got = V.founding_date(cell)
    assert got is not None and got[0].isoformat() == day and got[1] == precision


@pytest.mark.parametrize("cell", ["已建", "未建", "1", 1, "3月", "2016.13"])
def test_a_union_cell_that_is_no_date_is_read_as_before(cell):
    assert V.founding_date(cell) is None


def test_a_sheet_asking_for_the_founding_date_in_its_union_column(runner, tmp_path):
    from builders import write_csv

    rows = [
        ["东岭乡非公有制企业工会组建情况表"],
        ["填报说明："],
        ["1．“建会情况”栏已建会的填写建会年月，未建会的填“未建”；"],
        ["企业名称", "从业人员", "建会情况", "会员", "党员"],
        ["东岭乡金穗米业有限公司", "35", "2016.5", "30", "2"],
        ["东岭乡顺达运输有限公司", "28", "未建", "0", "0"],
        ["东岭乡兴旺养殖场", "9", "2021年3月", "9", "1"],
        ["东岭乡福源酒店", "52", "2023年10月", "40", "3"],
        [],
        ["审核人：王五", "", "填表人：赵六", "", "填报日期：2024年1月8日"],
    ]
    path = write_csv(tmp_path / "东岭乡.csv", rows, encoding="gbk")
    res = invoke(runner, "import", str(path))
    assert res.exit_code == 1 and "--as-of" in res.output  # the 填报日期 footer is no year-end
    res = invoke(runner, "import", str(path), "--as-of", "2023-12-31")
    assert res.exit_code == 0, res.output
    assert "工会栏写的日期记为已建会" in res.output
    t = _report(runner)["totals"]
    assert (t["unions"], t["union_required"], t["union_members"], t["new_unions"]) == (3, 3, 79, 1)
    assert t["union_rate"] == pytest.approx(2 / 3)


# ---------------------------------------------------------------- villages and enterprises in one sheet


@pytest.mark.parametrize(
    ("group", "header", "want"),
    [
        ("", "类别", "kind"),  # written from
        ("", "类型", "kind"),  # held out
        ("", "分类", "kind"),
        ("工会", "类型", "union_form"),  # a group naming a subject keeps its meaning
        ("党组织", "类别", "party_org"),
        ("", "组建方式", None),  # how something was set up: not the unit's kind
    ],
)
def test_a_bare_kind_word_in_a_unit_list_is_the_units_kind(group, header, want):
    assert (read_one(header, [group] if group else []).field or None) == want


def test_villages_and_enterprises_in_one_sheet_are_two_families(runner, tmp_path):
    rows = [
        ["北岗镇2023年基层工会组建情况一览表"],
        ["序号", "单位", "类别", "职工（人）", "工会", "会员"],
        [1, "北岗镇红旗村", "村", None, "已建", "150"],
        [2, "北岗镇新华社区", "社区", None, "未建", "0"],
        [3, "北岗镇鼎盛铸造有限公司", "民营企业", "80", "已建", "70"],
        [4, "北岗镇永安", "行政村", None, "已建", "90"],  # held out: the 类别 cell alone says village
        [5, "北岗镇卫生院", "事业单位", "40", "已建", "40"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "北岗镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    kinds = {n: u["kind"] for n, u in _units(runner).items()}
    assert kinds == {
        "北岗镇红旗村": "village",
        "北岗镇新华社区": "community",
        "北岗镇鼎盛铸造有限公司": "non_public",
        "北岗镇永安": "village",
        "北岗镇卫生院": "institution",
    }
    sections = {s["family"]: s["totals"] for s in _report(runner)["sections"]}
    firms, villages = sections["enterprises"], sections["villages"]
    assert (firms["orgs"], firms["employees"], firms["unions"], firms["union_members"]) == (2, 120, 2, 110)
    assert (villages["orgs"], villages["union_covered"], villages["union_members"]) == (3, 2, 240)
    assert villages["union_coverage_rate"] == pytest.approx(2 / 3)


# ---------------------------------------------------------------- the date a title gives


@pytest.mark.parametrize(
    ("title", "want"),
    [
        ("2023年上半年青石镇党建统计", "2023-06-30"),  # written from
        ("青石镇2023年第三季度党建统计", "2023-09-30"),
        ("2023年1-9月非公企业工会情况", "2023-09-30"),
        ("二〇二三年青石镇党建统计", "2023-12-31"),
        ("石桥镇2022年度工会统计（第一季度）", "2022-03-31"),  # held out
        ("2021年二季度非公企业情况", "2021-06-30"),
        ("2020年1—6月党建工作台账", "2020-06-30"),
        ("二〇一九年度工会组建情况", "2019-12-31"),
        ("2023年下半年", "2023-12-31"),
        ("2014年度城关镇", "2014-12-31"),
    ],
)
def test_a_title_naming_part_of_a_year_gives_that_parts_end(title, want):
    from djgj.read.layout import as_of_from_titles

    assert as_of_from_titles([title])[0].isoformat() == want


@pytest.mark.parametrize(
    ("title", "town"), [("二〇二三年青石镇党建统计", "青石镇"), ("二〇一九年度龙泉乡工会组建情况", "龙泉乡")]
)
def test_a_year_in_chinese_numerals_is_no_part_of_the_township(title, town):
    from djgj.read.layout import township_from_text

    assert township_from_text(title) == town


def test_a_file_named_for_half_a_year_is_dated_at_its_end():
    from djgj.read.layout import as_of_from_file_name

    assert as_of_from_file_name("2023年上半年_青石镇").isoformat() == "2023-06-30"
    assert as_of_from_file_name("青石镇2023年第三季度台账").isoformat() == "2023-09-30"


# ---------------------------------------------------------------- an answer with a note


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("否（已纳入联合工会）", "joint"),  # written from
        ("已建（2019年）", "committee"),
        ("单建", "committee"),
        ("否，有组织员", "organizer"),  # held out
        ("无（已加入区域工会联合会）", "joint"),
        ("是，2019年建", "committee"),
        ("独建", "committee"),
        ("无（筹建中）", "none"),
        ("已纳入桥头镇联合工会", "joint"),
        ("未加入桥头镇联合工会", "none"),
    ],
)
def test_a_union_answer_with_a_note_is_read_with_it(cell, want):
    assert V.read_with_note(V.union_form, cell) == want


@pytest.mark.parametrize(
    "cell",
    [
        "单独建会、联合建会（同时打√，只能选一项）",
        "未建（拟明年建）",
        "未建（停产）",
        "不适用",
        "已建（待核）",
    ],
)
def test_a_note_that_cannot_be_read_keeps_the_cell_refused(cell):
    with pytest.raises(V.ValueProblem):
        V.read_with_note(V.union_form, cell)


@pytest.mark.parametrize(
    ("cell", "form", "instructor"),
    [
        ("否（纳入联合党支部）", "joint_branch", False),
        ("无（选派指导员）", "none", True),
        ("联合党支部，派指导员", "joint_branch", True),
    ],
)
def test_a_party_answer_with_a_note_is_read_with_it(cell, form, instructor):
    assert V.read_with_note(V.party_org, cell) == form and V.names_instructor(cell) is instructor


def test_a_no_with_a_joint_union_note_covers_the_unit(runner, tmp_path):
    rows = [
        ["桥头镇非公企业工会情况（2023年）"],
        ["企业名称", "职工人数", "是否建会", "会员人数"],
        ["桥头镇甲五金店", "6", "否（已纳入桥头镇联合工会）", "6"],
        ["桥头镇乙有限公司", "30", "已建（2019年）", "28"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "桥头镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["unions"], t["union_covered"], t["union_members"]) == (1, 2, 34)


def test_a_villages_blank_employees_cell_in_a_mixed_list_is_no_contradiction(runner, tmp_path):
    rows = [
        ["北岗镇2023年基层工会组建情况一览表"],
        ["单位", "类别", "职工（人）", "工会", "会员"],
        ["北岗镇红旗村", "村", None, "已建", "150"],
        ["北岗镇鼎盛铸造有限公司", "民营企业", "80", "已建", "70"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "北岗镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    assert "自相矛盾" not in res.output
    assert _units(runner)["北岗镇红旗村"]["employees"] is None
