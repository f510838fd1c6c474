"""Data rows read column at a time (`records.columns`) give exactly what `rows.parse_row` gives row
by row: the same records, refusals (messages), normalisation counts and sheet notes, for any mix
of tidy, odd and unreadable cells, any round size and any memo size."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import credit_code
from djgj.read import values as V
from djgj.read.files import Sheet
from djgj.read.headers import read_header
from djgj.read.layout import RowClassifier, locate
from djgj.records import columns, pipeline
from djgj.records.parse import check_columns, sheet_context
from djgj.records.pipeline import RowPipeline
from djgj.records.record import Options, Parsed, Record
from djgj.records.rows import RowPlan, RowProblems, parse_row

HEADER = [
    "乡镇",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "会员数",
    "农民工人数",
    "党员人数",
    "是否建立工会",
    "建会时间",
    "党建指导员",
    "党组织形式",
    "规范化建设等级",
]
TOWNS = ["城关镇", "城關鎮", " 城关镇 ", "", "未填", "东风乡", "ＡＢ镇", 7]
NAMES = ["测试", "測試", "（北京）", "'=甲", "甲  乙", "甲\u200b乙", "ｱｲ", "Ｆｕｌｌ", "", "   "]
ENDINGS = ["有限公司", "村", "社区", "工会委员会", "", "居委会"]
KINDS = ["私营企业", "国有企业", "", "集體企業", "外资", "乱写", "未填", 3]
COUNTS = ["25", "２５", "25人", "1,234", "", "未填", "-3", "很多", 0, 7, 3.0, 2.5, True, " "]
UNIONS = ["已建", "未建", "√", "", "否", "是", "联合工会", "乱", "未填", 1]
DATES = ["2014年3月", "2014-03-05", "2015-01-01", "", "2014.3", "去年", 41000, dt.date(2013, 2, 1), "未填"]
PEOPLE = ["张三", "張 三", "无", "是", "", "未填", "李四", 5]
PARTY = ["党支部", "无", "联合党支部", "", "党委", "乱", "黨支部"]
GRADES = ["基本", "规范化", "", "初级", "差"]


def _code(i: int, how: str) -> Any:
    code = credit_code(i)
    return {
        "valid": code,
        "lower": code.lower(),
        "spaced": f" {code[:6]} {code[6:]}",
        "wide": code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),
        "bad": code[:17] + ("0" if code[17] != "0" else "1"),
        "blank": "",
        "unknown": "未填",
        "number": 91139901.0,
    }[how]


@st.composite
def sheets(draw: Any) -> list[list[Any]]:
    n = draw(st.integers(min_value=1, max_value=40))
    rows: list[list[Any]] = [["城关镇企业台账（2014年度）"], HEADER]
    for i in range(n):
        pick = lambda pool: draw(st.sampled_from(pool))  # noqa: E731
        name = pick(NAMES)
        name = f"{name}{i}号{pick(ENDINGS)}" if name.strip() else name
        how = pick(["valid", "valid", "lower", "spaced", "wide", "bad", "blank", "unknown", "number"])
        rows.append(
            [
                pick(TOWNS),
                name,
                _code(i, how),
                pick(KINDS),
                *(pick(COUNTS) for _ in range(4)),
                pick(UNIONS),
                pick(DATES),
                pick(PEOPLE),
                pick(PARTY),
                pick(GRADES),
            ]
        )
    return rows


def _setup(rows: list[list[Any]], options: Options) -> tuple[Any, ...]:
    path = Path("城关镇_2014.xlsx")
    sheet = Sheet("城关镇", [list(r) for r in rows])
    table = locate(sheet)
    assert table is not None
    parsed = Parsed(path, "xlsx", "x", options.as_of)
    read_header(table.columns, {}, {}, sheet=sheet.name)
    cols = check_columns(table, path)
    ctx = sheet_context(path, table, options, parsed)
    return table, cols, ctx, parsed


def _by_rows(rows: list[list[Any]], options: Options) -> tuple[Any, ...]:
    """The reference: every data row through `parse_row`, one at a time."""
    table, cols, ctx, parsed = _setup(rows, options)
    plan = RowPlan(cols, False, parsed.as_of)
    classify = RowClassifier(len(table.columns))
    got: list[Any] = []
    for r in range(table.header_rows[-1] + 1, len(rows)):
        if classify(table.sheet.rows[r]) != "data":
            continue
        try:
            rec = parse_row(table, r, plan, ctx, parsed.normalised)
        except RowProblems as exc:
            got.append("；".join(exc.problems))
            continue
        if rec is not None:
            got.append(rec)
    return got, parsed.normalised, _notes(ctx)


def _by_columns(rows: list[list[Any]], options: Options) -> tuple[Any, ...]:
    table, cols, ctx, parsed = _setup(rows, options)
    pipe = RowPipeline(table, cols, ctx, parsed)
    first = table.header_rows[-1] + 1
    records = list(pipe.rows((table.sheet.rows[r], r + 1) for r in range(first, len(rows))))
    return _in_row_order(records, parsed.rejects), parsed.normalised, _notes(ctx)


def _in_row_order(records: list[Record], rejects: list[dict[str, Any]]) -> list[Any]:
    rows = [(rec.row, rec) for rec in records] + [(rej["row"], rej["problems"]) for rej in rejects]
    return [x for _, x in sorted(rows, key=lambda p: p[0])]


def _notes(ctx: Any) -> tuple[Any, ...]:
    return (
        ctx.town_used,
        ctx.kinds.count,
        ctx.kinds.conflicts,
        ctx.unions.inferred,
        ctx.unions.unknown,
        ctx.unions.by,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=sheets(),
    round_rows=st.sampled_from([1, 3, 4096]),
    memo_max=st.sampled_from([2, 20_000]),
    strict=st.booleans(),
    kind=st.sampled_from([None, None, "village", "non_public"]),
    township=st.sampled_from([None, "城关镇"]),
)
def test_column_at_a_time_equals_row_at_a_time(rows, round_rows, memo_max, strict, kind, township):
    options = Options(
        as_of=dt.date(2014, 12, 31), skip_bad_rows=True, strict=strict, kind=kind, township=township
    )
    saved = pipeline.ROUND_ROWS, columns.MEMO_MAX
    pipeline.ROUND_ROWS, columns.MEMO_MAX = round_rows, memo_max
    try:
        got = _by_columns(rows, options)
    finally:
        pipeline.ROUND_ROWS, columns.MEMO_MAX = saved
    want = _by_rows(rows, options)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert got[2] == want[2]


def test_a_refused_row_names_its_problems_as_parse_row_does():
    rows: list[list[Any]] = [["城关镇企业台账（2014年度）"], HEADER]
    cells = ["私营企业", "很多", "2", "1", "0", "已建", "", "", "", ""]
    rows.append(["城关镇", "甲1号有限公司", credit_code(1), *cells])
    rows.append(["城关镇", "乙2号有限公司", credit_code(2)[:17] + "X", "私营企业", "3", *cells[2:]])
    options = Options(as_of=dt.date(2014, 12, 31), skip_bad_rows=True)
    got = _by_columns(rows, options)
    assert got == _by_rows(rows, options)
    assert len(got[0]) == 2 and "E列“从业人员数”" in got[0][0] and "统一社会信用代码" in got[0][1]


FRAGMENTS = [
    *"甲乙丙國語簡體后後發髮臺台 \u3000\t\nＡａ１（）()'=\u200b\u0301Ķ¸",
    "鐘錶",
    "乾隆",
    "頭髮",
    "理髮",
]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join)


@given(st.lists(TEXT, max_size=30))
def test_simplify_many_equals_simplify_one_by_one(texts):
    assert V.simplify_many(texts) == [V.simplify(t) for t in texts]


@given(st.lists(st.one_of(TEXT, st.none(), st.integers(), st.floats(allow_nan=False)), max_size=30))
def test_clean_texts_equals_clean_text_one_by_one(cells):
    assert V.clean_texts(cells) == [V.clean_text(c) for c in cells]


@given(st.lists(TEXT.filter(lambda t: t.strip() != ""), max_size=30))
def test_normalise_names_equals_normalise_name_one_by_one(names):
    assert V.normalise_names(names) == [V.normalise_name(n) for n in names]


CODE_CHARS = st.sampled_from(list("0123456789ABCDEFGHJKLMNPQRTUWXYabcIOSVZ ０１"))


@given(
    st.lists(
        st.one_of(
            st.integers(0, 10**6).map(credit_code),
            st.text(CODE_CHARS, min_size=17, max_size=19),
            st.none(),
            st.just(""),
            st.floats(allow_nan=False),
        ),
        max_size=30,
    )
)
def test_credit_codes_equals_credit_code_one_by_one(cells):
    def one(c: Any) -> Any:
        try:
            return V.credit_code(c)
        except V.ValueProblem as exc:
            return str(exc)

    got = [str(x) if isinstance(x, V.ValueProblem) else x for x in V.credit_codes(cells)]
    assert got == [one(c) for c in cells]


def test_check_digit_agrees_with_python_stdnum():
    from stdnum.cn import uscc

    def ok(code: str) -> bool:
        try:
            return V.credit_code(code) == code
        except V.ValueProblem:
            return False

    for n in range(0, 3000, 7):
        code = credit_code(n)
        assert ok(code)
        for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if wrong != code[17]:
                assert ok(code[:17] + wrong) == uscc.is_valid(code[:17] + wrong)


@pytest.mark.parametrize("refused", [False, True])
def test_import_restores_the_garbage_collector(tmp_path, refused):
    from builders import HEADER as LEDGER_HEADER
    from builders import unit_row, write_csv
    from djgj.errors import DjgjError
    from djgj.ledger import write as ledger
    from djgj.ledger.db import open_engine

    rows = [["城关镇（2014年度）"], LEDGER_HEADER, unit_row(1), unit_row(2, 会员数="很多" if refused else 20)]
    f = write_csv(tmp_path / "城关镇.csv", rows)
    engine = open_engine(str(tmp_path / "l.db"), write=True)
    before = gc.get_threshold()
    try:
        ledger.import_file(engine, f, Options())
    except DjgjError:
        assert refused
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    engine.dispose()


def test_tidy_rows_are_read_column_at_a_time(monkeypatch):
    """Only a row the column reader cannot take as it is reaches `parse_row`."""
    rows: list[list[Any]] = [["城关镇企业台账（2014年度）"], HEADER]
    for i in range(50):
        rows.append(
            [
                "城关镇",
                f"甲{i}号有限公司",
                credit_code(i),
                "私营企业",
                "30",
                "20",
                "5",
                "2",
                "已建",
                "2010-01-02",
                "张三",
                "党支部",
                "基本",
            ]
        )
    rows.append(
        [
            "城关镇",
            "乙号有限公司",
            credit_code(99),
            "私营企业",
            "很多",
            "20",
            "5",
            "2",
            "已建",
            "",
            "",
            "",
            "",
        ]
    )
    seen: list[int] = []

    def counted(table: Any, r: int, *args: Any) -> Any:
        seen.append(table.sheet.row_label(r))
        return parse_row(table, r, *args)

    monkeypatch.setattr(pipeline, "parse_row", counted)
    got = _by_columns(rows, Options(as_of=dt.date(2014, 12, 31), skip_bad_rows=True))
    assert len(got[0]) == 51 and seen == ["第53行"]


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["employees", "union_members", "party_members", "union_form"]),
            st.one_of(st.none(), st.integers(0, 10**6), st.booleans()),
        ),
        max_size=20,
    ),
    st.integers(0, 20),
)
def test_totals_add_many_equals_add_one_by_one(values, cut):
    """The round's records are summed for the totals rows a run at a time: the same sums, sheet and
    block, as adding them one by one."""
    from djgj.read.headers import Column
    from djgj.records.totals import Totals

    fields = ["employees", "union_members", "party_members", "name"]
    cols = {f: Column(i, "", f, field=f) for i, f in enumerate(fields)}
    recs = [Record("甲", "甲", None, "non_public", None, v, "s", i + 2) for i, v in enumerate(values)]
    one, many = Totals(cols), Totals(cols)
    for rec in recs:
        one.add(rec)
    many.add_many(recs[:cut])
    many.add_many(recs[cut:])
    assert (one.sums, one.block) == (many.sums, many.block)
    assert set(one.sums) == {"employees", "union_members", "party_members"}


@st.composite
def tidy_sheets(draw: Any) -> list[list[Any]]:
    """Rows the column reader reads whole (every township, kind and code given, no two counts at
    odds): its round of plain rows, each row's record made in one pass."""
    n = draw(st.integers(min_value=1, max_value=30))
    rows: list[list[Any]] = [["城关镇企业台账（2014年度）"], HEADER]
    for i in range(n):
        pick = lambda pool: draw(st.sampled_from(pool))  # noqa: E731
        count = pick(["25", "２５", 25])
        rows.append(
            [
                pick(["城关镇", "城關鎮", "东风乡"]),
                f"{pick(['测试', '測試', '甲  乙', '（北京）', 'Ｆｕｌｌ'])}{i}号有限公司",
                _code(i, pick(["valid", "lower", "spaced", "wide"])),
                pick(["私营企业", "国有企业", "集體企業"]),
                count,
                count,
                count,
                count,
                pick(["已建", "未建", "是"]),
                pick(["2014-03-05", "2014年3月"]),
                pick(["张三", "張 三", "李四"]),
                pick(["党支部", "黨支部", "无"]),
                pick(["基本", "", "规范化"]),
            ]
        )
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tidy_sheets(), round_rows=st.sampled_from([1, 4, 4096]))
def test_a_round_of_tidy_rows_equals_row_at_a_time(rows, round_rows):
    options = Options(as_of=dt.date(2014, 12, 31), skip_bad_rows=True)
    saved = pipeline.ROUND_ROWS
    pipeline.ROUND_ROWS = round_rows
    try:
        got = _by_columns(rows, options)
    finally:
        pipeline.ROUND_ROWS = saved
    assert got == _by_rows(rows, options)
