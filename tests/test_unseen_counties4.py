"""A fourth round of counties no one here had seen (probe6): each file is written here by code,
imported as a cadre would, and every figure compared with what the file says, worked out by hand.
Phrasings are checked twice: those a rule was written from (marked), and held-out ones it was not.
"""

from __future__ import annotations

import pytest

from builders import write_csv, write_xls, write_xlsx
from conftest import invoke, sql
from conftest import report_json as _report
from conftest import units_json as _units

_HEAD = ["序号", "企业名称", "职工人数", "是否建会", "会员数"]


def _two_units(last: list) -> list[list]:
    return [
        ["2024年城关镇非公企业工会情况"],
        _HEAD,
        [1, "城关镇甲有限公司", 50, "是", 40],
        [2, "城关镇乙有限公司", 20, "否", 0],
        last,
    ]


def _import(runner, path, *extra):
    return invoke(runner, "import", str(path), "--kind", "non_public", *extra)


def _flat(res) -> str:
    return " ".join(res.output.split())


# ---------------------------------------------------------------- a totals row labelled in English


@pytest.mark.parametrize(
    "label",
    ["Total", "合计 Total", "Sum", "TOTAL", "Grand Total", "Subtotal", "total:", "合计（Total）"],
)  # first written from
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_totals_row_labelled_in_english_is_no_unit(runner, tmp_path, label, fmt):
    rows = _two_units([None, label, 70, 1, 40])
    if fmt == "csv":
        path = write_csv(tmp_path / "城关镇.csv", [[("" if v is None else str(v)) for v in r] for r in rows])
    else:
        path = write_xlsx(tmp_path / "城关镇.xlsx", rows)
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}  # (it had been a third unit)
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)


def test_an_english_totals_row_is_checked_like_a_chinese_one(runner, tmp_path):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units([None, "Total", 75, 1, 40])))
    assert res.exit_code == 0, res.output
    assert "合计行" in res.output and "75" in res.output  # the sum differs: said


@pytest.mark.parametrize("name", ["Totalink Ltd", "SUMMIT科技有限公司", "Sunny五金店"])
def test_a_units_name_in_latin_letters_is_still_a_unit(runner, tmp_path, name):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units([3, name, 12, "否", 0])))
    assert res.exit_code == 0, res.output
    assert name in _units(runner)


def test_the_totals_words_hold_english_as_data():
    from djgj.read.layout import is_totals_label

    assert is_totals_label("Total") and is_totals_label("合计Total") and is_totals_label("小计")
    assert not is_totals_label("Totalink") and not is_totals_label("城关镇甲有限公司")


# ---------------------------------------------------------------- a town-like word inside a phrase


@pytest.mark.parametrize(
    "title",
    [
        "2024年小城镇建设企业",  # written from
        "2024年小城镇建设企业工会情况统计表",
        "特色小镇入驻企业工会组建情况",  # held out
        "2024年城镇建设企业党建工作情况",
        "新型城镇化项目单位统计表",
    ],
)
def test_a_town_word_inside_a_phrase_is_no_township(runner, tmp_path, title):
    rows = [[title], _HEAD, [1, "甲有限公司", 50, "是", 40], [2, "乙有限公司", 20, "否", 0]]
    res = _import(runner, write_xlsx(tmp_path / "企业.xlsx", rows), "--as-of", "2024-12-31")
    assert res.exit_code == 0, res.output
    towns = {u["township"] for u in _units(runner).values()}
    assert towns == {None}, towns  # (小城镇 had become both units' township)


@pytest.mark.parametrize(
    ("title", "town"),
    [
        ("2024年城关镇非公企业工会情况", "城关镇"),
        ("红旗街道2024年度两新组织统计表", "红旗街道"),
        ("中共石桥镇委员会：非公企业党建台账", "石桥镇"),
        ("填报单位：古城镇", "古城镇"),  # a real town whose name ends as 城镇 does
        ("2024年新城镇企业工会情况", "新城镇"),
        ("2024年青石镇重点企业名单", "青石镇"),  # a place that is no common noun: read in a phrase too
        ("红旗镇建筑企业工会情况", "红旗镇"),
        ("青石镇辖区规模以上企业", "青石镇"),
    ],
)
def test_a_township_standing_alone_in_a_title_is_still_read(runner, tmp_path, title, town):
    rows = [[title], _HEAD, [1, "甲有限公司", 50, "是", 40]]
    res = _import(runner, write_xlsx(tmp_path / "企业.xlsx", rows), "--as-of", "2024-12-31")
    assert res.exit_code == 0, res.output
    assert {u["township"] for u in _units(runner).values()} == {town}


def test_a_title_phrase_never_names_a_township_but_a_place_cell_still_does():
    from djgj.read.layout import township_cell, townships_in_title

    assert townships_in_title("2024年小城镇建设企业") == []
    assert townships_in_title("古城镇非公企业") == ["古城镇"]  # the common noun's ending, alone: a place
    assert townships_in_title("桥头镇、石门镇非公企业情况") == ["桥头镇", "石门镇"]
    assert township_cell("城关镇东关村") == "城关镇"  # a place below the township: still its own


# ---------------------------------------------------------------- a hidden column


def _with_hidden_column(path, rows, col: int):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.set_column(col, col, None, None, {"hidden": True})
    wb.close()
    return path


def test_a_hidden_column_is_read_and_said(runner, tmp_path):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "党员人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, 3, "是", 40],
        [2, "城关镇乙有限公司", 20, 1, "否", 0],
    ]
    res = _import(runner, _with_hidden_column(tmp_path / "城关镇.xlsx", rows, 3))
    assert res.exit_code == 0, res.output
    out = _flat(res)
    assert "D列“党员人数”是隐藏列，已读取" in out
    assert _report(runner)["totals"]["party_members"] == 4


def test_a_hidden_column_no_field_reads_is_not_said(runner, tmp_path):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "是否建会", "会员数", "备注"],
        [1, "城关镇甲有限公司", 50, "是", 40, "x"],
    ]
    res = _import(runner, _with_hidden_column(tmp_path / "城关镇.xlsx", rows, 5))
    assert res.exit_code == 0, res.output
    assert "隐藏列" not in res.output


# ---------------------------------------------------------------- a village's column on an enterprise's row


def test_blank_columns_of_the_other_family_stay_unknown(runner, tmp_path):
    rows = [
        ["2024年东城街道基层工会组建情况"],
        [
            "单位名称",
            "单位类别",
            "职工人数",
            "农民工人数",
            "外出务工人数",
            "入会积极分子",
            "是否建会",
            "会员数",
        ],
        ["东城街道宏图印刷有限公司", "有限责任公司", 45, 20, None, None, "是", 40],
        ["东城街道东关村", "村委会", None, None, 300, 12, "是", 90],
        ["东城街道和平社区", "居委会", None, None, "", "", "是", 60],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "东城街道.xlsx", rows)))
    assert res.exit_code == 0, res.output
    got = {
        n: (e, m, a, v)
        for n, e, m, a, v in sql(
            "SELECT unit_name, employees, migrant_workers, activists, villagers_away FROM snapshots"
        )
    }
    assert got["东城街道宏图印刷有限公司"] == (45, 20, None, None)  # (a village's columns had been 0)
    assert got["东城街道东关村"] == (None, None, 12, 300)  # (an enterprise's columns had been 0)
    # a village's own column left blank keeps the sheet's convention for villages
    assert got["东城街道和平社区"][2:] == (0, 0)


# ---------------------------------------------------------------- an Excel error in an old .xls


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"])  # first written from
def test_an_error_cell_in_an_old_xls_is_never_zero(runner, tmp_path, error):
    rows = [
        ["城关镇非公企业工会情况（2024年）"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["城关镇甲有限公司", 40, "是", None],
        ["城关镇乙有限公司", 60, "是", 30],
    ]
    codes = {"#DIV/0!": "#DIV/0!", "#N/A": 0x2A, "#VALUE!": 0x0F, "#REF!": "#REF!"}
    path = write_xls(tmp_path / "城关镇.xls", rows, {(2, 3): codes[error]})
    res = _import(runner, path)
    assert res.exit_code == 1, res.output  # (calamine gives it as an empty cell: 0 members)
    assert "D3（" in _flat(res) and "Excel 错误值" in res.output and "Traceback" not in res.output
    assert _units(runner) == {}


def test_an_error_cell_outside_the_figures_of_an_xls_is_no_refusal(runner, tmp_path):
    rows = [
        ["城关镇非公企业工会情况（2024年）"],
        ["企业名称", "职工人数", "是否建会", "会员数", "备注"],
        ["城关镇甲有限公司", 40, "是", 10, None],
        ["城关镇乙有限公司", 60, "是", 30, None],
        ["合计", 100, None, None, None],
    ]
    path = write_xls(tmp_path / "城关镇.xls", rows, {(2, 4): "#DIV/0!", (4, 3): "#REF!"})
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    assert "D5（#REF!）：合计行是 Excel 错误值，未核对" in _flat(res)
    assert _report(runner)["totals"]["union_members"] == 40


def test_a_plain_xls_still_imports(runner, tmp_path):
    rows = [["城关镇非公企业工会情况（2024年）"], ["企业名称", "职工人数", "是否建会", "会员数"]]
    rows += [["城关镇甲有限公司", 40, "是", 10]]
    res = _import(runner, write_xls(tmp_path / "城关镇.xls", rows))
    assert res.exit_code == 0, res.output
    assert _report(runner)["totals"]["union_members"] == 10


# ---------------------------------------------------------------- a joint union among the units


@pytest.mark.parametrize(
    "row",
    [
        [3, "城关镇个体劳动者联合工会", 36, "是", 30],  # written from
        [3, "联合工会（覆盖12家企业）", 36, "联合工会", 30],
        [3, "城关镇商贸行业工会联合会", None, "是", 55],  # held out
        [3, "城关镇工业园区联合工会覆盖8家企业", 120, "是", 100],
    ],
)
def test_a_joint_union_among_the_units_is_skipped_and_said_not_refusing_the_file(runner, tmp_path, row):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units(row)))
    assert res.exit_code == 0, res.output  # (the whole file had been refused)
    out = _flat(res)
    assert "联合" in out and "不是一个单位" in out and "第5行" in out
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)


def test_hidden_columns_are_found_when_the_workbook_is_read_whole(tmp_path):
    from djgj.read.files import read

    path = _with_hidden_column(tmp_path / "a.xlsx", [["企业名称", "职工人数", "党员人数"], ["甲", 1, 2]], 2)
    assert read(path).sheets[0].hidden_cols == frozenset({2})


# ================================================================ part B: phrasings seen nowhere here before


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("职工人数〔人〕", "employees"),  # written from: the brackets of official documents
        ("会员数〔名〕", "union_members"),  # held out
        ("职工人数［人］", "employees"),
        ("申请入会积极分子人数", "activists"),  # written from
        ("申请入会人数", "activists"),  # held out: applying to join is no membership yet
        ("要求入会职工数", "activists"),
        ("是否建立工会组织(是/否)", "union_form"),  # read as it was (no fix needed)
        ("党组织类型（党委/党总支/党支部/联合党支部）", "party_org"),
        ("建会时间（年.月）", "union_established_on"),
        ("工会主席是否由党组织书记兼任(是/否)", "chair_is_secretary"),
        ("党组织书记是否兼任工会主席", "chair_is_secretary"),
        ("是否建立职代会制度(是/否)", "workers_congress"),
        ("工会规范化建设达标等级", "standardization"),
        ("其中：农民工(人)", "migrant_workers"),
        ("已入会农民工人数", "migrant_union_members"),
        ("外出务工人员中入会人数", "migrant_union_members"),
        ("统一社会信用代码(18位)", "credit_code"),
        ("企业名称（盖章）", "name"),
        ("所属乡镇(街道)", "township"),
        ("员工总数", "employees"),
        ("用工人数", "employees"),
    ],
)
def test_a_county_forms_own_header_is_read_by_meaning(header, want):
    from djgj.read.headers import read_one

    assert read_one(header, []).field == want


@pytest.mark.parametrize("header", ["党员数(含预备党员)", "申请入会时间", "联系点党建指导员"])
def test_a_header_that_is_not_quite_a_field_is_never_placed_as_one(header):
    from djgj.read.headers import read_one

    assert read_one(header, []).field is None  # said (ignored, or asked to be mapped), never guessed


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("1,234", 1234),
        ("1，234", 1234),  # a Chinese comma between thousands
        ("１,２３４", 1234),
        ("1,234人", 1234),
        ("1 234", 1234),
        ("４５人", 45),
        ("4５", 45),
    ],
)
def test_a_count_with_thousands_or_wide_digits_is_the_count(cell, want):
    from djgj.read import values as V

    assert V.count_or_unknown(cell) == want


@pytest.mark.parametrize("cell", ["1,23", "12,34", "1,2345", "12 34", "1，23人"])  # first written from
def test_digits_set_apart_otherwise_than_by_thousands_are_refused(cell):
    from djgj.read import values as V

    # (1,23 had been read as 123: a decimal comma or a slip, silently made a count)
    with pytest.raises(V.ValueProblem, match="不是每三位一个的千位分隔符"):
        V.count_or_unknown(cell)


@pytest.mark.parametrize("cell", ["约50人", "50余人", "50多人", "近50人", "50人左右", "大约50", "约５０"])
def test_a_count_written_as_about_so_many_is_never_the_number(cell):
    from djgj.read import values as V

    with pytest.raises(V.ValueProblem, match="约数"):
        V.count_or_unknown(cell)


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("2019.5", "2019-05-01"),
        ("2019年5月", "2019-05-01"),
        ("2019.05", "2019-05-01"),
        ("2019年5月份", "2019-05-01"),
    ],
)
def test_a_founding_month_written_by_hand(cell, want):
    from djgj.read import values as V

    got = V.date_value(cell)
    assert got is not None and (got[0].isoformat(), got[1]) == (want, "month")


def _two_row_form(path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("2024年")
    ws.merge_range(0, 0, 0, 10, "2024年白沙镇非公有制企业党建工建情况统计表")
    ws.merge_range(1, 0, 2, 0, "序号")
    ws.merge_range(1, 1, 2, 1, "企业名称（盖章）")
    ws.merge_range(1, 2, 1, 4, "职工情况")
    ws.merge_range(1, 5, 1, 6, "党组织情况")
    ws.merge_range(1, 7, 1, 10, "工会情况")
    sub = ["总数〔人〕", "其中女职工", "其中农民工", "党员数", "党组织类型", "是否建立工会组织(是/否)", "会员数",
           "其中农民工会员", "建会时间（年.月）"]  # fmt: skip
    for c, text in enumerate(sub, start=2):
        ws.write(2, c, text)
    data = [
        [1, "白沙镇金鼎五金有限公司", "1,260", 400, 700, 60, "党委", "是", "1,100", 600, "2019.5"],
        [2, "白沙镇兴旺食品厂", "８６", 30, 50, 5, "党支部", "是", 80, 45, "2019年5月"],
        [3, "白沙镇顺达物流有限公司", 28, 3, 20, 1, "联合党支部", "否", 0, 0, None],
        [4, "白沙镇美佳服装店", 6, 5, 2, 0, "无", "否", 0, 0, None],
    ]
    for r, row in enumerate(data, start=3):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.write(7, 0, "注：1.职工人数含劳务派遣人员；2.党组织类型填党委、党总支、党支部、联合党支部或无。")
    ws.write(8, 0, "填表人：王芳")
    ws.write(8, 4, "审核人：李强")
    ws.write(8, 8, "联系电话：0731-5551234")
    wb.close()
    return path


def test_a_two_row_merged_header_with_its_own_phrasings_and_notes_below(runner, tmp_path):
    res = _import(runner, _two_row_form(tmp_path / "白沙镇.xlsx"))
    assert res.exit_code == 0, res.output
    assert "跳过表尾" in res.output
    units = _units(runner)
    assert set(units) == {
        "白沙镇金鼎五金有限公司",
        "白沙镇兴旺食品厂",
        "白沙镇顺达物流有限公司",
        "白沙镇美佳服装店",
    }
    assert {u["township"] for u in units.values()} == {"白沙镇"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["migrant_workers"], t["party_members"]) == (4, 1380, 772, 66)
    assert (t["unions"], t["union_members"], t["migrant_union_members"]) == (2, 1180, 645)
    assert (t["party_orgs"], t["party_org_required"]) == (2, 2)
    got = dict(
        sql("SELECT unit_name, union_established_on FROM snapshots WHERE union_established_on IS NOT NULL")
    )
    assert got == {"白沙镇金鼎五金有限公司": "2019-05-01", "白沙镇兴旺食品厂": "2019-05-01"}
    females = dict(sql("SELECT unit_name, female_employees FROM snapshots"))
    assert females["白沙镇金鼎五金有限公司"] == 400


def test_townships_merged_down_their_blocks_with_numbers_restarting(runner, tmp_path):
    import xlsxwriter

    path = tmp_path / "全县2024年非公企业.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("汇总")
    ws.write_row(0, 0, ["2024年全县非公企业工会组建情况"])
    ws.write_row(1, 0, ["乡镇（街道）", "序号", "企业名称", "职工人数（名）", "是否建会", "会员数"])
    rows = [
        [1, "甲有限公司", 50, "是", 45],
        [2, "乙有限公司", 20, "否", 0],
        [3, "丙有限公司", 30, "是", 30],
        [1, "丁有限公司", 80, "是", 70],  # the numbering starts again in the next township
        [2, "戊有限公司", 12, "否", 0],
    ]
    for r, row in enumerate(rows, start=2):
        ws.write_row(r, 1, row)
    ws.merge_range(2, 0, 4, 0, "青石镇")
    ws.merge_range(5, 0, 6, 0, "红星街道")
    wb.close()
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    towns = {n: u["township"] for n, u in _units(runner).items()}
    assert towns == {
        "甲有限公司": "青石镇",
        "乙有限公司": "青石镇",
        "丙有限公司": "青石镇",
        "丁有限公司": "红星街道",
        "戊有限公司": "红星街道",
    }
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["unions"], t["union_members"]) == (5, 192, 3, 145)


def test_a_count_written_as_about_so_many_refuses_its_row_naming_it(runner, tmp_path):
    rows = [
        ["2024年柳林乡非公企业工会情况"],
        ["企业名称", "职工人数(人)", "是否建立工会组织(是/否)", "会员数(人)"],
        ["柳林乡甲有限公司", "约50人", "是", "40"],
        ["柳林乡乙有限公司", "30", "是", "25"],
        ["柳林乡丙有限公司", "12", "否", "0"],
    ]
    path = write_csv(tmp_path / "柳林乡.csv", rows, encoding="gbk")
    res = _import(runner, path)
    assert res.exit_code == 1
    out = _flat(res)
    assert "第3行" in out and "“约50人”是约数，不是确切人数" in out
    assert _units(runner) == {}
    res = _import(runner, path, "--skip-bad-rows", "--rejects", str(tmp_path / "r.csv"))
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 42, 25)  # never 50 from 约50人


def test_thousands_set_apart_wrongly_refuse_the_row_never_a_count(runner, tmp_path):
    rows = [
        ["2024年柳林乡非公企业工会情况"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["柳林乡甲有限公司", "1,234", "是", "1，200"],
        ["柳林乡乙有限公司", "1,23", "是", "100"],
    ]
    res = _import(runner, write_csv(tmp_path / "柳林乡.csv", rows))
    assert res.exit_code == 1
    assert "第4行" in res.output and "“1,23”中数字间的逗号或空格不是每三位一个的千位分隔符" in _flat(res)
    res = _import(runner, write_csv(tmp_path / "柳林乡.csv", rows[:3]))
    assert res.exit_code == 0, res.output
    assert "千位分隔符" in res.output  # (the normalisation said)
    t = _report(runner)["totals"]
    assert (t["employees"], t["union_members"]) == (1234, 1200)


def test_a_village_list_counting_those_applying_to_join(runner, tmp_path):
    rows = [
        ["2024年柳林乡村级工会情况"],
        [
            "村（社区）名称",
            "是否建立村级工会(是/否)",
            "会员数〔人〕",
            "外出务工人员数(人)",
            "申请入会积极分子人数",
        ],
        ["柳林村", "是", "150", "320", "18"],
        ["桃园村", "是", "90", "210", "7"],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "柳林乡.xlsx", rows)))
    assert res.exit_code == 0, (
        res.output
    )  # (申请入会积极分子人数 had refused the file: "probably 入会积极分子")
    (v,) = [s["totals"] for s in _report(runner)["sections"]]
    assert (v["orgs"], v["union_members"], v["villagers_away"], v["activists"]) == (2, 240, 530, 25)


def test_a_party_count_including_probationers_is_asked_about_never_read_as_formal(runner, tmp_path):
    rows = [
        ["2024年柳林乡非公企业党建情况"],
        ["企业名称", "职工人数", "党员数(含预备党员)", "是否建会", "会员数"],
        ["柳林乡甲有限公司", "40", "5", "是", "30"],
    ]
    res = _import(runner, write_xlsx(tmp_path / "柳林乡.xlsx", rows))
    # (a sum of formal and probationary members: asked about, the file left unread until mapped)
    assert res.exit_code == 1
    assert "C列“党员数(含预备党员)”" in _flat(res) and "无法确定" in res.output
    assert _units(runner) == {}


@pytest.mark.parametrize(
    "notes",
    [
        [["注：本表数据截至2024年12月31日。"]],
        [["填表人：王芳", None, "审核人：李强"], [None, "联系电话：13800138000"]],
        [["审核人：李强", None, None, "填报日期：2025.1.6"]],
        [["联系电话：0731-5551234（办）"]],
        [["注：1.职工人数含劳务派遣；", None, "2.会员数为实名制会员。"]],
    ],
)
def test_notes_rows_under_the_table_are_no_units(runner, tmp_path, notes):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        _HEAD,
        [1, "城关镇甲有限公司", 50, "是", 40],
        [2, "城关镇乙有限公司", 20, "否", 0],
        *notes,
    ]
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", rows))
    assert res.exit_code == 0, res.output
    assert "跳过表尾" in res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}


@pytest.mark.parametrize("label", ["其中：规上企业", "其中:非公企业", "其中 农民工"])
def test_a_part_of_the_totals_broken_down_below_it_is_no_unit(runner, tmp_path, label):
    rows = _two_units(["总计", None, 70, 1, 40])
    rows.append([label, None, 50, 1, 40])
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", rows))
    assert res.exit_code == 0, res.output  # (refused: "这一行有数据但没有单位名称")
    assert "跳过表尾 1 行" in res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)


def test_every_chinese_label_word_of_a_totals_or_statistics_row_has_the_classifiers_hint():
    """The classifier looks closer only at rows with a hint character in their first cells: every
    Chinese word of layouts.toml [rows] that makes a row no unit must hold one (a Latin one is
    looked for by its letters)."""
    from djgj.read.layout import RowClassifier, layout_words

    rows = layout_words()["rows"]
    words = [
        *rows["totals"],
        *rows["totals_affixes"],
        *rows["stat_starts"],
        *rows["stat_ends"],
        *rows["footer_labels"],
    ]
    seen = {w: RowClassifier(6)([w, "甲", 12, 3, 4, 5]) for w in words}  # (four cells filled and more)
    assert {w: what for w, what in seen.items() if what not in ("totals", "footer")} == {}


def test_a_group_row_naming_a_phrase_with_a_town_word_gives_no_township(runner, tmp_path):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        _HEAD,
        ["一、小城镇建设企业"],
        [1, "城关镇甲建筑有限公司", 50, "是", 40],
        ["二、特色小镇入驻企业"],
        [1, "城关镇乙文旅有限公司", 20, "否", 0],
    ]
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", rows))
    assert res.exit_code == 0, res.output
    assert {u["township"] for u in _units(runner).values()} == {"城关镇"}


def test_sub_headers_that_mean_nothing_alone_under_their_groups(runner, tmp_path):
    import xlsxwriter

    path = tmp_path / "青石镇2024.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("青石镇")
    ws.merge_range(0, 0, 0, 10, "青石镇2024年度非公有制企业“两个覆盖”工作台账")
    ws.merge_range(1, 0, 2, 0, "序号")
    ws.merge_range(1, 1, 2, 1, "单位名称")
    ws.merge_range(1, 2, 1, 4, "从业人员")
    ws.merge_range(1, 5, 1, 6, "党员")
    ws.merge_range(1, 7, 1, 10, "工会组织")
    for c, t in enumerate(
        ["合计", "女", "农民工", "正式", "预备", "是否建立", "建立时间", "会员", "其中农民工"], 2
    ):
        ws.write(2, c, t)
    data = [
        [1, "青石镇甲机械有限公司", 120, 40, 80, 6, 1, "是", "2024年3月", 110, 70],
        [2, "青石镇乙商店", 8, 5, 2, 0, 0, "否", None, 0, 0],
    ]
    for r, row in enumerate(data, start=3):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.write(5, 1, "合计")
    ws.write_row(5, 2, [128, 45, 82, 6, 1, 1, None, 110, 70])
    ws.write(7, 0, "单位负责人：赵六")
    ws.write(7, 5, "填表人：钱七")
    ws.write(7, 8, "报出日期：2025年1月10日")
    wb.close()
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["migrant_workers"], t["party_members"]) == (2, 128, 82, 6)
    assert (t["unions"], t["union_members"], t["migrant_union_members"], t["new_unions"]) == (1, 110, 70, 1)
    assert dict(sql("SELECT unit_name, probationary_members FROM snapshots"))["青石镇甲机械有限公司"] == 1


@pytest.mark.parametrize("cell", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", " #n/a "])  # first written from
def test_an_excel_error_written_as_text_is_never_a_value(cell):
    from djgj.read import values as V
    from djgj.records.rows import convert_into

    assert V.excel_error(cell) is not None
    for fld, kind in [("employees", "count"), ("instructor", "person"), ("union_chair", "person")]:
        with pytest.raises(V.ValueProblem, match="Excel 错误值"):
            convert_into({}, fld, kind, cell, "non_public")


def test_excel_errors_in_a_csv_export_refuse_their_rows_never_an_instructor_named_na(runner, tmp_path):
    rows = [
        ["2024年柳林乡非公企业党建工建情况"],
        ["企业名称", "职工人数", "党员人数", "党建指导员", "是否建会", "会员数"],
        ["柳林乡甲有限公司", "40", "1", "#N/A", "是", "30"],  # (a VLOOKUP's result saved as text)
        ["柳林乡乙有限公司", "#DIV/0!", "0", "张明", "否", "0"],
        ["#REF!", "12", "0", "", "否", "0"],
        ["柳林乡丙有限公司", "25", "2", "王强", "是", "20"],
    ]
    path = write_csv(tmp_path / "柳林乡.csv", rows)
    res = _import(runner, path)
    assert res.exit_code == 1
    out = _flat(res)
    assert "第3行" in out and "“#N/A”是 Excel 错误值" in out and "不是党建指导员" in out
    assert "第4行" in out and "“#DIV/0!”是 Excel 错误值" in out
    assert "第5行" in out and "“#REF!”是 Excel 错误值" in out
    res = _import(runner, path, "--skip-bad-rows", "--rejects", str(tmp_path / "r.csv"))
    assert res.exit_code == 0, res.output
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["instructors"]) == (1, 25, 1)  # (#N/A had been an instructor)


def test_a_hidden_column_of_an_old_xls_is_read_and_said(runner, tmp_path):
    import xlwt

    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "党员人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, 3, "是", 40],
        [2, "城关镇乙有限公司", 20, 1, "否", 0],
    ]
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.col(3).hidden = True
    path = tmp_path / "城关镇.xls"
    wb.save(str(path))
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    assert "D列“党员人数”是隐藏列，已读取" in _flat(res)
    assert _report(runner)["totals"]["party_members"] == 4


@pytest.mark.parametrize(
    "row",
    [
        ["填表人：", "张三", "审核人：", "李四", "联系电话：", 13800138000],  # written from
        ["单位负责人", "王五", "填表人", "张三", "填报日期", "2025-01-06"],  # held out
        [None, "主要负责人：王五", "制表人：赵六", "审核人：钱七", "报出日期：2025.1.6"],
        ["填報人", "張三", "審核人", "李四", "電話", "0731-5551234"],  # (Traditional)
    ],
)
def test_a_signature_row_filling_many_cells_is_the_footer(runner, tmp_path, row):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units(row)))
    assert res.exit_code == 0, res.output  # (its cells had been read as a unit's: the file refused)
    assert "跳过表尾 1 行" in res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}


@pytest.mark.parametrize(
    "name", ["城关镇审核人才服务中心", "负责人之家便利店", "城关镇钟表店", "签字笔制造有限公司"]
)
def test_a_units_name_holding_a_signature_word_is_still_a_unit(runner, tmp_path, name):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units([3, name, 12, "否", 0])))
    assert res.exit_code == 0, res.output
    assert name in _units(runner)
