"""What the charts of the HTML report add to the annual report: the county's figures over every year
the ledger holds, and the gap counts by township and rule. Plain data; nothing here draws."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from djgj.figures import metrics
from djgj.ledger.models import Snapshot
from djgj.rules.profiles import Profile
from djgj.vocab.fields import METRICS

#: The figures followed over the years (rates and the counts behind them).
HISTORY_KEYS = (
    "orgs",
    "unions",
    "union_members",
    "union_rate",
    "member_rate",
    "migrant_member_rate",
    "party_org_rate",
    "union_coverage_rate",
)


#: Short names of the rules for a chart's axis; a rule of a county's own profile shows its title's
#: first clause.
RULE_LABELS = {
    "party_org_required": "应建未建党组织",
    "party_coverage": "党的工作未覆盖",
    "party_org_form": "党组织形式",
    "union_required": "应建未建工会",
    "union_coverage": "工会未覆盖",
    "village_union": "村社区未建工会",
    "chair_cross": "未交叉任职",
    "focus_party_members": "重点：无党员",
    "focus_party_org": "重点：无党组织",
    "focus_instructor": "重点：无指导员",
}


def rule_label(rule_id: str, title: str) -> str:
    return RULE_LABELS.get(rule_id) or title.split("，")[0][:12]


def ledger_years(conn: Connection) -> list[int]:
    """Every year in which the ledger holds at least one snapshot, oldest first."""
    year = func.extract("year", Snapshot.as_of)
    return sorted({int(y) for (y,) in conn.execute(select(year).distinct()) if y is not None})


def history(
    conn: Connection, profile: Profile, *, until: int, kind: str | None = None, township: str | None = None
) -> list[dict[str, Any]]:
    """One row per year the ledger holds (up to ``until``): the county's figures at that year-end."""
    out = []
    for year in (y for y in ledger_years(conn) if y <= until):
        totals = metrics.figures(conn, year, profile, kind=kind, township=township)["totals"]
        if totals is None:
            continue
        out.append({"year": year, **{k: totals.get(k) for k in HISTORY_KEYS if k in METRICS}})
    return out


def gap_counts(
    conn: Connection, year: int, profile: Profile, *, kind: str | None = None, township: str | None = None
) -> list[dict[str, Any]]:
    """How many units break each rule, per township: [{township, rule, title, count}]."""
    titles = {r.id: r.title for r in profile.rules}
    counts: dict[tuple[str, str], int] = {}
    for gap in metrics.gaps(conn, year, profile, kind=kind, township=township):
        key = (gap.township or metrics.NO_TOWNSHIP, gap.rule)
        counts[key] = counts.get(key, 0) + 1
    return [
        {"township": t, "rule": r, "label": rule_label(r, titles.get(r, r)), "count": n}
        for (t, r), n in sorted(counts.items())
    ]
