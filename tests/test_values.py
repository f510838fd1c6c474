"""Converters: every spelling the samples use, and property tests for the normalisers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from djgj.read import values as V


@pytest.mark.parametrize(
    "cell, want",
    [
        (25, 25),
        (25.0, 25),
        ("25", 25),
        ("２５", 25),
        ("25人", 25),
        ("25 人", 25),
        ("1,234", 1234),
        ("", 0),
        (None, 0),
        ("　", 0),
        ("0人", 0),
    ],
)
def test_count_accepts_every_spelling(cell, want):
    assert V.count(cell) == want


@pytest.mark.parametrize(
    "cell", ["-3", -3, "很多", "25.5", 25.5, "二十来个", True, dt.date(2014, 1, 1), "25岁"]
)
def test_count_refuses_negatives_words_and_fractions(cell):
    with pytest.raises(V.ValueProblem):
        V.count(cell)


@given(st.integers(min_value=0, max_value=10**9))
def test_count_round_trips_integers_in_every_form(n):
    full = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    for cell in (n, float(n), str(n), f"{n}人", full, f"{n:,}"):
        assert V.count(cell) == n


@pytest.mark.parametrize("cell", ["是", "有", "已建", "√", "Y", "y", "yes", "1", 1, True, "✓"])
def test_yes(cell):
    assert V.yes_no(cell) is True


@pytest.mark.parametrize("cell", ["否", "无", "未建", "×", "N", "no", "0", 0, False, "", None, "無"])
def test_no(cell):
    assert V.yes_no(cell) is False


def test_yes_no_refuses_other_words():
    with pytest.raises(V.ValueProblem):
        V.yes_no("也许")


@pytest.mark.parametrize(
    "cell, want",
    [
        (dt.date(2014, 3, 5), (dt.date(2014, 3, 5), "day")),
        (dt.datetime(2014, 3, 5, 0, 0), (dt.date(2014, 3, 5), "day")),
        ("2014年3月5日", (dt.date(2014, 3, 5), "day")),
        ("2014/3/5", (dt.date(2014, 3, 5), "day")),
        ("2014-03-05", (dt.date(2014, 3, 5), "day")),
        ("２０１４年３月５日", (dt.date(2014, 3, 5), "day")),
        ("2014.3", (dt.date(2014, 3, 1), "month")),
        ("2014.10", (dt.date(2014, 10, 1), "month")),
        ("2014年3月", (dt.date(2014, 3, 1), "month")),
        ("2014", (dt.date(2014, 1, 1), "year")),
        (41703, (dt.date(2014, 3, 5), "day")),
        ("", None),
    ],
)
def test_dates_in_every_spelling(cell, want):
    assert V.date_value(cell) == want


@pytest.mark.parametrize("cell", ["2014-13-45", "2014年2月30日", "去年", 2014.3, "2014.13"])
def test_impossible_or_ambiguous_dates_are_refused(cell):
    with pytest.raises(V.ValueProblem):
        V.date_value(cell)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_round_trip_through_chinese_and_iso_text(d):
    for text in (f"{d.year}年{d.month}月{d.day}日", d.isoformat(), f"{d.year}/{d.month}/{d.day}"):
        assert V.date_value(text) == (d, "day")


@pytest.mark.parametrize(
    "cell, want",
    [
        ("党支部", "branch"),
        ("黨支部", "branch"),
        ("党总支", "general_branch"),
        ("党委", "committee"),
        ("联合党支部", "joint_branch"),
        ("聯合黨支部", "joint_branch"),
        ("无", "none"),
        ("", "none"),
        ("是", "own"),
        ("√", "own"),
        ("否", "none"),
    ],
)
def test_party_org_forms(cell, want):
    assert V.party_org(cell) == want


@pytest.mark.parametrize(
    "cell, kind, want",
    [
        ("已建", None, "committee"),
        ("是", None, "committee"),
        ("√", None, "committee"),
        ("联合工会", None, "joint"),
        ("聯合工會", None, "joint"),
        ("组织员", None, "organizer"),
        ("組織員", None, "organizer"),
        ("未建", None, "none"),
        ("", None, "none"),
        ("否", None, "none"),
        ("是", "village", "federation"),
        ("是", "community", "federation"),
    ],
)
def test_union_forms(cell, kind, want):
    assert V.union_form(cell, kind=kind) == want


@pytest.mark.parametrize(
    "cell, want",
    [
        ("初级", "initial"),
        ("初級", "initial"),
        ("基本", "basic"),
        ("规范化", "standard"),
        ("規範化", "standard"),
        ("", None),
    ],
)
def test_grades(cell, want):
    assert V.grade(cell) == want


def test_unknown_grade_is_refused():
    with pytest.raises(V.ValueProblem):
        V.grade("优秀")


def test_credit_code_normalised_and_checked():
    assert V.credit_code(" 91139901ma8xweg2nh ") == "91139901MA8XWEG2NH"
    assert V.credit_code("９１１３９９０１ＭＡ８ＸＷＥＧ２ＮＨ") == "91139901MA8XWEG2NH"
    with pytest.raises(V.ValueProblem, match="校验位"):
        V.credit_code("91139901MA8XWEG2NA")
    with pytest.raises(V.ValueProblem, match="长度"):
        V.credit_code("91139901MA8XWEG2")
    with pytest.raises(V.ValueProblem, match="数字"):
        V.credit_code(9.11399e17)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9))
def test_every_generated_credit_code_with_its_check_digit_validates(body):
    from stdnum.cn import uscc

    base = "91139901" + body
    code = base + uscc.calc_check_digit(base)
    assert V.credit_code(code.lower()) == code


def test_traditional_to_simplified_and_names():
    assert V.clean_text("民營企業") == "民营企业"
    assert V.person_name("瀋 海靜") == "沈海静"
    assert V.person_name("姓　名") == "姓名"
    assert V.normalise_name("有限責任公司(自然人投資)") == "有限责任公司（自然人投资）"


@given(st.text())
def test_clean_text_is_idempotent(s):
    once = V.clean_text(s)
    assert once is None or V.clean_text(once) == once


def test_kinds_from_ownership_and_name():
    assert V.kind_from_ownership("有限责任公司(自然人投资)") == "non_public"
    assert V.kind_from_ownership("国有独资") == "state_owned"
    # GB 32100's registration types and the Charity Law's new name for 民办非企业单位
    assert V.kind_from_ownership("农民专业合作社") == "non_public"
    assert V.kind_from_ownership("社会服务机构") == "social_org"
    assert V.kind_from_ownership("供销合作社") == "collective"
    assert V.kind_from_ownership("其他") is None
    assert V.kind_from_name("北屯社区") == "community"
    assert V.kind_from_name("前岭村") == "village"
    assert V.kind_from_name("某某公司") is None


# ---------------------------------------------------------------- values by meaning (morphemes)

PRESENCE_VERBS = ["建立", "组建", "成立", "设立", "建", "有", "建会", "选派", "配备", "设"]
NEGATIONS = ["未", "尚未", "没有", "暂未", "还未", "无"]


@pytest.mark.parametrize(
    "cell, want",
    [
        ("已组建", True),
        ("已设立", True),
        ("已建会", True),
        ("有", True),
        ("尚未建立", False),
        ("没有", False),
        ("未组建", False),
        ("不是", False),
        ("☑", True),
        ("——", False),
    ],
)
def test_yes_no_by_meaning(cell, want):
    assert V.yes_no(cell) is want


@given(
    st.sampled_from(["", "已", "已经"]),
    st.sampled_from(PRESENCE_VERBS),
    st.sampled_from(["", "工会", "了", "党组织"]),
    st.sampled_from(["", " ", "　"]),
)
def test_presence_verb_is_yes_and_negated_is_no(perf, verb, obj, space):
    said = f"{perf}{verb}{space}{obj}"
    assert V.yes_no(said) is True
    for neg in NEGATIONS:
        assert V.yes_no(f"{neg}{verb}{obj}") is False
        assert V.union_form(f"{neg}{verb}{obj}") == "none"
        assert V.party_org(f"{neg}{verb}{obj}") == "none"


@given(st.text(max_size=8))
def test_value_readers_never_crash_and_are_stable_under_width_and_script(text):
    for reader in (V.yes_no, V.union_form, V.party_org, V.grade):
        try:
            got = reader(text)
        except V.ValueProblem:
            continue
        wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
        assert reader(wide) == got


@pytest.mark.parametrize(
    "cell, want",
    [
        ("已组建", "committee"),
        ("已设立", "committee"),
        ("尚未建立", "none"),
        ("没有", "none"),
        ("联建", "joint"),
        ("片区联合工会", "joint"),
        ("行业工会联合会", "joint"),
        ("工会联合会", "federation"),
        ("选派工会组织员", "organizer"),
        ("独立建会", "committee"),
        ("未建立联合工会", "none"),
        ("工會聯合會", "federation"),
    ],
)
def test_union_forms_by_meaning(cell, want):
    assert V.union_form(cell) == want


@pytest.mark.parametrize(
    "cell, want",
    [
        ("已建立党支部", "branch"),
        ("联合党支部", "joint_branch"),
        ("尚未建立", "none"),
        ("已组建", "own"),
        ("党總支", "general_branch"),
        ("单独组建", "own"),
        ("独立设立", "own"),
        ("联合组建", "joint_branch"),
        ("未单独组建", "none"),
    ],
)
def test_party_org_by_meaning(cell, want):
    assert V.party_org(cell) == want


@pytest.mark.parametrize("cell", ["也许", "张三", "已撤销", "联合国"])
def test_unread_values_are_refused_not_guessed(cell):
    with pytest.raises(V.ValueProblem):
        V.union_form(cell)


@pytest.mark.parametrize(
    "cell, want",
    [("达到初级标准", "initial"), ("中级", "basic"), ("规范化建设达标", "standard"), ("未评定", None)],
)
def test_grades_by_meaning(cell, want):
    assert V.grade(cell) == want


@pytest.mark.parametrize("cell", ["待建", "筹建中", "组建中", "拟组建", "正在筹备", "计划成立"])
def test_an_organisation_not_yet_established_is_none(cell):
    """Intended or under way is not established: no union, no Party organisation, "no"."""
    assert V.union_form(cell) == "none"
    assert V.party_org(cell) == "none"
    assert V.yes_no(cell) is False


@pytest.mark.parametrize(
    "cell, established", [("已建村级工会", True), ("村级工会", True), ("未建村级工会", False)]
)
def test_a_village_level_union_is_read(cell, established):
    assert (V.union_form(cell, kind="village") != "none") is established


class _Everything:
    def issuperset(self, _text: object) -> bool:
        return True


@given(
    st.lists(
        st.one_of(st.sampled_from(sorted(V._MORPHEMES)), st.sampled_from(list("姚玉宇张三李四x1 ·"))),
        max_size=6,
    ).map("".join)
)
def test_morphemes_skips_texts_with_an_unread_character_exactly(text):
    """`morphemes` gives up at once on a text holding a character no morpheme has (a person's
    name): the same answer as trying every split."""
    fast = V.morphemes.__wrapped__(text)
    saved, V._MORPHEME_CHARS = V._MORPHEME_CHARS, _Everything()
    try:
        assert fast == V.morphemes.__wrapped__(text)
    finally:
        V._MORPHEME_CHARS = saved


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("120（含劳务派遣20）", 120),
        ("86人（其中女职工30）", 86),
        ("1.2万", 12000),
        ("一百二十", 120),
        ("两千三百人", 2300),
        ("十", 10),
    ],
)
def test_counts_in_chinese_numerals_or_with_a_note_of_what_they_hold(cell, want):
    assert V.count(cell) == want


@pytest.mark.parametrize("cell", ["约40人", "50余人", "30多", "20（30）", "3人（党员）", "一点五", "万"])
def test_approximate_or_double_counts_are_refused_not_guessed(cell):
    with pytest.raises(V.ValueProblem):
        V.count(cell)


@given(st.integers(min_value=0, max_value=99_999_999), st.booleans())
def test_a_count_written_in_chinese_numerals_reads_as_itself(n, with_unit):
    import cn2an

    text = cn2an.an2cn(n) + ("人" if with_unit else "")
    assert V.count(text) == n


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("二〇一九年六月", (dt.date(2019, 6, 1), "month")),
        ("二零一九年六月一日", (dt.date(2019, 6, 1), "day")),
        ("一九九八年十二月三十一日", (dt.date(1998, 12, 31), "day")),
    ],
)
def test_a_date_in_chinese_numerals(cell, want):
    assert V.date_value(cell) == want


def test_an_impossible_date_in_chinese_numerals_is_named_as_written():
    with pytest.raises(V.ValueProblem, match="二〇一九年十三月"):
        V.date_value("二〇一九年十三月")


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("已加入区域联合工会", "joint"),
        ("纳入联合工会", "joint"),
        ("挂靠", "joint"),
        ("未覆盖", "none"),
        ("√已建", "committee"),
        ("×未建", "none"),
    ],
)
def test_a_unit_covered_by_another_union_and_ticked_words(cell, want):
    """Covered by another's union (加入, 纳入, 挂靠, 覆盖) is a joint union; a tick beside words agrees with them."""
    assert V.union_form(cell) == want
