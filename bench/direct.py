"""The baseline for `djgj gaps` and `djgj report`: the same SQL, written by hand, run with stdlib sqlite3.

    python bench/direct.py gaps|report DB YEAR > out.json

Mirrors `djgj.figures.metrics` for the default (national) profile: each unit's latest snapshot on or before
31 December of YEAR, joined to its unit and township; gaps run one query per rule (as djgj does) and
are sorted biggest employers first; the report runs the grouped aggregates and the distinct-instructor
query for YEAR and YEAR-1 and sums the groups into totals, by township and by kind. The output is JSON
like djgj's, so both sides pay for fetching and serialising the same rows. Imports nothing but the
standard library: this is what the same work costs without djgj's layers.
"""

from __future__ import annotations

import json
import sqlite3
import sys

UNION_N, PARTY_P = 25, 3  # the national profile's thresholds
OWN = "('branch','general_branch','committee','own')"
COVERING = "('committee','joint','organizer','federation')"
ENTERPRISE = "('agency','institution','state_owned','collective','non_public','social_org')"
VILLAGE = "('village','community')"

LATEST = """
WITH latest AS (
  SELECT unit_id, max(as_of) AS as_of FROM snapshots WHERE as_of <= :d GROUP BY unit_id
)
"""
FROM = """
FROM snapshots s
JOIN latest l ON s.unit_id = l.unit_id AND s.as_of = l.as_of
JOIN units u ON u.id = s.unit_id
LEFT JOIN townships t ON t.id = u.township_id
"""

# (rule id, severity, message, condition, kinds) in the national profile's order.
RULES = [
    (
        "party_org_required",
        "requirement",
        f"正式党员≥{PARTY_P}人，未单独建立党组织",
        f"s.party_members >= {PARTY_P} AND s.party_org IS NOT NULL AND s.party_org NOT IN {OWN}",
        ENTERPRISE,
    ),
    (
        "party_coverage",
        "requirement",
        f"正式党员不足{PARTY_P}人，既无联合党支部也无党建指导员",
        f"s.party_members < {PARTY_P} AND s.party_org IS NOT NULL AND s.party_org NOT IN {OWN} "
        "AND s.party_org != 'joint_branch' AND (s.has_instructor IS NULL OR s.has_instructor = 0)",
        ENTERPRISE,
    ),
    (
        "party_org_form",
        "advice",
        "党员≥50人宜设党总支、≥100人宜设党委，现为党支部或党总支",
        "(s.party_members >= 100 AND s.party_org IN ('branch','general_branch')) "
        "OR (s.party_members >= 50 AND s.party_members < 100 AND s.party_org = 'branch')",
        ENTERPRISE,
    ),
    (
        "union_required",
        "requirement",
        f"从业人员≥{UNION_N}人，未建立基层工会委员会",
        f"s.employees >= {UNION_N} AND s.union_form IS NOT NULL AND s.union_form != 'committee'",
        ENTERPRISE,
    ),
    (
        "union_coverage",
        "requirement",
        f"从业人员不足{UNION_N}人，未被联合工会或工会组织员覆盖",
        f"s.employees < {UNION_N} AND s.union_form = 'none'",
        ENTERPRISE,
    ),
    ("village_union", "requirement", "未建立村（社区）工会组织", "s.union_form = 'none'", VILLAGE),
    (
        "chair_cross",
        "advice",
        "已建党组织和工会，工会主席未由党组织书记兼任",
        f"s.party_org IN {OWN} AND s.union_form = 'committee' AND s.chair_is_secretary = 0",
        ENTERPRISE,
    ),
]
GAP_COLUMNS = (
    "name",
    "township",
    "kind",
    "credit_code",
    "employees",
    "party_members",
    "union_members",
    "union_form",
    "party_org",
    "as_of",
)


def gaps(conn: sqlite3.Connection, year: int) -> list[dict]:
    d = f"{year}-12-31"
    out = []
    for order, (rid, severity, message, cond, kinds) in enumerate(RULES):
        sql = (
            LATEST + "SELECT u.name, t.name, u.kind, u.credit_code, s.employees, s.party_members, "
            "s.union_members, s.union_form, s.party_org, s.as_of"
            + FROM
            + f"WHERE ({cond}) AND u.kind IN {kinds}"
        )
        for r in conn.execute(sql, {"d": d}):
            out.append((-(r[4] or 0), order, r[0], rid, severity, message, r))
    out.sort(key=lambda x: x[:3])
    return [
        {"rule": rid, "severity": sev, "message": msg, **dict(zip(GAP_COLUMNS, r, strict=True))}
        for _, _, _, rid, sev, msg, r in out
    ]


SUMS = [
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
]


def _figures_sql(year: int) -> str:
    own, cov, com = f"s.party_org IN {OWN}", f"s.union_form IN {COVERING}", "s.union_form = 'committee'"

    def n(c: str) -> str:
        return f"sum(CASE WHEN {c} THEN 1 ELSE 0 END)"

    aggs = [
        "count(*)",
        "sum(s.employees)",
        "sum(s.migrant_workers)",
        "sum(s.party_members)",
        n(own),
        n(f"s.party_members >= {PARTY_P}"),
        n(f"s.party_members >= {PARTY_P} AND {own}"),
        n(com),
        n(f"s.employees >= {UNION_N}"),
        n(f"s.employees >= {UNION_N} AND {com}"),
        n(cov),
        "sum(s.union_members)",
        f"sum(CASE WHEN {cov} THEN s.employees END)",
        "sum(s.migrant_union_members)",
        n(f"{com} AND s.standardization = 'initial'"),
        n(f"{com} AND s.standardization = 'basic'"),
        n(f"{com} AND s.standardization = 'standard'"),
        n(f"{com} AND s.union_established_on >= '{year}-01-01' AND s.union_established_on <= '{year}-12-31'"),
        "sum(s.activists)",
    ]
    town = "coalesce(t.name, '（未填乡镇）')"
    return LATEST + f"SELECT {town}, u.kind, " + ", ".join(aggs) + FROM + f"GROUP BY {town}, u.kind"


RATES = {
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


def _add(acc: dict, g: dict) -> dict:
    for k in SUMS:
        x, y = acc.get(k), g[k]
        acc[k] = y if x is None else (x if y is None else x + y)
    return acc


def _finish(s: dict, instructors: int) -> dict:
    m = dict(s)
    for key, (num, den) in RATES.items():
        m[key] = m[num] / m[den] if m.get(num) is not None and m.get(den) else None
    m["instructors"] = instructors
    return m


def figures(conn: sqlite3.Connection, year: int) -> dict:
    d = f"{year}-12-31"
    groups = [
        dict(zip(["township", "kind", *SUMS], r, strict=True))
        for r in conn.execute(_figures_sql(year), {"d": d})
    ]
    instr = conn.execute(
        LATEST
        + "SELECT DISTINCT coalesce(t.name, '（未填乡镇）'), u.kind, s.instructor"
        + FROM
        + "WHERE s.instructor IS NOT NULL",
        {"d": d},
    ).fetchall()
    totals: dict = {}
    by_town: dict = {}
    by_kind: dict = {}
    for g in groups:
        _add(totals, g)
        _add(by_town.setdefault(g["township"], {}), g)
        _add(by_kind.setdefault(g["kind"], {}), g)
    t_names: dict = {}
    k_names: dict = {}
    for town, kind, name in instr:
        t_names.setdefault(town, set()).add(name)
        k_names.setdefault(kind, set()).add(name)
    return {
        "totals": _finish(totals, len({r[2] for r in instr})) if groups else None,
        "by_township": {k: _finish(v, len(t_names.get(k, ()))) for k, v in sorted(by_town.items())},
        "by_kind": {k: _finish(v, len(k_names.get(k, ()))) for k, v in sorted(by_kind.items())},
    }


def report(conn: sqlite3.Connection, year: int) -> dict:
    now, before = figures(conn, year), figures(conn, year - 1)
    targets = conn.execute(
        "SELECT metric, value, township, source FROM targets WHERE year = ?", (year,)
    ).fetchall()
    return {
        "year": year,
        "totals": now["totals"],
        "previous": before["totals"],
        "by_township": now["by_township"],
        "by_kind": now["by_kind"],
        "targets": targets,
    }


def rule_sql(year: int, rule: str) -> str:
    """One rule's gap list as djgj asks it now: the year-end state (``year_states``) joined to each
    unit's snapshot by id, biggest employers first. Plain SQL that SQLite and PostgreSQL both run."""
    _rid, _sev, message, cond, kinds = next(r for r in RULES if r[0] == rule)
    return (
        f"SELECT '{rule}' AS rule, u.name, t.name AS township, u.credit_code, s.employees, "
        f"s.party_members, s.union_members, '{message}' AS message "
        "FROM year_states l JOIN snapshots s ON s.id = l.snapshot_id JOIN units u ON u.id = s.unit_id "
        "LEFT JOIN townships t ON t.id = u.township_id "
        f"WHERE l.year = (SELECT max(year) FROM year_states WHERE year <= {int(year)}) "
        f"AND ({cond}) AND u.kind IN {kinds} ORDER BY coalesce(s.employees, 0) DESC, u.name"
    )


def gaps_csv(conn: sqlite3.Connection, year: int, rule: str) -> None:
    import csv

    cur = conn.execute(rule_sql(year, rule))
    w = csv.writer(sys.stdout)
    w.writerow([d[0] for d in cur.description])
    w.writerows(cur)


def main(argv: list[str]) -> int:
    what, db, year = argv[0], argv[1], int(argv[2])
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    if what == "gaps-csv":  # python bench/direct.py gaps-csv DB YEAR RULE
        gaps_csv(conn, year, argv[3])
        return 0
    doc = gaps(conn, year) if what == "gaps" else report(conn, year)
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
