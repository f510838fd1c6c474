"""Header recognition: the catalogue, two-row headers with groups, "其中…" columns, --map."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from djgj.errors import UsageError
from djgj.read.files import Sheet
from djgj.read.headers import Column, normalise_header, parse_map_options, read_one, resolve
from djgj.read.layout import as_of_from_file_name, as_of_from_titles, locate, township_from_text


def fields_of(columns):
    return [c.field for c in columns]


def test_normalise_header_drops_units_spaces_and_converts_traditional():
    assert normalise_header("從業人員（人）") == "从业人员"
    assert normalise_header("其中：农民工") == "其中农民工"
    assert normalise_header("姓　名") == "姓名"
    assert normalise_header("村（社区）名称") == "村社区名称"


@given(st.text(max_size=30))
def test_normalise_header_is_idempotent(s):
    assert normalise_header(normalise_header(s)) == normalise_header(s)


def test_group_context_gives_subheaders_their_meaning():
    cols = [
        Column(0, "从业人员（人）", "总数"),
        Column(1, "从业人员（人）", "其中农民工"),
        Column(2, "从业人员（人）", "女职工"),
        Column(3, "工会组织情况", "会员数"),
        Column(4, "工会组织情况", "其中农民工会员"),
        Column(5, "党组织情况", "正式党员"),
    ]
    resolve(cols)
    assert fields_of(cols) == [
        "employees",
        "migrant_workers",
        "female_employees",
        "union_members",
        "migrant_union_members",
        "party_members",
    ]


def test_qizhong_column_takes_meaning_from_its_left_neighbour():
    cols = [
        Column(0, "", "外出务工人数"),
        Column(1, "", "其中入会"),
        Column(2, "", "员工人数"),
        Column(3, "", "其中：农民工"),
    ]
    resolve(cols)
    assert fields_of(cols) == ["villagers_away", "migrant_union_members", "employees", "migrant_workers"]


def test_traditional_headers_are_recognised():
    cols = [
        Column(i, "", h)
        for i, h in enumerate(
            ["企業名稱", "統一社會信用代碼", "從業人員", "黨組織", "工會", "會員數", "建會時間"]
        )
    ]
    resolve(cols)
    assert fields_of(cols) == [
        "name",
        "credit_code",
        "employees",
        "party_org",
        "union_form",
        "union_members",
        "union_established_on",
    ]


def test_unknown_headers_stay_unknown_and_map_overrides_them():
    cols = [Column(0, "", "企业名称"), Column(1, "", "在册人员")]
    resolve(cols)
    assert fields_of(cols) == ["name", None]
    resolve(cols, parse_map_options(["在册人员=employees"]))
    assert fields_of(cols) == ["name", "employees"]


def test_map_refuses_unknown_fields_and_bad_syntax():
    with pytest.raises(UsageError, match="未知字段"):
        parse_map_options(["在册人员=staff"])
    with pytest.raises(UsageError, match="表头=字段"):
        parse_map_options(["在册人员"])


def test_mapping_file(tmp_path):
    f = tmp_path / "map.toml"
    f.write_text('[map]\n"在册人员" = "employees"\n', encoding="utf-8")
    assert parse_map_options([], f) == {"在册人员": "employees"}


def test_locate_two_row_header_with_merged_groups_totals_and_footer():
    rows = [
        ["城关镇非公有制企业党建带动工建情况统计表（2014年度）"],
        ["填报单位：城关镇党委        填报日期：2015年1月8日"],
        ["序号", "企业名称", "从业人员（人）", None, "工会组织情况", None],
        [None, None, "总数", "其中农民工", "是否建会", "会员数"],
        [1, "甲公司", 30, 10, "是", 20],
        [2, "乙公司", 5, 1, "否", 0],
        [None, "合计", 35, 11, None, 20],
        [None],
        ["填表人：张三    联系电话：0313-5003333"],
    ]
    merged = [((2, 0), (3, 0)), ((2, 1), (3, 1)), ((2, 2), (2, 3)), ((2, 4), (2, 5))]
    t = locate(Sheet("Sheet1", rows, merged=merged))
    assert t is not None and t.header_rows == [2, 3]
    resolve(t.columns)
    assert fields_of(t.columns) == [
        "seq",
        "name",
        "employees",
        "migrant_workers",
        "union_form",
        "union_members",
    ]
    assert t.data_rows == [4, 5] and t.totals_rows == [6] and t.footer_rows == [8] and t.empty_rows == [7]


def test_locate_two_row_header_without_merge_information():
    rows = [
        ["序号", "企业名称", "从业人员", None, "是否建会"],
        [None, None, "总数", "其中农民工", None],
        [1, "甲", 30, 3, "是"],
    ]
    t = locate(Sheet("s", rows))
    assert t is not None and t.header_rows == [0, 1]
    resolve(t.columns)
    assert fields_of(t.columns) == ["seq", "name", "employees", "migrant_workers", "union_form"]


def test_no_header_found():
    assert locate(Sheet("说明", [["填表说明：请如实填写"], ["一、本表由乡镇填报"]])) is None


@pytest.mark.parametrize(
    "lines, want",
    [
        (["全县非公有制企业党建工建工作台账（2013年度）"], "2013-12-31"),
        (["白水镇非公有制企业情况表", "统计截止：2014年12月31日"], "2014-12-31"),
        (["填报单位：城关镇党委  填报日期：2015年1月8日", "城关镇统计表（2014年度）"], "2014-12-31"),
        (["北关镇2014年非公有制企业台账"], "2014-12-31"),
        (["工会会员花名册"], None),
    ],
)
def test_year_end_from_titles(lines, want):
    got, _ = as_of_from_titles(lines)
    assert (got.isoformat() if got else None) == want


@pytest.mark.parametrize(
    "text, want",
    [
        ("城关镇非公有制企业党建带动工建情况统计表（2014年度）", "城关镇"),
        ("2014_北关镇_企业台账", "北关镇"),
        ("填报单位：南坪乡党委", "南坪乡"),
        ("全县非公企业党建工建台账", None),
        ("2014_各村社区工会组建情况", None),
    ],
)
def test_township_from_titles_and_file_names(text, want):
    assert township_from_text(text) == want


@pytest.mark.parametrize(
    "header, want",
    [
        ("统一社会信用代码（18位）", "credit_code"),
        ("社会信用代码[18位数字]", "credit_code"),
        ("从业人员数（截至12月底）", "employees"),
        ("企业名称（请填写全称）", "name"),
        ("是否建立工会（填是或否）", "union_form"),
    ],
)
def test_a_bracketed_filling_note_does_not_change_the_meaning(header, want):
    reading = read_one(header)
    assert reading.field == want
    assert "填写说明" in reading.words


@pytest.mark.parametrize(
    "header",
    [
        "党员数（含预备党员）",  # the bracket names a subject: it changes what is counted
        "职工人数（不含劳务派遣）",  # a qualifier: a different quantity
        "职工人数（上月）",  # another period
        "工会会员数（比上年增减）",
    ],
)
def test_a_bracket_that_changes_what_is_counted_is_not_dropped(header):
    assert read_one(header).field is None


@pytest.mark.parametrize(
    "stem, want",
    [
        ("2017年企业工建党建摸底表", "2017-12-31"),
        ("2014_北关镇_企业台账", "2014-12-31"),
        ("东湖乡两新组织统计（2016年底）", "2016-12-31"),
        ("城关镇2013-2014对比", None),  # two years: which one is not said
        ("企业台账20150108", None),  # a date stamp, not a year
        ("工会会员花名册", None),
    ],
)
def test_year_end_from_a_file_name(stem, want):
    got = as_of_from_file_name(stem)
    assert (got.isoformat() if got else None) == want


@pytest.mark.parametrize(
    "header, want",
    [
        ("年末从业人员", "employees"),  # the year-end is the ledger's own date
        ("期末从业人员数", "employees"),
        ("年底工会会员数", "union_members"),
        ("在职人数", "employees"),
        ("在岗人数", "employees"),
    ],
)
def test_the_period_end_and_on_the_job_name_the_field_itself(header, want):
    assert read_one(header).field == want


def test_side_by_side_periods_take_the_sheets_own_year():
    """从业人员 over 2014年 | 2015年: the column of the sheet's year-end is the field, the other
    year's is another period's value (known, ignored); without a year-end nothing is decided."""
    cols = [
        Column(0, "", "企业名称"),
        Column(1, "从业人员", "2014年"),
        Column(2, "从业人员", "2015年"),
        Column(3, "", "2015年末工会会员数"),
    ]
    resolve(cols, year=2015)
    assert fields_of(cols) == ["name", None, "employees", "union_members"]
    assert cols[1].different and "另一期" in cols[1].why
    resolve(cols, year=2014)
    assert fields_of(cols) == ["name", "employees", None, None]
    resolve(cols)
    assert fields_of(cols) == ["name", None, None, None] and not cols[2].different


@pytest.mark.parametrize(
    "header, want",
    [
        ("村工会会员", "union_members"),  # the head noun is 会员: a count of members
        ("社区工会会员", "union_members"),
        ("入会单位", None),  # the head noun is 单位: units, not a number of people
        ("工会会员单位", None),
        ("工会工作人员", None),  # the union's own staff, not the unit's employees
        ("党组织工作人员", None),
        ("企业职工", "employees"),
    ],
)
def test_the_head_noun_is_the_last_subject(header, want):
    assert read_one(header).field == want


@pytest.mark.parametrize(
    ("groups", "label", "want"),
    [
        (("工会组建情况",), "人数", "union_members"),
        (("党组织情况",), "人数", "party_members"),
        (("企业基本情况",), "总人数", "employees"),
        ((), "单位人数", "employees"),
        ((), "工会人数", "union_members"),
        ((), "党组织人数", "party_members"),
    ],
)
def test_a_head_count_counts_the_people_of_what_its_words_or_group_name(groups, label, want):
    assert read_one(label, groups).field == want


@pytest.mark.parametrize("groups", [(), ("基本情况",)])
def test_a_bare_head_count_is_asked_not_guessed(groups):
    """基本情况/人数: a unit's employees most likely, but a village's 人数 is its population."""
    got = read_one("人数", groups)
    assert got.field is None and got.likely == "employees" and not got.different


@pytest.mark.parametrize("label", ["单位数", "工会个数", "企业基本情况"])
def test_a_count_of_things_is_no_head_count(label):
    assert read_one(label).field is None


@pytest.mark.parametrize(
    ("header", "likely"),
    [
        ("党员人数（含预备）", "party_members"),
        ("党员人数（含预备党员）", "party_members"),
        ("会员数（含农民工）", "union_members"),
    ],
)
def test_a_bracket_saying_what_a_count_holds_asks_for_the_field(header, likely):
    """党员人数（含预备） is not 正式党员: unknown, with the field outside the brackets as its likely one."""
    got = read_one(header)
    assert got.field is None and got.likely == likely and "改变了所计的内容" in got.words


@pytest.mark.parametrize(
    ("label", "left", "want"),
    [
        ("加入工会人数", None, "union_members"),
        ("参加工会人数", None, "union_members"),
        ("其中已加入工会", "villagers_away", "migrant_union_members"),
    ],
)
def test_joining_the_union_is_membership(label, left, want):
    assert read_one(label, (), left).field == want


@pytest.mark.parametrize("label", ["户籍人口", "常住人口", "总户数"])
def test_a_villages_population_is_known_not_to_be_a_ledger_field(label):
    got = read_one(label)
    assert got.field is None and got.different
