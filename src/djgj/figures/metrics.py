"""The figures (counts, rates) and rules (gaps) of docs/domain.md, computed in SQL over the ledger.

Two families of units are never summed: enterprises and public bodies (judged on employees,
thresholds and rates) and villages and communities (judged on coverage, members, villagers working
away, activists). Each family has its own list of figures (`enterprise_figures`, `village_figures`).

Every figure is a `Figure`: the values a unit must carry for it (``known``), the values that must
not contradict each other (``plausible``), a numerator and, for a rate, a denominator, both summed
over the same units, those that are known and plausible. So a rate never exceeds 100% and a part
(农民工, 会员, 党员) never exceeds its whole (从业人员) by construction; a unit that does not carry a
value is *left out* of the figure and counted (unknown is not zero), and so is a unit whose values
contradict each other (会员多于从业人员, 建会时间晚于截至日期).

Counts are summed per group (township or kind) in one GROUP BY per family and rates derived from
the sums, so a province-sized ledger costs two scans. A value the ledger does not know (NULL) never
makes a gap: a unit is listed only when the ledger shows the rule broken.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.sql import visitors

from djgj.figures.scope import (
    ENTERPRISE_KINDS,
    LEVELS,
    NO_CITY,
    NO_COUNTY,
    NO_TOWNSHIP,
    VILLAGE_KINDS,
    families_of,
    latest,
    place,
    snapshot_base,
    year_end,
    year_start,
)
from djgj.ledger import cache
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.rules import registry
from djgj.rules.profiles import Profile
from djgj.vocab.fields import COVERING_UNIONS, OWN_PARTY_ORGS

__all__ = [
    "ENTERPRISE_KINDS",
    "LEVELS",
    "NO_CITY",
    "NO_COUNTY",
    "NO_TOWNSHIP",
    "VILLAGE_KINDS",
    "Figure",
    "Gap",
    "figure_list",
    "figures",
    "gap_query",
    "gap_statements",
    "gap_total",
    "gaps",
    "latest",
    "more_needed",
    "snapshot_base",
    "year_end",
]


@dataclass(frozen=True)
class Agg:
    """A numerator or denominator: ``count`` of the units meeting ``what`` (a condition, None = all),
    or ``sum`` of the expression ``what``."""

    how: str
    what: Any = None


def count(cond: Any = None) -> Agg:
    return Agg("count", cond)


def total(expr: Any) -> Agg:
    return Agg("sum", expr)


@dataclass(frozen=True)
class Figure:
    """One figure of one family: over the units that carry ``known`` and are ``plausible``."""

    key: str
    label: str
    known: Any
    num: Agg
    den: Agg | None = None
    plausible: Any = None
    #: For a count: the figure of the same family it is a part of (never larger, at any scope).
    part_of: str | None = None
    #: The units the figure is about, when not every unit of its family (已建会单位职工入会率: those
    #: with a union, or whose union is unknown); a unit outside them is not "left out" of it.
    among: Any = None

    @property
    def is_rate(self) -> bool:
        return self.den is not None

    @property
    def eligible(self) -> ColumnElement[bool]:
        return self.known if self.plausible is None else and_(self.known, self.plausible)

    def numerator_units(self) -> ColumnElement[bool]:
        """The units behind the numerator (what `report --list` lists)."""
        return (
            self.eligible
            if self.num.how == "sum" or self.num.what is None
            else and_(self.eligible, self.num.what)
        )

    def denominator_units(self) -> ColumnElement[bool]:
        den = self.den or count()
        return self.eligible if den.how == "sum" or den.what is None else and_(self.eligible, den.what)


#: What defines the figures (this module, their scope and the year-end state): part of every key
#: under which computed figures are kept (`djgj.ledger.cache`).
CODE = cache.code_of(__name__, "djgj.figures.scope", "djgj.figures.state", "djgj.vocab.fields")
#: ... and what defines the rules (their conditions in the registry).
RULES_CODE = cache.code_of(__name__, "djgj.figures.scope", "djgj.figures.state", "djgj.rules.registry")


@dataclass(frozen=True)
class Thresholds:
    union: int
    party: int


S = Snapshot
emp, mig, pm, um, mum = (
    S.employees,
    S.migrant_workers,
    S.party_members,
    S.union_members,
    S.migrant_union_members,
)
away = S.villagers_away


def _known(*cols: Any) -> ColumnElement[bool]:
    return and_(true(), *(c.is_not(None) for c in cols))


def _own_party() -> ColumnElement[bool]:
    return S.party_org.in_(OWN_PARTY_ORGS)


def _date_ok() -> ColumnElement[bool]:
    """The union was not set up after the date of the data (a date that contradicts its row)."""
    return or_(S.union_established_on.is_(None), S.union_established_on <= S.as_of)


def _party_ok() -> ColumnElement[bool]:
    return func.coalesce(pm, 0) + func.coalesce(S.probationary_members, 0) <= emp


def enterprise_figures(t: Thresholds, year: int) -> list[Figure]:
    """The figures of enterprises and public bodies (DOMAIN.md "Figures")."""
    return [*_party_figures(t), *_union_figures(t, year)]


def _party_figures(t: Thresholds) -> list[Figure]:
    own = _own_party()
    party_covered = or_(own, S.party_org == "joint_branch", S.has_instructor.is_(True))
    party_cov_known = or_(party_covered, _known(S.party_org, S.has_instructor))
    return [
        Figure("orgs", "单位数", true(), count()),
        Figure("employees", "从业人员", _known(emp), total(emp)),
        Figure("migrant_workers", "农民工", _known(emp, mig), total(mig), None, mig <= emp, "employees"),
        Figure("party_members", "党员", _known(emp, pm), total(pm), None, _party_ok(), "employees"),
        Figure(
            "party_member_share", "党员占从业人员比例", _known(emp, pm), total(pm), total(emp), _party_ok()
        ),
        Figure("party_orgs", "单独建立党组织的单位", _known(S.party_org), count(own), part_of="orgs"),
        Figure("party_org_share", "党组织单独组建率", _known(S.party_org), count(own), count()),
        Figure(
            "party_covered", "党的组织和工作覆盖单位", party_cov_known, count(party_covered), part_of="orgs"
        ),
        Figure("party_coverage_rate", "党组织覆盖率", party_cov_known, count(party_covered), count()),
        Figure(
            "party_org_required",
            f"应建党组织单位（正式党员≥{t.party}人）",
            _known(pm, S.party_org),
            count(pm >= t.party),
            None,
            or_(emp.is_(None), _party_ok()),
            "orgs",
        ),
        Figure(
            "party_org_rate",
            "党组织应建已建率",
            _known(pm, S.party_org),
            count(and_(pm >= t.party, own)),
            count(pm >= t.party),
            or_(emp.is_(None), _party_ok()),
        ),
    ]


def _union_figures(t: Thresholds, year: int) -> list[Figure]:
    committee, covered = S.union_form == "committee", S.union_form.in_(COVERING_UNIONS)
    form, date_ok = _known(S.union_form), _date_ok()
    return [
        Figure("unions", "建立基层工会的单位", form, count(committee), None, date_ok, "orgs"),
        Figure("union_share", "建会率（全部单位口径）", form, count(committee), count(), date_ok),
        Figure(
            "union_required",
            f"应建工会单位（从业人员≥{t.union}人）",
            _known(emp, S.union_form),
            count(emp >= t.union),
            None,
            date_ok,
            "orgs",
        ),
        Figure(
            "union_rate",
            f"建会率（{t.union}人以上单位口径）",
            _known(emp, S.union_form),
            count(and_(emp >= t.union, committee)),
            count(emp >= t.union),
            date_ok,
        ),
        Figure("union_covered", "工会组织覆盖单位", form, count(covered), None, date_ok, "orgs"),
        Figure("union_coverage_rate", "工会组织覆盖率", form, count(covered), count(), date_ok),
        Figure("union_members", "工会会员", _known(emp, um), total(um), None, um <= emp, "employees"),
        Figure("member_rate", "职工入会率", _known(emp, um), total(um), total(emp), um <= emp),
        Figure(
            "member_rate_unionized",
            "已建会单位职工入会率",
            and_(_known(emp, um), covered),
            total(um),
            total(emp),
            and_(um <= emp, date_ok),
            among=or_(covered, S.union_form.is_(None)),
        ),
        Figure(
            "migrant_union_members",
            "农民工会员",
            _known(emp, mig, um, mum),
            total(mum),
            None,
            and_(mum <= mig, mum <= um, mig <= emp, um <= emp),
            "migrant_workers",
        ),
        Figure(
            "migrant_member_rate",
            "农民工入会率",
            _known(emp, mig, um, mum),
            total(mum),
            total(mig),
            and_(mum <= mig, mum <= um, mig <= emp, um <= emp),
        ),
        *_grade_and_new_figures(year),
        Figure("activists", "入会积极分子", _known(S.activists), total(S.activists)),
    ]


def _grade_and_new_figures(year: int) -> list[Figure]:
    committee, form, date_ok = S.union_form == "committee", _known(S.union_form), _date_ok()
    new = and_(
        committee, S.union_established_on >= year_start(year), S.union_established_on <= year_end(year)
    )
    return [
        *(
            Figure(
                f"std_{g}",
                f"规范化建设·{label}",
                and_(form, _known(S.standardization)),  # a sheet without grades feeds no grade figure
                count(and_(committee, S.standardization == g)),
                None,
                date_ok,
                "unions",
            )
            for g, label in (("initial", "初级"), ("basic", "基本"), ("standard", "规范化"))
        ),
        Figure(
            "new_unions",
            "年内新建工会",
            and_(form, or_(~committee, _known(S.union_established_on)), S.as_of >= year_start(year)),
            count(new),
            None,
            date_ok,
            "unions",
        ),
    ]


def village_figures(t: Thresholds, year: int) -> list[Figure]:
    """The figures of villages and communities: coverage, members, villagers working away, activists."""
    covered, form = S.union_form.in_(COVERING_UNIONS), _known(S.union_form)
    away_ok = and_(mum <= away, or_(um.is_(None), mum <= um))
    return [
        Figure("orgs", "村（社区）数", true(), count()),
        Figure("union_covered", "成立工会的村（社区）", form, count(covered), None, _date_ok(), "orgs"),
        Figure("union_coverage_rate", "村（社区）工会覆盖率", form, count(covered), count(), _date_ok()),
        Figure("union_members", "会员", _known(um), total(um)),
        Figure("villagers_away", "外出务工人员", _known(away), total(away)),
        Figure(
            "migrant_union_members",
            "外出务工人员入会",
            _known(away, mum),
            total(mum),
            None,
            away_ok,
            "villagers_away",
        ),
        Figure("away_member_rate", "外出务工人员入会率", _known(away, mum), total(mum), total(away), away_ok),
        Figure("activists", "入会积极分子", _known(S.activists), total(S.activists)),
        Figure("party_members", "党员", _known(pm), total(pm)),
        Figure(
            "party_orgs", "建立党组织的村（社区）", _known(S.party_org), count(_own_party()), part_of="orgs"
        ),
    ]


def figure_list(family: str, t: Thresholds, year: int) -> list[Figure]:
    return enterprise_figures(t, year) if family == "enterprises" else village_figures(t, year)


def thresholds(profile: Profile) -> Thresholds:
    return Thresholds(profile.union_threshold, profile.party_threshold)


def _sum_if(cond: Any, value: Any = 1) -> Any:
    return func.coalesce(func.sum(case((cond, value), else_=0)), 0)


def _columns(figs: list[Figure], year: int, dialect: Any) -> tuple[list[Any], dict[str, str]]:
    """Per figure: numerator (n), denominator (d), units known (k) and known and plausible (e).

    Many figures share a condition (the same values known, the same ones plausible): each distinct
    sum is asked of the database once, and the figures that repeat it are given it after (the
    second value: label → the label whose sum it repeats)."""
    wanted = [("fresh", _sum_if(S.as_of >= year_start(year)))]
    for f in figs:
        for tag, agg in (("n", f.num), ("d", f.den)):
            if agg is None:
                continue
            cond = f.eligible if agg.how == "sum" or agg.what is None else and_(f.eligible, agg.what)
            wanted.append((f"{f.key}__{tag}", _sum_if(cond, agg.what if agg.how == "sum" else 1)))
        wanted += [(f"{f.key}__k", _sum_if(f.known)), (f"{f.key}__e", _sum_if(f.eligible))]
        if f.among is not None:
            wanted.append((f"{f.key}__a", _sum_if(f.among)))
    first: dict[str, str] = {}
    cols, repeats = [], {}
    for label, expr in wanted:
        sql = str(expr.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if sql in first:
            repeats[label] = first[sql]
        else:
            first[sql] = label
            cols.append(expr.label(label))
    return cols, repeats


def _add(into: dict[str, Any], b: dict[str, Any], keys: list[str]) -> None:
    """Add the sums ``keys`` of group ``b`` into ``into``."""
    get = into.get
    for k in keys:
        into[k] = get(k, 0) + int(b[k] or 0)


def _sum_keys(groups: list[dict[str, Any]]) -> list[str]:
    """The keys of a group that are sums (not its names: city, county, town, kind)."""
    if not groups:
        return []
    return [k for k, v in groups[0].items() if k not in ("city", "county", "town", "kind")]


def _finish(sums: dict[str, Any], figs: list[Figure], instructors: int | None) -> dict[str, Any]:
    """Raw sums → {"totals": {key: value}, "detail": {key: {value, units, left_out…}}}."""
    orgs = int(sums.get("orgs__n", 0))
    totals: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    for f in figs:
        n, e, k = (int(sums.get(f"{f.key}__{x}", 0)) for x in "nek")
        about = int(sums.get(f"{f.key}__a", 0)) if f.among is not None else orgs
        d = int(sums.get(f"{f.key}__d", 0)) if f.den else None
        if f.is_rate:
            value: Any = n / d if d else None
        else:
            value = n if e else None
        totals[f.key] = value
        detail[f.key] = {
            "value": value,
            "units": e if f.num.how == "sum" else n,
            "left_out": about - e,
            "unknown": about - k,
            "implausible": k - e,
            **(
                {
                    "numerator": n,
                    "denominator": d,
                    "denominator_units": e if f.den and f.den.how == "sum" else d,
                }
                if f.is_rate
                else {}
            ),
        }
    grades = {g: totals.pop(f"std_{g}", None) for g in ("initial", "basic", "standard")}
    if any(f.key == "std_initial" for f in figs):
        totals["standardization"] = grades
    if instructors is not None:
        # The instructors the ledger names; a unit whose instructor is not named (选派指导员, 是) is
        # left out of that count and counted, so the report says so.
        unnamed = int(sums.get("instructors_unnamed", 0) or 0)
        totals["instructors"] = instructors
        detail["instructors"] = {
            "value": instructors,
            "units": instructors,
            "left_out": unnamed,
            **({"unknown": unnamed} if unnamed else {}),
        }
    totals["fresh_units"] = int(sums.get("fresh", 0))
    return {"totals": totals, "detail": detail}


def figures(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    kind: str | None = None,
    township: str | None = None,
    depth: str = "township",
    family: str | None = None,
) -> dict[str, Any]:
    """One family's figures for one year-end: {"family", "totals", "detail", "by_township", "by_kind",
    and with ``depth`` city or county (or merged ledgers) "by_county"/"by_city"}; one GROUP BY.

    ``totals`` is None when the scope holds no unit of the family. Without ``family``, the family
    of ``kind`` (or enterprises)."""
    fam = family or families_of(kind)[0]
    t = thresholds(profile)
    key = cache.key_of("figures", CODE, fam, year, kind, township, depth, t.union, t.party)
    return cache.value(conn, key, lambda: _figures_of(conn, year, t, fam, kind, township, depth))


def _figures_of(
    conn: Connection, year: int, t: Thresholds, fam: str, kind: str | None, township: str | None, depth: str
) -> dict[str, Any]:
    """`figures` computed: one GROUP BY per township and kind, summed up to every level asked for."""
    as_of = year_end(year)
    figs = figure_list(fam, t, year)
    loc = [Township.city.label("city"), Township.county.label("county"), Township.name.label("town")]
    sums, repeats = _columns(figs, year, conn.dialect)
    names = _instructor_columns(conn) if fam == "enterprises" else []
    q = snapshot_base(as_of, [*loc, Unit.kind.label("kind"), *sums, *names], kind, township, fam)
    q = q.group_by(Township.city, Township.county, Township.name, Unit.kind)
    groups = _plain_rows(conn, q)
    named = [_names(g) for g in groups]
    said = sum(g.pop("instructors_said", 0) for g in groups)
    for g in groups:
        g.update({label: g[same] for label, same in repeats.items()})
    multi_city = len({g["city"] or "" for g in groups}) > 1
    multi_county = multi_city or len({g["county"] or "" for g in groups}) > 1
    levels = LEVELS[LEVELS.index(depth) :] if depth in LEVELS else LEVELS
    if depth == "township" and not multi_county:
        levels = ("township",)
    instr = _instructors(groups, named, multi_county, multi_city) if names and said else None
    totals: dict[str, Any] = {}
    by: dict[str, dict[str, dict[str, Any]]] = {level: {} for level in (*levels, "kind")}
    keys = _sum_keys(groups)
    for g in groups:
        _add(totals, g, keys)
        for level in by:
            key = g["kind"] if level == "kind" else place(g, level, multi_county, multi_city)
            _add(by[level].setdefault(key, {}), g, keys)

    def count_of(level: Any, key: Any) -> int | None:
        return None if instr is None else instr[level].get(key, 0)

    whole = _finish(totals, figs, count_of(None, None)) if groups else None
    out: dict[str, Any] = {
        "family": fam,
        "raw": totals,
        "totals": whole["totals"] if whole else None,
        "detail": whole["detail"] if whole else None,
        "labels": {f.key: f.label for f in figs},
    }
    for level, table in by.items():
        out[f"by_{level}"] = {
            k: _finish(v, figs, count_of(level, k))["totals"] for k, v in sorted(table.items())
        }
    return out


def _plain_rows(conn: Connection, q: Any) -> list[dict[str, Any]]:
    """Rows as dicts of plain JSON values (a driver's Decimal sums as int)."""
    return [
        {k: int(v) if isinstance(v, Decimal) else v for k, v in r._mapping.items()} for r in conn.execute(q)
    ]


def _instructor_columns(conn: Connection) -> list[Any]:
    """Per group: how many units say whether they have an instructor, and the distinct names."""
    said = or_(Snapshot.has_instructor.is_not(None), Snapshot.instructor.is_not(None))
    agg = func.json_group_array if conn.dialect.name == "sqlite" else func.json_agg
    unnamed = and_(Snapshot.has_instructor.is_(True), Snapshot.instructor.is_(None))
    return [
        _sum_if(said).label("instructors_said"),
        agg(Snapshot.instructor.distinct()).label("instructor_names"),
        _sum_if(unnamed).label("instructors_unnamed"),
    ]


def _names(group: dict[str, Any]) -> set[str]:
    """The instructors a group names (popped from it; a JSON array from SQLite, a list from psycopg)."""
    got = group.pop("instructor_names", None)
    if isinstance(got, str):
        got = json.loads(got)
    return {n for n in got or () if n is not None}


def _instructors(
    groups: list[dict[str, Any]], named: list[set[str]], multi_county: bool, multi_city: bool
) -> dict[Any, dict[Any, int]]:
    """Distinct instructors named in the ledger, per scope and per group of each level (not additive:
    one instructor may guide units of several townships)."""
    out: dict[Any, dict[Any, int]] = {None: {None: len(set().union(*named))}}
    for level in (*LEVELS, "kind"):
        seen: dict[str, set[str]] = {}
        for g, names in zip(groups, named, strict=True):
            if names:
                key = g["kind"] if level == "kind" else place(g, level, multi_county, multi_city)
                seen.setdefault(key, set()).update(names)
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


def gap_query(rule: Any, profile: Profile, year: int, kind: str | None, township: str | None) -> Any:
    """(query, latest subquery, message) of the units breaking ``rule`` at the year-end; None when the
    rule does not apply to ``kind``."""
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
    params = registry.Params(profile.union_threshold, profile.party_threshold, rule.params)
    cond, kinds, message = registry.condition(rule.id, params)
    if kind and kinds and kind not in kinds:
        return None
    lt = latest(as_of)
    q = snapshot_base(as_of, cols, kind, township, lt=lt).where(_on_state(cond, lt))
    if kinds and not kind:
        q = q.where(Unit.kind.in_(kinds))
    return q, lt, message


def _on_state(cond: ColumnElement[bool], lt: Any) -> ColumnElement[bool]:
    """``cond`` with the snapshot's employees read from the year-end state, which keeps a copy of
    them in its (year, employees) index: a threshold on employees becomes an index range instead of
    a test of every unit's snapshot. Same values, same rows."""
    if "employees" not in lt.c:
        return cond
    table = Snapshot.__table__

    def swap(element: Any, **kw: Any) -> Any:
        ours = getattr(element, "table", None) is table and getattr(element, "name", None) == "employees"
        return lt.c.employees if ours else None

    return visitors.replacement_traverse(cond, {}, swap)


def _top(conn: Connection, q: Any, lt: Any, limit: int, total: int) -> Any:
    """``q`` cut in SQL to the rows that can be among its ``limit`` biggest employers (ties kept): on
    the year-end state an index walk from the biggest employer down."""
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
    return q if nth is None else q.where(employees >= nth[0])


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
    queries = (
        gap_query(r, profile, year, kind, township) for r in profile.rules if not rules or r.id in rules
    )
    return sum(_count(conn, got[0]) for got in queries if got is not None)


def _gap_count(
    conn: Connection, q: Any, rule: Any, profile: Profile, year: int, kind: str | None, township: str | None
) -> int:
    """How many units break ``rule`` (the total `gaps --limit` prints), kept in the figure cache."""
    thresholds = (profile.union_threshold, profile.party_threshold)
    params = sorted(rule.params.items())
    key = cache.key_of("gap_count", RULES_CODE, rule.id, params, thresholds, year, kind, township)
    return int(cache.value(conn, key, lambda: _count(conn, q)))


def _count(conn: Connection, q: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)


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
    (with ``limit``, the first rows only, cut in SQL; ``counts`` then receives each rule's total)."""
    chosen = [r for r in profile.rules if not rules or r.id in rules]
    out: list[Gap] = []
    for rule in chosen:
        got = gap_query(rule, profile, year, kind, township)
        if got is None:
            continue
        q, lt, message = got
        if limit:
            total = _gap_count(conn, q, rule, profile, year, kind, township)
            if counts is not None:
                counts[rule.id] = total
            q = _top(conn, q, lt, limit, total)
        out += [_gap(rule, message, r) for r in conn.execute(q)]
    order = {rid: i for i, rid in enumerate(r.id for r in chosen)}
    out.sort(key=lambda g: (-(g.employees or 0), order[g.rule], g.name))
    return out[:limit] if limit else out


#: A bound value a kept statement carries as JSON and gives the driver back unchanged.
_PLAIN_VALUES = (str, int, float, bool, type(None))


def gap_statements(
    conn: Connection,
    year: int,
    profile: Profile,
    *,
    rules: list[str] | None = None,
    kind: str | None = None,
    township: str | None = None,
) -> dict[str, Any] | None:
    """The statements `gaps` runs for a full listing, compiled for this ledger's driver as text and
    named values, with what each row carries besides its columns and the rules' order: what
    `djgj.figures.gaplist.listing` needs to list the same rows without SQLAlchemy. None when a value
    is not plain JSON (the listing is then simply computed each time)."""
    chosen = [r for r in profile.rules if not rules or r.id in rules]
    parts, statements = [], []
    for rule in chosen:
        got = gap_query(rule, profile, year, kind, township)
        if got is None:
            continue
        compiled = got[0].compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = dict(compiled.params)
        if compiled.positional or not all(type(v) in _PLAIN_VALUES for v in params.values()):
            return None
        parts.append({"rule": rule.id, "severity": rule.severity, "message": got[2], "source": rule.source})
        statements.append({"sql": str(compiled), "params": params})
    order = {rid: i for i, rid in enumerate(r.id for r in chosen)}
    return {"parts": parts, "statements": statements, "order": order}


def _gap(rule: Any, message: str, r: Any) -> Gap:
    return Gap(
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
