"""A union read from evidence when the sheet has no yes/no union column.

A list of base-level unions (one row per union: 工会名称, 建会日期, 基层工会类型) says by its rows
that each union exists; a ledger without a 是否建会 column may still show one (建会时间, 会员数 > 0,
工会主席, 基层工会类型). Either way the union is inferred, never silently: the summary says how many
and from which columns. A row with no such evidence keeps its union unknown (not "none").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from djgj.read import values as V
from djgj.read.headers import Column
from djgj.read.layout import layout_words, unit_endings

#: The suffix of a union's name that names the union, not its unit: 甲公司工会委员会 → 甲公司.
_UNION_SUFFIX = re.compile(r"(?:联合)?(?:基层)?工会(?:委员会|联合会)?$")


@dataclass
class UnionEvidence:
    """How the unions of one sheet were inferred, for the summary."""

    union_list: bool = False
    inferred: int = 0
    unknown: int = 0
    #: Units whose union form (or its absence) their 备注 stated (与卫生院联合建会).
    remarked: int = 0
    by: Counter[str] = field(default_factory=Counter)
    #: Units whose union cell said only yes and whose 备注 said the union is a joint one (`refine_by_remark`).
    refined: int = 0


def is_union_list(cols: dict[str, Column]) -> bool:
    """A sheet that names unions (工会名称): each row says that its unit's union exists (its form from a
    type column, 基层工会类型, when the sheet has one)."""
    return "union_name" in cols


def unit_name_of_union(name: str) -> str:
    """甲有限公司工会委员会 → 甲有限公司, 甲镇人民政府机关工会 → 甲镇人民政府 (a name that is only 工会
    stays as it is)."""
    stripped = _UNION_SUFFIX.sub("", name)
    organ = _union_words()["organ"]
    if stripped.endswith(organ) and stripped[: -len(organ)].endswith(unit_endings()):
        stripped = stripped[: -len(organ)]
    return stripped or name


@lru_cache(maxsize=1)
def _union_words() -> dict[str, Any]:
    return layout_words()["unions"]


def covers_several_units(union_name: str | None) -> bool:
    """Whether a union list's union is one of several units (城关镇个体劳动者联合工会, 商贸行业工会联合会:
    layouts.toml [unions]), so its row names no one unit; a village's or community's 工会联合会 is its own."""
    if not union_name:
        return False
    words = _union_words()
    if not any(w in union_name for w in words["joint"]):
        return False
    return not unit_name_of_union(union_name).endswith(tuple(words["village_endings"]))


def joint_union_row(name: str | None, union_list: bool) -> bool:
    """Whether a row's name is a union of several units, so the row is no unit: in a union list any
    such union (`covers_several_units`); in a list of units, a name that is a union's (holds 工会: a
    工商业联合会 is a unit of its own) and covers several (城关镇个体劳动者联合工会 written among them)."""
    return bool(name) and (union_list or "工会" in name) and covers_several_units(name)  # type: ignore[operator]


def _form_from_type(text: str | None) -> str:
    if not text:
        return "committee"
    regional = any(w in text for w in ("区域", "行业", "片区", "园区", "楼宇"))
    if "联合会" in text and not regional:  # (商贸行业工会联合会 covers enterprises: joint)
        return "federation"
    if regional or any(w in text for w in ("联合", "联建")):
        return "joint"
    if "组织员" in text:
        return "organizer"
    return "committee"


#: Where a 备注 cell splits into clauses (its words about the union: layouts.toml [remarks]).
_REMARK_CLAUSES = re.compile(r"[，,；;。、\s]+")


def form_in_remark(text: str | None) -> str | None:
    """The union form a 备注 cell states (与卫生院联合建会 → joint, 尚未建立工会 → none, 已单独建会 →
    committee), read from its clause about the union; None when no clause speaks of a union."""
    if not text:
        return None
    words = layout_words()["remarks"]
    for clause in _REMARK_CLAUSES.split(text):
        if not any(w in clause for w in words["union"]):
            continue
        if any(w in clause for w in words["not_yet"]):
            return "none"
        if "组织员" in clause:
            return "organizer"
        if "联合会" in clause and "联合建会" not in clause:
            return "federation"
        return _form_from_type(clause)
    return None


#: The forms a 备注 may give a union cell that says only yes (是 + 已纳入园区联合工会): covered, not own.
COVERED_FORMS = ("joint", "organizer", "federation")
#: The readings of a union cell a 备注 may refine: yes (an own union assumed) and no (none of its own).
REFINED = ("committee", "none")


def refine_by_remark(values: dict[str, Any], raw: Any, ev: UnionEvidence, remark: str | None) -> None:
    """A union cell saying only yes or no (是, √; 否, 未建; blank) whose row's 备注 states a covered
    form (已纳入城关镇快递行业联合工会): the unit is covered by that union — not one of its own (it
    would count in 建会率), nor none (是否建会 asks about its own; 否（已纳入联合工会） in one cell)."""
    if values.get("union_form") not in REFINED or not remark or not V.says_no_form(raw):
        return
    stated = form_in_remark(remark)
    if stated in COVERED_FORMS:
        values["union_form"] = stated
        ev.refined += 1


def infer_union(
    values: dict[str, Any],
    union_type: str | None,
    union_name: str | None,
    ev: UnionEvidence,
    remark: str | None = None,
) -> None:
    """Set `values['union_form']` from the row's evidence when no column said it; on a union list
    (a row naming its union) the union exists, its form from a type column when there is one.
    A 备注 that states the union's form (与卫生院联合建会) is that evidence first."""
    listed = ev.union_list and bool(union_name)
    stated = form_in_remark(remark) if remark and values.get("union_form") is None and not listed else None
    if stated is not None:
        values["union_form"] = stated
        ev.remarked += 1
        return
    said = ["工会名单"] if listed else []
    if values.get("union_established_on") is not None:
        said.append("建会日期")
    if (values.get("union_members") or 0) > 0:
        said.append("会员数")
    if values.get("union_chair"):
        said.append("工会主席")
    if union_type:
        said.append("基层工会类型")
    known = values.get("union_form")
    if known is not None and not (listed and known == "none"):
        if listed:  # a union list whose type column (基层工会类型) gave the form
            ev.inferred += 1
            ev.by.update([*said, "基层工会类型"] if "基层工会类型" not in said else said)
        return
    if not said:
        ev.unknown += 1
        return
    values["union_form"] = _form_from_type(union_type or union_name)
    ev.inferred += 1
    ev.by.update(said)


def evidence_note(sheet: str, ev: UnionEvidence) -> list[str]:
    out = []
    if ev.inferred:
        what = (
            "每行是一个基层工会（工会名单），视为该单位已建会"
            if ev.union_list
            else "表中没有“是否建立工会”列"
        )
        by = "、".join(k for k, _ in ev.by.most_common())
        out.append(f"工作表“{sheet}”{what}：{ev.inferred} 个单位的工会按{by}推断为已建")
    if ev.remarked:
        out.append(
            f"工作表“{sheet}”没有“是否建立工会”列：{ev.remarked} 个单位的工会情况取自备注"
            "（如“与某单位联合建会”记为联合工会，“尚未建会”记为未建）"
        )
    if ev.refined:
        out.append(
            f"工作表“{sheet}”有 {ev.refined} 个单位的工会栏只写“是”或“否”，备注写明是联合工会（或组织员、工会联合会），"
            "按备注记为该形式（不计入单独建会，也不计为未建）"
        )
    if ev.unknown:
        out.append(
            f"工作表“{sheet}”没有“是否建立工会”列，{ev.unknown} 个单位也没有建会日期、会员数、工会主席等依据："
            "工会情况记为未知（不计为未建）"
        )
    return out
