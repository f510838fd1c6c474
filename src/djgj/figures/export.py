"""The ledger as a sheet djgj itself reads back: one row per unit, its latest snapshot at a year-end.

Column headers are the catalogue's own words and values are written the way townships write them
(党支部, 已建, 2014-03 for a month), so `djgj import` of an export gives back the same ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from djgj.figures.metrics import snapshot_base, year_end
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.vocab.fields import GRADES, KINDS

PARTY_WORDS = {
    "none": "无",
    "branch": "党支部",
    "general_branch": "党总支",
    "committee": "党委",
    "own": "已建",
    "joint_branch": "联合党支部",
}
UNION_WORDS = {
    "none": "未建",
    "committee": "已建",
    "joint": "联合工会",
    "organizer": "组织员",
    "federation": "工会联合会",
}

UNKNOWN = "未填"
#: Columns where a blank means 0, "no" or "none" to the importer, so an unknown value is written 未填.
UNKNOWN_WHEN_NONE = (
    "employees",
    "migrant_workers",
    "female_employees",
    "party_members",
    "probationary_members",
    "party_org",
    "instructor",
    "union_form",
    "union_members",
    "migrant_union_members",
    "chair_is_secretary",
    "workers_congress",
    "activists",
    "villagers_away",
)

#: (key, header the importer recognises)
COLUMNS: list[tuple[str, str]] = [
    ("township", "乡镇"),
    ("name", "单位名称"),
    ("credit_code", "统一社会信用代码"),
    ("kind", "单位类别"),
    ("ownership", "企业类型"),
    ("industry", "行业"),
    ("employees", "从业人员数"),
    ("migrant_workers", "农民工人数"),
    ("female_employees", "女职工人数"),
    ("party_members", "正式党员"),
    ("probationary_members", "预备党员"),
    ("party_org", "党组织形式"),
    ("party_secretary", "党组织书记"),
    ("instructor", "党建指导员"),
    ("union_form", "建会情况"),
    ("union_established_on", "建会时间"),
    ("union_members", "会员数"),
    ("migrant_union_members", "农民工会员数"),
    ("union_chair", "工会主席"),
    ("chair_is_secretary", "交叉任职"),
    ("standardization", "规范化等级"),
    ("workers_congress", "职代会"),
    ("activists", "入会积极分子"),
    ("villagers_away", "外出务工人数"),
]


def _yes_no(v: bool | None) -> str | None:
    return None if v is None else ("是" if v else "否")


def rows(
    conn: Connection, year: int, *, kind: str | None = None, township: str | None = None
) -> list[dict[str, Any]]:
    s = Snapshot
    cols = [
        Township.name.label("township"),
        Unit.name,
        Unit.credit_code,
        Unit.kind,
        *[
            getattr(s, k)
            for k, _ in COLUMNS
            if hasattr(s, k) and k not in ("name", "credit_code", "kind", "township")
        ],
        s.has_instructor,
        s.union_established_precision,
    ]
    q = snapshot_base(year_end(year), cols, kind, township).order_by(Township.name, Unit.name)
    out = []
    for r in conn.execute(q):
        m = dict(r._mapping)
        established: dt.date | None = m.pop("union_established_on")
        precision = m.pop("union_established_precision")
        if established is not None:
            m["union_established_on"] = {
                "month": established.strftime("%Y-%m"),
                "year": str(established.year),
            }.get(precision or "day", established.isoformat())
        else:
            m["union_established_on"] = None
        has_instructor = m.pop("has_instructor")
        if not m.get("instructor"):
            m["instructor"] = _yes_no(has_instructor)
        m["kind"] = KINDS.get(m["kind"], m["kind"])
        m["party_org"] = PARTY_WORDS.get(m["party_org"]) if m["party_org"] else None
        m["union_form"] = UNION_WORDS.get(m["union_form"]) if m["union_form"] else None
        m["standardization"] = GRADES.get(m["standardization"]) if m["standardization"] else None
        m["chair_is_secretary"] = _yes_no(m["chair_is_secretary"])
        m["workers_congress"] = _yes_no(m["workers_congress"])
        for k in UNKNOWN_WHEN_NONE:
            if m.get(k) is None:
                m[k] = UNKNOWN  # blank would re-import as 0 / 否 / 未建
        out.append({k: m.get(k) for k, _ in COLUMNS})
    return out
