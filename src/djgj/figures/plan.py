"""`djgj plan`: the work list that reaches each target with the fewest units organised.

Per township, from each unit's latest snapshot at the year-end (enterprises and public bodies; villages
and communities are judged on coverage and have no rate here):

- 建会率 / 党组织应建已建率: every unit above the threshold without its own union (Party organisation)
  counts one, so any order needs the same number; units where the Party organisation can lead come
  first (党建带工建: own Party organisation, then Party members), then the largest.
- 入会率 / 农民工入会率: each step organises a unit without any union form and adds the members it
  brings (its employees, or migrant workers, joining); the largest gains first, which is the fewest
  steps (gains are independent). Members still to recruit in units already covered are not a step of
  organising; when the target needs them, the note says how many there are.
- 工会组织覆盖率, and the members of small units: units below the union threshold are not organised one
  by one but by a joint union (区域联合工会) of the township that covers all of them at once.

A unit whose needed values are unknown (NULL) is never guessed into a step: it is left out and counted.
When even every step cannot reach the target, the plan says so and by how much.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection

from djgj.errors import UsageError
from djgj.figures.metrics import ENTERPRISE_KINDS, NO_TOWNSHIP, snapshot_base, year_end
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.rules import targets as targets_mod
from djgj.rules.profiles import Profile
from djgj.vocab.fields import COVERING_UNIONS, OWN_PARTY_ORGS

PLANNABLE = ("union_rate", "member_rate", "migrant_member_rate", "union_coverage_rate", "party_org_rate")
#: Names a cadre may type for a metric besides its id and its full label.
ALIASES = {"入会率": "member_rate", "党组织覆盖率": "party_org_rate", "覆盖率": "union_coverage_rate"}


@dataclass
class Step:
    seq: int
    action: str
    name: str
    credit_code: str | None
    employees: int | None
    party_members: int | None
    party_led: bool
    gain: int
    covers: list[str] = field(default_factory=list)
    rate_after: float = 0.0
    reaches: bool = False


@dataclass
class TownPlan:
    township: str
    metric: str
    label: str
    target: float
    numerator: int
    denominator: int
    steps: list[Step]
    reached: bool
    rate_after: float | None
    shortfall: int = 0  # in the metric's unit (家 or 人) still missing after every step
    left_out: int = 0  # units whose needed values are unknown
    note: str = ""

    @property
    def rate_before(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate_before": self.rate_before}


def parse_targets(items: list[str]) -> dict[str, float]:
    """``建会率=80%``, ``union_rate=0.8`` … → {metric: value}."""
    labels = {targets_mod.TARGETABLE[m][0]: m for m in PLANNABLE}
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.replace("＝", "=").partition("=")
        name = name.strip()
        metric = name if name in PLANNABLE else labels.get(name) or ALIASES.get(name)
        if not sep or metric is None:
            known = "、".join(f"{targets_mod.TARGETABLE[m][0]}（{m}）" for m in PLANNABLE)
            raise UsageError(f"--target {item} 无效；写作 指标=目标值，如 建会率=80%；可用指标：{known}")
        out[metric] = targets_mod.parse_target(value)
        if not 0 < out[metric] <= 1:
            raise UsageError(f"目标值应在 0 到 100% 之间，收到 {value}")
    return out


def _units(conn: Connection, year: int, township: str | None) -> list[dict[str, Any]]:
    s = Snapshot
    cols = [
        Unit.name,
        Unit.credit_code,
        Township.name.label("township"),
        s.employees,
        s.migrant_workers,
        s.party_members,
        s.party_org,
        s.union_form,
        s.union_members,
        s.migrant_union_members,
    ]
    q = snapshot_base(year_end(year), cols, None, township).where(Unit.kind.in_(ENTERPRISE_KINDS))
    return [dict(r._mapping) for r in conn.execute(q)]


def _party_led(u: dict[str, Any]) -> bool:
    return u["party_org"] in OWN_PARTY_ORGS or (u["party_members"] or 0) > 0


def _order(u: dict[str, Any]) -> tuple[Any, ...]:
    """党建带工建 first (own Party organisation, then Party members), then the largest, then by name."""
    return (u["party_org"] not in OWN_PARTY_ORGS, not _party_led(u), -(u["employees"] or 0), u["name"])


def _step(u: dict[str, Any], action: str, gain: int) -> Step:
    return Step(
        0, action, u["name"], u["credit_code"], u["employees"], u["party_members"], _party_led(u), gain
    )


def _joint(town: str, small: list[dict[str, Any]], gain: int) -> Step:
    names = [u["name"] for u in sorted(small, key=lambda u: u["name"])]
    employees = sum(u["employees"] or 0 for u in small)
    party = sum(u["party_members"] or 0 for u in small)
    step = Step(0, "组建联合工会", f"{town}区域联合工会", None, employees, party, False, gain, names)
    step.party_led = any(_party_led(u) for u in small)
    return step


def _candidates(
    metric: str, units: list[dict[str, Any]], town: str, p: Profile
) -> tuple[int, int, list[Step], int]:
    """(numerator, denominator, candidate steps, units left out as unknown) for one township."""
    n, k = p.union_threshold, p.party_threshold
    if metric in ("union_rate", "party_org_rate"):
        size, has, what = (
            ("employees", "union_form", "新建工会")
            if metric == "union_rate"
            else ("party_members", "party_org", "新建党组织")
        )
        ok = ("committee",) if metric == "union_rate" else OWN_PARTY_ORGS
        req = [u for u in units if u[size] is not None and u[size] >= (n if metric == "union_rate" else k)]
        known = [u for u in req if u[has] is not None]
        todo = sorted((u for u in known if u[has] not in ok), key=_order)
        if metric == "party_org_rate":
            todo.sort(key=lambda u: (-(u["party_members"] or 0), -(u["employees"] or 0), u["name"]))
        steps = [_step(u, what, 1) for u in todo]
        return len(known) - len(todo), len(known), steps, len(req) - len(known)
    if metric == "union_coverage_rate":
        known = [u for u in units if u["union_form"] is not None]
        bare = [u for u in known if u["union_form"] not in COVERING_UNIONS]
        big = [u for u in bare if u["employees"] is not None and u["employees"] >= n]
        small = [u for u in bare if u not in big]
        steps = [_step(u, "新建工会", 1) for u in sorted(big, key=_order)]
        if small:  # the joint union covers the most at once: first when it covers more than one
            steps.append(_joint(town, small, len(small)))
            steps.sort(key=lambda s: -s.gain)
        return len(known) - len(bare), len(known), steps, len(units) - len(known)
    return _member_candidates(metric, units, town, n)


def _member_candidates(
    metric: str, units: list[dict[str, Any]], town: str, n: int
) -> tuple[int, int, list[Step], int]:
    """Organising a unit without any union form brings its employees (migrant workers) in as members;
    members still to recruit in units already covered are not a step of organising (said in the note)."""
    whole, part = (
        ("employees", "union_members")
        if metric == "member_rate"
        else ("migrant_workers", "migrant_union_members")
    )
    known = [u for u in units if u[whole] is not None and u[part] is not None]
    num, den = sum(u[part] for u in known), sum(u[whole] for u in known)
    bare = [u for u in known if u["union_form"] == "none" and u[whole] > u[part]]
    small = [u for u in bare if (u["employees"] or 0) < n]
    steps = [_step(u, "新建工会", u[whole] - u[part]) for u in bare if u not in small]
    if small:
        steps.append(_joint(town, small, sum(u[whole] - u[part] for u in small)))
    steps.sort(key=lambda s: (-s.gain, not s.party_led, s.name))
    return num, den, steps, len(units) - len(known)


def _unrecruited(metric: str, units: list[dict[str, Any]]) -> int:
    """Employees (migrant workers) of units already covered by a union who are not members yet."""
    whole, part = (
        ("employees", "union_members")
        if metric == "member_rate"
        else ("migrant_workers", "migrant_union_members")
    )
    return sum(
        u[whole] - u[part]
        for u in units
        if u["union_form"] in COVERING_UNIONS
        and u[whole] is not None
        and u[part] is not None
        and u[whole] > u[part]
    )


def _walk(plan: TownPlan, candidates: list[Step]) -> None:
    """Take steps in order until the target is reached; say how far short when it cannot be."""
    num, den = plan.numerator, plan.denominator
    need = max(0, math.ceil(plan.target * den - num - 1e-9))
    got = 0
    for step in candidates:
        if got >= need:
            break
        got += step.gain
        step.seq = len(plan.steps) + 1
        step.rate_after = (num + got) / den
        step.reaches = got >= need
        plan.steps.append(step)
    plan.reached = got >= need
    plan.rate_after = (num + got) / den if den else None
    plan.shortfall = max(0, need - got)


def plan_town(metric: str, target: float, town: str, units: list[dict[str, Any]], p: Profile) -> TownPlan:
    label, unit, _verb = targets_mod.TARGETABLE[metric]
    num, den, candidates, left_out = _candidates(metric, units, town, p)
    plan = TownPlan(town, metric, label, target, num, den, [], False, None, left_out=left_out)
    if not den:
        plan.note = f"没有可计算{label}的单位（数据未知或无应建单位）"
        return plan
    _walk(plan, candidates)
    pct = f"{target * 100:g}%"
    if not plan.steps and plan.reached:
        plan.note = f"现为 {num / den:.1%}，已达到目标 {pct}"
    elif plan.reached:
        plan.note = f"{len(plan.steps)} 项措施后{label}达 {plan.rate_after:.1%}，达到目标 {pct}"
    else:
        gap_pp = (target - (plan.rate_after or 0)) * 100
        plan.note = (
            f"台账中的单位全部组织起来，{label}也只有 {plan.rate_after:.1%}，"
            f"距目标 {pct} 还差 {plan.shortfall:,} {unit}（{gap_pp:.1f} 个百分点），无法仅靠组建达到"
        )
        if metric in ("member_rate", "migrant_member_rate"):
            plan.note += f"；已建会单位尚有 {_unrecruited(metric, units):,} 人未入会，须发展会员"
    if left_out:
        plan.note += f"；{left_out} 家单位数据不全，未列入"
    return plan


def build(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    goals: dict[str, float] | None = None,
    township: str | None = None,
) -> list[TownPlan]:
    """The plan of every township (or one) for every target (given, else the ledger's)."""
    units = _units(conn, year, township)
    if not units:
        raise UsageError(
            f"台账中没有 {year} 年底（含）以前的企业和单位数据" + (f"（{township}）" if township else "")
        )
    by_town: dict[str, list[dict[str, Any]]] = {}
    for u in units:
        by_town.setdefault(u["township"] or NO_TOWNSHIP, []).append(u)
    out = []
    for town, rows in sorted(by_town.items()):
        wanted = goals or {
            m: v
            for m, (v, _src) in targets_mod.effective(conn, year, profile, town).items()
            if m in PLANNABLE
        }
        for metric in (m for m in PLANNABLE if m in wanted):
            out.append(plan_town(metric, wanted[metric], town, rows, profile))
    return out


def rows(plans: list[TownPlan]) -> list[dict[str, Any]]:
    """One row per step (or one per township and target needing none): the listing every format shows."""
    out: list[dict[str, Any]] = []
    for p in plans:
        base = {
            "township": p.township,
            "metric": p.label,
            "target_rate": p.target,
            "before_rate": p.rate_before,
        }
        if not p.steps:
            out.append({**base, "seq": None, "action": "—", "name": "", "note": p.note})
        for s in p.steps:
            last = s is p.steps[-1]
            out.append(
                {
                    **base,
                    "seq": s.seq,
                    "action": s.action,
                    "name": s.name
                    + (f"（覆盖 {len(s.covers)} 家：{'、'.join(s.covers)}）" if s.covers else ""),
                    "credit_code": s.credit_code,
                    "employees": s.employees,
                    "party_members": s.party_members,
                    "party_led": s.party_led,
                    "gain": s.gain,
                    "after_rate": s.rate_after,
                    "note": p.note if last else "",
                }
            )
    return out
