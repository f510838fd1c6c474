"""A second round of counties laid out in ways no one here had seen (probe4): each file is written here
by code, imported as a cadre would, and every figure compared with what the file says, worked out by
hand. Phrasings are checked twice: those a rule was written from, and held-out ones it was not.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from builders import write_csv, write_xlsx
from conftest import invoke
from conftest import report_json as _report
from conftest import units_json as _units
from djgj.read import values as V

# ---------------------------------------------------------------- a year written with two digits


@pytest.mark.parametrize(
    ("cell", "day", "precision"),
    [
        ("19年5月", "2019-05-01", "month"),  # written from
        ("98年", "1998-01-01", "year"),  # held out
        ("21年11月3日", "2021-11-03", "day"),
        ("１５年６月", "2015-06-01", "month"),
        ("05年", "2005-01-01", "year"),
    ],
)
def test_a_two_digit_year_with_its_nian_is_read_as_a_cadre_means_it(cell, day, precision):
    got = V.date_value(cell)
    assert got is not None and got[0].isoformat() == day and got[1] == precision


def test_a_two_digit_year_is_never_in_the_future():
    yy = (dt.date.today().year + 1) % 100
    assert V.date_value(f"{yy:02d}年")[0].year == 1900 + yy  # type: ignore[index]


@pytest.mark.parametrize("cell", ["19.5", "19-5", "195", "5月"])
def test_two_digits_without_nian_are_no_date(cell):
    with pytest.raises(V.ValueProblem):
        V.date_value(cell)


# ---------------------------------------------------------------- a formal statistics form


def _formal_form(path):
    """A county's 统计表: two-row header with groups, a 栏次 row (甲 乙 1 2 …), the 总计 row first,
    the 乡镇 cell merged down its units, columns that are no ledger field (职工代表人数, 工会经费,
    党费), a 19年5月 founding date, notes and signatures under the table."""
    rows = [
        ["2023年度全县非公有制企业工会组建情况统计表"],
        ["填报单位（盖章）：", None, None, None, None, None, None, None, "单位：个、人、万元"],
        [
            "乡镇",
            "企业名称",
            "职工人数",
            "工会组建情况",
            None,
            None,
            "职工代表人数",
            "工会经费",
            "党组织情况",
            None,
            "党费",
        ],
        [None, None, None, "是否建会", "会员数", "建会时间", None, None, "党员数", "组织形式", None],
        ["甲", "乙", 1, 2, 3, 4, 5, 6, 7, 8, 9],
        ["总计", None, 330, None, 270, None, 44, 12.5, 26, None, 1.3],
        ["城关镇", "城关镇华丰纺织有限公司", 200, "是", 180, "2015.5", 30, 8.2, 15, "党支部", 0.9],
        [None, "城关镇顺达物流有限公司", 60, "是", 50, "2019年5月", 8, 3.1, 6, "党支部", 0.3],
        [None, "城关镇小李餐馆", 10, "否", None, None, None, None, 1, "无", 0.05],
        ["河口乡", "河口乡宏发建材厂", 40, "是", 30, "19年5月", 4, 1.0, 3, "联合党支部", 0.04],
        [None, "河口乡绿源农业专业合作社", 20, "否", 10, None, 2, 0.2, 1, "无", 0.01],
        ["注：1.职工代表人数指本届职代会代表人数；2.工会经费为上年度拨缴数。"],
        ["填表人：张三", None, None, None, "审核人：李四", None, None, None, "填报日期：2024年1月5日"],
    ]
    merged = [(2, c, 3, c, rows[2][c]) for c in (0, 1, 2, 6, 7, 10)]
    merged += [(2, 3, 2, 5, "工会组建情况"), (2, 8, 2, 9, "党组织情况")]
    merged += [(6, 0, 8, 0, "城关镇"), (9, 0, 10, 0, "河口乡")]
    return write_xlsx(path, rows, merged=merged)


def test_a_formal_statistics_form_is_read_figure_by_figure(runner, tmp_path):
    res = invoke(
        runner, "import", str(_formal_form(tmp_path / "2023年度全县非公有制企业工会组建情况统计表.xlsx"))
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "职工代表人数" in out and "工会经费" in out and "党费" in out and "已忽略" in out
    assert "两位数年份补全" in out and "两者不符" not in out  # the 总计 row agrees with the rows
    units = _units(runner)
    assert {n: u["township"] for n, u in units.items()} == {
        "城关镇华丰纺织有限公司": "城关镇",
        "城关镇顺达物流有限公司": "城关镇",
        "城关镇小李餐馆": "城关镇",
        "河口乡宏发建材厂": "河口乡",
        "河口乡绿源农业专业合作社": "河口乡",
    }
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["party_members"], t["union_members"]) == (5, 330, 26, 270)
    assert (t["unions"], t["union_required"], t["party_orgs"], t["party_org_required"]) == (3, 3, 2, 3)
    assert t["member_rate"] == pytest.approx(270 / 330) and t["party_org_rate"] == pytest.approx(2 / 3)
    assert t["new_unions"] == 0  # 19年5月 is 2019, not 2023 nor refused


# ---------------------------------------------------------------- the union federation's list


def _union_list(path, third: str, fourth: str):
    rows = [
        ["青山县基层工会名录（截至2023年12月底）"],
        [
            "序号",
            "工会名称",
            "工会统一社会信用代码",
            "所在乡镇",
            "工会主席",
            "会员人数",
            "其中女会员",
            "成立日期",
            "单位职工人数",
        ],
        [1, "青山县鑫源机械有限公司工会委员会", None, "城关镇", "王刚", 120, 40, "2012-03-01", 130],
        [2, third, None, "城关镇", "李梅", 35, 20, "2016-07-01", None],
        [3, "青山县宏达建筑工程有限公司工会", None, "石门镇", "赵强", 80, 5, "2023-10-10", 95],
        [4, fourth, None, "石门镇", "孙丽", 30, 12, "2005-01-01", 32],
    ]
    return write_xlsx(path, rows)


@pytest.mark.parametrize(
    ("third", "fourth", "agency"),
    [
        (
            "青山县城关镇个体劳动者联合工会",
            "青山县石门镇人民政府机关工会",
            "青山县石门镇人民政府",
        ),  # written from
        ("城关镇商贸行业工会联合会", "青山县石门镇卫生院工会委员会", "青山县石门镇卫生院"),  # held out
        ("城关镇工业园区域性工会", "石门镇财政所机关工会", "石门镇财政所"),
    ],
)
def test_a_union_list_with_a_township_column_is_a_list_of_unions(runner, tmp_path, third, fourth, agency):
    path = _union_list(tmp_path / "青山县基层工会名录.xlsx", third, fourth)
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    # A township column beside the unions' names: no summary by township. The joint union covers
    # several units, is none of them: skipped and said by name, never a unit of its own (probe6: the
    # whole file had been refused for it).
    assert res.exit_code == 0, res.output
    assert "分乡镇的汇总数" not in res.output
    assert f"“{third}”是多个单位共建的工会" in res.output and "已跳过" in res.output
    assert (
        "工会统一社会信用代码" in res.output and "已忽略" in res.output
    )  # the union's code is not the unit's
    assert set(_units(runner)) == {"青山县鑫源机械有限公司", "青山县宏达建筑工程有限公司", agency}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_covered"], t["union_members"]) == (
        3,
        257,
        3,
        3,
        230,
    )
    assert t["new_unions"] == 1  # 成立日期 is the union's (2023-10-10)


@pytest.mark.parametrize(
    ("name", "several"),
    [
        ("城关镇个体劳动者联合工会", True),
        ("红旗镇商贸企业联合工会委员会", True),
        ("城关镇快递物流行业工会联合会", True),  # held out
        ("城关镇楼宇工会", True),
        ("城关镇东关村工会联合会", False),  # a village's own union
        ("新华社区联合工会", False),
        ("甲有限公司工会委员会", False),
        ("县直机关工会", False),
        (None, False),
    ],
)
def test_a_union_of_several_units_is_told_by_its_name(name, several):
    from djgj.records.unions import covers_several_units

    assert covers_several_units(name) is several


@pytest.mark.parametrize(
    ("union", "unit"),
    [
        ("石门镇人民政府机关工会", "石门镇人民政府"),
        ("县教育局机关工会委员会", "县教育局"),
        ("县直机关工会", "县直机关"),  # 县直 is no unit's name
        ("甲有限公司工会", "甲有限公司"),
    ],
)
def test_an_agencys_union_names_the_agency(union, unit):
    from djgj.records.unions import unit_name_of_union

    assert unit_name_of_union(union) == unit


def test_a_union_list_as_csv_reads_its_founding_dates_as_a_workbook_does(runner, tmp_path):
    rows = [
        ["石门镇基层工会名册（2023年）"],
        ["工会名称", "所在乡镇", "会员数", "成立时间", "职工数"],
        ["石门镇甲有限公司工会委员会", "石门镇", "40", "2023年3月", "45"],
        ["石门镇乙有限公司工会", "石门镇", "20", "2010年", "25"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "石门镇.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["unions"], t["union_members"], t["new_unions"]) == (2, 2, 60, 1)


# ---------------------------------------------------------------- a summary whose rows are kinds


def _by_kind_workbook(path, kinds: list[str]):
    summary = [["东湖镇2023年党建带工建情况汇总"], ["类别", "单位数", "已建工会数", "会员数", "党员数"]]
    summary += [[k, 1, 1, 10, 1] for k in kinds] + [
        ["合计", len(kinds), len(kinds), 10 * len(kinds), len(kinds)]
    ]
    firms = [
        ["企业名称", "职工人数", "是否建会", "会员数", "党员数"],
        ["东湖镇永兴制衣有限公司", 60, "是", 50, 4],
        ["东湖镇老张五金店", 5, "否", 0, 1],
    ]
    orgs = [["组织名称", "工作人员数", "是否建会", "会员数", "党员数"], ["东湖镇商会", 10, "是", 8, 1]]
    return write_xlsx(path, [], sheets={"汇总表": summary, "非公企业": firms, "社会组织": orgs})


@pytest.mark.parametrize(
    "kinds",
    [
        ["非公企业", "社会组织"],  # written from
        ["私营企业", "社会团体", "事业单位", "行政村"],  # held out
        ["非公有制企业", "民办非企业单位", "国有企业"],
    ],
)
def test_a_summary_by_kind_beside_the_unit_sheets_is_skipped_not_read_as_units(runner, tmp_path, kinds):
    res = invoke(
        runner, "import", str(_by_kind_workbook(tmp_path / "东湖镇2023年党建带工建台账.xlsx", kinds))
    )
    assert res.exit_code == 0, res.output
    assert "跳过工作表“汇总表”：是分类别的汇总数" in res.output
    assert set(_units(runner)) == {"东湖镇永兴制衣有限公司", "东湖镇老张五金店", "东湖镇商会"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["party_members"], t["unions"], t["union_members"]) == (
        3,
        75,
        6,
        2,
        58,
    )


def test_a_summary_by_kind_alone_is_refused_as_what_it_is(runner, tmp_path):
    rows = [
        ["2023年全县两新组织建会情况"],
        ["分类", "单位数", "已建会数"],
        ["非公企业", "120", "80"],
        ["社会组织", "30", "12"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "全县2023.csv", rows)))
    assert res.exit_code == 1 and "分类别的汇总数" in res.output and "整个文件未导入" in res.output


def test_a_kind_column_beside_unit_names_is_still_a_unit_list(runner, tmp_path):
    rows = [
        ["2023年东湖镇台账"],
        ["单位名称", "类别", "职工人数", "会员数"],
        ["东湖镇商会", "社会组织", "10", "8"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "东湖镇.csv", rows)))
    assert res.exit_code == 0, res.output
    assert _units(runner)["东湖镇商会"]["kind"] == "social_org"


# ---------------------------------------------------------------- a 新就业形态 list


@pytest.mark.parametrize(
    "header",
    ["站点（网点）名称", "网点名称", "配送站名称", "服务站名称"],  # written from: the first
)
def test_a_stations_name_column_names_the_units(header):
    from djgj.read.headers import read_one

    assert read_one(header, []).field == "name"


def test_a_new_forms_of_employment_list_reads_its_stations(runner, tmp_path):
    rows = [
        ["城关镇新就业形态劳动者入会情况台账（2023年）"],
        ["序号", "站点（网点）名称", "所属平台/品牌", "劳动者人数", "已入会人数", "入会率", "是否建立工会"],
        [1, "城关镇美团外卖城北站", "美团", "45", "40", "88.9%", "是"],
        [2, "城关镇中通快递网点", "中通", "18", "12", "66.7%", "否"],
        [3, "城关镇饿了么城南站", "饿了么", "30", "30", "100%", "是"],
        ["合计", "", "", "93", "82", "88.2%", ""],
    ]
    res = invoke(
        runner, "import", str(write_csv(tmp_path / "城关镇新就业形态.csv", rows)), "--kind", "non_public"
    )
    assert res.exit_code == 0, res.output
    assert "入会率" in res.output and "已忽略" in res.output  # a rate column is never a figure's source
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_members"]) == (3, 93, 2, 82)
    assert t["member_rate"] == pytest.approx(82 / 93)


# ---------------------------------------------------------------- 是 in the union column, its form in 备注


@pytest.mark.parametrize(
    ("cell", "remark", "want"),
    [
        ("是", "已纳入城关镇快递物流行业联合工会", "joint"),  # written from
        ("√", "与邻近企业联合建会", "joint"),  # held out
        ("有", "设工会组织员", "organizer"),
        ("已建", "加入园区联合工会", "joint"),
        ("是", "2019年建会", "committee"),  # the remark says no other form
        (
            "单独建会",
            "已纳入联合工会",
            "committee",
        ),  # the cell says its form: the remark does not overrule it
        ("是", "法人代表兼任会计", "committee"),
        # 是否建会 answered for an own union, the joint one in 备注 (否（已纳入联合工会） split in two cells)
        ("否", "已加入街道联合工会", "joint"),
        ("×", "纳入园区联合工会", "joint"),  # held out
        ("", "已加入街道联合工会", "joint"),
        ("否", "尚未建会", "none"),
        ("未建", "个体户", "none"),
    ],
)
def test_a_bare_yes_or_no_takes_its_form_from_the_remark(runner, tmp_path, cell, remark, want):
    rows = [
        ["城关镇新就业形态劳动者入会情况台账（2023年）"],
        ["站点名称", "劳动者人数", "已入会人数", "是否建立工会", "备注"],
        ["城关镇美团外卖城北站", "45", "40", cell, remark],
        ["城关镇饿了么城南站", "30", "30", "是", ""],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "城关镇.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert _units(runner)["城关镇美团外卖城北站"]["union_form"] == want
    t = _report(runner)["totals"]
    assert t["unions"] == (2 if want == "committee" else 1)
    assert t["union_covered"] == (1 if want == "none" else 2)
    assert ("按备注记为该形式" in res.output) is (want not in ("committee", "none"))


# ---------------------------------------------------------------- dates and townships in unusual phrasings


@pytest.mark.parametrize(
    ("title", "want"),
    [
        ("统计截止日期：2023.12.31", "2023-12-31"),  # written from
        ("截至2023年6月", "2023-06-30"),
        ("截止日期：2023-06-30", "2023-06-30"),  # held out
        ("数据截至时间：2023/9/30", "2023-09-30"),
        ("统计时点：2023年3月", "2023-03-31"),
        ("截止2023.6", "2023-06-30"),
        ("城关镇2023年6月份工会台账", "2023-06-30"),
        ("统计时间：2023年12月", "2023-12-31"),
        ("2023年度非公企业统计（2024年1月5日填报）", "2023-12-31"),  # the filling date is no as-of
        ("2023年1-9月非公企业", "2023-09-30"),
    ],
)
def test_a_title_dating_its_data_by_a_label_or_a_month(title, want):
    from djgj.read.layout import as_of_from_titles

    assert as_of_from_titles([title])[0].isoformat() == want  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("填报单位：中共城关镇委员会（盖章）", "城关镇"),  # written from
        ("中国共产党红旗街道工作委员会", "红旗街道"),  # held out
        ("中共石门乡党委组织办", "石门乡"),
    ],
)
def test_the_partys_name_before_a_township_is_no_part_of_it(text, town):
    from djgj.read.layout import township_from_text

    assert township_from_text(text) == town


def test_a_filling_unit_of_the_township_party_committee_and_a_dotted_as_of(runner, tmp_path):
    rows = [
        ["非公企业工会情况统计"],
        ["填报单位：中共城关镇委员会（盖章）", None, "统计截止日期：2023.12.31"],
        ["企业名称", "从业人员数", "是否建立工会", "工会会员数"],
        ["甲有限公司", 40, "是", 30],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "f.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert "截至 2023-12-31" in res.output
    assert _units(runner)["甲有限公司"]["township"] == "城关镇"  # not 中共城关镇


def _sheets_by_year(path, names):
    header = ["企业名称", "从业人员数", "是否建立工会", "工会会员数"]
    first = [["城关镇非公企业工会情况"], header, ["甲有限公司", 40, "否", 0], ["乙有限公司", 30, "是", 20]]
    second = [["城关镇非公企业工会情况"], header, ["甲有限公司", 42, "是", 35], ["乙有限公司", 31, "是", 22]]
    return write_xlsx(path, [], sheets=dict(zip(names, (first, second), strict=True)))


@pytest.mark.parametrize(
    "names", [("2022年", "2023年"), ("城关镇2022", "城关镇2023"), ("2022年度", "2023年上半年")]
)
def test_a_workbook_of_one_sheet_per_year_is_never_dated_by_its_first_sheet(runner, tmp_path, names):
    path = _sheets_by_year(tmp_path / "城关镇工会情况.xlsx", names)
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    assert res.exit_code == 1 and "一次导入只能有一个截至日期" in res.output and "--sheet" in res.output
    for name in names:
        res = invoke(runner, "import", str(path), "--kind", "non_public", "--sheet", name)
        assert res.exit_code == 0, res.output
        assert f"取自工作表名“{name}”" in res.output
    t = _report(runner, "--year", "2023")["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_members"]) == (2, 73, 2, 57)
    assert t["new_members"] == 37  # 57 at 2023's date against 20 at 2022's end


# ---------------------------------------------------------------- a credit code cell saying there is none


@pytest.mark.parametrize(
    "cell",
    [
        "暂无",
        "个体户无代码",
        "—",
        "未办理",
        "无",
        "/",
        "未登记",
        "尚未取得",
        "不详",
        " － ",
    ],  # first four written from
)
def test_a_credit_code_cell_saying_none_is_no_code(cell):
    assert V.credit_code(cell) is None
    assert V.credit_codes([cell]) == [None]


@pytest.mark.parametrize("cell", ["见营业执照", "91330100MA000000X0", "9133无", "12345"])
def test_a_credit_code_cell_that_is_no_code_nor_says_none_is_still_refused(cell):
    with pytest.raises(V.ValueProblem):
        V.credit_code(cell)


def test_units_without_codes_and_a_male_part_of_employees(runner, tmp_path):
    rows = [
        ["2023年度全县非公企业党建工建情况"],
        ["乡镇", "企业名称", "统一社会信用代码", "从业人员", None, "是否建会", "会员数"],
        [None, None, None, "男", "女", None, None],
        ["城关镇", "城关镇甲有限公司", "暂无", 30, 20, "是", 45],
        ["城关镇", "城关镇乙有限公司", "个体户无代码", 12, 8, "否", 0],
        ["城关镇", "城关镇丙有限公司", "—", 50, 10, "是", 55],
    ]
    merged = [(1, c, 2, c, rows[1][c]) for c in (0, 1, 2, 5, 6)] + [(1, 3, 1, 4, "从业人员")]
    res = invoke(
        runner, "import", str(write_xlsx(tmp_path / "t.xlsx", rows, merged=merged)), "--kind", "non_public"
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "记为没有代码" in out and "3 处" in out
    assert "从业人员/男" in out and "已忽略" in out  # the male part is never the employees
    t = _report(runner)["figures"]
    assert t["employees"]["value"] is None and t["employees"]["left_out"] == 3
    assert {u["credit_code"] for u in _units(runner).values()} == {None}


# ---------------------------------------------------------------- 兼任 beside the post it speaks of


@pytest.mark.parametrize(
    ("header", "left", "want"),
    [
        ("是否由村党组织书记兼任", "union_chair", "chair_is_secretary"),  # written from
        ("是否由党组织书记兼任", "union_chair", "chair_is_secretary"),  # held out
        ("由村支书兼任", "union_chair", "chair_is_secretary"),
        ("是否兼任工会主席", "party_secretary", "chair_is_secretary"),
        ("是否由村党组织书记兼任", None, None),  # whose post, nothing says
        ("是否兼任", "union_chair", None),  # held by whom, nothing says
        ("是否由书记兼任", "party_secretary", None),
    ],
)
def test_a_concurrent_post_header_takes_the_other_post_from_its_left(header, left, want):
    from djgj.read.headers import read_one

    assert (read_one(header, [], left=left).field or None) == want


def test_a_village_list_with_a_chair_and_whether_the_secretary_holds_it(runner, tmp_path):
    rows = [
        ["附件3"],
        ["石门镇村（社区）工会组建情况一览表"],
        ["填报单位：石门镇总工会", "", "", "", "", "", "", "", "时间：2023年12月"],
        [
            "序号",
            "村（社区）名称",
            "村“两委”成员数",
            "是否建立工会",
            "工会主席",
            "是否由村党组织书记兼任",
            "会员数",
            "外出务工人员数",
            "入会积极分子",
        ],
        ["1", "石门村", "7", "已建（工会联合会）", "张三", "是", "一百二十", "300", "15"],
        ["2", "东坪村", "5", "√", "李四", "否", "80人", "150", "8"],
        ["3", "西岭村", "5", "×", "", "", "—", "90", "0"],
        ["4", "石门社区", "9", "是（2019年建）", "王五", "是", "260", "/", "20"],
        ["合计", "", "26", "3", "", "", "460", "540", "43"],
        ["注：会员数含在外务工已入会人员。"],
    ]
    res = invoke(
        runner, "import", str(write_csv(tmp_path / "石门镇村社区工会一览表.csv", rows, encoding="gbk"))
    )
    assert res.exit_code == 0, res.output
    assert "村“两委”成员数" in res.output and "已忽略" in res.output  # never a figure
    (v,) = [s["totals"] for s in _report(runner)["sections"]] or [_report(runner)["totals"]]
    assert (v["orgs"], v["union_covered"], v["union_members"], v["villagers_away"], v["activists"]) == (
        4,
        3,
        460,
        540,
        43,
    )


# ---------------------------------------------------------------- an Excel error in a count cell


def test_an_excel_error_in_a_count_cell_is_never_zero(runner, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["城关镇非公企业工会情况（2023年）"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["城关镇甲有限公司", 40, "是", "#N/A"],  # openpyxl writes an error cell (VLOOKUP found nothing)
        ["城关镇乙有限公司", 60, "是", 30],
    ):
        ws.append(row)
    path = tmp_path / "城关镇.xlsx"
    wb.save(path)
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    # calamine gives the error cell as an empty one (read, 0 members): refused, naming it
    assert res.exit_code == 1, res.output
    assert "工作表“Sheet”D3（#N/A）" in res.output and "Excel 错误值" in res.output
    assert _units(runner) == {}
    skipped = invoke(runner, "import", str(path), "--kind", "non_public", "--sheet", "Sheet")
    assert skipped.exit_code == 1  # (the sheet read whole too: never a 0 from it)


def test_an_excel_error_outside_a_units_figures_is_no_refusal(runner, tmp_path):
    """An error in a column no field reads (备注) matters not; in a 合计 row it is said, not checked."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["城关镇非公企业工会情况（2023年）"],
        ["企业名称", "职工人数", "是否建会", "会员数", "备注"],
        ["城关镇甲有限公司", 40, "是", 20, "#DIV/0!"],
        ["城关镇乙有限公司", 60, "是", 30, None],
        ["合计", 100, None, "#VALUE!", None],
    ):
        ws.append(row)
    path = tmp_path / "城关镇.xlsx"
    wb.save(path)
    res = invoke(runner, "import", str(path), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert "D5（#VALUE!）：合计行是 Excel 错误值，未核对" in res.output
    assert _report(runner)["totals"]["union_members"] == 50


# ---------------------------------------------------------------- parts of the column on the left


@pytest.mark.parametrize(
    ("labels", "want"),
    [
        # written from: the statistical tables' "#" for 其中, and two parts of one whole
        (["从业人员", "#女职工", "# 农民工"], ["employees", "female_employees", "migrant_workers"]),
        (["从业人员", "其中女职工", "其中农民工"], ["employees", "female_employees", "migrant_workers"]),
        # held out
        (["职工人数", "其中：女", "其中：农民工"], ["employees", "female_employees", "migrant_workers"]),
        (["会员数", "＃农民工"], ["union_members", "migrant_union_members"]),
        (["工会会员", "其中农民工", "其中女"], ["union_members", "migrant_union_members", None]),
        # a part is never its whole again (it had been read as 女职工 / 会员 a second time)
        (["从业人员", "其中女职工", "其中已成立工会"], ["employees", "female_employees", None]),
        (["会员数", "其中已建会"], ["union_members", None]),
        (["女职工", "#已成立工会"], ["female_employees", None]),
    ],
)
def test_parts_of_a_whole_are_read_against_the_whole(labels, want):
    from djgj.read.headers import Column, resolve

    cols = [Column(0, "", "企业名称"), *(Column(i + 1, "", label) for i, label in enumerate(labels))]
    resolve(cols)
    assert [c.field or None for c in cols[1:]] == want


def test_a_statistical_table_with_hash_parts_is_read_figure_by_figure(runner, tmp_path):
    rows = [
        ["城关镇2023年非公企业工会统计表"],
        ["企业名称", "从业人员", "#女职工", "#农民工", "工会会员", "#农民工", "是否建会"],
        ["城关镇甲有限公司", 100, 40, 60, 90, 50, "是"],
        ["城关镇乙有限公司", 50, 20, 30, 0, 0, "否"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "t.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["employees"], t["migrant_workers"], t["union_members"], t["migrant_union_members"]) == (
        150,
        90,
        90,
        50,
    )
    assert t["migrant_member_rate"] == pytest.approx(50 / 90)


# ---------------------------------------------------------------- a Party column saying whose organisation it joined


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("挂靠村党支部", "joint_branch"),  # written from
        ("纳入社区党委管理", "joint_branch"),
        ("隶属社区党总支", "joint_branch"),  # held out
        ("已加入村企联合党支部", "joint_branch"),
        ("否（挂靠社区党支部）", "joint_branch"),
        ("联合党支部", "joint_branch"),
        ("单独建立党支部", "branch"),
    ],
)
def test_a_party_cell_naming_the_organisation_it_joined_is_covered_jointly(cell, want):
    assert V.read_with_note(V.party_org, cell) == want


@pytest.mark.parametrize("cell", ["已纳入联合工会", "已纳入联合工会管理", "村党支部"])
def test_a_union_answer_or_another_units_branch_in_the_party_column_is_refused(cell):
    with pytest.raises(V.ValueProblem):
        V.read_with_note(V.party_org, cell)


# ---------------------------------------------------------------- a title naming several townships


@pytest.mark.parametrize(
    ("text", "towns"),
    [
        ("桥头镇、石门镇2023年非公企业工会情况", ["桥头镇", "石门镇"]),  # written from
        ("城关镇等5个乡镇2023年非公企业情况", ["城关镇", "等"]),
        ("桥头镇和石门镇非公企业情况", ["桥头镇", "石门镇"]),  # held out (the second read loosely: several)
        ("东片区（城关镇、红旗街道）企业名单", ["城关镇", "红旗街道"]),
        ("城关镇（含原石门乡）非公企业", ["城关镇", "石门乡"]),
        ("青山县城关镇2023年台账", ["城关镇"]),
        ("2024年各乡镇统计表", []),
    ],
)
def test_the_townships_a_text_names(text, towns):
    from djgj.read.layout import townships_in_text

    got = townships_in_text(text)
    assert len(got) == len(towns) and got[0:1] == towns[0:1]


@pytest.mark.parametrize(
    "title",
    [
        "桥头镇、石门镇2023年非公企业工会情况",
        "城关镇等5个乡镇2023年非公企业情况",
        "2023年桥头镇和石门镇企业名单",
    ],
)
def test_a_title_naming_several_townships_gives_its_units_none_of_them(runner, tmp_path, title):
    rows = [[title], ["企业名称", "从业人员数", "是否建立工会", "工会会员数"], ["甲有限公司", 40, "是", 30]]
    # (the file is named for one of them: a title naming several must not let the file name decide)
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "桥头镇.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert "提到不止一个乡镇" in " ".join(res.output.split())
    assert _units(runner)["甲有限公司"]["township"] is None


# ---------------------------------------------------------------- a county summary whose rows carry counts


@pytest.mark.parametrize(
    "towns",
    [
        ("城关镇（2家）", "西河乡（1家）"),  # written from
        ("1.城关镇", "2.西河乡"),  # held out
        ("一、城关镇", "二、西河乡"),
        ("城关镇共2家", "西河乡共1家"),
    ],
)
def test_a_county_summary_by_township_is_skipped_even_with_a_kind_for_the_unit_sheets(
    runner, tmp_path, towns
):
    summary = [
        ["2023年全县非公企业建会情况汇总表"],
        ["单位", "企业数", "职工人数", "会员人数"],
        [towns[0], 2, 130, 100],
        [towns[1], 1, 40, 30],
        ["合计", 3, 170, 130],
    ]
    sheets = {"全县汇总": summary}
    for town, rows in {
        "城关镇": [["城关镇华丰有限公司", 100, "是", 90], ["城关镇小李商店", 30, "否", 10]],
        "西河乡": [["西河乡酿酒厂", 40, "是", 30]],
    }.items():
        sheets[town] = [
            [f"{town}非公企业名单（2023年）"],
            ["企业名称", "职工人数", "是否建会", "会员人数"],
            *rows,
        ]
    path = write_xlsx(tmp_path / "全县2023汇总.xlsx", [], sheets=sheets)
    res = invoke(runner, "import", str(path), "--kind", "non_public")  # the unit sheets have no type column
    assert res.exit_code == 0, res.output
    assert "跳过工作表“全县汇总”：是分乡镇的汇总数" in res.output
    assert set(_units(runner)) == {"城关镇华丰有限公司", "城关镇小李商店", "西河乡酿酒厂"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (3, 170, 130)  # never 340 and 260


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])  # read as it streams, and whole
def test_a_summary_by_township_alone_is_refused_whatever_kind_is_given(runner, tmp_path, suffix):
    rows = [
        ["2023年全县非公企业建会情况汇总表"],
        ["单位", "企业数", "职工人数", "会员人数"],  # (the townships in a name column)
        ["城关镇", 2, 130, 100],
        ["西河乡", 1, 40, 30],
        ["合计", 3, 170, 130],
    ]
    path = tmp_path / f"全县2023汇总{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
    for kind in ([], ["--kind", "non_public"]):
        res = invoke(runner, "import", str(path), *kind)
        assert res.exit_code == 1 and "是分乡镇的汇总数" in res.output, (kind, res.output)
    assert _units(runner) == {}


# ---------------------------------------------------------------- a roster named by its sheet


def test_a_workbook_of_one_roster_sheet_per_unit_takes_each_unit_from_its_sheets_name(runner, tmp_path):
    from test_checks import person_id

    units = [
        ["城关镇非公企业名单（2023年）"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["城关镇华丰纺织有限公司", 100, "是", 2],
        ["城关镇顺达物流有限公司", 60, "是", 1],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇.xlsx", units)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    header = ["序号", "姓名", "性别", "身份证号", "政治面貌", "入会时间"]
    pid = [person_id(1), person_id(2, "女"), person_id(3)]
    sheets = {
        "城关镇华丰纺织有限公司": [
            ["工会会员花名册"],
            header,
            [1, "张三", "男", pid[0], "群众", "19年5月"],
            [2, "李四", "女", pid[1].lower(), "群众", "2019.5"],
        ],
        "城关镇顺达物流有限公司": [
            ["会员名册（2023年）"],
            header,
            [1, "王五", "男", pid[2], "中共党员", "2020年3月"],
        ],
    }
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "花名册.xlsx", [], sheets=sheets)), "--roster")
    assert res.exit_code == 0, res.output
    assert "取自工作表名“城关镇华丰纺织有限公司”" in res.output
    listed = json.loads(invoke(runner, "members", "list", "--format", "json").stdout)
    by_unit = sorted((m["unit_name"], m["joined_on"]) for m in listed)
    assert by_unit == [
        ("城关镇华丰纺织有限公司", "2019-05-01"),
        ("城关镇华丰纺织有限公司", "2019-05-01"),
        ("城关镇顺达物流有限公司", "2020-03-01"),
    ]


# ---------------------------------------------------------------- a header listing the answers to choose from


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("建会情况（已建/未建/联合）", "union_form"),  # written from
        ("党组织形式（党委/党总支/党支部/联合党支部）", "party_org"),
        ("工会组建形式（单独、联合）", "union_form"),  # held out
        ("建会情况（已建/未建）", "union_form"),
        ("规范化建设（初级/基本/规范化）", "standardization"),
        ("入会（是/否）", "is_member"),  # yes/no options say it is a yes/no question: kept
        ("工会会员数（含退休）", None),  # what a count holds is no list of answers
        ("党员数（正式/预备）", None),  # both standings: neither field
    ],
)
def test_a_bracket_listing_the_answers_does_not_change_what_the_column_holds(header, want):
    from djgj.read.headers import read_one

    assert (read_one(header, []).field or None) == want


def test_a_union_column_listing_its_answers_is_read_not_inferred_from_members(runner, tmp_path):
    rows = [
        ["红旗镇2023年非公企业工会情况"],
        [
            "企业名称",
            "职工人数",
            "建会情况（已建/未建/联合）",
            "会员数",
            "党组织形式（党委/党总支/党支部/联合党支部/无）",
        ],
        ["红旗镇甲有限公司", 60, "已建", 55, "党支部"],
        ["红旗镇乙五金店", 8, "联合", 8, "联合党支部"],
        ["红旗镇丙饭店", 12, "未建", 0, "无"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "红旗镇.xlsx", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output
    assert "推断为已建" not in res.output  # the column is read, not ignored for an inference
    t = _report(runner)["totals"]
    assert (t["unions"], t["union_covered"], t["party_orgs"], t["party_covered"]) == (1, 2, 1, 2)


# ---------------------------------------------------------------- dates as cadres and systems write them


@pytest.mark.parametrize(
    ("cell", "day", "precision"),
    [
        ("2019年5月份", "2019-05-01", "month"),  # written from
        ("2019-05-08 00:00:00", "2019-05-08", "day"),
        ("2019年度", "2019-01-01", "year"),
        ("2019.5.", "2019-05-01", "month"),
        ("2019.5月", "2019-05-01", "month"),  # held out
        ("2019年5月底", "2019-05-01", "month"),
        ("2019-05-08T00:00:00", "2019-05-08", "day"),
        ("2021年末", "2021-01-01", "year"),
    ],
)
def test_a_date_written_with_its_period_word_is_read(cell, day, precision):
    got = V.date_value(cell)
    assert got is not None and got[0].isoformat() == day and got[1] == precision


@pytest.mark.parametrize("cell", ["5/8/2019", "2019年上半年", "2019-05-08 10:30:00", "2019.13"])
def test_a_date_that_is_ambiguous_or_not_one_day_stays_refused(cell):
    with pytest.raises(V.ValueProblem):
        V.date_value(cell)


# ---------------------------------------------------------------- a public body's 单位性质


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("行政", "agency"),  # written from
        ("差额拨款", "institution"),
        ("个人独资企业", "non_public"),
        ("行政单位", "agency"),  # held out
        ("参公", "institution"),
        ("自收自支", "institution"),
        ("公益二类", "institution"),
        ("普通合伙企业", "non_public"),
        ("行政村", "village"),  # never the agency of 行政
    ],
)
def test_a_type_cell_naming_funding_or_registration_gives_the_kind(cell, want):
    from djgj.records.kinds import kind_cell

    assert kind_cell(cell) == want


def test_a_list_of_public_bodies_by_their_funding(runner, tmp_path):
    rows = [
        ["桃源镇机关事业单位工会组建情况（2023年）"],
        ["单位名称", "单位性质", "在编在岗人数", "是否建会", "会员数"],
        ["桃源镇人民政府", "行政", "38", "是", "35"],
        ["桃源镇卫生院", "差额拨款", "52", "是", "50"],
        ["桃源镇中心学校", "全额拨款", "80", "是", "78"],
        ["桃源镇农业服务中心", "公益一类", "15", "否（已纳入镇机关联合工会）", "10"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "桃源镇.xlsx", rows)))
    assert res.exit_code == 0, res.output
    kinds = {n: u["kind"] for n, u in _units(runner).items()}
    assert kinds == {
        "桃源镇人民政府": "agency",
        "桃源镇卫生院": "institution",
        "桃源镇中心学校": "institution",
        "桃源镇农业服务中心": "institution",
    }
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_covered"], t["union_members"]) == (
        4,
        185,
        3,
        4,
        173,
    )


# ---------------------------------------------------------------- a sign marking a unit's name


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("★城关镇甲有限公司", "城关镇甲有限公司"),  # written from
        ("城关镇甲有限公司*", "城关镇甲有限公司"),
        ("※城关镇甲有限公司", "城关镇甲有限公司"),  # held out
        ("城关镇甲有限公司△", "城关镇甲有限公司"),
        ("▲ 城关镇甲有限公司", "城关镇甲有限公司"),
        ("★", "★"),  # only a sign: as written
        ("城关镇★星有限公司", "城关镇★星有限公司"),  # inside a name: its own
    ],
)
def test_a_sign_marking_a_name_is_no_part_of_it(cell, want):
    from djgj.read.layout import name_without_marks

    assert name_without_marks(V.clean_text(cell) or "") == want


def test_a_starred_unit_is_the_same_unit_next_year(runner, tmp_path):
    header = ["企业名称", "职工人数", "是否建会", "会员数"]
    first = [
        ["城关镇2022年非公企业台账"],
        header,
        ["★城关镇甲有限公司", "100", "是", "80"],
        ["城关镇乙有限公司*", "30", "否", "0"],
    ]
    second = [
        ["城关镇2023年非公企业台账"],
        header,
        ["城关镇甲有限公司", "110", "是", "95"],
        ["城关镇乙有限公司", "32", "是", "30"],
    ]
    said = []
    for name, rows in (("2022.xlsx", first), ("2023.csv", second)):
        path = (
            write_xlsx(tmp_path / name, rows) if name.endswith("xlsx") else write_csv(tmp_path / name, rows)
        )
        res = invoke(runner, "import", str(path), "--kind", "non_public")
        assert res.exit_code == 0, res.output
        said.append(" ".join(res.output.split()))
    assert "标记符号" in said[0] and "2 处" in said[0] and "标记符号" not in said[1]
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}
    t = _report(runner, "--year", "2023")["totals"]
    assert (t["orgs"], t["employees"], t["union_members"], t["new_members"]) == (2, 142, 125, 45)


# ---------------------------------------------------------------- a short name and a place beside the name


@pytest.mark.parametrize("header", ["简称", "单位简称", "曾用名", "原名称"])
def test_a_short_or_former_name_is_not_the_name_of_record(header):
    from djgj.read.headers import read_one

    got = read_one(header, [])
    assert got.field is None and got.different


def test_a_short_name_and_the_village_an_enterprise_is_in_are_named_as_ignored(runner, tmp_path):
    rows = [
        ["城关镇2023年非公企业台账"],
        ["企业名称", "简称", "所在村（社区）", "职工人数", "是否建会", "会员数"],
        ["城关镇甲纺织有限公司", "甲纺织", "东关村", "120", "是", "100"],
        ["城关镇乙五金店", "乙五金", "西关社区", "8", "否", "0"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "p.csv", rows)))
    assert res.exit_code == 0, res.output  # (both had been taken for the name: the file was refused)
    out = " ".join(res.output.split())
    assert "B列“简称”" in out and "C列“所在村(社区)”" in out
    assert set(_units(runner)) == {"城关镇甲纺织有限公司", "城关镇乙五金店"}


# ---------------------------------------------------------------- statistics rows under a table


@pytest.mark.parametrize(
    "label",
    [
        "平均",
        "入会率",
        "建会率",
        "占比",
        "人均",
        "平均数",
        "覆盖率（%）",
        "党员占比",
        "比例",
    ],  # first three written from
)
def test_a_statistics_row_under_the_table_is_no_unit(runner, tmp_path, label):
    rows = [
        ["城关镇2023年非公企业台账"],
        ["企业名称", "职工人数", "是否建会", "会员数", "党员数"],
        ["城关镇甲纺织有限公司", "120", "是", "100", "5"],
        ["城关镇乙五金店", "8", "否", "0", "1"],
        ["合计：2家", "128", "1", "100", "6"],
        [label, "64", "", "50", "3"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "q.csv", rows, encoding="gbk")))
    assert res.exit_code == 0, res.output
    assert set(_units(runner)) == {"城关镇甲纺织有限公司", "城关镇乙五金店"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 128, 100)


def test_a_unit_whose_name_holds_a_statistic_word_is_still_a_unit(runner, tmp_path):
    rows = [
        ["城关镇2023年非公企业台账"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["城关镇比亚迪汽车销售有限公司", "30", "是", "25"],
        ["城关镇均安物流有限公司", "40", "是", "30"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "q.csv", rows)))
    assert res.exit_code == 0, res.output
    assert set(_units(runner)) == {"城关镇比亚迪汽车销售有限公司", "城关镇均安物流有限公司"}


# ---------------------------------------------------------------- a joint union's list of the units it covers


def test_a_joint_unions_list_of_covered_units_reads_each_unit_as_covered(runner, tmp_path):
    rows = [
        ["城关镇联合工会覆盖单位名单（2023年）"],
        ["联合工会名称", "覆盖单位名称", "职工人数", "入会人数"],
        ["城关镇个体劳动者联合工会", "城关镇小李餐馆", "6", "6"],
        ["城关镇个体劳动者联合工会", "城关镇红星五金店", "4", "3"],
        ["城关镇商贸行业工会联合会", "城关镇华联超市", "20", "18"],
    ]
    res = invoke(runner, "import", str(write_csv(tmp_path / "r.csv", rows)), "--kind", "non_public")
    assert res.exit_code == 0, res.output  # (both columns had been unread: the file was refused)
    assert {n: u["union_form"] for n, u in _units(runner).items()} == {
        "城关镇小李餐馆": "joint",
        "城关镇红星五金店": "joint",
        "城关镇华联超市": "joint",  # a 行业工会联合会 covers enterprises: joint, not a village's federation
    }
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_covered"], t["union_members"]) == (
        3,
        30,
        0,
        3,
        27,
    )


@pytest.mark.parametrize("header", ["党组织覆盖单位数", "联合工会涵盖单位数", "覆盖单位"])
def test_counts_of_covered_units_stay_unplaced(header):
    from djgj.read.headers import read_one

    assert read_one(header, []).field is None


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("国有参股", None),  # written from: a minority state share is not state-owned
        ("民非", "social_org"),
        ("合资", "non_public"),
        ("国有控股", "state_owned"),  # held out
        ("县属国企", "state_owned"),
        ("民办非企", "social_org"),
        ("台资", "non_public"),
        ("私企", "non_public"),
        ("商会", "social_org"),
        ("国有参股（民营控股）", None),  # first word decides: nothing said of the kind by 国有参股
    ],
)
def test_abbreviated_ownership_words(cell, want):
    from djgj.records.kinds import kind_cell

    assert kind_cell(cell) == want


# ---------------------------------------------------------------- a name cell with its own note


@pytest.mark.parametrize("note", ["（已注销）", "(停业)", "【已吊销】"])  # written from; held out
def test_a_ceased_note_closing_a_name_is_no_part_of_the_name(runner, tmp_path, note):
    """城关镇甲有限公司（已注销）: a 备注 written into the name cell. Kept in the name, the unit became
    a second one beside last year's 城关镇甲有限公司 (both counted at the year's end)."""
    head = ["企业名称", "企业类型", "职工人数", "是否建会", "会员数"]
    before = [["城关镇2022年非公企业名单"], head, ["城关镇甲有限公司", "私营企业", 40, "是", 20]]
    after = [
        ["城关镇2023年非公企业名单"],
        head,
        [f"城关镇甲有限公司{note}", "私营企业", 0, "否", 0],
        ["城关镇乙有限公司（城关分店）", "私营企业", 30, "是", 10],  # a bracket that is part of a name
    ]
    for year, rows in (("2022", before), ("2023", after)):
        res = invoke(runner, "import", str(write_csv(tmp_path / f"城关镇{year}.csv", rows)))
        assert res.exit_code == 0, res.output
    assert "1 个单位的备注或名称写明已注销、停业等" in res.output and note in res.output
    assert set(_units(runner)) == {
        "城关镇甲有限公司",
        "城关镇乙有限公司(城关分店)",
    }  # (brackets kept half-width)
