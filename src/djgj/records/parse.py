"""From a township spreadsheet to validated ledger records, before anything touches the database.

Every value is converted and checked first; any refused value refuses the whole file, naming the
sheet, the row as the spreadsheet shows it, and the column. Only a file that passes every check
reaches `ledger.write`, so a refused file leaves the ledger unchanged. Whatever the file's size, its
rows go through the one row pipeline (`records.pipeline`): a whole sheet row by row, a long CSV in
rounds as it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from pathlib import Path
from typing import Any

from djgj.errors import InputError, UsageError
from djgj.read import values as V
from djgj.read.cards import read_form
from djgj.read.choices import read_choices
from djgj.read.files import MAX_ROWS, Sheet, SheetStream, TextFile, Workbook
from djgj.read.files import stream_csv as stream_csv_rows
from djgj.read.headers import IGNORE, Column, column_rows, field_label, is_remark, read_header, resolve
from djgj.read.layout import (
    HEADER_SCAN_ROWS,
    RowClassifier,
    Table,
    as_of_from_file_name,
    as_of_from_titles,
    has_earlier_header,
    header_cells,
    locate_header,
    locate_tables,
    not_a_unit_list,
    section_of,
    township_from_text,
    township_in_title,
    townships_in_title,
)
from djgj.records.across import one_unit_per_file
from djgj.records.kinds import kind_cell, kind_in_titles
from djgj.records.pipeline import RowPipeline
from djgj.records.record import (
    MAX_PROBLEMS_SHOWN,
    Options,
    Parsed,
    Record,
    column_letter,
    identity_of,
    row_number,
    shown_header,
    where,
)
from djgj.records.rows import RowContext
from djgj.vocab.fields import ROSTER_FIELDS

ROSTER_MARKERS = {"person_name", "id_number"}

__all__ = [
    "Options",
    "Parsed",
    "Record",
    "column_letter",
    "where",
    "parse",
    "stream_csv",
    "stream_sheet",
    "Stream",
    "Fallback",
    "identity_of",
]


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
        if len(sheets) == 1:
            refuse_if_not_a_unit_list(wb.path, s)
        elif not_a_unit_list(s):
            parsed.warnings.append(f"跳过工作表“{s.name}”：{_NOT_A_UNIT_LIST[not_a_unit_list(s) or '']}")
            continue
        found = locate_tables(s)
        for t in found:
            summary = _summary_of(t, options)
            if summary is not None:
                if len(sheets) == 1 and len(found) == 1:
                    raise InputError(
                        f"{wb.path.name} 工作表“{s.name}”{_NOT_A_UNIT_LIST[summary]}。整个文件未导入"
                    )
                parsed.warnings.append(f"跳过工作表“{t.sheet.name}”：{_NOT_A_UNIT_LIST[summary]}")
            else:
                tables.append(t)
        if len(found) > 1:
            parsed.warnings.append(
                f"工作表“{s.name}”中有 {len(found)} 个表（下面的表有自己的表头），各按自己的表头读取"
            )
        if not found and options.sheet is None and len(sheets) > 1:
            parsed.warnings.append(f"跳过工作表“{s.name}”：没有可识别的表头（可能是说明页）")
    if not tables:
        raise InputError(
            f"{wb.path.name}：找不到可识别的表头行（如“企业名称”“从业人员数”“是否建立工会”）。"
            "请确认这是台账表格；如表头写法特殊，可用 --map '表头=字段' 指明，字段见 djgj import --help"
        )
    return tables


def _summary_of(table: Table, options: Options) -> str | None:
    """ "by_township" or "by_kind" when a table's rows are groups of units, not units; None otherwise."""
    if rows_are_kinds(table, options.overrides):
        return "by_kind"
    # --kind 机关 says the rows are the townships' own organs; another kind (非公企业 for a workbook's
    # unit sheets) never makes a township's row a unit of that kind.
    if options.kind != "agency" and rows_are_townships(table, options.overrides):
        return "by_township"
    return None


def rows_are_kinds(table: Table, overrides: dict[str, str]) -> bool:
    """Whether a table's rows are kinds of unit, not units (类别 | 单位数 | 已建工会数 …: 非公企业,
    社会组织, 村): it has no column naming units or organisations, and the cells of its 类别 column
    are mostly kinds."""
    columns = [Column(c.index, c.group, c.label) for c in table.columns]
    resolve(columns, overrides)
    by_field = {c.field: c.index for c in reversed(columns) if c.field}
    j = by_field.get("kind", by_field.get("ownership"))
    if j is None or any(f in by_field for f in ("name", "union_name", "unit_name")):
        return False
    classify = RowClassifier(len(table.columns), header_cells(table))
    below = table.sheet.rows[table.header_rows[-1] + 1 :][:200]
    named = [t for t in (V.clean_text(r[j]) for r in below if j < len(r) and classify(r) == "data") if t]
    return bool(named) and 2 * sum(kind_cell(t) is not None for t in named) > len(named)


def rows_are_townships(table: Table, overrides: dict[str, str]) -> bool:
    """Whether a table's rows are townships, not units (乡镇 | 企业数 | 建会率 …, a county's summary
    sheet beside its townships' lists): the cells of its name column, or of its township column when
    it has no name column, are mostly bare township names (东城镇, not 东城镇人民政府). A column naming
    each row's own organisation or unit (工会名称 in a union list, 所在单位) is its name column: beside it,
    a 所在乡镇 column of townships is what such lists always have."""
    columns = [Column(c.index, c.group, c.label) for c in table.columns]
    resolve(columns, overrides)
    by_field = {c.field: c.index for c in reversed(columns) if c.field}
    j = next((by_field[f] for f in ("name", "union_name", "unit_name", "township") if f in by_field), None)
    if j is None:
        return False
    classify = RowClassifier(len(table.columns), header_cells(table))
    below = table.sheet.rows[table.header_rows[-1] + 1 :][:200]  # (a streamed file's first rows)
    texts = [V.clean_text(row[j]) for row in below if j < len(row) and classify(row) == "data"]
    named = [t for t in texts if t]
    towns = sum(_is_township(t) for t in named)
    return bool(named) and 2 * towns > len(named)


def _is_township(text: str) -> bool:
    """A cell that is a township's bare name, maybe numbered or with its count (1.城关镇, 城关镇（12家）)."""
    if township_from_text(text) == text:
        return True
    section = section_of(text)
    return section is not None and section.town is not None and section.town == section.label


_NOT_A_UNIT_LIST = {
    "party_roster": "是党员花名册（有入党时间、党籍状态、所在党支部等列），不是工会会员花名册，也不是单位名单；"
    "djgj 不导入党员名册",
    "by_township": "是分乡镇的汇总数（各行是乡镇，不是单位），不是单位名单；djgj 的各乡镇数字由台账逐个单位算出"
    "（djgj report），请导入各单位逐行填写的台账（如各行确是乡镇机关，请用 --kind 机关 指明）",
    "by_kind": "是分类别的汇总数（各行是单位类别，如非公企业、社会组织，不是单位），不是单位名单；djgj 的分类别数字"
    "由台账逐个单位算出（djgj report），请导入各单位逐行填写的台账",
    "aggregate": "是汇总统计表，不是单位名单（各行是统计项目/指标和栏次，没有单位名称）；请导入各单位逐行填写的台账",
}


def refuse_if_not_a_unit_list(path: Path, sheet: Sheet) -> None:
    """A Party-member roster or an aggregate statistics form is named as such and refused."""
    what = not_a_unit_list(sheet)
    if what is not None:
        raise InputError(f"{path.name} 工作表“{sheet.name}”{_NOT_A_UNIT_LIST[what]}。整个文件未导入")


def parse(wb: Workbook, options: Options) -> Parsed:
    parsed = Parsed(wb.path, wb.format, wb.sha256, options.as_of, county=options.county)
    parsed.skip_bad_rows = options.skip_bad_rows
    for table in select_tables(wb, options, parsed):
        _check_field_counts(table, wb.path)
        parsed.warnings += read_header(
            table.columns,
            options.overrides,
            options.remembered,
            sheet=table.sheet.name,
            year=sheet_year(table, wb.path, parsed),
            then=lambda cols, t=table: t.choices.extend(read_choices(cols)),  # type: ignore[misc]
        )
        _check_uncomputed(table, wb.path, parsed)
        fields = {c.field for c in table.columns if c.field}
        if not (options.roster or fields >= ROSTER_MARKERS):
            _unit_column_is_the_name(table)
        parsed.columns[table.sheet.name] = _columns_listing(table)
        if options.roster or fields >= ROSTER_MARKERS:
            parsed.roster_tables.append(table)
            continue
        _parse_ledger_table(wb, table, options, parsed)
    one_unit_per_file(parsed)
    if parsed.records and parsed.as_of is None:
        raise InputError(
            f"{wb.path.name}：无法确定数据的截至日期（标题和文件名中都没有“2014年度”或“截止：2014年12月31日”之类的字样）；"
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
    the mapped columns, in title lines or in footers do not matter. Cells holding an Excel error
    value (#N/A from a VLOOKUP that found nothing) are refused the same way (`_check_errors`)."""
    _check_errors(table, path, parsed)
    sheet = table.sheet
    if not sheet.uncomputed:
        return
    role = _cell_roles(table)
    bad: list[str] = []
    for r, c in sheet.uncomputed:
        if r < 0:
            bad.append(f"工作表“{sheet.name}”中某单元格（未标明位置）")
        elif role(r, c) is None:
            continue
        elif role(r, c) == "totals":
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


def _cell_roles(table: Table) -> Callable[[int, int], str | None]:
    """What a cell (row, column) of ``table`` is to its figures: "unit" (a mapped column of a unit's
    row), "totals" (of a totals row), or None (a column no field reads, a title, header or footer)."""
    mapped = {c.index for c in table.columns if c.field and c.field not in (IGNORE, "seq")}
    skipped = {*table.footer_rows, *table.header_rows, *table.repeated_rows, *table.section_rows}
    totals, first = set(table.totals_rows), table.header_rows[0]

    def role(r: int, c: int) -> str | None:
        if c not in mapped or r < first or r in skipped:
            return None
        return "totals" if r in totals else "unit"

    return role


def _check_errors(table: Table, path: Path, parsed: Parsed) -> None:
    """Cells holding an Excel error value (#N/A, #DIV/0!, #VALUE! …) arrive as empty cells: read, a
    count would be 0 and a yes/no 否. In a mapped column of a unit's row the file is refused naming
    each cell and its error; a totals row's is not checked (said); elsewhere they do not matter."""
    sheet = table.sheet
    if not sheet.errors:
        return
    role = _cell_roles(table)
    bad: list[str] = []
    for (r, c), error in sorted(sheet.errors.items()):
        if role(r, c) is None:
            continue
        where = f"工作表“{sheet.name}”{column_letter(c)}{r + 1}（{error}）"
        if role(r, c) == "totals":
            parsed.warnings.append(f"{where}：合计行是 Excel 错误值，未核对")
        else:
            bad.append(where)
    if bad:
        shown = "、".join(bad[:MAX_PROBLEMS_SHOWN]) + ("等" if len(bad) > MAX_PROBLEMS_SHOWN else "")
        raise InputError(
            f"{path.name}：{shown} 是 Excel 错误值（共 {len(bad)} 个单元格，多是 VLOOKUP 等公式没有找到数据），"
            "不能当作空白或 0 导入；请在表中改正（填数字，或确实不知道的留空）后再导入。整个文件未导入"
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
                f"{path.name}：工作表“{table.sheet.name}”{column_letter(other.index)}列“{shown_header(other)}”"
                f"和 {column_letter(c.index)}列“{shown_header(c)}”"
                f"都对应“{field_label(c.field)}”，无法确定以哪一列为准；请用 --map '{column_letter(c.index)}=忽略' 忽略其中一列"
            )
        by_field[c.field] = c
    required = ("person_name", "id_number") if roster else ("name",)
    missing = [f for f in required if f not in by_field]
    if missing:
        listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in unknown) or "（无）"
        raise InputError(
            f"{path.name} 工作表“{table.sheet.name}”：找不到必需的列 {'、'.join(map(field_label, missing))}。"
            f"未能识别的表头：{listed}。请用 --map '列字母=字段' 指明是哪一列，例如 --map 'B={field_label(missing[0])}'"
        )
    return by_field


def _unit_column_is_the_name(table: Table) -> None:
    """In a list of units without a name column, its one 所在单位 column names them (a list of Party
    organisations: 党组织名称 | 党组织类别 | 所在单位 …), as a roster's 单位名称 names its members' unit."""
    fields = [c.field for c in table.columns]
    if "name" not in fields and fields.count("unit_name") == 1:
        col = table.columns[fields.index("unit_name")]
        col.field, col.why = "name", f"{col.why}（单位名单中没有单位名称列：所在单位即各行的单位）"


#: The values the figures are made of, per family: a sheet without one of them feeds none of its figures.
FIGURE_FIELDS = ("employees", "union_members", "migrant_workers", "party_members", "party_org")
VILLAGE_FIGURE_FIELDS = ("union_members", "party_members", "villagers_away", "activists")


def roster_fields_warning(table: Table) -> str | None:
    """The columns of a unit list that are a member roster's (是否农民工, 联系电话, 是否会员): about one
    person each, nothing a unit's figures read, so ignored, and named as such."""
    said = [_where_units_are(table)]
    person = [c for c in table.columns if c.field in ROSTER_ONLY]
    for c in person:
        c.field = IGNORE
    if person:
        listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in person)
        said.append(
            f"工作表“{table.sheet.name}”中以下列是会员花名册的栏目（每人一项），单位台账不读，已忽略：{listed}"
        )
    return "；".join(s for s in said if s) or None


def _where_units_are(table: Table) -> str | None:
    """A 所在单位-like column beside a unit list's own name column (所在村（社区）: where an enterprise
    is): no unit's name and nothing the ledger keeps, so ignored and named (it had gone unsaid)."""
    fields = [c.field for c in table.columns]
    if "name" not in fields:
        return None
    where = [c for c in table.columns if c.field == "unit_name"]
    for c in where:
        c.field = IGNORE
    listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in where)
    return (
        f"工作表“{table.sheet.name}”中以下列是单位所在的地方，不是台账字段，已忽略：{listed}"
        if where
        else None
    )


#: Fields of a member roster that no unit list reads (the unit's name and credit code it does).
ROSTER_ONLY = frozenset(ROSTER_FIELDS) - {"unit_name"}


def unfed_figures_warning(table: Table) -> str | None:
    """Which values this sheet does not carry: unknown for its units (never 0), so the figures made of
    them leave these units out and say how many."""
    have = {c.field for c in table.columns if c.field}
    villages = "employees" not in have and bool(have & {"villagers_away", "activists"})
    missing = [f for f in (VILLAGE_FIGURE_FIELDS if villages else FIGURE_FIELDS) if f not in have]
    if not missing or "name" not in have:
        return None
    return (
        f"工作表“{table.sheet.name}”没有{'、'.join(field_label(f) for f in missing)}列：这些单位的相应数值记为未知"
        "（不是 0），用到它们的指标不计入这些单位，并在报告中注明未计入的单位数"
    )


def hidden_columns_warning(table: Table) -> str | None:
    """The columns read though the sheet hides them (an xlsx's ``<col hidden="1">``): their values are
    figures like any other, so the cadre is told where they came from."""
    hidden = table.sheet.hidden_cols
    read = [c for c in table.columns if c.index in hidden and c.field and c.field != IGNORE]
    if not read:
        return None
    listed = "、".join(f"{column_letter(c.index)}列“{c.header}”" for c in read)
    return f"工作表“{table.sheet.name}”的{listed}是隐藏列，已读取（在 Excel/WPS 中取消隐藏即可看到）"


def unknown_columns_warning(table: Table) -> str | None:
    # The columns left unplaced are named by `headers.read_header` (ignored, or the file refused).
    return None


def _union_list(table: Table) -> bool:
    """A list of base-level unions with no unit-name column: its 工会名称 column names the unit."""
    fields = {c.field for c in table.columns}
    if "name" in fields or "union_name" not in fields:
        return False
    for c in table.columns:
        if c.field == "union_name":
            c.field = "name"
    return True


def _parse_ledger_table(wb: Workbook, table: Table, options: Options, parsed: Parsed) -> None:
    """A whole sheet's rows through the row pipeline."""
    sheet = table.sheet
    name_is_union = _union_list(table)
    cols = check_columns(table, wb.path)
    for warning in (
        unknown_columns_warning(table),
        roster_fields_warning(table),
        unfed_figures_warning(table),
        hidden_columns_warning(table),
    ):
        if warning:
            parsed.warnings.append(warning)
    if not table.data_rows:
        raise InputError(f"{wb.path.name} 工作表“{sheet.name}”：有表头但没有数据行")
    pipe = RowPipeline(table, cols, sheet_context(wb.path, table, options, parsed, name_is_union), parsed)
    first = table.header_rows[-1] + 1
    lines = ((sheet.rows[r], row_number(sheet, r)) for r in range(first, len(sheet.rows)))
    records = list(pipe.rows(lines))
    pipe.finish()
    parsed.records.extend(records)
    parsed.tables.append(table)


def sheet_year(table: Table, path: Path, parsed: Parsed) -> int | None:
    """The year-end's year as the header is read, before the rows: --as-of (or an earlier sheet's),
    else the titles, else the file name — where `sheet_context` will take the year-end from."""
    if parsed.as_of is not None:
        return parsed.as_of.year
    as_of = as_of_of_sheet(table, path)[0]
    return as_of.year if as_of else None


def as_of_of_sheet(table: Table, path: Path) -> tuple[date | None, str]:
    """The date a sheet's data stand at and where it was read: its titles, else its own name (a
    workbook's 城关镇2023 sheet), else its file's name."""
    as_of, source = as_of_from_titles(table.title_lines)
    sheet = table.sheet_name or table.sheet.name
    if as_of is None and sheet != path.stem:  # (a CSV's one sheet is named after its file)
        as_of, source = as_of_from_file_name(sheet), f"工作表名“{sheet}”"
    if as_of is None:
        as_of, source = as_of_from_file_name(path.stem), f"文件名“{path.name}”"
    return as_of, source


def sheet_context(
    path: Path, table: Table, options: Options, parsed: Parsed, name_is_union: bool = False
) -> RowContext:
    """The year-end (into `parsed`), the default township and the 非公 hint a sheet's titles give."""
    titles = table.title_lines
    if parsed.as_of is None:
        as_of, source = as_of_of_sheet(table, path)
        if as_of is not None:
            parsed.as_of = as_of
            parsed.warnings.append(f"截至日期 {as_of.isoformat()} 取自{source}")
    elif options.as_of is None:
        _same_date_as_before(table, path, parsed.as_of)
    default_town, source = _default_township(path, table, options)
    _say_several_townships(table, default_town, parsed)
    title_town = next((t for t in map(township_in_title, titles) if t), None)
    if options.township and title_town and title_town != options.township:
        parsed.warnings.append(
            f"--township {options.township} 与标题中的“{title_town}”不一致，以 --township 为准"
        )
    # (the sheet's own name too: a workbook with a 非公企业 sheet beside a 村（社区） sheet)
    title_kind = kind_in_titles([*titles, table.sheet.name]) or kind_in_titles([path.stem])
    ctx = RowContext(options, default_town, title_kind == "non_public", source, name_is_union=name_is_union)
    ctx.title_kind = title_kind
    ctx.remarks = tuple(c.index for c in table.columns if c.field in (None, IGNORE) and is_remark(c))
    ctx.unions.union_list = name_is_union or any(c.field == "union_name" for c in table.columns)
    return ctx


def _same_date_as_before(table: Table, path: Path, as_of: date) -> None:
    """A later sheet whose own titles or name date it otherwise than the file's earlier sheets (a
    workbook of 2022年 and 2023年 sheets): one import has one date, so the file is refused; its rows
    would have been dated by the first sheet's."""
    own, source = as_of_of_sheet(table, path)
    if own is None or own == as_of or source.startswith("文件名"):
        return
    raise InputError(
        f"{path.name}：工作表“{table.sheet_name or table.sheet.name}”的数据截至 {own.isoformat()}（取自{source}），"
        f"而前面的工作表截至 {as_of.isoformat()}；一次导入只能有一个截至日期。请用 --sheet 逐个工作表导入"
        "（或用 --as-of 指定所有工作表共同的截至日期）。整个文件未导入"
    )


def _say_several_townships(table: Table, default_town: str | None, parsed: Parsed) -> None:
    """Why a sheet whose titles name several townships gives its rows none of them."""
    if default_town is not None:
        return
    for line in table.title_lines:
        named = townships_in_title(line)
        if len(named) > 1:
            shown = "、".join(t for t in named if t != "等") + ("等" if "等" in named else "")
            parsed.warnings.append(
                f"工作表“{table.sheet.name}”的标题“{line}”提到不止一个乡镇（{shown}），"
                "不把其中任何一个当作各单位的乡镇；请在表中填写乡镇列，或用 --township 指定"
            )
            return


def _default_township(path: Path, table: Table, options: Options) -> tuple[str | None, str]:
    """The township of rows that do not name their own, and where it was read: --township, else a
    plausible place name in a title line, the sheet's name (one sheet per township) or the file's."""
    if options.township:
        return options.township, ""
    places = [(line, f"标题“{line}”") for line in table.title_lines]
    if (table.sheet_name or table.sheet.name) != path.stem:  # (a CSV's one sheet is named after its file)
        places.append((table.sheet.name, f"工作表名“{table.sheet.name}”"))
    places.append((path.stem, f"文件名“{path.name}”"))
    for text, source in places:
        towns = townships_in_title(text)
        if len(towns) > 1:  # (a title naming two townships gives neither, nor lets a file name decide)
            return None, ""
        if towns:
            return towns[0], source
    return None, ""


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
    #: A member roster (no records): its table, and its rows below the header as they are read.
    roster: Table | None = None
    lines: Iterator[tuple[list[Any], int]] | None = None


def stream_csv(tf: TextFile, sha256: str, options: Options, batch_rows: int) -> Stream:
    """The records of a ledger CSV, through the row pipeline as the file is read, in rounds of
    `batch_rows`: the same pipeline `parse` runs over a whole sheet, so the same records, warnings,
    normalisation counts, rejects and refusals. Memory does not grow with the file's length beyond
    one round and a few bytes per unit (for duplicates). A file this cannot take as one ledger table
    (no header, no year-end, a missing required column …) raises `Fallback` before any
    round; a refusal met in the rounds raises `InputError`: the caller rolls back either way and
    reads the file whole, so the message names every problem (up to the limit) exactly as `parse` does.
    """
    rows = stream_csv_rows(tf)
    head = list(islice(rows, HEADER_SCAN_ROWS + 1))
    sheet = Sheet(tf.path.stem, [r for r, _ in head], line_numbers=[n for _, n in head])
    return _stream(sheet, chain(head, rows), tf.path, "csv", sha256, options, batch_rows, tf.newlines + 1)


def stream_sheet(ss: SheetStream, options: Options, batch_rows: int) -> Stream:
    """`stream_csv` for the one worksheet of an xlsx file (`read.files.stream_workbook`): the same
    pipeline, rounds and fallback. A cell merged below the header (a 乡镇 over its block, filled down
    when the sheet is read whole) leaves the file to `parse`."""
    head = list(islice(ss.rows, HEADER_SCAN_ROWS + 1))
    sheet = Sheet(
        ss.sheet.name,
        [r for r, _ in head],
        merged=ss.sheet.merged,
        date_1904=ss.sheet.date_1904,
        hidden_cols=ss.sheet.hidden_cols,
    )
    return _stream(sheet, chain(head, ss.rows), ss.path, ss.format, ss.sha256, options, batch_rows, ss.height)


def _stream(
    sheet: Sheet,
    lines: Iterator[tuple[list[Any], int]],
    path: Path,
    fmt: str,
    sha256: str,
    options: Options,
    batch_rows: int,
    estimate: int,
) -> Stream:
    """The header of `sheet` (a file's first rows) read as `parse` reads it, then every row of
    `lines` (the file's rows, from its first) through the row pipeline in rounds."""
    if options.sheet is not None and options.sheet != sheet.name or not_a_unit_list(sheet):
        raise Fallback
    if read_form(sheet) is not None:  # a one-unit form: `locate` reads it whole
        raise Fallback
    table = locate_header(sheet)
    if table is None or any(r1 > table.header_rows[-1] for (_, _), (r1, _) in sheet.merged):
        raise Fallback
    if _summary_of(table, options) is not None:  # a summary by township or kind: as `parse` says it
        raise Fallback
    if has_earlier_header(table):  # two tables: `parse` reads them with `locate_tables`
        raise Fallback
    parsed = Parsed(path, fmt, sha256, options.as_of, county=options.county)
    try:
        year = sheet_year(table, path, parsed)
        parsed.warnings += read_header(
            table.columns,
            options.overrides,
            options.remembered,
            sheet=sheet.name,
            year=year,
            then=lambda cols: table.choices.extend(read_choices(cols)),
        )
    except InputError:
        raise Fallback from None
    fields = {c.field for c in table.columns if c.field}
    if not (options.roster or fields >= ROSTER_MARKERS):
        _unit_column_is_the_name(table)
    parsed.columns[sheet.name] = _columns_listing(table)
    if options.roster or fields >= ROSTER_MARKERS:
        parsed.roster_tables.append(table)
        parsed.skip_bad_rows = options.skip_bad_rows
        below = islice(lines, table.header_rows[-1] + 1, None)
        return Stream(parsed, iter(()), estimate, roster=table, lines=below)
    name_is_union = _union_list(table)
    try:
        cols = check_columns(table, path)
    except InputError:
        raise Fallback from None
    for warning in (
        unknown_columns_warning(table),
        roster_fields_warning(table),
        unfed_figures_warning(table),
        hidden_columns_warning(table),
    ):
        if warning:
            parsed.warnings.append(warning)
    ctx = sheet_context(path, table, options, parsed, name_is_union)
    if parsed.as_of is None:
        raise Fallback
    width = len(sheet.rows[table.header_rows[0]]) if fmt == "csv" else None
    # A CSV's line count bounds its rows (an xlsx's declared extent is not trusted to size memory).
    expected = min(estimate, MAX_ROWS) if fmt == "csv" else 0
    pipe = RowPipeline(table, cols, ctx, parsed, width=width, keep_firsts=False, expected=expected)
    below = islice(lines, table.header_rows[-1] + 1, None)
    return Stream(parsed, _rounds(pipe, below, batch_rows), estimate)


def _rounds(
    pipe: RowPipeline, lines: Iterator[tuple[list[Any], int]], batch_rows: int
) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for rec in pipe.rows(lines):
        batch.append(rec)
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    pipe.finish()
    if batch:
        yield batch


def _columns_listing(table: Table) -> list[dict[str, str]]:
    return column_rows(table.columns)
