"""`djgj import`: every format, every refusal, one transaction per file, nothing guessed silently."""

from __future__ import annotations

import json

import pytest

from builders import HEADER, credit_code, ledger_rows, unit_row, write_csv, write_ods, write_xls, write_xlsx
from conftest import invoke, sql

pytestmark = pytest.mark.usefixtures("backend")  # every test here runs on SQLite and on PostgreSQL


def ledger_counts(_db: object = None) -> tuple[int, int]:
    """(units, snapshots) in the current test's ledger, on either backend."""
    return (sql("select count(*) from units")[0][0], sql("select count(*) from snapshots")[0][0])


def gaps_json(runner) -> list[dict]:
    return json.loads(invoke(runner, "gaps", "--year", "2014", "--format", "json").stdout)


@pytest.mark.parametrize(
    "writer, suffix", [(write_xlsx, ".xlsx"), (write_xls, ".xls"), (write_ods, ".ods"), (write_csv, ".csv")]
)
def test_every_format_imports(runner, tmp_path, _isolated, writer, suffix):
    f = writer(tmp_path / f"城关镇{suffix}", ledger_rows(3))
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 0, result.output
    assert "截至 2014-12-31" in result.output and "城关镇" in result.output
    assert ledger_counts(_isolated) == (3, 3)


def test_gb18030_csv_with_traditional_headers(runner, tmp_path, _isolated):
    rows = [
        ["企業名稱", "統一社會信用代碼", "企業類型", "從業人員", "黨員人數", "工會", "會員數", "建會時間"],
        ["甲公司", credit_code(1), "民營企業", "30", "", "已建", "20", "2014年3月5日"],
    ]
    f = write_csv(tmp_path / "2014_南坪乡_党建工建.csv", rows, encoding="gb18030")
    result = invoke(runner, "import", str(f), "--as-of", "2014-12-31")
    assert result.exit_code == 0, result.output
    assert "南坪乡" in result.output and "繁体字转简体" in result.output and "空白计为 0" in result.output
    assert sql("select party_members, union_form, union_established_on from snapshots")[0] == (
        0,
        "committee",
        "2014-03-05",
    )


def test_utf8_csv_is_never_read_as_gbk(runner, tmp_path, _isolated):
    rows = [["企业名称", "从业人员数", "是否建立工会"], ["张三饭店", "30", "是"]]
    f = write_csv(tmp_path / "x.csv", rows, encoding="utf-8")
    assert (
        invoke(
            runner, "import", str(f), "--as-of", "2014-12-31", "--township", "城关镇", "--kind", "non_public"
        ).exit_code
        == 0
    )
    assert sql("select name from units")[0] == ("张三饭店",)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom"])
def test_unicode_text_saved_by_excel_imports(runner, tmp_path, _isolated, encoding):
    """Excel's and WPS's "Unicode 文本": UTF-16 with its byte order mark, tab-separated, the title
    alone on the first line (no tab on it)."""
    lines = ["2014年度城关镇非公企业统计", *("\t".join(map(str, r)) for r in ledger_rows(3)[1:])]
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode("utf-16") if encoding == "utf-16" else b"\xfe\xff" + text.encode("utf-16-be")
    f = tmp_path / "城关镇.txt"
    f.write_bytes(data)
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 0, result.output
    assert ledger_counts(_isolated) == (3, 3)
    assert "截至 2014-12-31" in result.output


def test_reimport_is_a_noop_and_dry_run_writes_nothing(runner, tmp_path, _isolated):
    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    dry = invoke(runner, "import", str(f), "--dry-run")
    assert dry.exit_code == 0 and "试运行" in dry.output and "列映射" in dry.output
    assert ledger_counts(_isolated) == (0, 0)
    assert invoke(runner, "import", str(f)).exit_code == 0
    again = invoke(runner, "import", str(f))
    assert again.exit_code == 0 and "未做任何改动" in again.output
    assert ledger_counts(_isolated) == (3, 3)


def test_same_rows_in_another_file_create_no_duplicates_and_blanks_never_overwrite(
    runner, tmp_path, _isolated
):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(2)))).exit_code == 0
    # A second file for the same date that lacks the union columns: known values stay.
    rows = [
        ["城关镇统计（2014年度）"],
        ["企业名称", "统一社会信用代码", "企业类型", "从业人员数"],
        ["测试1号有限公司", credit_code(1), "私营企业", 31],
    ]
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "b.xlsx", rows)))
    assert result.exit_code == 0, result.output
    assert ledger_counts(_isolated) == (2, 2)
    row = sql("select employees, union_members, union_form from snapshots order by id")[0]
    assert row == (31, 20, "committee")


def test_units_match_by_name_within_township_without_codes(runner, tmp_path, _isolated):
    rows = [["北关镇台账（2014年度）"], ["企业名称", "从业人员数"], ["甲 公司", 10]]
    later = [["北关镇台账（2015年度）"], ["企业名称", "从业人员数"], ["甲公司", 12]]
    for name, data in (("a.xlsx", rows), ("b.xlsx", later)):
        assert (
            invoke(runner, "import", str(write_xlsx(tmp_path / name, data)), "--kind", "non_public").exit_code
            == 0
        )
    assert ledger_counts(_isolated) == (1, 2)


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("从业人员数", -5, "负数"),
        ("从业人员数", "很多", "不是人数"),
        ("会员数", 99, "超过从业人员"),
        ("党员人数", 99, "超过从业人员"),
        ("农民工会员数", 9, "超过农民工"),
        ("统一社会信用代码", "91139901MA0000000X", "无效"),
        ("建会时间", "2014-13-45", "日期"),
        ("是否建立工会", "也许", "工会组建情况"),
    ],
)
def test_bad_values_refuse_the_whole_file_naming_row_and_column(
    runner, tmp_path, _isolated, column, value, message
):
    rows = ledger_rows(3)
    rows[3] = unit_row(2, **{column: value})
    # A row that contradicts itself is imported and marked unless --strict (tests/test_plausible.py)
    strict = ["--strict"] if "超过" in message else []
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "bad.xlsx", rows)), *strict)
    assert result.exit_code == 1
    assert message in result.output and "第4行" in result.output and "整个文件未导入" in result.output
    if column != "会员数" and column != "党员人数" and column != "农民工会员数":
        assert f"列“{column}”" in result.output
    assert ledger_counts(_isolated) == (0, 0)
    batches = sql("select status from import_batches")
    assert batches == [("failed",)]  # the record of the attempt, and nothing else


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "空的"),
        (b"PK\x03\x04truncated", "损坏"),
        (bytes(range(256)) * 8, "不是可识别"),
        (b"<html><table><tr><td>x</td></tr></table></html>", "网页"),
        (b'<?xml version="1.0"?><Workbook/>', "XML"),
    ],
)
def test_broken_and_disguised_files_are_refused(runner, tmp_path, _isolated, content, message):
    f = tmp_path / "报表.xlsx"
    f.write_bytes(content)
    result = invoke(runner, "import", str(f), "--as-of", "2014-12-31")
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_truncated_real_xlsx_is_refused(runner, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", ledger_rows(3))
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = invoke(runner, "import", str(cut))
    assert result.exit_code == 1 and "损坏" in result.output


@pytest.mark.parametrize(
    "text, line",
    [
        ("企业名称,从业人员数,是否建立工会\r\n甲公司,30\r\n", "第2行"),
        ("企业名称,从业人员数,是否建立工会\r\n甲公司,30,是,多余\r\n", "第2行"),
        ("企业名称,从业人员数,是否建立工会\r\n甲公司,3\r0,是\r\n", "第2行"),
    ],
)
def test_csv_rows_with_missing_or_extra_fields_or_bare_cr_are_refused(
    runner, tmp_path, _isolated, text, line
):
    f = tmp_path / "x.csv"
    f.write_bytes(text.encode("utf-8"))
    result = invoke(
        runner, "import", str(f), "--as-of", "2014-12-31", "--township", "城关镇", "--kind", "non_public"
    )
    assert result.exit_code == 1 and line in result.output and "字段" in result.output
    assert ledger_counts(_isolated) == (0, 0)


def test_csv_nul_byte_refused_and_quoted_newline_kept(runner, tmp_path, _isolated):
    f = tmp_path / "nul.csv"
    f.write_bytes("企业名称,从业人员数\r\n甲\x00公司,3\r\n".encode())
    assert invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--township", "城关镇").exit_code == 1
    f2 = tmp_path / "nl.csv"
    f2.write_bytes('企业名称,从业人员数,是否建立工会\r\n"甲\n公司",30,是\r\n乙公司,5,否\r\n'.encode())
    result = invoke(
        runner, "import", str(f2), "--as-of", "2014-12-31", "--township", "城关镇", "--kind", "non_public"
    )
    assert result.exit_code == 0, result.output
    assert ledger_counts(_isolated) == (2, 2)


def test_unknown_required_column_lists_headers_and_how_to_map(runner, tmp_path, _isolated):
    rows = [["城关镇（2014年度）"], ["单位全名称", "从业人员数", "是否建立工会"], ["甲公司", 30, "是"]]
    f = write_xlsx(tmp_path / "x.xlsx", rows)
    result = invoke(runner, "import", str(f), "--kind", "non_public")
    assert result.exit_code == 1
    assert "A列“单位全名称”" in result.output and "--map" in result.output
    ok = invoke(runner, "import", str(f), "--kind", "non_public", "--map", "单位全名称=name")
    assert ok.exit_code == 0, ok.output


def test_unknown_optional_column_is_reported_not_lost_silently(runner, tmp_path):
    rows = [["城关镇（2014年度）"], ["企业名称", "从业人员数", "营业额"], ["甲公司", 30, 100]]
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "x.xlsx", rows)), "--kind", "non_public")
    assert result.exit_code == 0 and "C列“营业额”" in result.output and "已忽略" in result.output


def test_header_without_rows_and_sheet_without_header_are_refused(runner, tmp_path):
    empty = write_xlsx(tmp_path / "e.xlsx", [["城关镇（2014年度）"], HEADER])
    r = invoke(runner, "import", str(empty))
    assert r.exit_code == 1 and "没有数据行" in r.output
    notes = write_xlsx(tmp_path / "n.xlsx", [["填表说明"], ["请如实填写"]])
    r = invoke(runner, "import", str(notes), "--as-of", "2014-12-31")
    assert r.exit_code == 1 and "表头" in r.output


def test_missing_year_end_and_township_are_asked_for(runner, tmp_path):
    rows = [HEADER, unit_row(1)]
    f = write_xlsx(tmp_path / "x.xlsx", rows)
    r = invoke(runner, "import", str(f), "--township", "城关镇")
    assert r.exit_code == 1 and "--as-of" in r.output
    r = invoke(runner, "import", str(f), "--as-of", "2014-12-31")
    assert r.exit_code == 0  # no township anywhere: the unit is kept without one, check will list it


def test_year_end_from_the_file_name_when_no_title_states_it(runner, tmp_path):
    f = write_xlsx(tmp_path / "2015年城关镇企业摸底.xlsx", [HEADER, unit_row(1)])
    r = invoke(runner, "import", str(f))
    assert r.exit_code == 0, r.output
    assert "截至日期 2015-12-31 取自文件名“2015年城关镇企业摸底.xlsx”" in r.output


def test_an_unknown_kind_is_asked_for_in_chinese(runner, tmp_path):
    rows = [["城关镇（2014年度）"], ["企业名称", "从业人员数"], ["甲有限公司", 30]]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "x.xlsx", rows)))
    assert r.exit_code == 1
    assert "--kind 指定" in r.output and "非公有制企业（non_public）" in r.output


def test_notes_and_hidden_sheets_are_skipped_with_a_warning(runner, tmp_path, _isolated):
    f = write_xlsx(
        tmp_path / "x.xlsx",
        [],
        sheets={"数据": ledger_rows(2), "填表说明": [["本表由乡镇填报"]], "旧数据": ledger_rows(5)},
        hidden={"旧数据"},
    )
    r = invoke(runner, "import", str(f))
    assert r.exit_code == 0, r.output
    assert "填表说明" in r.output and "隐藏" in r.output
    assert ledger_counts(_isolated) == (2, 2)
    assert invoke(runner, "import", str(f), "--sheet", "不存在").exit_code == 2
    hidden = invoke(runner, "import", str(f), "--sheet", "旧数据")
    assert hidden.exit_code == 0, hidden.output
    assert ledger_counts(_isolated) == (5, 5)


def test_duplicates_identical_kept_once_differing_refused(runner, tmp_path, _isolated):
    rows = ledger_rows(2)
    rows.append(list(rows[-1]))
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "dup.xlsx", rows)))
    assert r.exit_code == 0 and "重复出现，内容相同" in r.output
    rows[-1] = unit_row(2, 从业人员数=99)
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "dup2.xlsx", rows)))
    assert r.exit_code == 1 and "内容不同" in r.output


def test_totals_row_is_checked(runner, tmp_path):
    rows = ledger_rows(2)
    rows.append([None, "合计", None, None, 61, 10, 4, None, None, 40, 6, None])
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "t.xlsx", rows)))
    assert r.exit_code == 0 and "合计行写 61，逐行相加为 60" in r.output


def test_quirks_full_width_units_checkmarks_and_month_dates(runner, tmp_path, _isolated):
    rows = [
        ["白水镇企业情况表"],
        ["统计截止：2014年12月31日"],
        [
            "序号",
            "企业名称",
            "信用代码",
            "企业类型",
            "员工人数",
            "其中：农民工",
            "是否建立党组织",
            "是否建立工会",
            "工会会员数",
            "建会日期",
        ],
        ["１", "甲公司", credit_code(1), "民营企业", "２５人", "３", "√", "√", "２０", "2014.3"],
        [None] * 10,
        ["２", "乙公司", credit_code(2), "民营企业", "８", "", "", "", "", ""],
    ]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "2014_白水镇.xlsx", rows)))
    assert r.exit_code == 0, r.output
    got = sql(
        "select employees, migrant_workers, party_org, union_form, union_established_on, union_established_precision "
        "from snapshots order by id"
    )
    assert got == [(25, 3, "own", "committee", "2014-03-01", "month"), (8, 0, "none", "none", None, None)]


def test_village_sheet_without_employees(runner, tmp_path, _isolated):
    rows = [
        ["2014年村（社区）工会组建情况统计表"],
        [
            "乡镇",
            "村（社区）名称",
            "党员数",
            "是否建立工会",
            "会员数",
            "外出务工人数",
            "其中入会",
            "入会积极分子",
        ],
        ["城关镇", "北堡村", 52, "是", 559, 623, 545, 1],
        ["北关镇", "北屯社区", 27, "否", 0, 640, 0, 8],
    ]
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "v.xlsx", rows)))
    assert r.exit_code == 0, r.output
    got = sql(
        "select u.kind, s.employees, s.union_form, s.migrant_union_members from units u join snapshots s on s.unit_id=u.id "
        "order by u.id"
    )
    assert got == [("village", None, "federation", 545), ("community", None, "none", 0)]
    gaps = gaps_json(runner)
    assert [(g["rule"], g["name"]) for g in gaps] == [("village_union", "北屯社区")]


def test_no_traceback_for_missing_file_and_usage_errors(runner, tmp_path):
    r = invoke(runner, "import", str(tmp_path / "nope.xlsx"))
    assert r.exit_code == 1 and "找不到文件" in r.output
    r = invoke(runner, "import", str(tmp_path / "nope.xlsx"), "--kind", "company")
    assert r.exit_code == 2
    r = invoke(runner, "import", str(tmp_path / "nope.xlsx"), "--as-of", "2014-02-30")
    assert r.exit_code == 2 and "日期不存在" in r.output


def test_help_has_an_example_for_every_command(runner):
    for cmd in (["import"], ["gaps"], ["report"], ["rules"], ["targets", "set"], ["targets", "list"]):
        r = invoke(runner, *cmd, "--help")
        assert r.exit_code == 0 and "例：" in r.output, cmd
