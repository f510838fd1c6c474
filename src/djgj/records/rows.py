"""One spreadsheet row → one `Record`: every cell converted and checked, or the row's problems.

A `RowPlan` is chosen once per table (which column feeds which field, by which converter) and
caches the result of every distinct text per column: sheets repeat the same words. Conversions
are noted (full-width, Traditional, "25人" …) so the summary can say what was normalised.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from djgj.read import values as V
from djgj.read.cells import unneutralise
from djgj.read.files import Sheet
from djgj.read.headers import Column
from djgj.read.layout import (
    Table,
    has_marks,
    marked_edges,
    name_without_marks,
    township_cell,
    township_from_text,
    unit_endings,
)
from djgj.records import plausible
from djgj.records.kinds import KindNotes, kind_from_code, kind_of
from djgj.records.record import Options, Record, row_number, where
from djgj.records.unions import (
    UnionEvidence,
    infer_union,
    joint_union_row,
    refine_by_remark,
    unit_name_of_union,
)
from djgj.vocab.fields import SNAPSHOT_FIELDS, fields_not_of
from djgj.vocab.vocabulary import choices_text

#: Cached conversions per column (raw text → result); columns of unique texts stop adding at this size.
#: Words that repeat (townships, kinds, yes/no, forms) fit many times over; names and dates that do not
#: repeat gain nothing from a larger cache, and memory stays the same whatever the file's length.
CACHE_MAX = 4096
_NOTHING: tuple[Any, ...] = ()
#: The note of a cell written in Traditional characters.
TRADITIONAL_CELL = "繁体字转简体"


class RowProblems(Exception):
    """A row that cannot be imported, with every reason found in it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


@dataclass
class RowContext:
    """What a sheet says about all of its rows: the township and kind its titles or name give."""

    options: Options
    default_town: str | None = None
    non_public_hint: bool = False
    #: Where `default_town` was read (标题“…”, 工作表名“…”, 文件名“…”), said in the summary.
    town_source: str = ""
    #: Records that took `default_town` (their own township cell was blank or absent).
    town_used: int = 0
    #: The township of the group row above the row being read (一、红旗镇), and the records that took
    #: it: it comes before `default_town` (the table says it, closer to the row than a title).
    section_town: str | None = None
    town_from_section: int = 0
    #: Villages and communities whose township came from their own name (城关镇东关村), and the first.
    town_from_name: int = 0
    town_name_example: tuple[str, str] = ("", "")
    kinds: KindNotes = field(default_factory=KindNotes)
    #: How unions were inferred when the sheet has no union yes/no column.
    unions: UnionEvidence = field(default_factory=UnionEvidence)
    #: The name column is the union's name (工会名称, no unit name column): the unit's name is it
    #: without 工会委员会.
    name_is_union: bool = False
    #: The 备注 columns (not placed as a field): a sheet without a union column may state it there.
    remarks: tuple[int, ...] = ()
    #: Rows skipped as a union of several units (`unions.joint_union_row`), each with why: said.
    joint_unions: list[str] = field(default_factory=list)
    #: The one kind the sheet's titles, its name or the file's name give its units (非公 → non_public,
    #: 社会组织 → social_org), after their own evidence; `non_public_hint` is this being non_public.
    title_kind: str | None = None


class ColumnPlan:
    """How one snapshot column's cells become values: chosen once per table, with the result of
    every distinct text cached (the converters are pure; sheets repeat the same words)."""

    __slots__ = ("fld", "vkind", "col", "index", "blank", "blank_notes", "cache", "ascii_count")

    def __init__(self, fld: str, vkind: str, col: Column, date_1904: bool) -> None:
        self.fld, self.vkind, self.col, self.index = fld, vkind, col, col.index
        self.ascii_count = vkind == "count"
        blank: dict[str, Any] = {}
        convert_into(blank, fld, vkind, None, None, date_1904)
        self.blank = blank
        notes: list[str] = []
        note_normalisation(None, vkind, notes)
        self.blank_notes = tuple(notes)
        self.cache: dict[Any, tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]] = {}

    def convert(self, raw: Any, kind: str | None, date_1904: bool) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        """(field values, normalisation notes) of one cell; raises `ValueProblem`."""
        is_text = type(raw) is str
        key = (raw, kind) if self.vkind == "union_form" else raw
        hit = self.cache.get(key) if is_text else None
        if hit is None:
            got: dict[str, Any] = {}
            convert_into(got, self.fld, self.vkind, raw, kind, date_1904)
            notes: list[str] = []
            note_normalisation(raw, self.vkind, notes)
            hit = (tuple(got.items()), tuple(notes) or _NOTHING)
            if is_text and len(self.cache) < CACHE_MAX:
                self.cache[key] = hit
        return hit

    def convert_plain(
        self, texts: list[str]
    ) -> dict[str, tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]]:
        """`convert` of those of ``texts`` a person column reads in one pass (`values.plain_person_names`:
        a named instructor); the others are left to `convert`."""
        if self.fld != "instructor" or self.vkind != "person":
            return {}
        traditional = (TRADITIONAL_CELL,)
        return {
            raw: (
                (("has_instructor", True), ("instructor", name)),
                traditional if V.simplify(raw) != raw else _NOTHING,
            )
            for raw, name in V.plain_person_names(texts).items()
        }


class RowPlan:
    def __init__(self, cols: dict[str, Column], date_1904: bool, as_of: dt.date | None = None) -> None:
        self.cols = cols
        self.date_1904 = date_1904
        self.as_of = as_of  # the file's year-end, once its titles gave it
        self.columns: list[ColumnPlan] = []
        for fld, (vkind, _) in SNAPSHOT_FIELDS.items():
            col = cols.get(fld if fld != "has_instructor" else "instructor")
            if col is None or fld == "has_instructor":
                continue
            self.columns.append(ColumnPlan(fld, vkind, col, date_1904))
        self.text_cache: dict[Any, str | None] = {}

    def clean_text(self, raw: Any) -> str | None:
        """`values.clean_text` of a low-variety column (township, kind, ownership), cached."""
        if raw is None:
            return None
        cache = self.text_cache
        try:
            return cache[raw] if isinstance(raw, str) else V.clean_text(raw)
        except KeyError:
            text = cache[raw] = V.clean_text(raw)
            if len(cache) > CACHE_MAX:
                cache.clear()
            return text


def _union_and_unit(name: str, get: Any, ctx: RowContext, has_union_name: bool) -> tuple[str | None, str]:
    """(the union's name, the unit's name) of a row: a union list names the union, its unit is the
    name without 工会委员会."""
    if ctx.name_is_union:
        return name, unit_name_of_union(name)
    return (V.clean_text(get("union_name")) if has_union_name else None), name


#: Why a row of a joint union (城关镇个体劳动者联合工会), in a union list or among units, is skipped.
SEVERAL_UNITS_UNION = (
    "“{}”是多个单位共建的工会（联合工会、行业或区域工会），不是一个单位，已跳过（不计入单位数，其人数也不计入）；"
    "如需计入，请把它覆盖的单位逐个列为一行（工会形式写“联合工会”）"
)


#: The normalisation note of a 乡镇 cell that named one of the township's organs.
TOWN_ORGAN_NOTE = "乡镇名去掉其后的机关或村（社区）名（如“城关镇人民政府”“城关镇东关村”记为城关镇）"


def town_of_cell(text: str | None, counter: Counter[str]) -> str | None:
    """A 乡镇 cell's township (`township_cell`), the change counted as a normalisation."""
    if text is None:
        return None
    town = township_cell(text)
    if town != text:
        counter[TOWN_ORGAN_NOTE] += 1
    return town


def town_in_name(name: str | None, kind: str | None, ctx: RowContext) -> str | None:
    """A village's or community's township from its own name when the sheet gives none (城关镇东关村
    → 城关镇, counted for the summary): a place name first, then a village's own name of two
    characters or more (东湖乡村 names no village of 东湖乡)."""
    if kind not in ("village", "community") or not name:
        return None
    town = township_from_text(name)
    if town is None or not name.startswith(town) or len(name) - len(town) < 3:
        return None
    ctx.town_from_name += 1
    if ctx.town_from_name == 1:
        ctx.town_name_example = (name, town)
    return town


def parse_row(table: Table, r: int, plan: RowPlan, ctx: RowContext, counter: Counter[str]) -> Record | None:
    """The record of row `r`, None for a stray cell that is not a unit; raises `RowProblems`."""
    sheet, cols = table.sheet, plan.cols
    cells = sheet.rows[r]
    n = len(cells)

    def get(fld: str) -> Any:
        col = cols.get(fld)
        return cells[col.index] if col is not None and col.index < n else None

    name = V.clean_text(get("name"))
    if name is None:
        if sum(not V.is_blank(c) for c in cells) <= 1:
            return None  # a stray numbering cell or note, not a unit
        raise RowProblems([f"{where(sheet, r, cols['name'])}：这一行有数据但没有单位名称"])
    name = name_without_marks(unneutralise(name))
    union_name, name = _union_and_unit(name, get, ctx, "union_name" in cols)
    if _skipped_as_joint(name, union_name, ctx, where(sheet, r)):
        return None  # (said, with the sheet's notes)
    problems = _name_problems(name, where(sheet, r, cols["name"]))
    code = None
    if "credit_code" in cols:
        try:
            code = V.credit_code(get("credit_code"))
        except V.ValueProblem as exc:
            problems.append(f"{where(sheet, r, cols['credit_code'])}：{exc}")
    note_identity(get("name"), get("credit_code"), code, counter)
    township = _row_township(town_of_cell(plan.clean_text(get("township")), counter), ctx)
    kind = kind_of(name, code, get, ctx.options.kind, _title_kind(ctx), plan.clean_text, ctx.kinds)
    if township is None:
        township = town_in_name(name, kind, ctx)
    if kind is None and kind_from_code(code):
        problems.append(
            f"{where(sheet, r)}：“{name}”的统一社会信用代码表明是{kind_from_code(code)[0]}，"  # type: ignore[index]
            f"但表中没有说明是国有、集体还是非公有制企业；请加企业类型列，或用 --kind 指定（{choices_text('kinds')}）"
        )
    elif kind is None:
        problems.append(
            _unknown_kind(sheet, r, name, plan.clean_text(get("kind")) or plan.clean_text(get("ownership")))
        )
    blank: list[str] = []
    values = _row_values(table, r, plan, kind, counter, problems, blank)
    if "union_form" not in cols or ctx.unions.union_list:
        _infer(values, cells, plan.clean_text(get("union_type")), union_name, ctx)
    elif ctx.remarks:
        refine_by_remark(values, get("union_form"), ctx.unions, first_remark(cells, ctx.remarks))
    values.update(dict.fromkeys(set(fields_not_of(kind)).intersection(blank)))  # (a village has no 职工)
    problems += plausible.check(values, plan.as_of, ctx.options.strict, counter, where(sheet, r))
    if problems:
        raise RowProblems(problems)
    return Record(
        name,
        V.normalise_name(name),
        township,
        kind or "",
        code,
        values,
        sheet.name,
        row_number(sheet, r),
        tuple(blank),
    )


def _infer(
    values: dict[str, Any], cells: list[Any], union_type: str | None, union_name: str | None, ctx: RowContext
) -> None:
    """`infer_union` of a row without a union column, its first non-blank 备注 as evidence."""
    infer_union(values, union_type, union_name, ctx.unions, first_remark(cells, ctx.remarks))


def first_remark(cells: list[Any], remarks: tuple[int, ...]) -> str | None:
    """A row's first non-blank 备注 (`RowContext.remarks`)."""
    return next((t for i in remarks if i < len(cells) and (t := V.clean_text(cells[i]))), None)


def _title_kind(ctx: RowContext) -> str | None:
    """The kind the sheet's titles give its units (`RowContext.title_kind`, or the 非公 hint)."""
    return ctx.title_kind or ("non_public" if ctx.non_public_hint else None)


def _skipped_as_joint(name: str, union_name: str | None, ctx: RowContext, place: str) -> bool:
    """Whether the row is a union of several units (`unions.joint_union_row`): no unit, its figures
    no one's. It is skipped, and why is kept to be said with the sheet's notes — never the whole
    file refused for it (the other rows are units)."""
    if not joint_union_row(union_name if ctx.name_is_union else name, ctx.name_is_union):
        return False
    ctx.joint_unions.append(f"{place}：{SEVERAL_UNITS_UNION.format(union_name or name)}")
    return True


def _name_problems(name: str, place: str) -> list[str]:
    """What a row's name says is wrong with it: an Excel error value; several units in one cell."""
    if V.excel_error(name) is not None:
        return [f"{place}：“{name}”是 Excel 错误值（公式没有得出结果），不是单位名称；请在表中改正"]
    if _several_units(name):
        return [f"{place}：“{name}”像是几个单位写在同一格中；请每个单位一行"]
    return []


def _several_units(name: str) -> bool:
    """柳河镇小刘饭馆、柳河镇红星五金店: names listed in one cell (a joint organisation's units), each
    a name of its own, ending as a unit's name does (`layout.unit_endings`)."""
    parts = [p.strip() for p in re.split("[、；;]", name)]
    return len(parts) > 1 and all(len(p) >= 3 and p.endswith(unit_endings()) for p in parts)


def _unknown_kind(sheet: Sheet, r: int, name: str, declared: str | None) -> str:
    """Why a unit's kind is unknown: its type cell says none the ledger knows, or nothing says it."""
    why = (
        f"类型列写的“{declared}”不是可识别的单位类别，名称也不以村/社区结尾"
        if declared
        else "没有企业类型列，名称也不以村/社区结尾"
    )
    return (
        f"{where(sheet, r)}：无法判断“{name}”的单位类别（{why}）；请用 --kind 指定（{choices_text('kinds')}）"
    )


def _row_township(own: str | None, ctx: RowContext) -> str | None:
    """A row's township: its own cell's, else its group row's (一、红旗镇), else the sheet's
    (--township, a title, the sheet's or the file's name); each borrowing counted for the summary."""
    if own is None and ctx.section_town is not None:
        ctx.town_from_section += 1
        return ctx.section_town
    if own is None and ctx.default_town is not None:
        ctx.town_used += 1
        return ctx.default_town
    return own


def _row_values(
    table: Table,
    r: int,
    plan: RowPlan,
    kind: str | None,
    counter: Counter[str],
    problems: list[str],
    blank: list[str],
) -> dict[str, Any]:
    """The snapshot values of row `r`, converted column by column (problems appended, not raised).

    Fields whose cell was blank and whose value is only the sheet's convention go to `blank`. A
    blank cell's convention never overrides what another column's cell said of the same field (选派
    指导员 in the Party column beside a blank 党建指导员; 工会 written as its founding date beside a
    blank 建会时间), whichever column comes first."""
    cells = table.sheet.rows[r]
    n = len(cells)
    values: dict[str, Any] = {}
    conventions: dict[str, Any] = {}  # what blank cells gave, applied after the cells that speak
    for cp in plan.columns:
        i = cp.index
        raw = cells[i] if i < n else None
        if type(raw) is str:
            if cp.ascii_count and raw.isdigit() and raw.isascii():
                values[cp.fld] = int(raw)  # plain ASCII digits: nothing to normalise or note
                continue
            hit = (
                cp.cache.get(raw) if cp.vkind != "union_form" else None
            )  # the usual case: a word seen before
            if hit is not None:
                got, notes = hit
                if len(got) == 1:
                    values[got[0][0]] = got[0][1]
                else:
                    values.update(got)
                for note in notes:
                    counter[note] += 1
                continue
            if not raw or raw.isspace():
                raw = None
        if raw is None:
            conventions.update(cp.blank)
            for note in cp.blank_notes:
                counter[note] += 1
            continue
        try:
            got, notes = cp.convert(raw, kind, plan.date_1904)
        except V.ValueProblem as exc:
            problems.append(f"{where(table.sheet, r, cp.col)}：{exc}")
            continue
        values.update(got)
        for note in notes:
            counter[note] += 1
    for fld, value in conventions.items():
        if fld not in values:
            values[fld] = value
            blank.append(fld)
    return values


_THOUSANDS = re.compile(r"\d[,，]\d{3}")


def note_identity(
    raw_name: Any,
    raw_code: Any,
    code: str | None,
    counter: Counter[str],
    simplify: Callable[[str], str] = V.simplify,
) -> None:
    """Count what reading a unit's name and credit code changed: Traditional characters, full-width
    letters and brackets (kept half-width; matched either way), lower case and spaces in a code.
    (`simplify` is `values.simplify`, or its answers already computed for a column.)"""
    if isinstance(raw_name, str) and not raw_name.isascii():
        nfkc = unicodedata.normalize("NFKC", raw_name)
        if simplify(raw_name) != nfkc:
            counter[_TRADITIONAL] += 1
        if any(b in raw_name for b in "（）"):
            counter[_BRACKETS] += 1
        elif nfkc != raw_name:
            counter[_WIDE] += 1
    if has_marks(raw_name):
        counter[_MARKED] += 1
    if code is not None and isinstance(raw_code, str) and raw_code != code:
        counter[_RECODED] += 1
    elif code is None and isinstance(raw_code, str) and raw_code.strip():
        counter[_NO_CODE] += 1


_TRADITIONAL = "单位名称繁体字转简体"
_BRACKETS = "单位名称全角括号转半角（比对时不分全角半角）"
_WIDE = "单位名称全角字符转半角"
_RECODED = "统一社会信用代码转大写或去掉空格"
_MARKED = "单位名称前后的标记符号（如“★”“*”）不属于名称，已去掉"
_NO_CODE = "统一社会信用代码栏写“暂无”“未办理”“—”等，记为没有代码（按名称比对）"


def note_identities(
    raw_names: list[Any],
    raw_codes: list[Any],
    codes: list[Any],
    counter: Counter[str],
    simplify: Callable[[str], str] = V.simplify,
) -> None:
    """`note_identity` of many rows at once: the same counts, added to ``counter`` in the order
    row-by-row counting first meets them. A round whose names all read as written (the round's
    names joined: unchanged by NFKC and by Simplification, no full-width bracket) and whose codes
    all read as written is known so in a few C calls; only the rows of another round are walked."""
    found: dict[str, list[int]] = {}  # note → the rows it is counted for
    texts = [i for i, n in enumerate(raw_names) if isinstance(n, str) and not n.isascii()]
    if texts:
        names = [raw_names[i] for i in texts]
        joined = _JOIN.join(names)  # (no NFKC or Simplified form joins across it)
        if (
            "（" in joined
            or "）" in joined
            or unicodedata.normalize("NFKC", joined) != joined
            or _JOIN.join(map(simplify, names)) != joined
        ):
            _name_notes(texts, names, simplify, found)
    lead, trail = marked_edges()
    edged = (
        i
        for i, n in enumerate(raw_names)
        if isinstance(n, str) and n and (n[0] in lead or n[-1] in trail or n[0].isspace() or n[-1].isspace())
    )
    marked = [i for i in edged if has_marks(raw_names[i])]
    if marked:
        found[_MARKED] = marked
    if raw_codes != codes:
        _code_notes(raw_codes, codes, found)
    # (first met: by row, then in `note_identity`'s order within a row)
    for note in sorted(found, key=lambda note: (found[note][0], _IN_ROW[note])):
        counter[note] += len(found[note])


_JOIN = "\x00"
_IN_ROW = {_TRADITIONAL: 0, _BRACKETS: 1, _WIDE: 1, _MARKED: 2, _RECODED: 3, _NO_CODE: 3}


def _name_notes(
    rows: list[int], names: list[str], simplify: Callable[[str], str], found: dict[str, list[int]]
) -> None:
    normalize = unicodedata.normalize
    for i, raw_name in zip(rows, names, strict=True):
        nfkc = normalize("NFKC", raw_name)
        if simplify(raw_name) != nfkc:
            found.setdefault(_TRADITIONAL, []).append(i)
        if "（" in raw_name or "）" in raw_name:
            found.setdefault(_BRACKETS, []).append(i)
        elif nfkc != raw_name:
            found.setdefault(_WIDE, []).append(i)


def _code_notes(raw_codes: list[Any], codes: list[Any], found: dict[str, list[int]]) -> None:
    for i, (raw_code, code) in enumerate(zip(raw_codes, codes, strict=True)):
        if code is not None and isinstance(raw_code, str) and raw_code != code:
            found.setdefault(_RECODED, []).append(i)
        elif code is None and isinstance(raw_code, str) and raw_code.strip():
            found.setdefault(_NO_CODE, []).append(i)


def note_normalisation(raw: Any, kind: str, notes: list[str]) -> None:
    """The normalisation notes of one cell read as ``kind``, each once, appended to ``notes``."""
    if kind == "count" and V.is_dash_count(raw):
        notes.append("人数栏的“—”“/”记为未知（不计为 0，用到它的指标不计入该单位）")
        return
    if kind == "union_form" and V.founding_date(raw) is not None:
        notes.append("工会栏写的日期记为已建会，并作为建会时间（如“2016.5”）")
        return
    if kind in ("count", "date") and isinstance(raw, str) and V.without_text_mark(raw.strip()) != raw.strip():
        notes.append("去掉数字前的单引号（Excel/WPS 的文本标记，如“'45”记为 45）")
    if kind == "count" and isinstance(raw, str) and _THOUSANDS.search(raw):
        notes.append("去掉数字中的千位分隔符（如“1,234”）")
    if isinstance(raw, str) and raw.isascii() and raw and not raw.isspace():
        # ASCII is its own NFKC and Simplified form, and holds no 人/名 unit nor an unknown word.
        if kind == "date":
            notes.append("文字日期转为日期")
        return
    if V.is_unknown(raw):
        notes.append("“未填/不详”记为未知")
        return
    if V.is_blank(raw):
        if kind == "count":
            notes.append("空白计为 0")
        elif kind == "bool":
            notes.append("空白视为“否”")
        return
    if isinstance(raw, str):
        nfkc = unicodedata.normalize("NFKC", raw)
        if nfkc != raw:
            notes.append("全角字符转半角")
        if V.simplify(raw) != nfkc:
            notes.append(TRADITIONAL_CELL)
        if kind == "count" and nfkc.strip() in V.NONE_COUNT_WORDS:
            notes.append("人数栏的“无”计为 0")
        if kind == "count" and re.search(r"[人名个位]\s*$", nfkc):
            notes.append("去掉人数后的单位（如“25人”）")
        if kind == "count" and re.search(r"\)\s*$", nfkc):
            notes.append("人数后括号中的说明不计入（如“120（含劳务派遣20）”记为 120）")
        if kind == "count" and re.search("[零〇一二两三四五六七八九十百千万]", nfkc):
            notes.append("中文数字转为数字（如“一百二十”记为 120，“1.2万”记为 12000）")
        if kind == "date":
            notes.append("文字日期转为日期")
            if V.TWO_DIGIT_YEAR.match(nfkc.strip()):
                notes.append("两位数年份补全（如“19年5月”记为 2019年5月）")


def convert_into(
    values: dict[str, Any], fld: str, vkind: str, raw: Any, kind: str | None, date_1904: bool = False
) -> None:
    if (error := V.excel_error(raw)) is not None:
        raise V.ValueProblem(
            f"“{error}”是 Excel 错误值（公式没有得出结果），不是{SNAPSHOT_FIELDS.get(fld, ('', '有效数据'))[1]}；"
            "请在表中改正（确实不知道的可写“不详”，记为未知）"
        )
    if V.is_unknown(raw):
        # 未填/不详: the value is not known, which is not the same as blank (0, no, none).
        values[fld] = None
        if fld == "instructor":
            values["has_instructor"] = None
        elif vkind == "date":
            values["union_established_precision"] = None
    elif fld == "instructor":
        if V.looks_yes_no(raw):
            values["has_instructor"] = V.yes_no(raw)
            values["instructor"] = None
        else:
            values["has_instructor"] = True
            values["instructor"] = V.person_name(raw)
    elif vkind == "union_form" and (founded := V.founding_date(raw)) is not None:
        # 建会情况 written as the date it was set up (2016.5): a union, and its date
        values[fld] = V.union_form("已建", kind=kind)
        values["union_established_on"], values["union_established_precision"] = founded
    elif vkind == "date":
        got = V.date_value(raw, date_1904=date_1904)
        values[fld] = got[0] if got else None
        values["union_established_precision"] = got[1] if got else None
    else:
        values[fld] = _CONVERTERS.get(vkind, _text)(raw, kind)
        if vkind == "party_org" and V.names_instructor(raw):
            values["has_instructor"] = True  # 选派指导员 in the Party column: covered, no own organisation


def _text(raw: Any, kind: str | None) -> str | None:
    text = V.clean_text(raw)
    return unneutralise(text) if text else None


_CONVERTERS: dict[str, Callable[[Any, str | None], Any]] = {
    "count": lambda raw, kind: V.count_or_unknown(raw),
    "bool": lambda raw, kind: V.yes_no(raw),
    "party_org": lambda raw, kind: V.read_with_note(V.party_org, raw),
    "union_form": lambda raw, kind: V.read_with_note(lambda c: V.union_form(c, kind=kind), raw),
    "grade": lambda raw, kind: V.grade(raw),
    "person": lambda raw, kind: V.person_name(raw),
}
