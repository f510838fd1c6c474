"""The annual report as plain data: figures for a year against the year before and the targets.

`render.render_report` turns it into a table, Markdown, CSV, xlsx or JSON; nothing here formats.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from djgj.errors import InputError
from djgj.figures import metrics
from djgj.rules import targets
from djgj.rules.profiles import Profile
from djgj.vocab.fields import KINDS, METRICS


def formulas(profile: Profile) -> dict[str, str]:
    n, p = profile.union_threshold, profile.party_threshold
    return {
        "party_member_share": "党员占比 = 正式党员数 ÷ 从业人员数",
        "party_org_share": "党组织占比 = 单独建立党组织的单位数 ÷ 单位数",
        "party_org_rate": f"党组织应建已建率 = 正式党员≥{p}人且单独建立党组织的单位数 ÷ 正式党员≥{p}人的单位数",
        "union_share": "工会占比 = 建立基层工会委员会的单位数 ÷ 单位数",
        "union_rate": f"建会率 = 从业人员≥{n}人且建立基层工会委员会的单位数 ÷ 从业人员≥{n}人的单位数",
        "union_coverage_rate": "工会组织覆盖率 = 有任一工会组织形式（自建、联合工会、组织员、工会联合会）的单位数 ÷ 单位数",
        "member_rate": "入会率 = 工会会员数（各种组织形式合计）÷ 全部从业人员数",
        "member_rate_unionized": "已建会单位入会率 = 工会会员数 ÷ 有工会组织覆盖的单位的从业人员数",
        "migrant_member_rate": "农民工入会率 = 农民工会员数 ÷ 农民工数",
    }


def _changes(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    if not before:
        return {}
    out: dict[str, Any] = {}
    for k, v in now.items():
        b = before.get(k)
        if isinstance(v, (int, float)) and isinstance(b, (int, float)) and not isinstance(v, bool):
            out[k] = v - b
        elif isinstance(v, dict) and isinstance(b, dict):
            out[k] = {
                kk: (v[kk] - b[kk]) if v.get(kk) is not None and b.get(kk) is not None else None for kk in v
            }
    return out


def build(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    kind: str | None = None,
    township: str | None = None,
    depth: str = "township",
) -> dict[str, Any]:
    now = metrics.figures(conn, year, profile, kind=kind, township=township, depth=depth)
    if now["totals"] is None:
        scope = "、".join(x for x in (township, KINDS.get(kind or "", "")) if x) or "全部单位"
        raise InputError(f"台账中没有 {year} 年底（含）以前的数据（范围：{scope}）；请先导入该年度的报表")
    before = metrics.figures(conn, year - 1, profile, kind=kind, township=township)
    totals, prev = now["totals"], before["totals"]
    if prev is not None:
        totals["new_members"] = (totals["union_members"] or 0) - (prev["union_members"] or 0)
        for town, figs in now.get("by_township", {}).items():
            p = before.get("by_township", {}).get(town)
            figs["new_members"] = (figs["union_members"] or 0) - (p["union_members"] or 0) if p else None
    else:
        totals["new_members"] = None
    keyed = {k: totals.get(k) for k in METRICS}
    return {
        "year": year,
        "as_of": metrics.year_end(year).isoformat(),
        "scope": {
            "kind": kind,
            "township": township,
            "profile": profile.name,
            "profile_title": profile.title,
            "union_threshold": profile.union_threshold,
            "party_org_threshold": profile.party_threshold,
        },
        "totals": keyed,
        "previous": {k: prev.get(k) for k in METRICS} if prev else None,
        "changes": _changes(keyed, prev),
        **{
            f"by_{level}": {t: {k: f.get(k) for k in METRICS} for t, f in now[f"by_{level}"].items()}
            for level in ("city", "county", "township")
            if f"by_{level}" in now
        },
        "by_kind": {t: {k: f.get(k) for k in METRICS} for t, f in now["by_kind"].items()},
        "formulas": formulas(profile),
        "targets": _targets(conn, year, profile, township, now["raw"], totals),
    }


_NUMERATORS = {
    "union_rate": ("union_ok", "union_required"),
    "member_rate": ("union_members", "employees"),
    "member_rate_unionized": ("union_members", "employees_unionized"),
    "migrant_member_rate": ("migrant_union_members", "migrant_workers"),
    "party_org_rate": ("party_org_ok", "party_org_required"),
    "union_coverage_rate": ("union_covered", "orgs"),
}


def _targets(
    conn: Connection,
    year: int,
    profile: Profile,
    township: str | None,
    raw: dict[str, Any],
    totals: dict[str, Any],
) -> list[dict[str, Any]]:
    out = []
    for metric, (value, source) in targets.effective(conn, year, profile, township).items():
        if metric not in targets.TARGETABLE:
            continue
        label, unit, verb = targets.TARGETABLE[metric]
        num, den = _NUMERATORS[metric]
        actual = totals.get(metric)
        more = metrics.more_needed(value, raw.get(num), raw.get(den))
        pct = f"{value * 100:g}%"
        if actual is None:
            text = f"{label}无法计算（缺少{METRICS.get(den, (den,))[0]}数据）"
        elif more == 0:
            text = f"{label}已达到目标 {pct}"
        else:
            text = f"还需{verb} {more:,} {unit}，{label}可达 {pct}"
        out.append(
            {
                "metric": metric,
                "label": label,
                "target": value,
                "actual": actual,
                "met": bool(actual is not None and more == 0),
                "more_needed": more,
                "unit": unit,
                "text": text,
                "source": source,
            }
        )
    return out
