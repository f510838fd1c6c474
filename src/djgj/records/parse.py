"""From a township spreadsheet to validated ledger records, before anything touches the database.

Every value is converted and checked first; any refused value refuses the whole file, naming the
sheet, the row as the spreadsheet shows it, and the column. Only a file that passes every check
reaches `ledger.write`, so a refused file leaves the ledger unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djgj.errors import InputError, UsageError
from djgj.read import values as V
from djgj.read.cells import unneutralise
from djgj.read.files import Sheet, TextFile, Workbook, col_letters
from djgj.read.files import stream_csv as stream_csv_rows
from djgj.read.headers import IGNORE, Column, resolve
from djgj.read.layout import (
    HEADER_SCAN_ROWS,
    RowClassifier,
    Table,
    as_of_from_titles,
    locate,
    locate_header,
    township_from_text,
)
from djgj.vocab.fields import KINDS, SNAPSHOT_FIELDS

MAX_PROBLEMS_SHOWN = 20
ROSTER_MARKERS = {"person_name", "id_number"}


@dataclass
class Options:
    as_of: dt.date | None = None
    township: str | None = None
    kind: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    roster: bool = False
    skip_bad_rows: bool = False
    county: str = ""


@dataclass(slots=True)
class Record:
    """One unit's row: identity, snapshot values, and where it came from."""

    name: str
    norm_name: str
    township: str | None
    kind: str
    credit_code: str | None
    values: dict[str, Any]
    sheet: str
    row: int  # 1-based, as the spreadsheet (or CSV line) shows it


@dataclass
class Parsed:
    """What one file yields: records per sheet plus everything the user should be told."""

    path: Path
    format: str
    sha256: str
    as_of: dt.date | None
    records: list[Record] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    roster_tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    normalised: Counter[str] = field(default_factory=Counter)
    columns: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    townships: set[str] = field(default_factory=set)
    county: str = ""
    #: With --skip-bad-rows: each refused row (sheet, row, problems, raw cells) for the reject report.
    rejects: list[dict[str, Any]] = field(default_factory=list)


column_letter = col_letters  # one definition, in sources: how a spreadsheet names column `index`


def where(sheet: Sheet, row: int, col: Column | None = None) -> str:
    place = f"工作表“{sheet.name}”{sheet.row_label(row)}"
    if col is not None:
        place += f"，{column_letter(col.index)}列“{col.header}”"
    return place


def select_tables(wb: Workbook, options: Options, parsed: Parsed) -> list[Table]:
    """The sheets to import: the named one, or every visible sheet with a recognisable header."""
    names = [s.name for s in wb.sheets]
    if options.sheet is not None:
        chosen = [s for s in wb.sheets if s.name == options.sheet]
        if not chosen:
            raise UsageError(f"{wb.path.name} 中没有工作表“{options.sheet}”；现有工作表：{'、'.join(names)}")
        sheets = chosen
    else:
        sheets = []
        for s in wb.sheets:
            if not s.visible:
                parsed.warnings.append(f"跳过隐藏的工作表“{s.name}”（如需导入请用 --sheet 指定）")
            else:
                sheets.append(s)
    tables = []
    for s in sheets:
        t = locate(s)
        if t is None:
            if options.sheet is not None or len(sheets) == 1:
                continue
            parsed.warnings.append(f"跳过工作表“{s.name}”：没有可识别的表头（可能是说明页）")
        else:
            tables.append(t)
    if not tables:
        raise InputError(
            f"{wb.path.name}：找不到可识别的表头行（如“企业名称”“从业人员数”“是否建立工会”）。"
            "请确认这是台账表格；如表头写法特殊，可用 --map '表头=字段' 指明，字段见 djgj import --help"
        )
    return tables


def parse(wb: Workbook, options: Options) -> Parsed:
    parsed = Parsed(wb.path, wb.format, wb.sha256, options.as_of, county=options.county)
    for table in select_tables(wb, options, parsed):
        _check_field_counts(table, wb.path)
        resolve(table.columns, options.overrides)
        _check_uncomputed(table, wb.path, parsed)
        fields = {c.field for c in table.columns if c.field}
        parsed.columns[table.sheet.name] = [
            {"column": column_letter(c.index), "header": c.header, "field": c.field or ""}
            for c in table.columns
        ]
        if options.roster or fields >= ROSTER_MARKERS:
            parsed.roster_tables.append(table)
            continue
        _parse_ledger_table(wb, table, options, parsed)
    if parsed.records and parsed.as_of is None:
        raise InputError(
            f"{wb.path.name}：无法确定数据的截至日期（标题中没有“2014年度”或“截止：2014年12月31日”之类的字样）；"
            "请用 --as-of 2014-12-31 指定"
        )
    return parsed


def _check_field_counts(table: Table, path: Path) -> None:
    """CSV rows with fewer or more fields than the header are refused, never padded or split silently."""
    sheet = table.sheet
    if sheet.line_numbers is None:
        return
    width = len(sheet.rows[table.header_rows[0]])
    bad = []
    for r in [*table.data_rows, *table.totals_rows]:
        n = len(sheet.rows[r])
        if n < width:
            bad.append(
                f"第{sheet.line_numbers[r]}行只有 {n} 个字段，表头有 {width} 个（缺少字段，或字段中有未加引号的换行符）"
            )
        elif n > width and any(not V.is_blank(c) for c in sheet.rows[r][width:]):
            bad.append(
                f"第{sheet.line_numbers[r]}行有 {n} 个字段，表头只有 {width} 个（多出字段，可能是名称中含逗号未加引号）"
            )
    if bad:
        raise InputError(
            f"{path.name}：CSV 行的字段数与表头不一致，整个文件未导入", details=bad[:MAX_PROBLEMS_SHOWN]
        )


def _check_uncomputed(table: Table, path: Path, parsed: Parsed) -> None:
    """Formula cells without a computed value read as empty (or as a writer's placeholder 0): in a
    mapped column below the header they would import as blank or zero (or hide a whole row as
    empty), so the file is refused naming them. A totals row's is only not checked; cells outside
    the mapped columns, in title lines or in footers do not matter."""
    sheet = table.sheet
    if not sheet.uncomputed:
        return
    mapped = {c.index for c in table.columns if c.field and c.field not in (IGNORE, "seq")}
    skipped = set(table.footer_rows) | set(table.header_rows)
    totals = set(table.totals_rows)
    bad: list[str] = []
    for r, c in sheet.uncomputed:
        if r < 0:
            bad.append(f"工作表“{sheet.name}”中某单元格（未标明位置）")
        elif c not in mapped or r < table.header_rows[0] or r in skipped:
            continue
        elif r in totals:
            if c < len(sheet.rows[r]):
                sheet.rows[r][c] = None
            parsed.warnings.append(
                f"工作表“{sheet.name}”{column_letter(c)}{r + 1}：合计行是公式但没有计算结果，未核对"
            )
        else:
            bad.append(f"工作表“{sheet.name}”{column_letter(c)}{r + 1}")
    if bad:
        shown = "、".join(bad[:MAX_PROBLEMS_SHOWN]) + ("等" if len(bad) > MAX_PROBLEMS_SHOWN else "")
        raise InputError(
            f"{path.name}：{shown} 是公式但没有计算结果（公式未计算，共 {len(bad)} 个单元格），不能当作空白导入；"
            "请在 Excel/WPS 中打开、保存后再导入。整个文件未导入"
        )


def check_columns(table: Table, path: Path, roster: bool = False) -> dict[str, Column]:
    by_field: dict[str, Column] = {}
    unknown = [c for c in table.columns if c.field is None]
    for c in table.columns:
        if c.field is None or c.field == IGNORE or c.field == "seq":
            continue
        if c.field in by_field:
            other = by_field[c.field]
            raise InputError(
                f"{path.name}：{column_letter(other.index)}列“{other.header}”和 {column_letter(c.index)}列“{c.header}”"
                f"都对应字段 {c.field}，无法确定以哪一列为准；请用 --map '{column_letter(c.index)}=ignore' "
                f"按列字母忽略其中一列（如要忽略 {column_letter(other.index)} 列则写 "
                f"--map '{column_letter(other.index)}=ignore'）"
            )
        by_field[c.field] = c
    required = ("person_name", "id_number") if roster else ("name",)
    missing = [f for f in required if f not in by_field]
    if missing:
        listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in unknown) or "（无）"
        raise InputError(
            f"{path.name} 工作表“{table.sheet.name}”：找不到必需的列 {'、'.join(missing)}。未能识别的表头：{listed}。"
            f"请用 --map '表头=字段' 指明，例如 --map '{unknown[0].header if unknown else '单位全称'}={missing[0]}'"
        )
    return by_field


def unknown_columns_warning(table: Table) -> str | None:
    unknown = [c for c in table.columns if c.field is None]
    if not unknown:
        return None
    listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in unknown)
    return (
        f"工作表“{table.sheet.name}”中未识别的列已忽略：{listed}。"
        f"如需导入，请用 --map '表头=字段' 指明（例如 --map '{unknown[0].header}=employees'），不需要可用 =ignore"
    )


_THOUSANDS = re.compile(r"\d[,，]\d{3}")


def _note_normalisation(raw: Any, kind: str, counter: Counter[str]) -> None:
    if kind == "count" and isinstance(raw, str) and _THOUSANDS.search(raw):
        counter["去掉数字中的千位分隔符（如“1,234”）"] += 1
    if isinstance(raw, str) and raw.isascii() and raw and not raw.isspace():
        # ASCII is its own NFKC and Simplified form, and holds no 人/名 unit nor an unknown word.
        if kind == "date":
            counter["文字日期转为日期"] += 1
        return
    if V.is_unknown(raw):
        counter["“未填/不详”记为未知"] += 1
        return
    if V.is_blank(raw):
        if kind == "count":
            counter["空白计为 0"] += 1
        elif kind == "bool":
            counter["空白视为“否”"] += 1
        return
    if isinstance(raw, str):
        nfkc = unicodedata.normalize("NFKC", raw)
        if nfkc != raw:
            counter["全角字符转半角"] += 1
        if V.simplify(raw) != nfkc:
            counter["繁体字转简体"] += 1
        if kind == "count" and re.search(r"[人名个家户位]\s*$", nfkc):
            counter["去掉人数后的单位（如“25人”）"] += 1
        if kind == "date":
            counter["文字日期转为日期"] += 1


def _note_identity(raw_name: Any, name: str, raw_code: Any, code: str | None, counter: Counter[str]) -> None:
    """Count what reading a unit's name and credit code changed: Traditional characters, full-width
    letters and brackets (kept half-width; matched either way), lower case and spaces in a code."""
    if isinstance(raw_name, str) and not raw_name.isascii():
        nfkc = unicodedata.normalize("NFKC", raw_name)
        if V.simplify(raw_name) != nfkc:
            counter["单位名称繁体字转简体"] += 1
        if any(b in raw_name for b in "（）"):
            counter["单位名称全角括号转半角（比对时不分全角半角）"] += 1
        elif nfkc != raw_name:
            counter["单位名称全角字符转半角"] += 1
    if code is not None and isinstance(raw_code, str) and raw_code != code:
        counter["统一社会信用代码转大写或去掉空格"] += 1


def _parse_ledger_table(wb: Workbook, table: Table, options: Options, parsed: Parsed) -> None:
    sheet = table.sheet
    cols = check_columns(table, wb.path)
    warning = unknown_columns_warning(table)
    if warning:
        parsed.warnings.append(warning)
    if not table.data_rows:
        raise InputError(f"{wb.path.name} 工作表“{sheet.name}”：有表头但没有数据行")
    default_town, title_says_non_public = _title_context(wb.path, table, options, parsed)

    problems: list[str] = []
    records: list[Record] = []
    plan = _RowPlan(cols, sheet.date_1904)
    for r in table.data_rows:
        try:
            rec = _parse_row(
                table, r, cols, options, default_town, title_says_non_public, parsed.normalised, plan
            )
        except _RowProblems as exc:
            if options.skip_bad_rows:
                parsed.rejects.append(_reject(table, r, exc.problems))
                continue
            problems.extend(exc.problems)
            if len(problems) > MAX_PROBLEMS_SHOWN:
                break
            continue
        if rec is not None:
            records.append(rec)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = "（另有更多问题未列出）" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise InputError(
            f"{wb.path.name}：有 {len(shown)} 处数据不能导入，整个文件未导入{more}", details=shown
        )
    if parsed.rejects:
        parsed.warnings.append(_rejects_warning(sheet.name, len(parsed.rejects)))
    records = _dedupe(records, sheet, parsed)
    _check_totals(table, cols, _count_sums(cols, records), parsed)
    parsed.warnings += _skipped_warnings(sheet.name, len(table.empty_rows), len(table.footer_rows))
    parsed.records.extend(records)
    parsed.tables.append(table)
    parsed.townships.update(r.township for r in records if r.township)


def _title_context(path: Path, table: Table, options: Options, parsed: Parsed) -> tuple[str | None, bool]:
    """The year-end (into `parsed`), the default township and the 非公 hint a sheet's titles give."""
    titles = table.title_lines
    if parsed.as_of is None:
        as_of, source = as_of_from_titles(titles)
        if as_of is not None:
            parsed.as_of = as_of
            parsed.warnings.append(f"截至日期 {as_of.isoformat()} 取自{source}")
    title_town = next((t for t in map(township_from_text, titles) if t), None)
    file_town = township_from_text(path.stem)
    default_town = options.township or title_town or file_town
    if options.township and title_town and title_town != options.township:
        parsed.warnings.append(
            f"--township {options.township} 与标题中的“{title_town}”不一致，以 --township 为准"
        )
    title_says_non_public = any("非公" in V.simplify(t) for t in titles) or "非公" in path.stem
    return default_town, title_says_non_public


def _rejects_warning(sheet: str, n: int) -> str:
    return f"--skip-bad-rows：工作表“{sheet}”有 {n} 行未导入，原因和原始内容见拒收报告"


def _duplicate_warning(name: str, sheet: str, first: int, again: int) -> str:
    return f"“{name}”在工作表“{sheet}”第{first}行和第{again}行重复出现，内容相同，只计一次"


def _skipped_warnings(sheet: str, empty: int, footer: int) -> list[str]:
    out = []
    if empty:
        out.append(f"工作表“{sheet}”跳过空行 {empty} 行")
    if footer:
        out.append(f"工作表“{sheet}”跳过表尾 {footer} 行（填表人、说明等）")
    return out


class _RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


#: Cached conversions per column (raw text → result); columns of unique texts stop adding at this size.
_CACHE_MAX = 50_000
_NOTHING: tuple[Any, ...] = ()


class _ColumnPlan:
    """How one snapshot column's cells become values: chosen once per table, with the result of
    every distinct text cached (the converters are pure; sheets repeat the same words)."""

    __slots__ = ("fld", "vkind", "col", "index", "blank", "blank_notes", "cache", "ascii_count")

    def __init__(self, fld: str, vkind: str, col: Column, date_1904: bool) -> None:
        self.fld, self.vkind, self.col, self.index = fld, vkind, col, col.index
        self.ascii_count = vkind == "count"
        blank: dict[str, Any] = {}
        _convert_into(blank, fld, vkind, None, None, date_1904)
        self.blank = blank
        notes: Counter[str] = Counter()
        _note_normalisation(None, vkind, notes)
        self.blank_notes = tuple(notes.elements())
        self.cache: dict[Any, tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]] = {}


class _RowPlan:
    def __init__(self, cols: dict[str, Column], date_1904: bool) -> None:
        self.date_1904 = date_1904
        self.columns: list[_ColumnPlan] = []
        for fld, (vkind, _) in SNAPSHOT_FIELDS.items():
            col = cols.get(fld if fld != "has_instructor" else "instructor")
            if col is None or fld == "has_instructor":
                continue
            self.columns.append(_ColumnPlan(fld, vkind, col, date_1904))
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
            if len(cache) > _CACHE_MAX:
                cache.clear()
            return text


def _parse_row(
    table: Table,
    r: int,
    cols: dict[str, Column],
    options: Options,
    default_town: str | None,
    non_public_hint: bool,
    counter: Counter[str],
    plan: _RowPlan | None = None,
) -> Record | None:
    sheet = table.sheet
    if plan is None:
        plan = _RowPlan(cols, sheet.date_1904)
    cells = sheet.rows[r]
    n = len(cells)
    problems: list[str] = []

    def get(fld: str) -> Any:
        col = cols.get(fld)
        return cells[col.index] if col is not None and col.index < n else None

    raw_name = get("name")
    name = V.clean_text(raw_name)
    if name is None:
        filled = [c for c in cells if not V.is_blank(c)]
        if len(filled) <= 1:
            return None  # a stray numbering cell or note, not a unit
        raise _RowProblems([f"{where(sheet, r, cols['name'])}：这一行有数据但没有单位名称"])
    name = unneutralise(name)
    values: dict[str, Any] = {}
    code = None
    if "credit_code" in cols:
        try:
            code = V.credit_code(get("credit_code"))
        except V.ValueProblem as exc:
            problems.append(f"{where(sheet, r, cols['credit_code'])}：{exc}")
    _note_identity(raw_name, name, get("credit_code"), code, counter)
    township = plan.clean_text(get("township")) or default_town
    kind = _kind_of(name, get, options, non_public_hint, plan.clean_text)
    if kind is None:
        problems.append(
            f"{where(sheet, r)}：无法判断“{name}”的单位类别（没有企业类型列，名称也不以村/社区结尾）；"
            f"请用 --kind 指定（{'、'.join(KINDS)}）"
        )
    for cp in plan.columns:
        i = cp.index
        raw = cells[i] if i < n else None
        if raw is None:
            values.update(cp.blank)
            for note in cp.blank_notes:
                counter[note] += 1
            continue
        is_text = type(raw) is str
        if is_text and cp.ascii_count and raw.isdigit() and raw.isascii():
            values[cp.fld] = int(raw)  # plain ASCII digits: nothing to normalise or note
            continue
        key = (raw, kind) if cp.vkind == "union_form" else raw
        hit = cp.cache.get(key) if is_text else None
        if hit is None:
            got: dict[str, Any] = {}
            try:
                _convert_into(got, cp.fld, cp.vkind, raw, kind, plan.date_1904)
            except V.ValueProblem as exc:
                problems.append(f"{where(sheet, r, cp.col)}：{exc}")
                continue
            notes: Counter[str] = Counter()
            _note_normalisation(raw, cp.vkind, notes)
            hit = (tuple(got.items()), tuple(notes.elements()) or _NOTHING)
            if is_text and len(cp.cache) < _CACHE_MAX:
                cp.cache[key] = hit
        values.update(hit[0])
        for note in hit[1]:
            counter[note] += 1
    problems += [f"{where(sheet, r)}：{p}" for p in _cross_check(values)]
    if problems:
        raise _RowProblems(problems)
    return Record(
        name, V.normalise_name(name), township, kind or "", code, values, sheet.name, _row_number(sheet, r)
    )


def _row_number(sheet: Sheet, r: int) -> int:
    return sheet.line_numbers[r] if sheet.line_numbers is not None else r + 1


def _reject(table: Table, r: int, problems: list[str]) -> dict[str, Any]:
    """A refused row as the reject report shows it: where, why, and every raw cell under its header."""
    cells = {c.header: table.cell(r, c) for c in table.columns}
    return {
        "sheet": table.sheet.name,
        "row": _row_number(table.sheet, r),
        "problems": "；".join(problems),
        **cells,
    }


def _convert_into(
    values: dict[str, Any], fld: str, vkind: str, raw: Any, kind: str | None, date_1904: bool = False
) -> None:
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
    elif vkind == "count":
        values[fld] = V.count(raw)
    elif vkind == "bool":
        values[fld] = V.yes_no(raw)
    elif vkind == "date":
        got = V.date_value(raw, date_1904=date_1904)
        values[fld] = got[0] if got else None
        values["union_established_precision"] = got[1] if got else None
    elif vkind == "party_org":
        values[fld] = V.party_org(raw)
    elif vkind == "union_form":
        values[fld] = V.union_form(raw, kind=kind)
    elif vkind == "grade":
        values[fld] = V.grade(raw)
    elif vkind == "person":
        values[fld] = V.person_name(raw)
    else:
        text = V.clean_text(raw)
        values[fld] = unneutralise(text) if text else None


def _kind_of(
    name: str, get: Any, options: Options, non_public_hint: bool, clean: Any = V.clean_text
) -> str | None:
    if options.kind in ("village", "community"):
        return V.kind_from_name(name) or options.kind
    if options.kind:
        return options.kind
    declared = clean(get("kind"))
    if declared:
        for key, label in KINDS.items():
            if declared in (key, label):
                return key
    from_ownership = V.kind_from_ownership(clean(get("ownership")))
    if from_ownership:
        return from_ownership
    from_name = V.kind_from_name(name)
    if from_name:
        return from_name
    return "non_public" if non_public_hint else None


_PAIRS = [
    ("union_members", "employees", "会员数", "从业人员"),
    ("migrant_workers", "employees", "农民工", "从业人员"),
    ("female_employees", "employees", "女职工", "从业人员"),
    ("party_members", "employees", "党员", "从业人员"),
    ("migrant_union_members", "migrant_workers", "农民工会员", "农民工"),
    ("migrant_union_members", "union_members", "农民工会员", "会员数"),
]


def _cross_check(values: dict[str, Any]) -> list[str]:
    out = []
    for part, whole, part_label, whole_label in _PAIRS:
        a, b = values.get(part), values.get(whole)
        if a is not None and b is not None and a > b:
            out.append(f"{part_label}（{a}）超过{whole_label}（{b}）")
    return out


def _dedupe(records: list[Record], sheet: Sheet, parsed: Parsed) -> list[Record]:
    """The same unit twice in one file: identical rows are kept once (reported); differing rows refuse the file."""
    seen: dict[tuple[Any, ...], Record] = {}
    out: list[Record] = []
    for rec in records:
        key = ("code", rec.credit_code) if rec.credit_code else ("name", rec.township, rec.norm_name)
        first = seen.get(key)
        if first is None:
            seen[key] = rec
            out.append(rec)
            continue
        if first.values == rec.values and first.name == rec.name and first.township == rec.township:
            parsed.warnings.append(_duplicate_warning(rec.name, sheet.name, first.row, rec.row))
            continue
        diff = [k for k in set(first.values) | set(rec.values) if first.values.get(k) != rec.values.get(k)]
        raise InputError(
            f"{parsed.path.name}：“{rec.name}”在工作表“{sheet.name}”第{first.row}行和第{rec.row}行重复出现且内容不同"
            f"（{'、'.join(sorted(diff)) or '名称或乡镇'}），无法确定以哪一行为准；请删去错误的一行后重新导入"
        )
    return out


def _count_fields(cols: dict[str, Column]) -> list[str]:
    return [fld for fld in cols if SNAPSHOT_FIELDS.get(fld, ("",))[0] == "count"]


def _count_sums(cols: dict[str, Column], records: list[Record]) -> dict[str, int]:
    return {fld: sum(rec.values.get(fld) or 0 for rec in records) for fld in _count_fields(cols)}


def _check_totals(table: Table, cols: dict[str, Column], sums: dict[str, int], parsed: Parsed) -> None:
    for r in table.totals_rows:
        for fld, col in cols.items():
            if SNAPSHOT_FIELDS.get(fld, ("",))[0] != "count":
                continue
            raw = table.cell(r, col)
            if V.is_blank(raw):
                continue
            try:
                declared = V.count(raw)
            except V.ValueProblem:
                parsed.warnings.append(f"{where(table.sheet, r, col)}：合计行的值“{raw}”不是数字，未核对")
                continue
            actual = sums[fld]
            if declared != actual:
                parsed.warnings.append(
                    f"{where(table.sheet, r, col)}：合计行写 {declared}，逐行相加为 {actual}，两者不符（以逐行数据为准）"
                )


class Fallback(Exception):
    """A file the streamed path does not import itself: refused, a roster, no header found, no
    year-end… `parse` of the whole file then gives exactly the answer (and the message) it always did."""


@dataclass
class Stream:
    """A CSV file being imported row by row: what is known once its header is found, and its records."""

    parsed: Parsed
    rounds: Iterator[list[Record]]
    #: Rows the file may hold (its line breaks): the progress total, which records never exceed.
    estimate: int


def stream_csv(tf: TextFile, sha256: str, options: Options, batch_rows: int) -> Stream:
    """The records of a ledger CSV, converted and checked row by row, in rounds of `batch_rows`.

    Identical to `parse` for every file it accepts: the same records in the same order (duplicates
    kept once), the same warnings, normalisation counts and rejects. Memory does not grow with the
    file's length beyond one round and a key per unit (for duplicates). Whatever `parse` would refuse,
    and rosters, raise `Fallback` (before or during the rounds): the caller rolls back and reads the
    file whole, so messages stay exactly as they were.
    """
    from itertools import chain, islice

    rows = stream_csv_rows(tf)
    head = list(islice(rows, HEADER_SCAN_ROWS + 1))
    sheet = Sheet(tf.path.stem, [r for r, _ in head], line_numbers=[n for _, n in head])
    if options.sheet is not None and options.sheet != sheet.name:
        raise Fallback
    table = locate_header(sheet)
    if table is None:
        raise Fallback
    parsed = Parsed(tf.path, "csv", sha256, options.as_of, county=options.county)
    resolve(table.columns, options.overrides)
    fields = {c.field for c in table.columns if c.field}
    parsed.columns[sheet.name] = [
        {"column": column_letter(c.index), "header": c.header, "field": c.field or ""} for c in table.columns
    ]
    if options.roster or fields >= ROSTER_MARKERS:
        raise Fallback
    try:
        cols = check_columns(table, tf.path)
    except InputError:
        raise Fallback from None
    warning = unknown_columns_warning(table)
    if warning:
        parsed.warnings.append(warning)
    default_town, non_public = _title_context(tf.path, table, options, parsed)
    if parsed.as_of is None:
        raise Fallback
    below = chain(head[table.header_rows[-1] + 1 :], rows)
    width = len(sheet.rows[table.header_rows[0]])
    rounds = _stream_rounds(below, table, cols, width, options, parsed, default_town, non_public, batch_rows)
    return Stream(parsed, rounds, tf.newlines + 1)


_MASK = (1 << 64) - 1


def _stream_rounds(
    below: Iterator[tuple[list[Any], int]],
    table: Table,
    cols: dict[str, Column],
    width: int,
    options: Options,
    parsed: Parsed,
    default_town: str | None,
    non_public: bool,
    batch_rows: int,
) -> Iterator[list[Record]]:
    name = table.sheet.name
    # One row at a time, as row 0 of a one-row sheet: messages and rejects name its CSV line.
    window = Sheet(name, [[]], line_numbers=[0])
    one = Table(window, table.header_rows, table.columns)
    classify = RowClassifier(len(table.columns))
    plan = _RowPlan(cols, False)
    counted = _count_fields(cols)
    sums = dict.fromkeys(counted, 0)
    seen: dict[int, int] = {}
    duplicates: list[str] = []
    totals: list[tuple[list[Any], int]] = []
    data = empty = footer = 0
    batch: list[Record] = []
    for cells, line in below:
        what = classify(cells)
        if what == "empty":
            empty += 1
            continue
        if what == "footer":
            footer += 1
            continue
        n = len(cells)
        if n < width or (n > width and any(not V.is_blank(c) for c in cells[width:])):
            raise Fallback  # a CSV row with the wrong number of fields refuses the file
        if what == "totals":
            totals.append((cells, line))
            continue
        data += 1
        window.rows[0] = cells
        window.line_numbers[0] = line  # type: ignore[index]
        try:
            rec = _parse_row(one, 0, cols, options, default_town, non_public, parsed.normalised, plan)
        except _RowProblems as exc:
            if not options.skip_bad_rows:
                raise Fallback from None
            parsed.rejects.append(_reject(one, 0, exc.problems))
            continue
        if rec is None:
            continue
        # Per unit, one int: the hash of its identity → its first row and the hash of that row's
        # content (identity included, so two units whose identities' hashes collide refuse, never merge).
        key = ("code", rec.credit_code) if rec.credit_code else ("name", rec.township, rec.norm_name)
        digest = hash((key, rec.name, rec.township, tuple(sorted(rec.values.items())))) & _MASK
        first = seen.get(hash(key))
        if first is not None:
            if first & _MASK != digest:
                raise Fallback  # the same unit twice with different values refuses the file
            duplicates.append(_duplicate_warning(rec.name, name, first >> 64, rec.row))
            continue
        seen[hash(key)] = (rec.row << 64) | digest
        for fld in counted:
            sums[fld] += rec.values.get(fld) or 0
        if rec.township:
            parsed.townships.add(rec.township)
        batch.append(rec)
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if not data:
        raise Fallback  # a header without data rows refuses the file
    if batch:
        yield batch
    if parsed.rejects:
        parsed.warnings.append(_rejects_warning(name, len(parsed.rejects)))
    parsed.warnings += duplicates
    for cells, line in totals:
        window.rows[0] = cells
        window.line_numbers[0] = line  # type: ignore[index]
        one.totals_rows = [0]
        _check_totals(one, cols, sums, parsed)
    parsed.warnings += _skipped_warnings(name, empty, footer)
