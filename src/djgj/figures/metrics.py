"""The rules (gaps) and figures (counts, rates) of DOMAIN.md, computed in SQL over the ledger.

Every figure of year Y reads, for each unit, its latest snapshot dated on or before 31 December
of Y; a unit without one is not counted. Counts are summed per group (township or kind) in one
GROUP BY and rates derived from the sums, so a province-sized ledger costs one scan. A value the
ledger does not know (NULL) never makes a gap: a unit is listed only when the ledger shows the
rule broken.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    false,
    func,
    not_,
    or_,
    select,
)

from djgj.figures import state as year_state
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.rules.profiles import Profile, Rule
from djgj.vocab.fields import COVERING_UNIONS, OWN_PARTY_ORGS

ENTERPRISE_KINDS = ("agency", "institution", "state_owned", "collective", "non_public", "social_org")
VILLAGE_KINDS = ("village", "community")
RATES: dict[str, tuple[str, str]] = {
    "party_member_share": ("party_members", "employees"),
    "party_org_share": ("party_orgs", "orgs"),
    "party_org_rate": ("party_org_ok", "party_org_required"),
    "union_share": ("unions", "orgs"),
    "union_rate": ("union_ok", "union_required"),
    "union_coverage_rate": ("union_covered", "orgs"),
    "member_rate": ("union_members", "employees"),
    "member_rate_unionized": ("union_members", "employees_unionized"),
    "migrant_member_rate": ("migrant_union_members", "migrant_workers"),
}
#: Sums kept only to derive rates and target distances; not shown as metrics.
HELPERS = ("party_org_ok", "union_ok", "employees_unionized")


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def latest(as_of: dt.date) -> Any:
    """Each unit's latest snapshot on or before ``as_of`` (a subquery of unit_id, as_of)."""
    return year_state.latest(as_of)  # speed: read from the maintained year-end state


def snapshot_base(
    as_of: dt.date, columns: list[Any], kind: str | None, township: str | None, lt: Any = None
) -> Any:
    lt = latest(as_of) if lt is None else lt  # speed: a caller may pass the subquery to order by it
    q = (
        select(*columns)
        .select_from(Snapshot)
        .join(lt, year_state.join_on(lt))
        .join(Unit, Unit.id == Snapshot.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
    )
    if kind:
        q = q.where(Unit.kind == kind)
    if township:
        # "城关镇", "甲县/城关镇" or "甲市/甲县/城关镇": a township of a merged ledger by its place.
        parts = township.split("/")
        q = q.where(Township.name == parts[-1])
        if len(parts) >= 2:
            q = q.where(Township.county == parts[-2])
        if len(parts) >= 3:
            q = q.where(Township.city == parts[-3])
    return q


def _count_if(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


@dataclass(frozen=True)
class Thresholds:
    union: int
    party: int


def _aggregates(t: Thresholds, year: int) -> list[Any]:
    s = Snapshot
    own_party = s.party_org.in_(OWN_PARTY_ORGS)
    committee = s.union_form == "committee"
    covered = s.union_form.in_(COVERING_UNIONS)
    return [
        func.count().label("orgs"),
        func.sum(s.employees).label("employees"),
        func.sum(s.migrant_workers).label("migrant_workers"),
        func.sum(s.party_members).label("party_members"),
        _count_if(own_party).label("party_orgs"),
        _count_if(s.party_members >= t.party).label("party_org_required"),
        _count_if(and_(s.party_members >= t.party, own_party)).label("party_org_ok"),
        _count_if(committee).label("unions"),
        _count_if(s.employees >= t.union).label("union_required"),
        _count_if(and_(s.employees >= t.union, committee)).label("union_ok"),
        _count_if(covered).label("union_covered"),
        func.sum(s.union_members).label("union_members"),
        func.sum(case((covered, s.employees), else_=None)).label("employees_unionized"),
        func.sum(s.migrant_union_members).label("migrant_union_members"),
        _count_if(and_(committee, s.standardization == "initial")).label("std_initial"),
        _count_if(and_(committee, s.standardization == "basic")).label("std_basic"),
        _count_if(and_(committee, s.standardization == "standard")).label("std_standard"),
        _count_if(
            and_(
                committee,
                s.union_established_on >= dt.date(year, 1, 1),
                s.union_established_on <= year_end(year),
            )
        ).label("new_unions"),
        func.sum(s.activists).label("activists"),
    ]


SUMMED = (
    "orgs",
    "employees",
    "migrant_workers",
    "party_members",
    "party_orgs",
    "party_org_required",
    "party_org_ok",
    "unions",
    "union_required",
    "union_ok",
    "union_covered",
    "union_members",
    "employees_unionized",
    "migrant_union_members",
    "std_initial",
    "std_basic",
    "std_standard",
    "new_unions",
    "activists",
)


def _add(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k in SUMMED:
        x, y = a.get(k), b.get(k)
        out[k] = y if x is None else (x if y is None else x + y)
    return out


def _finish(sums: dict[str, Any], instructors: int) -> dict[str, Any]:
    """Turn raw sums into the metric keys of DOMAIN.md (rates as fractions, None when undefined)."""
    m: dict[str, Any] = {k: (int(sums[k]) if sums.get(k) is not None else None) for k in SUMMED}
    for key, (num, den) in RATES.items():
        n, d = m.get(num), m.get(den)
        m[key] = (n / d) if n is not None and d else None
    m["standardization"] = {
        "initial": m.pop("std_initial"),
        "basic": m.pop("std_basic"),
        "standard": m.pop("std_standard"),
    }
    m["instructors"] = instructors
    return m


NO_TOWNSHIP = "（未填乡镇）"
NO_COUNTY = "（未分县）"
NO_CITY = "（未分市）"
LEVELS = ("city", "county", "township")


def _place(row: Any, level: str, multi_county: bool, multi_city: bool) -> str:
    """The name a group is reported under at one level: plain names for one county's ledger,
    qualified (甲县/城关镇) once counties are merged into one ledger."""
    city, county, town = row["city"] or "", row["county"] or "", row["town"]
    if level == "city":
        return city or NO_CITY
    if level == "county":
        return "/".join(x for x in (city if multi_city else "", county or NO_COUNTY) if x)
    town = town or NO_TOWNSHIP
    if not multi_county and not multi_city:
        return town
    return "/".join(x for x in (city if multi_city else "", county or NO_COUNTY, town) if x)


def figures(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    kind: str | None = None,
    township: str | None = None,
    depth: str = "township",
) -> dict[str, Any]:
    """Totals and breakdowns for one year-end: {"raw", "totals", "by_township", "by_kind", and with
    ``depth`` city or county (or merged ledgers) "by_county"/"by_city"}; one GROUP BY over the ledger."""
    as_of = year_end(year)
    t = Thresholds(profile.union_threshold, profile.party_threshold)
    place = [Township.city.label("city"), Township.county.label("county"), Township.name.label("town")]
    q = snapshot_base(as_of, [*place, Unit.kind.label("kind"), *_aggregates(t, year)], kind, township)
    q = q.group_by(Township.city, Township.county, Township.name, Unit.kind)
    groups = [dict(r._mapping) for r in conn.execute(q)]
    multi_city = len({g["city"] or "" for g in groups}) > 1
    multi_county = multi_city or len({g["county"] or "" for g in groups}) > 1
    levels = LEVELS[LEVELS.index(depth) :] if depth in LEVELS else LEVELS
    if depth == "township" and not multi_county:
        levels = ("township",)
    names = {
        level: [_place(g, level, multi_county, multi_city) for g in groups] for level in (*LEVELS, "kind")
    }
    names["kind"] = [g["kind"] for g in groups]
    instr = _instructors(conn, as_of, kind, township, multi_county, multi_city)
    totals: dict[str, Any] = {}
    by: dict[str, dict[str, dict[str, Any]]] = {level: {} for level in (*levels, "kind")}
    for i, g in enumerate(groups):
        totals = _add(totals, g)
        for level in by:
            key = names[level][i]
            by[level][key] = _add(by[level].get(key, {}), g)
    out: dict[str, Any] = {
        "raw": totals,
        "totals": _finish(totals, instr[None].get(None, 0)) if groups else None,
    }
    for level, table in by.items():
        out[f"by_{level}"] = {k: _finish(v, instr[level].get(k, 0)) for k, v in sorted(table.items())}
    return out


def _instructors(
    conn: Connection,
    as_of: dt.date,
    kind: str | None,
    township: str | None,
    multi_county: bool,
    multi_city: bool,
) -> dict[Any, dict[Any, int]]:
    """Distinct instructors named in the ledger, per scope and per group of each level (not additive)."""
    place = [Township.city.label("city"), Township.county.label("county"), Township.name.label("town")]
    q = snapshot_base(as_of, [*place, Unit.kind.label("kind"), Snapshot.instructor], kind, township).where(
        Snapshot.instructor.is_not(None)
    )
    rows = [dict(r._mapping) for r in conn.execute(q.distinct())]
    out: dict[Any, dict[Any, int]] = {None: {None: len({r["instructor"] for r in rows})}}
    for level in (*LEVELS, "kind"):
        seen: dict[str, set[str]] = {}
        for r in rows:
            key = r["kind"] if level == "kind" else _place(r, level, multi_county, multi_city)
            seen.setdefault(key, set()).add(r["instructor"])
        out[level] = {k: len(v) for k, v in seen.items()}
    return out


def more_needed(target: float, numerator: int | None, denominator: int | None) -> int | None:
    """How many more (unions, members…) bring numerator/denominator up to the target."""
    if numerator is None or not denominator:
        return None
    return max(0, math.ceil(target * denominator - numerator - 1e-9))


# ---------------------------------------------------------------- gaps


@dataclass
class Gap:
    rule: str
    severity: str
    message: str
    source: str
    unit_id: int
    name: str
    township: str | None
    kind: str
    credit_code: str | None
    employees: int | None
    party_members: int | None
    union_members: int | None
    union_form: str | None
    party_org: str | None
    as_of: dt.date

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("unit_id")
        return d


def _rule_condition(rule: Rule, profile: Profile) -> tuple[ColumnElement[bool], tuple[str, ...] | None, str]:
    """The SQL condition under which a unit breaks ``rule``, the kinds it applies to, and the message."""
    s = Snapshot
    n, p = profile.union_threshold, profile.party_threshold
    own_party = s.party_org.in_(OWN_PARTY_ORGS)
    no_instructor = or_(s.has_instructor.is_(None), s.has_instructor == false())
    if rule.id == "party_org_required":
        return (
            and_(s.party_members >= p, s.party_org.is_not(None), not_(own_party)),
            ENTERPRISE_KINDS,
            (f"正式党员≥{p}人，未单独建立党组织"),
        )
    if rule.id == "party_coverage":
        cond = and_(
            s.party_members < p,
            s.party_org.is_not(None),
            not_(own_party),
            s.party_org != "joint_branch",
            no_instructor,
        )
        return cond, ENTERPRISE_KINDS, f"正式党员不足{p}人，既无联合党支部也无党建指导员"
    if rule.id == "party_org_form":
        g, c = int(rule.params.get("general_branch_from", 50)), int(rule.params.get("committee_from", 100))
        cond = or_(
            and_(s.party_members >= c, s.party_org.in_(("branch", "general_branch"))),
            and_(s.party_members >= g, s.party_members < c, s.party_org == "branch"),
        )
        return cond, ENTERPRISE_KINDS, f"党员≥{g}人宜设党总支、≥{c}人宜设党委，现为党支部或党总支"
    if rule.id == "union_required":
        return (
            and_(s.employees >= n, s.union_form.is_not(None), s.union_form != "committee"),
            ENTERPRISE_KINDS,
            (f"从业人员≥{n}人，未建立基层工会委员会"),
        )
    if rule.id == "union_coverage":
        return (
            and_(s.employees < n, s.union_form == "none"),
            ENTERPRISE_KINDS,
            (f"从业人员不足{n}人，未被联合工会或工会组织员覆盖"),
        )
    if rule.id == "village_union":
        return s.union_form == "none", VILLAGE_KINDS, "未建立村（社区）工会组织"
    if rule.id == "chair_cross":
        cond = and_(own_party, s.union_form == "committee", s.chair_is_secretary == false())
        return cond, ENTERPRISE_KINDS, "已建党组织和工会，工会主席未由党组织书记兼任"
    if rule.id == "focus_party_members":
        m = int(rule.params.get("min_employees", 30))
        return and_(s.employees >= m, s.party_members == 0), ENTERPRISE_KINDS, f"从业人员≥{m}人，没有党员"
    if rule.id == "focus_party_org":
        m = int(rule.params.get("min_employees", 80))
        return (
            and_(s.employees >= m, s.party_org.is_not(None), not_(own_party)),
            ENTERPRISE_KINDS,
            (f"从业人员≥{m}人，没有党组织"),
        )
    if rule.id == "focus_instructor":
        return (
            and_(s.has_instructor == false(), not_(own_party)),
            ("non_public",),
            "非公有制企业未选派党建指导员",
        )
    raise ValueError(rule.id)


def _gap_queries(
    year: int, profile: Profile, rules: list[str] | None, kind: str | None, township: str | None
) -> list[tuple[Rule, str, Any, Any]]:
    """Per chosen rule: the rule, its message and the query of the units breaking it at the year-end."""
    as_of = year_end(year)
    cols = [
        Unit.id,
        Unit.name,
        Township.name.label("township"),
        Unit.kind,
        Unit.credit_code,
        Snapshot.employees,
        Snapshot.party_members,
        Snapshot.union_members,
        Snapshot.union_form,
        Snapshot.party_org,
        Snapshot.as_of,
    ]
    out = []
    for rule in [r for r in profile.rules if not rules or r.id in rules]:
        cond, kinds, message = _rule_condition(rule, profile)
        if kind and kinds and kind not in kinds:
            continue
        lt = latest(as_of)
        q = snapshot_base(as_of, cols, kind, township, lt).where(cond)
        if kinds and not kind:
            q = q.where(Unit.kind.in_(kinds))
        out.append((rule, message, q, lt))
    return out


def _count(conn: Connection, q: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)


def _top(conn: Connection, q: Any, lt: Any, limit: int, total: int) -> Any:
    """``q`` cut to the rows that can be among its ``limit`` biggest employers (ties kept), in SQL:
    on the year-end state an index walk from the biggest employer down."""
    if total <= limit:
        return q
    employees = lt.c.employees if "employees" in lt.c else Snapshot.employees
    nth = conn.execute(
        q.with_only_columns(employees)
        .where(employees >= 1)
        .order_by(employees.desc())
        .offset(limit - 1)
        .limit(1)
    ).first()
    if nth is None:  # fewer rows than the limit with a known, non-zero head count: all of them
        return q
    return q.where(employees >= nth[0])


def gap_total(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    rules: list[str] | None = None,
    kind: str | None = None,
    township: str | None = None,
) -> int:
    """How many rows `gaps` lists, counted in SQL."""
    return sum(
        _count(conn, q) for _rule, _message, q, _lt in _gap_queries(year, profile, rules, kind, township)
    )


def gaps(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    rules: list[str] | None = None,
    kind: str | None = None,
    township: str | None = None,
    limit: int | None = None,
    counts: dict[str, int] | None = None,
) -> list[Gap]:
    """Every unit that breaks a rule at the year-end, one row per unit and rule, biggest employers first
    (the first ``limit`` rows only, cut in SQL, when a limit is given; then ``counts`` receives how
    many rows each rule has in all)."""
    queries = _gap_queries(year, profile, rules, kind, township)
    out: list[Gap] = []
    for rule, message, q, lt in queries:
        if limit:
            total = _count(conn, q)
            if counts is not None:
                counts[rule.id] = total
            q = _top(conn, q, lt, limit, total)
        for r in conn.execute(q):
            out.append(
                Gap(
                    rule.id,
                    rule.severity,
                    message,
                    rule.source,
                    r.id,
                    r.name,
                    r.township,
                    r.kind,
                    r.credit_code,
                    r.employees,
                    r.party_members,
                    r.union_members,
                    r.union_form,
                    r.party_org,
                    r.as_of,
                )
            )
    order = {rule.id: i for i, (rule, *_rest) in enumerate(queries)}
    out.sort(key=lambda g: (-(g.employees or 0), order[g.rule], g.name))
    return out[:limit] if limit else out
