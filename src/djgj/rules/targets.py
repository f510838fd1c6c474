"""Targets (目标任务) per year and scope: set by the city, kept in the ledger, defaults from the profile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from djgj.errors import UsageError
from djgj.ledger import cache
from djgj.ledger.models import Target
from djgj.rules.profiles import Profile

#: Metrics a target can be set on, with the unit their distance is counted in.
TARGETABLE = {
    "union_rate": ("建会率", "家", "新建工会"),
    "member_rate": ("职工入会率", "人", "发展会员"),
    "member_rate_unionized": ("已建会单位职工入会率", "人", "发展会员"),
    "migrant_member_rate": ("农民工入会率", "人", "发展农民工会员"),
    "party_org_rate": ("党组织应建已建率", "家", "新建党组织"),
    "union_coverage_rate": ("工会组织覆盖率", "家", "覆盖单位"),
}


def parse_target(text: str) -> float:
    """0.8, 80% or ８０％ → 0.8."""
    import unicodedata

    t = unicodedata.normalize("NFKC", text).strip()
    try:
        return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise UsageError(f"目标值“{text}”不是数字；可写 0.8 或 80%") from None


def _check(metric: str, value: float) -> None:
    if metric not in TARGETABLE:
        raise UsageError(f"不能为“{metric}”设目标；可用：{'、'.join(TARGETABLE)}")
    if not 0 < value <= 1:
        raise UsageError(f"目标值应在 0 到 1 之间（如 0.8 表示 80%），收到 {value}")


def set_target(
    conn: Connection, year: int, metric: str, value: float, township: str = "", source: str = ""
) -> None:
    from djgj.read.values import check_year

    check_year(year)
    _check(metric, value)
    conn.execute(
        delete(Target).where(Target.year == year, Target.township == township, Target.metric == metric)
    )
    conn.execute(
        insert(Target).values(year=year, township=township, metric=metric, value=value, source=source)
    )
    cache.bump(conn)  # a kept report shows the targets it was computed with


def effective(
    conn: Connection, year: int, profile: Profile, township: str | None = None
) -> dict[str, tuple[float, str]]:
    """The targets in force for a year and scope: the township's, else the county's, else the profile's."""
    out = {m: (v, f"规则配置 {profile.name}：{profile.targets_source}") for m, v in profile.targets.items()}
    rows = conn.execute(select(*Target.__table__.columns).where(Target.year == year)).all()
    for scope in ("", township or ""):
        for t in rows:
            if t.township == scope:
                out[t.metric] = (t.value, t.source or ("县级目标" if not scope else f"{scope} 目标"))
    return out


def listing(conn: Connection, year: int | None, profile: Profile) -> list[dict[str, Any]]:
    q = select(*Target.__table__.columns).order_by(Target.year, Target.township, Target.metric)
    if year is not None:
        q = q.where(Target.year == year)
    rows = [
        {
            "year": t.year,
            "scope": t.township or "全县",
            "metric": t.metric,
            "label": TARGETABLE[t.metric][0],
            "value": t.value,
            "source": t.source or "",
        }
        for t in conn.execute(q)
    ]
    rows += [
        {
            "year": "默认",
            "scope": "全县",
            "metric": m,
            "label": TARGETABLE[m][0],
            "value": v,
            "source": f"规则配置 {profile.name}：{profile.targets_source}",
        }
        for m, v in profile.targets.items()
        if m in TARGETABLE
    ]
    return rows
