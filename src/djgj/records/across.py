"""A unit listed on two sheets of one workbook: one unit, counted once, or the file refused.

A county's workbook often holds a 汇总 sheet listing every unit beside the townships' own sheets
listing theirs. The row pipeline dedupes within a sheet; here the records of all sheets are held
against each other. Rows saying the same of a unit are one unit (said); rows saying different
things are refused, as within a sheet, since nothing tells which is right. A summary sheet that
gives its units no township names each by the name a township's sheet gives it too: when exactly
one other sheet's unit has that name, it is that unit (never counted twice); when several have,
the file is refused rather than a township guessed.
"""

from __future__ import annotations

from typing import Any

from djgj.errors import InputError
from djgj.read.headers import field_label
from djgj.records.pipeline import says_no_township
from djgj.records.record import Identity, Parsed, Record

#: Fields that say how a value was read, not what the unit is (compared through their value).
_SECONDARY = frozenset({"union_established_precision"})


def one_unit_per_file(parsed: Parsed) -> None:
    """Drop the repeats of a unit listed on several sheets (merging what only a repeat says), or
    raise `InputError` naming the sheets, rows and fields where they disagree."""
    if len({r.sheet for r in parsed.records}) < 2:
        return  # (within a sheet, the row pipeline has held each row against the others)
    groups = _groups(parsed)
    if all(len(g) == 1 for g in groups.values()):
        return
    order = {id(r): i for i, r in enumerate(parsed.records)}
    kept: set[int] = set()
    said: dict[tuple[str, str, str | None], list[str]] = {}
    for group in groups.values():
        main = next((r for r in group if r.township is not None), group[0])
        for other in group:
            if other is main:
                continue
            first, then = sorted((main, other), key=lambda r: order[id(r)])
            _refuse_if_different(parsed, first, then, main)
            _merge(main, other)
            town_from = main.sheet if other.township is None and main.township is not None else None
            said.setdefault((first.sheet, then.sheet, town_from), []).append(main.name)
        kept.add(id(main))
    placed = {k[0] for k in said if k[2]}  # sheets whose township-less units took a township
    parsed.records = [r for r in parsed.records if id(r) in kept]
    _unsay_no_township(parsed, placed)
    for (one, other_sheet, town_from), names in said.items():
        shown = "、".join(f"“{n}”" for n in names[:3]) + ("等" if len(names) > 3 else "")
        town = f"，乡镇取自工作表“{town_from}”" if town_from else ""
        parsed.warnings.append(
            f"工作表“{one}”和“{other_sheet}”都列有 {len(names)} 个单位（{shown}），内容一致，只计一次{town}"
        )


def _groups(parsed: Parsed) -> dict[Identity, list[Record]]:
    """Records by the unit they are about: a township-less name matched to the one unit of that name
    another sheet places in a township."""
    placed: dict[str, dict[Identity, Record]] = {}
    for rec in parsed.records:
        if rec.township is not None and not rec.credit_code:
            placed.setdefault(rec.norm_name, {})[rec.identity()] = rec
    groups: dict[Identity, list[Record]] = {}
    for rec in parsed.records:
        key = rec.identity()
        if rec.township is None and not rec.credit_code:
            twins = {k: r for k, r in placed.get(rec.norm_name, {}).items() if r.sheet != rec.sheet}
            if len(twins) > 1:
                towns = "、".join(sorted({str(r.township) for r in twins.values()}))
                raise InputError(
                    f"{parsed.path.name}：工作表“{rec.sheet}”第{rec.row}行的“{rec.name}”没有乡镇，"
                    f"而其他工作表中有同名单位分属{towns}，无法确定是哪一个；请在该行填写乡镇后重新导入"
                )
            if twins:
                key = next(iter(twins))
        groups.setdefault(key, []).append(rec)
    return groups


def _said(rec: Record) -> dict[str, Any]:
    blank = set(rec.blank)
    return {k: v for k, v in rec.values.items() if k not in blank and k not in _SECONDARY}


def _refuse_if_different(parsed: Parsed, first: Record, then: Record, main: Record) -> None:
    a, b = _said(first), _said(then)
    fields = [field_label(k) for k in a.keys() & b.keys() if a[k] != b[k]]
    if first.kind != then.kind:
        fields.append("单位类别")
    if not fields:
        return
    raise InputError(
        f"{parsed.path.name}：“{main.name}”在工作表“{first.sheet}”第{first.row}行和工作表“{then.sheet}”"
        f"第{then.row}行都有，内容不同（{'、'.join(sorted(fields))}），无法确定以哪一处为准；"
        "请改正其中一处后重新导入（同一单位在一个文件中只应有一种数据）"
    )


def _merge(main: Record, other: Record) -> None:
    """What only the repeat says (a column the main sheet lacks, or left blank) joins the unit's values."""
    blank = set(main.blank)
    for k, v in _said(other).items():
        if k not in main.values or k in blank:
            main.values[k] = v
            blank.discard(k)
            if k == "union_established_on" and "union_established_precision" in other.values:
                main.values["union_established_precision"] = other.values["union_established_precision"]
    main.blank = tuple(f for f in main.blank if f in blank)


def _unsay_no_township(parsed: Parsed, sheets: set[str]) -> None:
    """The row pipeline's note that a sheet's units have no township, withdrawn for a sheet none of
    whose units is left without one (each took it from the sheet that names it too)."""
    for sheet in sheets:
        if any(r.sheet == sheet and r.township is None for r in parsed.records):
            continue
        parsed.warnings = [w for w in parsed.warnings if not says_no_township(w, sheet)]
