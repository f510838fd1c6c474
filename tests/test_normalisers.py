"""Property tests for every normaliser: any spelling of a valid value gives its canonical form, the
canonical form is a fixed point, and arbitrary text only ever raises `ValueProblem` (never a crash
that would reach the user as a traceback)."""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builders import credit_code as make_code
from djgj.ledger.rosters import check_id, normalise_id
from djgj.read import values as V
from djgj.read.headers import catalogue, normalise_header

settings.register_profile(
    "djgj", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("djgj")

ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
)
SPACES = st.sampled_from([" ", "\u3000", "\u00a0", "\t"])


def full_width(text: str) -> str:
    """ASCII → full-width forms (２５, ＡＢ), as typed with a Chinese input method."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def sprinkle(text: str, spaces: list[str]) -> str:
    """Insert the given spaces between characters, one per gap, as far as they go."""
    out = []
    for i, c in enumerate(text):
        out.append(c)
        if i < len(spaces) and i < len(text) - 1:
            out.append(spaces[i])
    return "".join(out)


def only_value_problems(fn, cell) -> None:
    with contextlib.suppress(V.ValueProblem):
        fn(cell)


# ---------------------------------------------------------------- counts


@given(st.integers(min_value=0, max_value=10**9))
def test_count_every_spelling_of_a_number(n):
    spellings = [n, float(n), str(n), full_width(str(n)), f"{n}人", f" {n} 名", f"{n:,}", f"{n}.0"]
    assert {V.count(s) for s in spellings} == {n}
    assert V.count(V.count(str(n))) == n


@given(st.integers(min_value=1, max_value=10**9))
def test_count_refuses_negative_numbers(n):
    for cell in (-n, float(-n), str(-n), f"-{n}人", full_width(f"-{n}")):
        try:
            V.count(cell)
        except V.ValueProblem as exc:
            assert "负数" in str(exc)
        else:
            raise AssertionError(f"{cell!r} accepted")


@given(ANY_CELL)
@example("很多")
@example("1e400")
@example(float("inf"))
def test_count_raises_only_value_problems(cell):
    only_value_problems(V.count, cell)


# ---------------------------------------------------------------- dates


DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(
    DATES,
    st.sampled_from(
        ["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}{m:02d}{d:02d}"]
    ),
)
def test_date_every_spelling_is_the_same_day(day, pattern):
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    assert V.date_value(text) == (day, "day")
    assert V.date_value(full_width(text)) == (day, "day")
    assert V.date_value(dt.datetime.combine(day, dt.time())) == (day, "day")
    assert V.date_value(V.date_value(text)[0]) == (day, "day")  # idempotent


@given(st.integers(20000, 80000))
def test_date_serials_in_both_epochs(serial):
    day = dt.date(1899, 12, 30) + dt.timedelta(days=serial)
    assert V.date_value(serial) == V.date_value(float(serial)) == (day, "day")
    assert V.date_value(serial, date_1904=True) == (day + dt.timedelta(days=1462), "day")


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_month_precision_is_kept(year, month):
    for text in (f"{year}.{month}", f"{year}年{month}月", f"{year}-{month}"):
        assert V.date_value(text) == (dt.date(year, month, 1), "month")


@given(st.integers(1900, 2100), st.integers(0, 99), st.integers(0, 99))
def test_impossible_dates_are_refused_with_a_reason(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        pass
    else:
        return
    text = f"{year}年{month}月{day}日"
    try:
        V.date_value(text)
    except V.ValueProblem as exc:
        assert "日期不存在" in str(exc) and ("月" in str(exc).split("（", 1)[1])
    else:
        raise AssertionError(f"{text} accepted")


@given(ANY_CELL)
@example("2014-13-45")
@example("0000年1月1日")
@example(1e300)
def test_date_raises_only_value_problems(cell):
    only_value_problems(V.date_value, cell)


# ---------------------------------------------------------------- yes / no


@given(st.sampled_from(sorted(V.YES_EXAMPLES)), st.booleans(), st.lists(SPACES, max_size=2))
def test_yes_words_in_any_case_width_or_spacing(word, upper, spaces):
    text = word.upper() if upper else word
    assert V.yes_no(sprinkle(full_width(text), spaces)) is True
    assert V.yes_no(V.yes_no(text)) is True


@given(st.sampled_from(sorted(V.NO_EXAMPLES)), st.booleans(), st.lists(SPACES, max_size=2))
def test_no_words_in_any_case_width_or_spacing(word, upper, spaces):
    text = word.upper() if upper else word
    assert V.yes_no(sprinkle(full_width(text), spaces)) is False
    assert V.yes_no(V.yes_no(text)) is False


@given(ANY_CELL)
def test_yes_no_raises_only_value_problems(cell):
    only_value_problems(V.yes_no, cell)


@given(ANY_CELL)
def test_forms_raise_only_value_problems(cell):
    for fn in (V.party_org, V.union_form, V.grade, V.person_name, V.clean_text):
        only_value_problems(fn, cell)


# ---------------------------------------------------------------- credit codes


CODES = st.integers(min_value=0, max_value=10**12).map(make_code)


@given(CODES, st.booleans(), st.booleans(), st.lists(SPACES, max_size=6))
def test_credit_code_any_case_width_and_spacing_is_canonical(code, lower, wide, spaces):
    text = code.lower() if lower else code
    text = full_width(text) if wide else text
    text = sprinkle(text, spaces)
    assert V.credit_code(text) == code
    assert V.credit_code(V.credit_code(text)) == code


@given(CODES, st.integers(0, 16), st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"))
def test_credit_code_with_one_character_changed_is_refused(code, at, ch):
    changed = code[:at] + ch + code[at + 1 :]
    if changed == code:
        return
    try:
        V.credit_code(changed)
    except V.ValueProblem as exc:
        assert "无效" in str(exc)
    else:
        raise AssertionError(f"{changed} accepted")


@given(st.floats(allow_nan=False, min_value=1, max_value=1e18))
def test_credit_code_stored_as_a_number_is_refused(number):
    try:
        V.credit_code(number)
    except V.ValueProblem as exc:
        assert "数字" in str(exc)
    else:
        raise AssertionError("a float was accepted")


@given(ANY_CELL)
def test_credit_code_raises_only_value_problems(cell):
    only_value_problems(V.credit_code, cell)


# ---------------------------------------------------------------- resident ID numbers


def make_id(region: int, born: dt.date, seq: int) -> str:
    from stdnum.cn import ric

    body = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


IDS = st.builds(
    make_id,
    st.integers(110000, 659999),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@given(IDS, st.booleans(), st.lists(st.sampled_from([" ", "\u3000", "-"]), max_size=4))
def test_id_any_width_case_and_separators_is_canonical_and_valid(number, wide, seps):
    text = number.lower()
    text = full_width(text) if wide else text
    text = sprinkle(text, seps)
    assert normalise_id(text) == number
    assert normalise_id(normalise_id(text)) == number
    chk = check_id(normalise_id(text))
    assert chk.valid and chk.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert chk.sex == ("男" if int(number[16]) % 2 else "女")


@given(IDS)
def test_id_with_a_wrong_check_digit_is_invalid(number):
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert not check_id(wrong).valid and check_id(wrong).reason == "校验位不符"


@given(st.floats(min_value=1e16, max_value=1e18))
def test_id_stored_as_a_number_is_refused(number):
    try:
        normalise_id(number)
    except V.ValueProblem as exc:
        assert "数字" in str(exc) and "丢失" in str(exc)
    else:
        raise AssertionError("a float ID was accepted")


@given(st.one_of(st.text(), st.integers()))
def test_id_normalise_and_check_never_crash(cell):
    try:
        number = normalise_id(cell)
    except V.ValueProblem:
        return
    chk = check_id(number)
    assert chk.valid in (True, False)


# ---------------------------------------------------------------- headers and names


HEADER_WORDS = sorted({w for w in catalogue().synonyms if w})


@given(st.text())
@example("姓　名")
@example("從業人員（人）")
def test_header_normalisation_is_idempotent_and_total(text):
    once = normalise_header(text)
    assert normalise_header(once) == once


@given(st.sampled_from(HEADER_WORDS), st.lists(SPACES, max_size=4), st.booleans())
def test_known_headers_with_spaces_or_full_width_map_to_the_same_field(word, spaces, wide):
    field = catalogue().lookup(word)
    variant = sprinkle(full_width(word) if wide else word, spaces)
    assert catalogue().lookup(variant) == field


@given(st.text())
def test_text_cleaning_is_idempotent(text):
    cleaned = V.clean_text(text)
    assert cleaned is None or V.clean_text(cleaned) == cleaned
    name = V.person_name(text)
    assert name is None or V.person_name(name) == name
    key = V.normalise_name(text)
    assert V.normalise_name(key) == key
    assert unicodedata.normalize("NFKC", key) == key or "（" in key or "）" in key
