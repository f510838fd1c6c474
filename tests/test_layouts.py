"""Layouts a county really sends (issue 9), each generated here and held against figures worked out by hand.

Header blocks of 3 and 4 rows with merges; 栏次 code rows and hint rows; a one-row header with a wide
merged cell; a 乡镇 column merged down over each township's block with 小计 rows; one sheet per
township; the ACFTU 会员实名制 template; a list of base-level unions; unions inferred from evidence;
townships never invented; unit kind from the credit code; files that are not unit lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from builders import credit_code, unit_row, write_csv, write_xlsx
from conftest import invoke, sql
from test_checks import import_ledger, person_id

Merge = tuple[int, int, int, int, str]


def workbook(path: Path, sheets: dict[str, tuple[list[list[Any]], list[Merge]]]) -> Path:
    """An xlsx with, per sheet, its rows and its merged ranges (first row, first col, last row, last col, text)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for name, (rows, merges) in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for r0, c0, r1, c1, text in merges:
            ws.merge_range(r0, c0, r1, c1, text)
    wb.close()
    return path


def imported(runner, f: Path, *args: str) -> str:
    result = invoke(runner, "import", str(f), *args)
    assert result.exit_code == 0, result.output
    return result.output


def units() -> dict[str, tuple[Any, ...]]:
    """name → (township, kind, employees, migrants, union form, members, migrant members)."""
    rows = sql(
        "SELECT u.name, t.name, u.kind, s.employees, s.migrant_workers, s.union_form, s.union_members, "
        "s.migrant_union_members FROM units u LEFT JOIN townships t ON t.id = u.township_id "
        "JOIN snapshots s ON s.unit_id = u.id"
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def code(prefix: str, n: int) -> str:
    """A valid credit code whose registration authority and type are `prefix` (11 机关, 92 个体 …)."""
    from stdnum.cn import uscc

    base = credit_code(n)[:17]
    base = prefix + base[2:]
    return base + uscc.calc_check_digit(base)


# -- header blocks -------------------------------------------------------------------------------

DATA = [  # name, type, employees, migrants, union, members, migrant members
    ("甲有限公司", "私营企业", 30, 10, "已建", 25, 8),
    ("乙有限公司", "私营企业", 40, 0, "未建", 0, 0),
    ("丙有限公司", "国有企业", 50, 20, "已建", 45, 18),
]


@pytest.mark.parametrize("depth", [3, 4])
def test_header_block_of_three_or_four_rows_with_merges_and_a_code_row(runner, tmp_path, depth):
    top = 1
    last = top + depth - 1
    grid: list[list[Any]] = [["红旗镇非公企业党建工建情况统计表（2014年度）"] + [None] * 8]
    grid += [[None] * 9 for _ in range(depth)]
    merges: list[Merge] = [(0, 0, 0, 8, grid[0][0])]
    for c, text in enumerate(["序号", "企业名称", "统一社会信用代码", "企业类型"]):
        merges.append((top, c, last, c, text))  # merged down the whole block
    r = top
    if depth == 4:
        merges.append((r, 4, r, 8, "党建工建情况"))
        r += 1
    merges += [(r, 4, r, 5, "基本情况"), (r, 6, r, 8, "工会组织情况")]
    merges += [
        (r + 1, 4, r + 1, 5, "从业人员"),
        (r + 1, 6, last, 6, "是否建立工会"),
        (r + 1, 7, r + 1, 8, "会员数"),
    ]
    grid[last][4:9] = ["合计", "其中：农民工", None, "合计", "其中：农民工"]
    grid.append(["甲", "乙", "丙", "丁", 1, 2, 3, 4, 5])  # 栏次
    for i, (name, kind, emp, mig, union, mem, mmem) in enumerate(DATA, 1):
        grid.append([i, name, credit_code(i), kind, emp, mig, union, mem, mmem])
    grid.append(["合计", None, None, None, 120, 30, None, 70, 26])
    f = workbook(tmp_path / "红旗镇.xlsx", {"Sheet1": (grid, merges)})
    out = imported(runner, f)
    got = units()
    # By hand: three units; employees 30+40+50 = 120, migrants 30, members 25+45 = 70, migrant members 26.
    assert got["甲有限公司"] == ("红旗镇", "non_public", 30, 10, "committee", 25, 8)
    assert got["乙有限公司"][4] == "none" and got["丙有限公司"][1] == "state_owned"
    assert sum(v[2] for v in got.values()) == 120 and sum(v[5] for v in got.values()) == 70
    assert "合计行写" not in out  # the totals agree with the rows


def test_a_row_of_units_of_measure_under_the_header_is_skipped(runner, tmp_path):
    """A 计量单位 row (人 / 个 / （人）) says what the column counts in: no unit, no refused value."""
    header = ["企业名称", "统一社会信用代码", "企业类型", "从业人员数", "是否建立工会", "会员数"]
    measures = ["必填", "", "", "（人）", "是/否", "人"]
    rows = [["2014年度城关镇非公企业情况"], header, measures]
    rows += [[f"测试{i}号有限公司", credit_code(i), "私营企业", 10 * i, "是", 5 * i] for i in (1, 2)]
    imported(runner, write_xlsx(tmp_path / "m.xlsx", rows))
    got = units()
    assert set(got) == {"测试1号有限公司", "测试2号有限公司"}
    assert sum(v[2] for v in got.values()) == 30 and sum(v[5] for v in got.values()) == 15


def test_hint_row_under_the_header_is_skipped(runner, tmp_path):
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "企业类型",
        "从业人员数",
        "是否建立工会",
        "建会时间",
        "会员数",
    ]
    hints = ["", "必填", "18位", "下拉选择", "数字", "是/否", "yyyyMMdd", "数字"]
    rows = [["2014年度城关镇非公企业情况"], header, hints]
    rows += [
        [i, f"测试{i}号有限公司", credit_code(i), "私营企业", 10 * i, "是", "20140305", 5 * i] for i in (1, 2)
    ]
    out = imported(runner, write_xlsx(tmp_path / "t.xlsx", rows))
    got = units()
    assert set(got) == {"测试1号有限公司", "测试2号有限公司"}  # the hint row is no unit
    assert sum(v[2] for v in got.values()) == 30 and sum(v[5] for v in got.values()) == 15
    assert "有 2 行" in out or "2 行" in out


def test_one_row_header_with_a_wide_merged_cell_keeps_its_first_data_row(runner, tmp_path):
    # 企业名称 is merged over B:C; the name is in B. The first data row is data, not a 2nd header row.
    header = ["序号", "企业名称", None, "企业类型", "从业人员数", "是否建立工会", "会员数"]
    rows = [["城关镇非公企业台账（2014年度）"], header]
    rows += [[i, f"测试{i}号有限公司", None, "私营企业", 20 + i, "是", 10 + i] for i in (1, 2, 3)]
    f = workbook(tmp_path / "w.xlsx", {"Sheet1": (rows, [(1, 1, 1, 2, "企业名称")])})
    imported(runner, f)
    got = units()
    assert sorted(got) == ["测试1号有限公司", "测试2号有限公司", "测试3号有限公司"]
    assert sum(v[2] for v in got.values()) == 21 + 22 + 23 and sum(v[5] for v in got.values()) == 36


# -- townships ----------------------------------------------------------------------------------


def test_township_column_merged_down_with_subtotals_checked_against_their_own_block(runner, tmp_path):
    header = ["乡镇", "企业名称", "企业类型", "从业人员数", "是否建立工会", "会员数"]
    rows: list[list[Any]] = [["2014年各乡镇非公企业党建工建情况统计表"], header]
    merges: list[Merge] = []
    blocks = {"红旗镇": [30, 40, 50], "白水镇": [7, 8]}
    n = 0
    declared = {"红旗镇": 120, "白水镇": 16}  # 白水镇's 小计 is wrong: its block sums to 15
    for town, emps in blocks.items():
        first = len(rows)
        for e in emps:
            n += 1
            rows.append(
                [
                    town if not merges or len(rows) == first else None,
                    f"{town}{n}号公司",
                    "私营企业",
                    e,
                    "是",
                    e // 2,
                ]
            )
        merges.append((first, 0, len(rows) - 1, 0, town))
        rows.append([None, "小计", None, declared[town], None, None])
    rows.append(["合计", None, None, 135, None, None])
    f = workbook(tmp_path / "2014年各乡镇统计表.xlsx", {"Sheet1": (rows, merges)})
    out = imported(runner, f, "--as-of", "2014-12-31")
    got = units()
    # By hand: 5 units, each in its own township; 红旗镇 120 employees, 白水镇 15; all 135.
    assert {k: v[0] for k, v in got.items()} == {
        "红旗镇1号公司": "红旗镇",
        "红旗镇2号公司": "红旗镇",
        "红旗镇3号公司": "红旗镇",
        "白水镇4号公司": "白水镇",
        "白水镇5号公司": "白水镇",
    }
    assert "小计行写 16，本段逐行相加为 15" in out
    assert "小计行写 120" not in out and "合计行写" not in out
    assert "没有乡镇" not in out


@pytest.mark.parametrize("label", ["{town}小计", "小计（{town}）", "{town}合计"])
def test_a_subtotal_row_named_after_its_block_is_a_totals_row(runner, tmp_path, label):
    """青山镇小计 in the 乡镇 column: a totals label naming its block, not a unit without a name."""
    header = ["乡镇", "企业名称", "企业类型", "从业人员数", "是否建立工会", "会员数"]
    rows: list[list[Any]] = [["2018年各乡镇非公企业党建工建情况统计表"], header]
    for town, emps in {"青山镇": [30, 40], "绿水乡": [50]}.items():
        for e in emps:
            rows.append([town, f"{town}{e}号公司", "私营企业", e, "是", e // 2])
        rows.append([label.format(town=town), None, None, sum(emps), None, None])
    rows.append(["全县总计", None, None, 120, None, None])
    f = workbook(tmp_path / "2018年各乡镇统计表.xlsx", {"Sheet1": (rows, [])})
    out = imported(runner, f)
    got = units()
    assert sorted(got) == ["绿水乡50号公司", "青山镇30号公司", "青山镇40号公司"]
    assert sum(v[2] for v in got.values()) == 120
    assert "没有单位名称" not in out


def test_one_sheet_per_township_takes_the_township_from_the_sheet_name(runner, tmp_path):
    header = ["企业名称", "企业类型", "从业人员数", "是否建立工会", "会员数"]
    title = ["2014年度非公企业党建工建情况"]
    sheets = {
        "红旗镇": (
            [title, header, ["甲公司", "私营企业", 10, "是", 5], ["乙公司", "私营企业", 20, "否", 0]],
            [],
        ),
        "白水镇": ([title, header, ["丙公司", "私营企业", 30, "是", 12]], []),
    }
    out = imported(runner, workbook(tmp_path / "各乡镇.xlsx", sheets))
    got = units()
    assert {k: v[0] for k, v in got.items()} == {"甲公司": "红旗镇", "乙公司": "红旗镇", "丙公司": "白水镇"}
    assert "取自工作表名“红旗镇”" in out and "取自工作表名“白水镇”" in out


@pytest.mark.parametrize(
    "text, want",
    [
        ("2015年红旗镇非公企业党建工建情况", "红旗镇"),
        ("2024年各乡镇工会组建情况统计表", None),
        ("附件2：分乡镇统计表", None),
        ("关于报送东城街道办事处2014年台账的通知", "东城街道"),
        ("示例县和平镇企业名单", "和平镇"),
        ("城乡社区统计表", None),
        ("长阳土家族自治县渔峡口镇", "渔峡口镇"),
        ("2014_白水镇_非公企业情况", "白水镇"),
    ],
)
def test_townships_are_plausible_place_names_never_invented(text, want):
    from djgj.read.layout import township_from_text

    assert township_from_text(text) == want


def test_township_source_said_new_township_said_and_units_without_one_warned(runner, tmp_path):
    rows = [
        ["2015年红旗镇非公企业党建工建情况"],
        ["企业名称", "企业类型", "从业人员数"],
        ["甲公司", "私营企业", 10],
    ]
    out = imported(runner, write_xlsx(tmp_path / "a.xlsx", rows))
    assert units()["甲公司"][0] == "红旗镇" and sql("SELECT name FROM townships") == [("红旗镇",)]
    assert "乡镇“红旗镇”取自标题“2015年红旗镇非公企业党建工建情况”" in out
    rows = [
        ["2015年白水镇非公企业党建工建情况"],
        ["企业名称", "企业类型", "从业人员数"],
        ["乙公司", "私营企业", 10],
    ]
    out = imported(runner, write_xlsx(tmp_path / "b.xlsx", rows))
    assert "新乡镇（台账中原来没有）：白水镇" in out
    rows = [
        ["2015年各乡镇非公企业统计表"],
        ["企业名称", "企业类型", "从业人员数"],
        ["丙公司", "私营企业", 10],
    ]
    out = imported(runner, write_xlsx(tmp_path / "2024年各乡镇统计表.xlsx", rows))
    assert units()["丙公司"][0] is None
    assert "1 个单位没有乡镇" in out and "乡镇“" not in out.split("没有乡镇")[0]
    assert sorted(sql("SELECT name FROM townships")) == [("白水镇",), ("红旗镇",)]


# -- unit kind ------------------------------------------------------------------------------------


def test_kind_from_the_credit_code_first_and_conflicts_said(runner, tmp_path):
    header = ["企业名称", "统一社会信用代码", "企业类型", "从业人员数"]
    rows = [
        ["2014年度城关镇非公企业情况"],
        header,
        ["县档案局", code("11", 1), "", 10],  # 11 机关, although the title says 非公
        ["城关镇卫生院", code("12", 2), "民营企业", 20],  # 12 事业单位 against its type column: the code wins
        ["张记小吃店", code("92", 3), "", 2],  # 92 个体工商户 → 非公
        ["甲有限公司", code("91", 4), "国有企业", 30],  # 91 企业, refined by its type column
        ["县慈善协会", code("51", 5), "", 3],  # 51 社会团体
    ]
    out = imported(runner, write_xlsx(tmp_path / "k.xlsx", rows), "--kind", "non_public")
    kinds = {k: v[1] for k, v in units().items()}
    assert kinds == {
        "县档案局": "agency",
        "城关镇卫生院": "institution",
        "张记小吃店": "non_public",
        "甲有限公司": "state_owned",
        "县慈善协会": "social_org",
    }
    assert "类别依据互相矛盾" in out and "“城关镇卫生院”按统一社会信用代码（事业单位）定为事业单位" in out


def test_credit_code_table_is_data_with_its_source():
    from djgj.records.kinds import kind_from_code
    from djgj.vocab.fields import KINDS

    assert kind_from_code(code("93", 1)) == ("农民专业合作社", "non_public")
    assert kind_from_code(code("N2", 1)) is None
    import tomllib
    from importlib import resources

    doc = tomllib.loads(
        resources.files("djgj").joinpath("data/credit_codes.toml").read_text(encoding="utf-8")
    )
    assert "GB 32100" in doc["source"]
    assert {v[1] for v in doc["codes"].values()} <= {*KINDS, "enterprise", ""}


# -- unions ---------------------------------------------------------------------------------------


def test_a_list_of_base_level_unions_reads_as_unions_that_exist(runner, tmp_path):
    header = ["序号", "工会名称", "统一社会信用代码", "建会日期", "基层工会类型", "工会主席", "会员人数"]
    rows = [
        ["2014年红旗镇非公企业基层工会名单"],
        header,
        [1, "测试1号有限公司工会委员会", credit_code(1), "2014-03-01", "企业工会", "张三", 20],
        [2, "测试2号有限公司工会", credit_code(2), "2013-05-01", "企业工会", "李四", 12],
        [3, "红旗镇商贸企业联合工会委员会", credit_code(3), "2012-01-01", "联合基层工会", "王五", 40],
    ]
    path = write_xlsx(tmp_path / "u.xlsx", rows)
    # The joint union is the union of several enterprises, not one unit (`红旗镇商贸企业` is none):
    # skipped and said by name, never counted as a unit of its own (nor the whole file refused).
    out = imported(runner, path)
    assert "“红旗镇商贸企业联合工会委员会”是多个单位共建的工会" in out and "已跳过" in out
    got = units()
    # By hand: two units, each with its own union; 32 members.
    assert {k: v[4] for k, v in got.items()} == {
        "测试1号有限公司": "committee",
        "测试2号有限公司": "committee",
    }
    assert sum(v[5] for v in got.values()) == 32
    assert "工会名单" in out and "2 个单位的工会按" in out and "推断为已建" in out


def test_union_inferred_from_evidence_is_said_and_no_evidence_stays_unknown(runner, tmp_path):
    header = ["企业名称", "企业类型", "从业人员数", "建会时间", "会员数", "工会主席"]
    rows = [
        ["2014年度城关镇非公企业情况"],
        header,
        ["甲公司", "私营企业", 30, "2014-03-01", 0, ""],
        ["乙公司", "私营企业", 20, "", 15, ""],
        ["丙公司", "私营企业", 10, "", 0, "赵六"],
        ["丁公司", "私营企业", 10, "", 0, ""],
    ]
    out = imported(runner, write_xlsx(tmp_path / "e.xlsx", rows))
    forms = {k: v[4] for k, v in units().items()}
    assert forms == {"甲公司": "committee", "乙公司": "committee", "丙公司": "committee", "丁公司": None}
    assert "3 个单位的工会按" in out and "1 个单位也没有建会日期" in out


# -- member template ----------------------------------------------------------------------------


def test_acftu_member_template(runner, tmp_path):
    import_ledger(runner, tmp_path, [unit_row(1), unit_row(2)])
    header = [
        "序号",
        "*姓名",
        "*证件类型",
        "*证件号码",
        "*性别",
        "民族",
        "出生日期",
        "*移动电话",
        "工作单位",
        "会籍变化类型",
        "会籍变化日期",
        "是否农民工",
    ]
    hints = [
        "",
        "必填",
        "下拉选择",
        "必填",
        "男/女",
        "",
        "yyyyMMdd",
        "11位",
        "",
        "新入会/转入/转出/退会",
        "yyyyMMdd",
        "是/否",
    ]
    people = [
        [
            1,
            "会员1",
            "居民身份证",
            person_id(1),
            "男",
            "汉族",
            "19810211",
            "13900000001",
            "测试1号有限公司",
            "新入会",
            "20140301",
            "否",
        ],
        [
            2,
            "会员2",
            "居民身份证",
            person_id(2),
            "男",
            "汉族",
            "19820311",
            "13900000002",
            "测试1号有限公司",
            "转出",
            "20140601",
            "是",
        ],
        [
            3,
            "会员3",
            "居民身份证",
            person_id(3),
            "男",
            "汉族",
            "19830411",
            "13900000003",
            "测试2号有限公司",
            "",
            "",
            "否",
        ],
    ]
    rows = [["工会会员实名制信息采集表"], ["填报单位：红旗镇总工会"], header, hints, *people]
    rows.append(["注：带*号的为必填项；会籍变化类型按下拉选项填写。"])
    out = imported(runner, write_xlsx(tmp_path / "实名制.xlsx", rows))
    # By hand: three people, data from the 5th row; 会员2 left (转出): two current members.
    assert sql("SELECT count(*) FROM people") == [(3,)]
    assert sql("SELECT count(*) FROM memberships WHERE left_on IS NULL") == [(2,)]
    assert "1 行会籍变化为转出/退会" in out


# -- not unit lists ------------------------------------------------------------------------------


def test_party_member_roster_is_refused_by_name(runner, tmp_path):
    header = ["序号", "姓名", "性别", "身份证号", "入党时间", "转正时间", "党籍状态", "所在党支部"]
    rows = [
        ["党员花名册"],
        header,
        [1, "张三", "男", person_id(1), "2001-07-01", "2002-07-01", "正常", "城关镇第一支部"],
    ]
    for extra in ([], ["--roster"]):
        result = invoke(runner, "import", str(write_xlsx(tmp_path / "p.xlsx", rows)), *extra)
        assert (
            result.exit_code == 1
            and "是党员花名册" in result.output
            and "不是工会会员花名册" in result.output
        )
    assert sql("SELECT count(*) FROM people") == [(0,)]


def test_aggregate_statistics_form_is_refused_as_such(runner, tmp_path):
    rows = [
        ["2014年度非公有制企业工会组建情况汇总表"],
        ["项目", "栏次", "计量单位", "企业数", "从业人员数", "会员数"],
        ["甲", "乙", "丙", 1, 2, 3],
        ["一、已建工会企业", 1, "个", 10, 300, 250],
        ["二、未建工会企业", 2, "个", 4, 80, 0],
    ]
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "agg.xlsx", rows)))
    assert result.exit_code == 1 and "汇总统计表，不是单位名单" in result.output
    assert sql("SELECT count(*) FROM units") == [(0,)]


def test_streamed_csv_goes_through_the_same_row_pipeline(runner, tmp_path):
    """A union list with 小计 and 合计 rows as a CSV (streamed in rounds) reads as the same figures."""
    from builders import write_csv

    header = ["序号", "工会名称", "统一社会信用代码", "建会日期", "基层工会类型", "会员人数"]
    rows: list[list[Any]] = [["2014年红旗镇非公企业基层工会名单"], header]
    rows += [
        [i, f"测试{i}号有限公司工会委员会", credit_code(i), "2014-03-01", "企业工会", 10 * i] for i in (1, 2)
    ]
    rows.append(["", "小计", "", "", "", 31])  # its block sums to 30
    rows.append([3, "测试3号有限公司工会", credit_code(3), "2013-01-01", "联合基层工会", 5])
    rows.append(["", "小计", "", "", "", 5])
    rows.append(["合计", "", "", "", "", 35])
    out = imported(runner, write_csv(tmp_path / "红旗镇工会名单.csv", rows))
    got = units()
    assert {k: (v[0], v[4], v[5]) for k, v in got.items()} == {
        "测试1号有限公司": ("红旗镇", "committee", 10),
        "测试2号有限公司": ("红旗镇", "committee", 20),
        "测试3号有限公司": ("红旗镇", "joint", 5),
    }
    assert "小计行写 31，本段逐行相加为 30" in out and "小计行写 5" not in out and "合计行写" not in out
    assert "3 个单位的工会按" in out


def test_two_years_side_by_side_import_the_sheets_own_year(runner, tmp_path):
    """A comparison sheet (从业人员 and 会员数 each over 2014年 | 2015年) titled 2015年度: the 2015
    columns are the ledger's values at 2015-12-31; the 2014 ones are said to be ignored, not summed."""
    title = ["城中镇非公企业党建工建情况（2015年度）"]
    top = ["企业名称", "企业类型", "从业人员", None, "工会会员数", None, "是否建立工会"]
    sub = [None, None, "2014年", "2015年", "2014年", "2015年", None]
    rows: list[list[Any]] = [title, top, sub, ["城中一号有限公司", "私营企业", 30, 35, 20, 30, "是"]]
    merges: list[Merge] = [
        (1, 0, 2, 0, "企业名称"),
        (1, 1, 2, 1, "企业类型"),
        (1, 2, 1, 3, "从业人员"),
        (1, 4, 1, 5, "工会会员数"),
        (1, 6, 2, 6, "是否建立工会"),
    ]
    out = imported(runner, workbook(tmp_path / "对比.xlsx", {"Sheet1": (rows, merges)}))
    assert units()["城中一号有限公司"][2] == 35 and units()["城中一号有限公司"][5] == 30
    assert "C列“从业人员/2014年”" in out and "E列“工会会员数/2014年”" in out and "已忽略" in out


@pytest.mark.parametrize("form", ["xlsx, two sheets (read whole)", "csv (streamed)"])
def test_a_header_repeated_on_every_page_is_skipped_and_said(runner, tmp_path, form):
    """A table printed over pages repeats its two header rows; the repeats are neither units nor a
    refusal, and the count of rows skipped is said."""
    top = ["企业名称", "企业类型", "从业人员", None, "是否建立工会"]
    sub = [None, None, "总数", "其中农民工", None]
    rows: list[list[Any]] = [["河口镇2019年度企业情况"], top, sub]
    for page in range(3):
        if page:
            rows += [top, sub]
        rows += [[f"河口{page}{i}号有限公司", "私营企业", 30 + i, i, "是"] for i in range(2)]
    if form.startswith("xlsx"):
        other = [
            ["白水镇2019年度企业情况"],
            ["企业名称", "企业类型", "从业人员数"],
            ["白水一号有限公司", "私营企业", 9],
        ]
        f = workbook(tmp_path / "企业.xlsx", {"河口镇": (rows, []), "白水镇": (other, [])})
    else:
        f = write_csv(tmp_path / "企业.csv", rows)
    out = imported(runner, f, "--township", "河口镇")
    got = {k: v for k, v in units().items() if k.startswith("河口")}
    assert len(got) == 6 and sum(v[2] for v in got.values()) == 6 * 30 + 3
    assert "跳过重复的表头 4 行" in out


def _form(name: str, employees: int, members: int) -> list[list[Any]]:
    return [
        ["基层工会组织信息登记表", None, None, None],
        ["单位名称", name, "统一社会信用代码", None],
        ["职工人数", employees, "工会会员数", members],
        ["工会主席", "张三", "建会时间", "2015-05-01"],
        ["填表日期", "2017-01-05", None, None],
    ]


def test_one_unit_forms_one_per_sheet_are_read_as_rows(runner, tmp_path):
    """A registration form per sheet (labels beside their values) gives one unit per sheet, read
    with the usual checks: the union inferred from its chairman and date, the year from the name."""
    sheets = {"甲": (_form("甲机械有限公司", 60, 55), []), "乙": (_form("乙食品有限公司", 30, 28), [])}
    out = imported(
        runner, workbook(tmp_path / "2016年城关镇基层工会登记表.xlsx", sheets), "--kind", "non_public"
    )
    got = units()
    assert {k: (v[0], v[2], v[4], v[5]) for k, v in got.items()} == {
        "甲机械有限公司": ("城关镇", 60, "committee", 55),
        "乙食品有限公司": ("城关镇", 30, "committee", 28),
    }
    assert "截至 2016-12-31" in out


def test_a_one_sheet_form_is_read_whole_not_streamed(runner, tmp_path):
    f = workbook(
        tmp_path / "2016年城关镇甲公司登记表.xlsx", {"Sheet1": (_form("甲机械有限公司", 60, 55), [])}
    )
    imported(runner, f, "--kind", "non_public")
    assert units()["甲机械有限公司"][2] == 60


def test_a_table_whose_rows_hold_label_words_stays_a_table(runner, tmp_path):
    """Values such as 基层工会 read as labels too; a table is still a table (its fields repeat)."""
    rows: list[list[Any]] = [
        ["城关镇2014年度企业情况"],
        ["企业名称", "营业额", "从业人员", "利润", "工会组建形式"],
        ["甲有限公司", 100, 30, 5, "基层工会"],
        ["乙有限公司", 200, 40, 6, "基层工会"],
    ]
    imported(runner, workbook(tmp_path / "t.xlsx", {"Sheet1": (rows, [])}), "--kind", "non_public")
    assert sorted(units()) == ["乙有限公司", "甲有限公司"]


def test_a_villages_township_from_its_own_name(runner, tmp_path):
    """城关镇东关村 in a county-wide village list without a 乡镇 column belongs to 城关镇 (said); an
    enterprise's name is never read so, nor a name with no village's own name after the place."""
    rows: list[list[Any]] = [
        ["2014年各村社区工会情况"],
        ["村（社区）", "是否建立工会", "会员数"],
        ["城关镇东关村", "是", 50],
        ["白水镇上河社区", "否", None],
        ["东湖乡村", "是", 10],
    ]
    out = imported(runner, write_csv(tmp_path / "各村.csv", rows))
    got = units()
    assert {k: v[0] for k, v in got.items()} == {
        "城关镇东关村": "城关镇",
        "白水镇上河社区": "白水镇",
        "东湖乡村": None,
    }
    assert "2 个村（社区）的乡镇取自其名称（如“城关镇东关村”的城关镇）" in out
    firms = [
        ["全县企业（2014年度）"],
        ["企业名称", "企业类型", "从业人员数"],
        ["南坪乡宏达机械有限公司", "私营企业", 30],
    ]
    imported(runner, write_csv(tmp_path / "企业.csv", firms))
    assert units()["南坪乡宏达机械有限公司"][0] is None


def test_a_township_cell_naming_an_organ_is_the_township(runner, tmp_path):
    """城关镇人民政府 and 白水镇党委 in the 乡镇 column are 城关镇 and 白水镇 (a normalisation, counted);
    城关 beside 城关镇 is kept as written and said, never merged by a guess."""
    rows: list[list[Any]] = [
        ["2014年度全县企业"],
        ["乡镇", "企业名称", "企业类型", "从业人员数"],
        ["城关镇人民政府", "甲有限公司", "私营企业", 30],
        ["城关镇", "乙有限公司", "私营企业", 20],
        ["城关", "丙有限公司", "私营企业", 20],
        ["白水镇党委", "丁有限公司", "私营企业", 20],
        ["北关镇（开发区）", "戊有限公司", "私营企业", 20],
        ["白水镇东关村", "己有限公司", "私营企业", 20],
    ]
    out = imported(runner, write_csv(tmp_path / "企业.csv", rows))
    got = {k: v[0] for k, v in units().items()}
    assert got == {
        "甲有限公司": "城关镇",
        "乙有限公司": "城关镇",
        "丙有限公司": "城关",
        "丁有限公司": "白水镇",
        "戊有限公司": "北关镇(开发区)",  # (brackets made half-width, as every text)
        "己有限公司": "白水镇",  # a place below the township
    }
    assert "乡镇名去掉其后的机关或村（社区）名（如“城关镇人民政府”“城关镇东关村”记为城关镇） 3 处" in out
    assert "乡镇“城关”和“城关镇”可能是同一乡镇" in out


def _grouped_rows() -> list[list[Any]]:
    """A county-wide list whose townships are group rows (一、长岭镇) over their units, with a nested
    group (（一）…), a group naming no township (三、县直单位), a 合计 and a footer."""
    rows: list[list[Any]] = [
        ["2018年度新兴县非公有制企业党建带工建情况统计表"],
        ["序号", "企业名称", "企业类型", "从业人员（人）", "是否建立工会", "工会会员数"],
        ["一、长岭镇"],
        ["（一）规模以上企业"],
        [1, "长岭金属制品有限公司", "私营企业", 86, "是", 80],
        ["（二）规模以下企业"],
        [2, "长岭鸿运食品厂", "私营企业", 12, "否", None],
        ["二、大坪乡（2家）"],
        [1, "大坪茶叶有限公司", "私营企业", 25, "否", None],
        [2, "新兴县大坪矿业有限公司", "私营企业", 210, "是", 198],
        ["三、县直单位"],
        [1, "新兴县城投建设有限公司", "国有企业", 60, "是", 55],
        ["合计", None, None, 393, None, 333],
        ["填报人：李明", None, None, "联系电话：0766-1234567"],
    ]
    return rows


@pytest.mark.parametrize("form", ["xlsx, group rows merged across", "csv (streamed)"])
def test_group_rows_give_their_township_to_the_units_below(runner, tmp_path, form):
    """一、长岭镇 over its units is no unit: its township is theirs, a nested （一） group keeps it, and
    a group of the same level naming no township (三、县直单位) ends it. The groups are said."""
    rows = _grouped_rows()
    if form.startswith("xlsx"):
        groups = [i for i, r in enumerate(rows) if len(r) == 1 and i > 0]
        merges: list[Merge] = [(i, 0, i, 5, rows[i][0]) for i in groups]
        f = workbook(tmp_path / "统计.xlsx", {"Sheet1": (rows, merges)})
    else:
        f = write_csv(tmp_path / "统计.csv", rows)
    out = imported(runner, f)
    got = {k: v[0] for k, v in units().items()}
    assert got == {
        "长岭金属制品有限公司": "长岭镇",
        "长岭鸿运食品厂": "长岭镇",
        "大坪茶叶有限公司": "大坪乡",
        "新兴县大坪矿业有限公司": "大坪乡",
        "新兴县城投建设有限公司": None,
    }
    assert "有分组行 5 行（“一、长岭镇”“（一）规模以上企业”“（二）规模以下企业”等），不是单位，未导入" in out
    assert "其下 4 个单位的乡镇取自所在分组行" in out
    assert "1 个单位没有乡镇" in out and "合计行写" not in out


def test_township_option_wins_over_group_rows_and_is_said(runner, tmp_path):
    out = imported(runner, write_csv(tmp_path / "统计.csv", _grouped_rows()), "--township", "城关镇")
    assert {v[0] for v in units().values()} == {"城关镇"}
    assert "分组行写有乡镇，但已按 --township 城关镇 记录" in out


@pytest.mark.parametrize(
    ("text", "level", "town"),
    [
        ("一、长岭镇", 1, "长岭镇"),
        ("二．大坪乡（共2家）", 1, "大坪乡"),
        ("第三部分 河西街道办事处", 1, "河西街道"),
        ("(四)城南街道", 2, "城南街道"),
        ("3.白沙镇 共5家", 3, "白沙镇"),
        ("（12）石门乡", 4, "石门乡"),
        ("青龙镇（7个）", 1, "青龙镇"),
        ("（一）规模以上企业", 2, None),
        ("五、社会组织", 1, None),
        ("第二片区", 1, None),
    ],
)
def test_a_group_row_is_an_ordinal_and_a_label_or_a_bare_township(text, level, town):
    from djgj.read.layout import section_of

    got = section_of(text)
    assert got is not None and (got.level, got.town) == (level, town)


@pytest.mark.parametrize(
    "text",
    ["县直单位", "长岭金属制品有限公司", "长岭镇人民政府", "一、", "2、", "长岭镇（开发区）", "农村"],
)
def test_a_lone_text_that_is_no_group_row_stays_as_it_was(text):
    """A bare label naming no township may be a unit with nothing else filled in: it is left a data row."""
    from djgj.read.layout import section_of

    assert section_of(text) is None


@pytest.mark.parametrize(
    ("stem", "year"),
    [("河西街道村社区工会组建一览表2019", 2019), ("工会组建一览表（2017）", 2017), ("编号20190", None)],
)
def test_a_year_at_the_end_of_a_file_name(stem, year):
    import datetime as dt

    from djgj.read.layout import as_of_from_file_name

    assert as_of_from_file_name(stem) == (dt.date(year, 12, 31) if year else None)


def test_a_type_cell_no_kind_reads_as_is_named_in_the_refusal(runner, tmp_path):
    """A 经济类型 the ledger cannot place refuses the row naming what the cell says, not "no type column"."""
    rows: list[list[Any]] = [
        ["2020年王家镇两新组织排查表"],
        ["组织名称", "经济类型", "职工总数"],
        ["王家镇农机专业合作社", "农民专业合作社", 40],
        ["王家镇某某坊", "其他", 5],
    ]
    result = invoke(runner, "import", str(write_csv(tmp_path / "排查.csv", rows)))
    assert result.exit_code == 1
    assert "“王家镇某某坊”的单位类别（类型列写的“其他”不是可识别的单位类别" in result.output
    assert "农机专业合作社" not in result.output


def test_a_summary_sheet_whose_rows_are_townships_is_no_unit_list(runner, tmp_path):
    """汇总 beside the townships' own sheets: its rows (东城镇, 西河乡 under 乡镇 or 单位) are skipped and
    said, never units named after townships; alone in a file it is refused, naming what it is."""
    for first in ("乡镇", "单位"):
        summary: list[list[Any]] = [
            ["2022年度全县非公企业建会情况汇总表"],
            [first, "企业数（家）", "已建会企业数", "建会率", "职工总数", "会员总数"],
            ["东城镇", 2, 1, "50%", 130, 100],
            ["西河乡", 1, 1, "100%", 40, 30],
            ["合计", 3, 2, "66.7%", 170, 130],
        ]
        town: list[list[Any]] = [
            ["东城镇非公企业名单（2022年）"],
            ["企业名称", "职工人数", "是否建会", "会员人数"],
            ["东城华丰有限公司", 100, "是", 90],
        ]
        f = workbook(tmp_path / f"汇总{first}.xlsx", {"汇总": (summary, []), "东城镇": (town, [])})
        out = imported(runner, f)
        assert set(units()) == {"东城华丰有限公司"}
        assert "跳过工作表“汇总”：是分乡镇的汇总数（各行是乡镇，不是单位）" in out
        alone = invoke(
            runner, "import", str(workbook(tmp_path / f"只有{first}.xlsx", {"汇总": (summary, [])}))
        )
        assert (
            alone.exit_code == 1 and "是分乡镇的汇总数" in alone.output and "整个文件未导入" in alone.output
        )
        if first == "单位":  # rows that are the townships' own organs, as --kind says
            imported(runner, workbook(tmp_path / "机关.xlsx", {"汇总": (summary, [])}), "--kind", "机关")
            assert {"东城镇", "西河乡"} <= set(units())


def test_counts_with_a_note_or_in_chinese_numerals_import_and_are_said(runner, tmp_path):
    rows: list[list[Any]] = [
        ["2020年王家镇企业"],
        ["企业名称", "企业类型", "从业人员", "工会会员"],
        ["王家甲有限公司", "私营企业", "120（含劳务派遣20）", "一百"],
        ["王家乙有限公司", "私营企业", "1.2万", "1,100"],
    ]
    out = imported(runner, write_csv(tmp_path / "企业.csv", rows))
    got = {k: (v[2], v[5]) for k, v in units().items()}
    assert got == {"王家甲有限公司": (120, 100), "王家乙有限公司": (12000, 1100)}
    assert "人数后括号中的说明不计入（如“120（含劳务派遣20）”记为 120） 1 处" in out
    assert "中文数字转为数字（如“一百二十”记为 120，“1.2万”记为 12000） 2 处" in out


@pytest.mark.parametrize("form", ["xlsx (read whole)", "csv (streamed)"])
def test_units_whose_remark_says_they_ceased_are_named(runner, tmp_path, form):
    """备注 已注销 / 停产歇业: imported as the sheet lists them (the sheet is the user's), and named, so a
    unit that is gone is not counted as a gap unseen."""
    rows: list[list[Any]] = [
        ["龙泉街道2023年度企业台账"],
        ["企业名称", "企业类型", "从业人员", "是否建会", "备注"],
        ["龙泉甲有限公司", "私营企业", 45, "是", ""],
        ["龙泉乙超市", "个体", 6, "否", "已注销"],
        ["龙泉丙厂", "私营企业", 30, "否", "2023年停产歇业"],
        ["龙泉丁有限公司", "私营企业", 30, "否", "新成立"],
    ]
    f = (
        workbook(tmp_path / "台账.xlsx", {"Sheet1": (rows, [])})
        if form.startswith("xlsx")
        else write_csv(tmp_path / "台账.csv", rows)
    )
    out = imported(runner, f)
    assert len(units()) == 4
    assert (
        "有 2 个单位的备注或名称写明已注销、停业等（“龙泉乙超市：已注销”；“龙泉丙厂：2023年停产歇业”）" in out
    )


def _stacked() -> list[list[Any]]:
    """Two tables on one sheet: 一、enterprises, then 二、social organisations under a header of their
    own with more known columns (the one `locate` alone would choose, reading the first as titles)."""
    return [
        ["金山镇2024年两新组织党建工建情况"],
        ["一、非公有制企业"],
        ["序号", "企业名称", "职工数", "是否建会", "会员数"],
        [1, "金山镇宏发有限公司", 50, "是", 45],
        [2, "金山镇老王饭店", 8, "否", None],
        [],
        ["二、社会组织"],
        ["序号", "组织名称", "组织类型", "是否建会", "会员数", "工作人员数"],
        [1, "金山镇商会", "社会团体", "是", 5, 6],
        [2, "金山镇爱心协会", "社会团体", "否", None, 3],
    ]


@pytest.mark.parametrize("form", ["xlsx (read whole)", "csv (streamed, then read whole)"])
def test_two_tables_on_one_sheet_are_read_each_with_its_own_header(runner, tmp_path, form):
    rows = _stacked()
    f = (
        workbook(tmp_path / "两新.xlsx", {"Sheet1": (rows, [])})
        if form.startswith("xlsx")
        else write_csv(tmp_path / "两新.csv", rows)
    )
    out = imported(runner, f)
    got = {k: (v[0], v[1], v[2], v[4], v[5]) for k, v in units().items()}
    assert got == {
        "金山镇宏发有限公司": ("金山镇", "non_public", 50, "committee", 45),
        "金山镇老王饭店": ("金山镇", "non_public", 8, "none", 0),
        "金山镇商会": ("金山镇", "social_org", 6, "committee", 5),
        "金山镇爱心协会": ("金山镇", "social_org", 3, "none", 0),
    }
    assert "中有 2 个表（下面的表有自己的表头），各按自己的表头读取" in out
    assert "类别依据互相矛盾" not in out  # 一、非公有制企业 titles the first table only


def test_a_list_of_party_organisations_names_its_units_by_their_所在单位(runner, tmp_path):
    """党组织名称 | 党组织类别 | 党员人数 | 所在单位 (a CSV: every cell is text): the first data row is
    not taken for sub-headers under 党组织名称 (its numbers say it is data), and with no name column
    the one 所在单位 column names the units."""
    rows: list[list[Any]] = [
        ["柳河镇非公企业党组织名册（截至2022年12月31日）"],
        ["序号", "党组织名称", "党组织类别", "党员人数", "所在单位", "单位职工数"],
        [1, "中共柳河镇宏远机械有限公司支部委员会", "党支部", 5, "柳河镇宏远机械有限公司", 80],
        [2, "中共柳河镇明达纸业有限公司支部委员会", "党支部", 3, "柳河镇明达纸业有限公司", 40],
    ]
    imported(runner, write_csv(tmp_path / "党组织名册.csv", rows))
    got = {k: (v[0], v[2]) for k, v in units().items()}
    assert got == {"柳河镇宏远机械有限公司": ("柳河镇", 80), "柳河镇明达纸业有限公司": ("柳河镇", 40)}


def test_a_joint_organisations_count_repeated_on_its_units_rows_is_said(runner, tmp_path):
    """联合党支部 with 党员人数 4 on each of its two units' rows: maybe its total, counted twice in a
    sum: imported as written, and said (never silently, never changed by a guess)."""
    rows: list[list[Any]] = [
        ["柳河镇非公企业党组织名册（截至2022年12月31日）"],
        ["序号", "党组织名称", "党组织类别", "党员人数", "所在单位", "单位职工数"],
        [1, "中共柳河镇宏远机械有限公司支部委员会", "党支部", 5, "柳河镇宏远机械有限公司", 80],
        [2, "中共柳河镇非公企业联合支部委员会", "联合党支部", 4, "柳河镇小刘饭馆", 6],
        [3, "中共柳河镇非公企业联合支部委员会", "联合党支部", 4, "柳河镇红星五金店", 4],
    ]
    out = imported(runner, write_csv(tmp_path / "党组织名册.csv", rows))
    assert len(units()) == 3
    assert "“中共柳河镇非公企业联合支部委员会”的 2 个单位（柳河镇小刘饭馆、柳河镇红星五金店）都写 4" in out
    assert "宏远机械" not in out.split("同一组织")[-1]


@pytest.mark.parametrize("form", ["xlsx (read whole)", "csv (streamed)"])
def test_several_units_in_one_name_cell_refuse_the_row(runner, tmp_path, form):
    rows: list[list[Any]] = [
        ["柳河镇2022年企业"],
        ["企业名称", "企业类型", "从业人员", "是否建会"],
        ["柳河镇小刘饭馆、柳河镇红星五金店", "个体", 10, "联合建会"],
        ["柳河镇中、小学食堂", "个体", 5, "否"],
    ]
    f = (
        workbook(tmp_path / "企业.xlsx", {"Sheet1": (rows, [])})
        if form.startswith("xlsx")
        else write_csv(tmp_path / "企业.csv", rows)
    )
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 1
    assert "“柳河镇小刘饭馆、柳河镇红星五金店”像是几个单位写在同一格中；请每个单位一行" in result.output
    assert "中、小学" not in result.output


@pytest.mark.usefixtures("backend")
def test_a_village_written_another_way_is_said_not_merged(runner, tmp_path):
    """东关村委会 and 城关镇东关村 beside the ledger's 东关村 (same township): new units, named in the
    summary (a name is the ledger's identity: never merged by a guess); 南关村 is simply new."""
    first: list[list[Any]] = [
        ["2014年各村工会情况"],
        ["乡镇", "村（社区）名称", "是否建立工会", "会员数"],
        ["城关镇", "东关村", "是", 50],
        ["城关镇", "西关社区", "是", 20],
    ]
    imported(runner, write_csv(tmp_path / "2014各村.csv", first))
    second = [
        ["2015年各村工会情况"],
        ["乡镇", "村（社区）名称", "是否建立工会", "会员数"],
        ["城关镇", "东关村委会", "是", 55],
        ["城关镇", "城关镇西关社区居委会", "是", 22],
        ["城关镇", "南关村", "否", None],
    ]
    out = imported(runner, write_csv(tmp_path / "2015各村.csv", second))
    assert len(units()) == 5
    assert "2 个新的村（社区）与台账中同一乡镇的村（社区）只差“村委会”“居委会”或乡镇名" in out
    assert "“东关村委会”与“东关村”" in out and "“城关镇西关社区居委会”与“西关社区”" in out
    assert "南关村" not in out.split("只差")[-1]
