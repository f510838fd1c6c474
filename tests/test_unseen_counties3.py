"""A third round of counties laid out in ways no one here had seen (probe5): each file is written here
by code, imported as a cadre would, and every figure compared with what the file says, worked out by
hand. Phrasings are checked twice: those a rule was written from, and held-out ones it was not.
"""

from __future__ import annotations

import pytest

from builders import write_csv, write_xlsx
from conftest import invoke
from conftest import report_json as _report
from conftest import units_json as _units

# ---------------------------------------------------------------- one unit on two sheets of a workbook

_HEAD = ["序号", "企业名称", "职工人数", "是否建会", "会员数"]


def _county_workbook(path, summary_rows, *, summary_head=_HEAD, summary_name="全县汇总"):
    """A county's workbook: a summary sheet listing every unit, then one sheet per township."""
    sheets = {
        summary_name: [["2024年全县非公企业工会组建情况汇总"], summary_head, *summary_rows],
        "城关镇": [
            ["城关镇非公企业工会组建情况"],
            _HEAD,
            [1, "城关镇甲有限公司", 50, "是", 45],
            [2, "城关镇乙有限公司", 20, "否", 0],
        ],
        "河口乡": [["河口乡非公企业工会组建情况"], _HEAD, [1, "河口乡丙有限公司", 40, "是", 30]],
    }
    return write_xlsx(path, [], sheets=sheets)


@pytest.mark.parametrize(
    ("summary_name", "summary_head", "rows"),
    [
        # written from: the summary lists the units without their township
        (
            "全县汇总",
            _HEAD,
            [
                [1, "城关镇甲有限公司", 50, "是", 45],
                [2, "城关镇乙有限公司", 20, "否", 0],
                [3, "河口乡丙有限公司", 40, "是", 30],
                ["合计", "", 110, 2, 75],
            ],
        ),
        # held out: with a 乡镇 column, fewer columns than the townships' sheets, another sheet name
        (
            "汇总表",
            ["乡镇", "企业名称", "职工人数"],
            [
                ["城关镇", "城关镇甲有限公司", 50],
                ["城关镇", "城关镇乙有限公司", 20],
                ["河口乡", "河口乡丙有限公司", 40],
            ],
        ),
        (
            "总表",
            ["企业名称", "职工人数", "是否建会"],
            [["城关镇甲有限公司", 50, "是"], ["河口乡丙有限公司", 40, "是"]],
        ),
    ],
)
def test_a_summary_sheet_listing_the_townships_units_counts_each_once(
    runner, tmp_path, summary_name, summary_head, rows
):
    path = _county_workbook(
        tmp_path / "全县2024.xlsx", rows, summary_head=summary_head, summary_name=summary_name
    )
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert f"工作表“{summary_name}”和“城关镇”都列有" in res.output and "只计一次" in res.output
    assert "没有乡镇" not in res.output  # (each took its township from its township's sheet)
    assert {n: u["township"] for n, u in _units(runner).items()} == {
        "城关镇甲有限公司": "城关镇",
        "城关镇乙有限公司": "城关镇",
        "河口乡丙有限公司": "河口乡",
    }
    t = _report(runner)["totals"]  # (had been 6 units, 220 employees: every unit twice)
    assert (t["orgs"], t["employees"], t["unions"], t["union_members"]) == (3, 110, 2, 75)


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ([1, "城关镇甲有限公司", 55, "是", 45], "从业人员"),  # written from
        ([1, "城关镇甲有限公司", 50, "否", 45], "工会"),  # held out
        ([1, "城关镇甲有限公司", 50, "是", 40], "会员"),
    ],
)
def test_a_unit_said_differently_on_two_sheets_is_refused_naming_both(runner, tmp_path, row, said):
    path = _county_workbook(tmp_path / "全县2024.xlsx", [row])
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    # (the township's sheet, read last, had silently overwritten the summary's figure)
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert "“城关镇甲有限公司”在工作表“全县汇总”第3行和工作表“城关镇”第3行都有，内容不同" in out
    assert said in out and "employees" not in out
    assert _units(runner) == {}


def test_a_summary_naming_a_unit_two_townships_both_have_is_refused_not_guessed(runner, tmp_path):
    sheets = {
        "全县汇总": [["2024年全县非公企业汇总"], _HEAD, [1, "宏达商店", 5, "否", 0]],
        "城关镇": [["城关镇非公企业"], _HEAD, [1, "宏达商店", 5, "否", 0]],
        "河口乡": [["河口乡非公企业"], _HEAD, [1, "宏达商店", 8, "否", 0]],
    }
    res = invoke(
        runner,
        "import",
        str(write_xlsx(tmp_path / "全县2024.xlsx", [], sheets=sheets)),
        "--kind",
        "non_public",
    )
    assert res.exit_code == 1 and "无法确定是哪一个" in res.output and "城关镇、河口乡" in res.output


def test_the_same_name_in_two_townships_sheets_stays_two_units(runner, tmp_path):
    sheets = {
        "城关镇": [["城关镇非公企业"], _HEAD, [1, "宏达商店", 5, "否", 0]],
        "河口乡": [["河口乡非公企业"], _HEAD, [1, "宏达商店", 8, "否", 0]],
    }
    res = invoke(
        runner,
        "import",
        str(write_xlsx(tmp_path / "全县2024.xlsx", [], sheets=sheets)),
        "--kind",
        "non_public",
    )
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"]) == (2, 13)


def test_a_unit_twice_in_one_sheet_names_the_differing_fields_in_chinese(runner, tmp_path):
    rows = [
        ["城关镇2024年非公企业"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["甲有限公司", 50, "是", 45],
        ["甲有限公司", 55, "是", 40],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "a.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert "重复出现且内容不同（从业人员、会员）" in out
    assert "employees" not in out and "union_members" not in out


# ---------------------------------------------------------------- a cell saying the value is not known


@pytest.mark.parametrize(
    "cell",
    [
        "未统计",  # written from
        "不清楚",
        "暂不清楚",  # held out
        "尚未统计",
        "无法统计",
        "有待核实",
        "（不详）",
        "未掌握",
        "数据缺失",
        "待核",
        "未上报",
    ],
)
def test_a_cell_saying_it_was_not_found_out_is_unknown(cell):
    from djgj.read import values as V

    assert V.is_unknown(cell)


@pytest.mark.parametrize("cell", ["未建", "待建", "无", "暂无", "不适用", "未定级", "未选派", "否", "未登记"])
def test_a_negation_of_anything_but_finding_out_is_read_as_before(cell):
    from djgj.read import values as V

    assert not V.is_unknown(cell)


def test_counts_not_yet_counted_are_left_out_and_said_not_refused(runner, tmp_path):
    rows = [
        ["2024年石桥镇非公企业党建工建台账"],
        ["企业名称", "从业人员", "党员", "是否建会", "会员"],
        ["石桥镇甲有限公司", "45", "2", "是", "40"],
        ["石桥镇乙有限公司", "未统计", "0", "否", "0"],
        ["石桥镇丙有限公司", "30", "暂不清楚", "是", "待核实"],
        ["石桥镇丁有限公司", "20", "1", "不清楚", "0"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "石桥镇.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output  # (未统计 and 不清楚 had refused the whole file)
    assert "记为未知 4 处" in " ".join(res.output.split())
    assert _units(runner)["石桥镇丁有限公司"]["union_form"] is None  # not "no union"
    f = _report(runner)["figures"]
    assert (f["employees"]["value"], f["employees"]["left_out"]) == (95, 1)
    assert (f["unions"]["value"], f["unions"]["left_out"]) == (2, 1)
    # 会员 of units whose employees and members are known: 甲 40 of 45, 丁 0 of 20
    assert (f["union_members"]["value"], f["union_members"]["left_out"]) == (40, 2)
    assert f["member_rate"]["value"] == pytest.approx(40 / 65)


def test_djgj_set_takes_a_not_known_word_as_unknown():
    from djgj.ledger.corrections import parse_value

    assert parse_value("employees", "未统计") == (None, None)


# ---------------------------------------------------------------- the text mark a system's export keeps


@pytest.mark.parametrize(
    ("cell", "want"),
    [("'45", 45), ("'0", 0), ("‘45", 45), ("'４５人", 45)],  # written from: the first
)
def test_a_count_behind_the_text_mark_is_the_count(cell, want):
    from djgj.read import values as V

    assert V.count_or_unknown(cell) == want


@pytest.mark.parametrize("cell", ["''45", "'45'", "'", "'约45"])
def test_a_quoted_or_marked_non_count_is_still_refused(cell):
    from djgj.read import values as V

    with pytest.raises(V.ValueProblem):
        V.count_or_unknown(cell)


def test_an_export_keeping_excels_text_marks_is_read_and_said(runner, tmp_path):
    from builders import credit_code
    from test_checks import person_id

    code = credit_code(5)
    rows = [
        ["2024年石桥镇非公企业党建工建台账"],
        ["企业名称", "统一社会信用代码", "从业人员", "党员", "是否建会", "会员", "建会时间"],
        ["石桥镇甲有限公司", "'" + code, "'45", "'2", "√", "'40", "'2019.5"],
        ["石桥镇乙有限公司", "", "'12", "0", "×", "0", ""],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "石桥镇.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output  # (every marked cell had been refused)
    assert "去掉数字前的单引号" in res.output
    units = _units(runner)
    assert units["石桥镇甲有限公司"]["credit_code"] == code
    t = _report(runner)["totals"]
    assert (t["employees"], t["party_members"], t["union_members"], t["unions"]) == (57, 2, 40, 1)
    roster = [
        ["石桥镇甲有限公司工会会员花名册"],
        ["序号", "姓名", "性别", "身份证号", "所在单位", "入会时间"],
        [1, "张三", "男", "'" + person_id(1), "石桥镇甲有限公司", "'2019.5"],
        [2, "李四", "女", "'" + person_id(2, "女"), "石桥镇甲有限公司", "2019.5"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "花名册2024.csv", roster)), "--roster")
    assert res.exit_code == 0, res.output
    assert "无效" not in res.output  # (the marked ID numbers had been kept as "'1399…", marked invalid)
    import json

    listed = json.loads(invoke(runner, "members", "list", "--format", "json").stdout)
    assert len(listed) == 2 and all(m["joined_on"] == "2019-05-01" for m in listed)
    assert all(m["id_valid"] and m["id_number"][0] == "1" for m in listed)


# ---------------------------------------------------------------- a count of units beside counts of people


@pytest.mark.parametrize(
    "header",
    [
        "会员单位数",  # written from
        "会员企业数",  # held out
        "入会企业数",
        "工会会员单位数",
        "党员企业数",
        "有党员企业数",
        "农民工会员企业数",
        "会员数（家）",
        "入会（户）",
    ],
)
def test_a_count_of_units_is_no_count_of_people(header):
    from djgj.read.headers import read_one

    got = read_one(header, [])
    assert got.field is None and got.different


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("单位会员数", "union_members"),  # the unit before, the people last: they are counted
        ("企业职工数", "employees"),
        ("村工会会员数", "union_members"),
        ("企业党员人数", "party_members"),
        ("会员人数（人）", "union_members"),
        ("单位人数", "employees"),
    ],
)
def test_people_of_a_unit_are_still_counted(header, want):
    from djgj.read.headers import read_one

    assert read_one(header, []).field == want


def test_an_associations_member_units_never_become_union_members(runner, tmp_path):
    rows = [
        ["2024年城关镇社会组织党建工建情况"],
        ["组织名称", "会员单位数", "工作人员数", "党员数", "是否建立工会"],
        ["城关镇餐饮行业协会", "5", "8", "1", "是"],
        ["城关镇个体劳动者协会", "3", "4", "1", "否"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇社会组织.xlsx", rows)))
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "B列“会员单位数”" in out and "已忽略" in out
    f = _report(runner)["figures"]
    # (the 5 member enterprises had been read as 5 union members of 8 workers: 入会率 62.5%)
    assert f["union_members"]["value"] is None and f["union_members"]["left_out"] == 2
    assert (f["orgs"]["value"], f["employees"]["value"], f["unions"]["value"]) == (2, 12, 1)


# ---------------------------------------------------------------- schools, hospitals and their staff


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("学校名称", "name"),  # written from
        ("教职工数", "employees"),
        ("干部职工人数", "employees"),
        ("卫生院名称", "name"),  # held out
        ("幼儿园全称", "name"),
        ("农民专业合作社名称", "name"),
        ("教职工总人数", "employees"),
        ("在职教职工", "employees"),
        ("学校教职工人数", "employees"),
        ("民办非企业单位名称", "name"),
    ],
)
def test_a_public_bodys_own_words_for_its_name_and_staff(header, want):
    from djgj.read.headers import read_one

    assert read_one(header, []).field == want


@pytest.mark.parametrize(
    "header",
    ["学生人数", "在校学生数", "床位数", "医护人员数", "教师人数", "编制数", "核定编制", "退休教职工"],
)
def test_a_schools_other_counts_are_never_its_staff(header):
    from djgj.read.headers import read_one

    assert read_one(header, []).field is None


def test_a_list_of_schools_by_their_own_words(runner, tmp_path):
    rows = [
        ["2024年城西街道学校工会组建情况统计表"],
        ["序号", "学校名称", "单位性质", "在校学生数", "教职工数", "工会会员数", "是否建立工会", "党员数"],
        [1, "城西街道第一小学", "事业单位", "1200", "86", "86", "是", "30"],
        [2, "城西街道阳光幼儿园", "民办非企业单位", "300", "24", "0", "否", "1"],
        [3, "城西街道实验中学", "公益一类", "2000", "120", "118", "是", "45"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城西街道学校.xlsx", rows)))
    assert res.exit_code == 0, res.output  # (学校名称 and 教职工数 had refused the file)
    assert "D列“在校学生数”" in " ".join(res.output.split())  # never the staff: ignored, said
    kinds = {n: u["kind"] for n, u in _units(runner).items()}
    assert kinds == {
        "城西街道第一小学": "institution",
        "城西街道阳光幼儿园": "social_org",
        "城西街道实验中学": "institution",
    }
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["party_members"], t["union_members"]) == (3, 230, 76, 204)
    assert (t["unions"], t["union_required"]) == (2, 2)  # 24 staff: under 25
    assert t["member_rate"] == pytest.approx(204 / 230)


# ---------------------------------------------------------------- a note written in the name column


@pytest.mark.parametrize(
    "note",
    [
        "统计人：张三",  # written from
        "（本表由镇总工会汇总）",
        "以下空白",
        "领导签字：",  # held out
        "填报时间：2025年1月6日",
        "另：2家企业已停产，未列入",
        "经核实无误",
        "以下无正文",
        "*标注的企业为规上企业",
        "【此表报镇党委一份】",
    ],
)
def test_a_note_in_the_name_column_is_no_unit(runner, tmp_path, note):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, "是", 40],
        [2, "城关镇乙有限公司", 20, "否", 0],
        [None, note],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert "跳过表尾 1 行" in res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}  # (the note had been a third unit)
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_coverage_rate"]) == (2, 70, 1, 0.5)


@pytest.mark.parametrize(
    "name",
    [
        "城关镇丙有限公司",  # a unit alone on its row: still a unit (its blanks read by the sheet's convention)
        "★城关镇丙有限公司",
        "城关镇丙有限公司（城关分店）",
        "以上海路五金店",  # a note word inside a unit's name
        "城关镇标记印刷厂",
    ],
)
def test_a_unit_alone_on_its_row_is_still_a_unit(runner, tmp_path, name):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, "是", 40],
        [None, name],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert len(_units(runner)) == 2


# ---------------------------------------------------------------- a village list in its own words


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("在外务工人数", "villagers_away"),  # written from (it had been "likely 从业人员")
        ("在外人员", "villagers_away"),
        ("在外务工人员", "villagers_away"),  # held out
        ("在外打工人数", "villagers_away"),
        ("在外务工已入会人数", "migrant_union_members"),
        ("村民人数", None),  # written from: the village's people, none of its figures
        ("村两委成员中党员数", None),
        ("村委会主任", None),
        ("居民人数", None),  # held out
        ("两委班子成员数", None),
        ("书记兼主任", None),
        ("村干部人数", None),
    ],
)
def test_a_village_lists_own_words(header, want):
    from djgj.read.headers import read_one

    got = read_one(header, [])
    assert (got.field or None) == want
    assert want is not None or got.different  # known not to be a figure: ignored, said, never asked


def test_a_village_list_with_its_people_and_cadres_beside_its_union(runner, tmp_path):
    rows = [
        ["2024年青龙乡村级工会组建情况"],
        [
            "村（社区）",
            "村民人数",
            "村两委成员中党员数",
            "党员人数",
            "是否建立村级工会",
            "会员人数",
            "在外务工人数",
            "其中入会人数",
            "村委会主任",
        ],
        ["青龙村", "1850", "4", "36", "是", "120", "410", "35", "张三"],
        ["白石村", "960", "3", "18", "否", "0", "220", "0", "李四"],
        ["青龙社区", "3200", "5", "52", "是", "260", "—", "—", "王五"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "青龙乡.xlsx", rows)))
    # (refused: 村民人数 and 在外务工人数 "looked like 从业人员", the advice a cadre would have followed)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "B列“村民人数”" in out and "C列“村两委成员中党员数”" in out and "已忽略" in out
    (v,) = [s["totals"] for s in _report(runner)["sections"]]
    assert (v["orgs"], v["union_covered"], v["union_members"], v["party_members"]) == (3, 2, 380, 106)
    assert (v["villagers_away"], v["migrant_union_members"]) == (630, 35)  # the community's "—" left out
    assert v["away_member_rate"] == pytest.approx(35 / 630)
    f = {s["family"]: s["figures"] for s in _report(runner)["sections"]}["villages"]
    assert f["villagers_away"]["left_out"] == 1


# ---------------------------------------------------------------- a count written in households, firms, money


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("120户", "户数"),  # written from
        ("12家", "单位"),
        ("一百二十户", "户数"),  # held out
        ("3000元", "金额"),
        ("1.2万元", "金额"),
        ("5次", "次数"),
        ("36人次", "人次"),
    ],
)
def test_a_count_measured_in_something_else_than_people_is_refused_saying_what_it_is(cell, said):
    from djgj.read import values as V

    with pytest.raises(V.ValueProblem, match=f"是{said}[^，]*，不是人数"):
        V.count_or_unknown(cell)


@pytest.mark.parametrize("cell", ["120人", "120名", "120位", "120个", "一百二十人"])
def test_a_count_measured_in_people_is_read(cell):
    from djgj.read import values as V

    assert V.count_or_unknown(cell) == 120


def test_villagers_away_counted_in_households_never_become_people(runner, tmp_path):
    rows = [
        ["2024年青龙乡村级工会组建情况"],
        ["村名", "是否建立村级工会", "会员人数", "外出务工人员"],
        ["青龙村", "是", "120", "410"],
        ["白石村", "否", "0", "86户"],
    ]
    path = write_csv(tmp_path / "青龙乡.csv", rows, encoding="gbk")
    res = invoke(runner, "import", str(path))
    # (86户 had been read as 86 people away)
    assert res.exit_code == 1
    assert "第4行" in res.output and "“86户”是户数，不是人数" in res.output
    res = invoke(runner, "import", str(path), "--skip-bad-rows", "--rejects", str(tmp_path / "r.csv"))
    assert res.exit_code == 0, res.output
    (v,) = [s["totals"] for s in _report(runner)["sections"]]
    assert (v["orgs"], v["villagers_away"]) == (1, 410)


# ---------------------------------------------------------------- 单建 and 联建 in the Party column


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("单建", "own"),  # written from
        ("联建", "joint_branch"),
        ("独建", "own"),  # held out
        ("独立组建", "own"),
        ("单独", "own"),
        ("单建党支部", "branch"),
        ("基层工会委员会", None),  # the union's answer in the Party column: still refused
    ],
)
def test_a_party_column_answering_built_alone_or_jointly(cell, want):
    from djgj.read import values as V

    if want is None:
        with pytest.raises(V.ValueProblem):
            V.read_with_note(V.party_org, cell)
    else:
        assert V.read_with_note(V.party_org, cell) == want


def test_a_sheet_answering_both_organisations_by_built_alone_or_jointly(runner, tmp_path):
    rows = [
        ["2024年红星街道两新组织“两个覆盖”情况"],
        ["企业名称", "从业人员", "党员", "党组织（单建/联建/无）", "工会（单建/联建/无）", "会员"],
        ["红星街道甲有限公司", "80", "6", "单建", "单建", "70"],
        ["红星街道乙有限公司", "15", "1", "联建", "联建", "12"],
        ["红星街道丙有限公司", "30", "3", "无", "单建", "25"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "红星街道.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output  # (单建 in the Party column had refused the file)
    t = _report(runner)["totals"]
    assert (t["party_orgs"], t["party_covered"], t["party_org_required"]) == (1, 2, 2)
    assert (t["unions"], t["union_covered"], t["union_members"]) == (2, 3, 107)
    assert t["party_org_rate"] == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    "cell", ["20-30人", "20～30", "二十至三十人", "20人—30人", "20到30名"]
)  # first written from
def test_a_range_of_counts_is_refused_as_a_range(cell):
    from djgj.read import values as V

    with pytest.raises(V.ValueProblem, match="是一个范围，不是确切人数"):
        V.count_or_unknown(cell)


# ---------------------------------------------------------------- a 类别 naming a village or community by its committee


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("村委会", "village"),  # written from
        ("居委会", "community"),
        ("村民委员会", "village"),  # held out
        ("居民委员会", "community"),
        ("社区居委会", "community"),
        ("城市社区", "community"),
        ("涉农社区", "community"),
        ("村改居", "community"),
        ("社区社会组织", "social_org"),  # a community's organisation is no community
        ("社区联合工会", None),  # a union's type names no kind
        ("社区卫生服务中心", None),
    ],
)
def test_a_kind_cell_naming_a_committee_or_a_setting(cell, want):
    from djgj.records.kinds import kind_cell

    assert kind_cell(cell) == want


def test_a_list_mixing_committees_and_enterprises_by_their_kind_cells(runner, tmp_path):
    rows = [
        ["2024年东城街道基层工会组建情况"],
        ["序号", "单位名称", "单位类别", "职工人数", "是否建会", "会员数"],
        [1, "东城街道东关", "村委会", None, "是", "90"],
        [2, "东城街道和平", "居民委员会", None, "是", "60"],
        [3, "东城街道新村", "城市社区", None, "否", "0"],
        [4, "东城街道宏图印刷有限公司", "有限责任公司", "45", "是", "40"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "东城街道.xlsx", rows)))
    assert res.exit_code == 0, res.output  # (the committees' kinds had not been read: the file refused)
    kinds = {n: u["kind"] for n, u in _units(runner).items()}
    assert kinds == {
        "东城街道东关": "village",
        "东城街道和平": "community",
        "东城街道新村": "community",  # its 类别 says so, whatever its name ends with
        "东城街道宏图印刷有限公司": "non_public",
    }
    sections = {s["family"]: s["totals"] for s in _report(runner)["sections"]}
    v, e = sections["villages"], sections["enterprises"]
    assert (v["orgs"], v["union_covered"], v["union_members"]) == (3, 2, 150)
    assert (e["orgs"], e["employees"], e["unions"], e["union_members"]) == (1, 45, 1, 40)


# ---------------------------------------------------------------- a totals row by another word


@pytest.mark.parametrize(
    "label",
    ["城关镇汇总", "累计", "汇总（城关镇）", "本页累计", "全镇累计", "企业汇总"],  # first two written from
)
def test_a_totals_row_labelled_by_another_word_is_no_unit(runner, tmp_path, label):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, "是", 40],
        [2, "城关镇乙有限公司", 20, "否", 0],
        [None, label, 70, None, 40],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}
    t = _report(runner)["totals"]  # (the totals row had been a third unit: 3 units, 140 employees)
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)
