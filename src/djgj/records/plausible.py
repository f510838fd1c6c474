"""Rows that read fine but contradict themselves: kept as written, marked, or refused with --strict.

A value that cannot be read refuses the file (parse). A row whose values can all be read but
contradict each other — more members than employees, more Party members than employees, a union
set up after the date of the data — is what the township wrote: djgj imports it as written and marks
it (``flags``, a comma-separated list of the codes below), `djgj check` lists it, and the figures it
would distort leave it out (and say how many they left out). With ``--strict`` such a row refuses
the file instead, as every refused value does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

#: (code, part, whole, part label, whole label): a part that may not exceed its whole in one row.
PAIRS = [
    ("members_above_employees", "union_members", "employees", "会员数", "从业人员"),
    ("migrants_above_employees", "migrant_workers", "employees", "农民工", "从业人员"),
    ("female_above_employees", "female_employees", "employees", "女职工", "从业人员"),
    ("party_members_above_employees", "party_members", "employees", "党员", "从业人员"),
    ("migrant_members_above_migrants", "migrant_union_members", "migrant_workers", "农民工会员", "农民工"),
    ("migrant_members_above_members", "migrant_union_members", "union_members", "农民工会员", "会员数"),
    (
        "away_members_above_away",
        "migrant_union_members",
        "villagers_away",
        "入会的外出务工人员",
        "外出务工人员",
    ),
]
UNION_AFTER = "union_after_snapshot"
NOTE = "自相矛盾的行（已按原样导入并标记，不计入相关指标；djgj check 可查看）"


def contradictions(values: dict[str, Any], as_of: dt.date | None) -> list[tuple[str, str]]:
    """Every (code, Chinese message) by which one row's values contradict each other."""
    out = []
    for code, part, whole, part_label, whole_label in PAIRS:
        a, b = values.get(part), values.get(whole)
        if a is not None and b is not None and a > b:
            out.append((code, f"{part_label}（{a}）超过{whole_label}（{b}）"))
    founded = values.get("union_established_on")
    if founded is not None and as_of is not None and founded > as_of:
        out.append((UNION_AFTER, f"建会时间（{founded.isoformat()}）晚于数据截至日期（{as_of.isoformat()}）"))
    return out


def check(
    values: dict[str, Any], as_of: dt.date | None, strict: bool, notes: Any, place: str = ""
) -> list[str]:
    """The row's problems under --strict, each after ``place`` (the row then refuses the file);
    otherwise none: the row is marked in ``values["flags"]`` and counted in ``notes`` (the import's
    normalisation counter)."""
    found = contradictions(values, as_of)
    if not found:
        return []
    if strict:
        return [f"{place}：{message}" for _, message in found] + [
            f"{place}：--strict 时自相矛盾的行拒收整个文件"
        ]
    values["flags"] = ",".join(code for code, _ in found)
    notes[NOTE] += 1
    return []
