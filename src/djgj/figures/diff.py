"""`djgj diff 2013 2014`: the year-on-year story unit by unit, each change with its source rows.

Each unit is read at both year-ends (its latest snapshot on or before each, as every figure reads
it). Listed: units that appeared (no data at the first year-end), units that disappeared (their
township reported in the second year but they were not in it: their data is carried over from
before), unions (own 基层工会委员会) and Party organisations (own 党支部/党总支/党委) set up or lost
between the two, and the largest changes in employees and in union members. A unit whose second
value is carried over (it did not report in the second year) shows no change; a value the ledger
does not know at either end makes no change either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from djgj.errors import UsageError
from djgj.figures import scope
from djgj.ledger.models import ImportBatch, Snapshot, Township, Unit
from djgj.vocab.fields import KINDS, OWN_PARTY_ORGS, PARTY_ORG_FORMS, UNION_FORMS

CHANGES = {
    "appeared": "新出现的单位",
    "disappeared": "不再出现的单位",
    "union_set_up": "新建工会",
    "union_lost": "撤销（失去）工会",
    "party_org_set_up": "新建党组织",
    "party_org_lost": "撤销（失去）党组织",
    "employees": "从业人员变化最大",
    "union_members": "会员变化最大",
}
COLUMNS = [
    ("change_label", "变化"),
    ("name", "单位名称"),
    ("township", "乡镇"),
    ("kind", "单位类别"),
    ("before", "前"),
    ("after", "后"),
    ("delta", "增减"),
    ("source_before", "前：来源"),
    ("source_after", "后：来源"),
]


def _state(conn: Connection, year: int, kind: str | None, township: str | None) -> dict[int, dict[str, Any]]:
    cols = [
        Unit.id.label("unit_id"),
        Unit.name,
        Township.name.label("township"),
        Unit.kind,
        Unit.credit_code,
        Snapshot.employees,
        Snapshot.union_members,
        Snapshot.union_form,
        Snapshot.party_org,
        Snapshot.as_of,
        ImportBatch.file_name.label("file"),
        Snapshot.sheet,
        Snapshot.row,
    ]
    q = scope.snapshot_base(scope.year_end(year), cols, kind, township)
    q = q.outerjoin(ImportBatch, ImportBatch.id == Snapshot.batch_id)
    out = {}
    for r in conn.execute(q).mappings():
        d = dict(r)
        if isinstance(d["as_of"], str):
            d["as_of"] = dt.date.fromisoformat(d["as_of"][:10])
        out[d["unit_id"]] = d
    return out


def _source(s: dict[str, Any] | None) -> str | None:
    if s is None:
        return None
    parts = [
        s.get("file") or "",
        f"工作表“{s['sheet']}”" if s.get("sheet") else "",
        f"第{s['row']}行" if s.get("row") else "",
    ]
    return f"{' '.join(p for p in parts if p)}（{s['as_of'].isoformat()}）"


def _row(
    change: str, before: dict[str, Any] | None, after: dict[str, Any] | None, b: Any, a: Any
) -> dict[str, Any]:
    unit = after or before or {}
    delta = a - b if isinstance(a, int) and isinstance(b, int) else None
    return {
        "change": change,
        "change_label": CHANGES[change],
        "name": unit.get("name"),
        "township": unit.get("township"),
        "kind": KINDS.get(unit.get("kind") or "", unit.get("kind")),
        "credit_code": unit.get("credit_code"),
        "before": b,
        "after": a,
        "delta": delta,
        "source_before": _source(before),
        "source_after": _source(after),
        **{f"{k}_before": (before or {}).get(k) for k in ("file", "sheet", "row", "as_of")},
        **{f"{k}_after": (after or {}).get(k) for k in ("file", "sheet", "row", "as_of")},
    }


def diff(
    conn: Connection,
    year1: int,
    year2: int,
    *,
    kind: str | None = None,
    township: str | None = None,
    top: int = 10,
) -> list[dict[str, Any]]:
    """Every change between the end of ``year1`` and the end of ``year2``, one row per unit and change."""
    if year1 >= year2:
        raise UsageError(f"diff 的第一个年度应早于第二个（收到 {year1} {year2}）；例：djgj diff 2013 2014")
    before, after = _state(conn, year1, kind, township), _state(conn, year2, kind, township)
    start = scope.year_start(year2)
    reported = {s["township"] for s in after.values() if s["as_of"] >= start}
    rows = [_row("appeared", None, s, None, None) for uid, s in after.items() if uid not in before]
    rows += [
        _row("disappeared", s, None, None, None)
        for uid, s in after.items()
        if uid in before and s["as_of"] < start and s["township"] in reported
    ]
    both = [(before[uid], s) for uid, s in after.items() if uid in before and s["as_of"] >= start]
    rows += _form_changes(both, "union_form", ("committee",), UNION_FORMS, "union")
    rows += _form_changes(both, "party_org", OWN_PARTY_ORGS, PARTY_ORG_FORMS, "party_org")
    for field in ("employees", "union_members"):
        moved = [
            (b, a) for b, a in both if b[field] is not None and a[field] is not None and a[field] != b[field]
        ]
        moved.sort(key=lambda p: (-abs(p[1][field] - p[0][field]), p[1]["name"]))
        rows += [_row(field, b, a, b[field], a[field]) for b, a in moved[:top]]
    return rows


def _form_changes(
    both: list[tuple[dict[str, Any], dict[str, Any]]],
    field: str,
    own: tuple[str, ...],
    words: dict[str, str],
    what: str,
) -> list[dict[str, Any]]:
    out = []
    for b, a in both:
        x, y = b[field], a[field]
        if x is None or y is None or (x in own) == (y in own):
            continue
        change = f"{what}_set_up" if y in own else f"{what}_lost"
        out.append(_row(change, b, a, words.get(x, x), words.get(y, y)))
    return out


def title(rows: list[dict[str, Any]], year1: int, year2: int) -> str:
    counts = {
        k: sum(1 for r in rows if r["change"] == k)
        for k in CHANGES
        if k not in ("employees", "union_members")
    }
    told = "，".join(f"{CHANGES[k]}{n}个" for k, n in counts.items())
    return f"{year1}年底→{year2}年底 逐单位变化：{told}"
