"""The annual report as plain data: figures for a year against the year before and the targets.

`render.render_report` turns it into a table, Markdown, CSV, xlsx or JSON; nothing here formats.
The report is a plain dict (JSON-ready but for dates), shaped::

    {
      "year": 2014, "as_of": "2014-12-31",
      "year_note": {"defaulted": bool, "newest_data": "2014-12-31", "carried_over": bool,
                    "text": "…" or None},           # what the year reads, said plainly
      "scope": {"kind", "township", "profile", "profile_title", "union_threshold", "party_org_threshold"},
      "sections": [                                  # one per family, never summed
        {"family": "enterprises" | "villages", "title": "企业和机关事业单位" | "村和社区",
         "totals": {key: value},                     # counts, rates as fractions, None when unknown
         "previous": {key: value} | None, "changes": {key: delta},
         "figures": {key: {"label", "value", "units", "left_out", "unknown", "implausible",
                           "numerator", "denominator", "denominator_units", "formula"}},
         "labels": {key: 中文}, "formulas": {key: 口径},
         "by_township": {town: {key: value}}, "by_kind": {kind: {key: value}}, ["by_county", "by_city"],
         "targets": [{"metric", "label", "target", "actual", "met", "more_needed", "unit", "text", "source"}],
         "notes": [str],                             # units left out of figures, carried-over data
         "fresh_units": int}                         # units whose data is dated in the year
      ],
      # the first section's keys again at the top (with --kind, the only section), for scripts:
      "totals", "previous", "changes", "figures", "by_township", "by_kind", "formulas", "targets"
    }

Units are ``units`` behind each figure: for a count the units counted, for a sum the units summed,
for a rate the units of its numerator (``denominator_units`` those of its denominator).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from djgj.errors import InputError
from djgj.figures import metrics, scope
from djgj.rules import targets
from djgj.rules.profiles import Profile
from djgj.vocab.fields import FAMILY_NAMES, METRICS

SECTION_KEYS = ("totals", "previous", "changes", "figures", "by_township", "by_kind", "formulas", "targets")


def formulas(profile: Profile, family: str = "enterprises") -> dict[str, str]:
    n, p = profile.union_threshold, profile.party_threshold
    if family == "villages":
        return {
            "union_coverage_rate": "村（社区）工会覆盖率 = 成立工会（村级工会或工会联合会）的村（社区）数 ÷ 村（社区）数",
            "away_member_rate": "外出务工人员入会率 = 外出务工人员中的会员数 ÷ 外出务工人员数",
        }
    return {
        "party_member_share": "党员占比 = 正式党员数 ÷ 从业人员数（同一批单位）",
        "party_org_share": "党组织单独组建率 = 单独建立党组织（党支部、党总支、党委）的单位数 ÷ 单位数",
        "party_coverage_rate": "党组织覆盖率 = 单独建立党组织、参加联合党支部或有党建指导员的单位数 ÷ 单位数",
        "party_org_rate": f"党组织应建已建率 = 正式党员≥{p}人且单独建立党组织的单位数 ÷ 正式党员≥{p}人的单位数",
        "union_share": "建会率（全部单位口径）= 建立基层工会委员会的单位数 ÷ 全部单位数",
        "union_rate": f"建会率（{n}人以上单位口径）= 从业人员≥{n}人且建立基层工会委员会的单位数 ÷ 从业人员≥{n}人的单位数",
        "union_coverage_rate": "工会组织覆盖率 = 有任一工会组织形式（自建、联合工会、组织员、工会联合会）的单位数 ÷ 单位数",
        "member_rate": "入会率 = 工会会员数（各种组织形式合计）÷ 从业人员数（同一批单位）",
        "member_rate_unionized": "已建会单位入会率 = 工会会员数 ÷ 有工会组织覆盖的单位的从业人员数",
        "migrant_member_rate": "农民工入会率 = 农民工会员数 ÷ 农民工数（同一批单位）",
    }


RULE_NOTE = "每个比率只计算分子、分母数据都齐全且不自相矛盾的单位；未计入的单位数见下"


def _changes(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    if not before:
        return {}
    out: dict[str, Any] = {}
    for k, v in now.items():
        b = before.get(k)
        if isinstance(v, int | float) and isinstance(b, int | float) and not isinstance(v, bool):
            out[k] = v - b
        elif isinstance(v, dict) and isinstance(b, dict):
            out[k] = {
                kk: (v[kk] - b[kk]) if v.get(kk) is not None and b.get(kk) is not None else None for kk in v
            }
    return out


def resolve_year(
    conn: Connection, year: int | None, kind: str | None, township: str | None
) -> tuple[int, bool]:
    """The year asked for, else the latest year the ledger holds data for (and that it was defaulted)."""
    if year is not None:
        return year, False
    found = scope.latest_year(conn, kind, township)
    if found is None:
        raise InputError(
            f"台账中没有数据（范围：{scope.scope_text(kind, township)}）；请先用 djgj import 导入乡镇报表"
        )
    return found, True


def year_note(
    conn: Connection, year: int, defaulted: bool, kind: str | None, township: str | None
) -> dict[str, Any]:
    newest = scope.newest_data(conn, year, kind, township)
    if newest is None:
        raise InputError(
            f"台账中没有 {year} 年底（含）以前的数据（范围：{scope.scope_text(kind, township)}）；请先导入该年度的报表"
        )
    carried = newest < scope.year_start(year)
    texts = []
    if defaulted:
        texts.append(f"未指定年度，按台账中最新数据所在的{year}年报告（数据截至{newest.isoformat()}）")
    if carried:
        texts.append(f"{year}年无新报数据，沿用{newest.isoformat()}的数据；年内新建、新增等变化数不计算")
    return {
        "defaulted": defaulted,
        "newest_data": newest.isoformat(),
        "carried_over": carried,
        "text": "；".join(texts) or None,
    }


def build(
    conn: Connection,
    year: int | None,
    profile: Profile,
    *,
    kind: str | None = None,
    township: str | None = None,
    depth: str = "township",
) -> dict[str, Any]:
    """The report of one year-end (``year`` None: the latest year with data), one section per family."""
    year, defaulted = resolve_year(conn, year, kind, township)
    note = year_note(conn, year, defaulted, kind, township)
    sections = []
    for family in scope.families_of(kind):
        sec = _section(conn, year, profile, family, kind, township, depth, note["carried_over"])
        if sec is not None:
            sections.append(sec)
    if not sections:
        raise InputError(
            f"台账中没有 {year} 年底（含）以前的数据（范围：{scope.scope_text(kind, township)}）；请先导入该年度的报表"
        )
    first = sections[0]
    return {
        "year": year,
        "as_of": scope.year_end(year).isoformat(),
        "year_note": note,
        "scope": {
            "kind": kind,
            "township": township,
            "profile": profile.name,
            "profile_title": profile.title,
            "union_threshold": profile.union_threshold,
            "party_org_threshold": profile.party_threshold,
        },
        "sections": sections,
        **{k: first[k] for k in SECTION_KEYS},
        **{k: v for k, v in first.items() if k in ("by_city", "by_county")},
    }


def _section(
    conn: Connection,
    year: int,
    profile: Profile,
    family: str,
    kind: str | None,
    township: str | None,
    depth: str,
    carried_over: bool,
) -> dict[str, Any] | None:
    now = metrics.figures(conn, year, profile, kind=kind, township=township, depth=depth, family=family)
    if now["totals"] is None:
        return None
    before = metrics.figures(conn, year - 1, profile, kind=kind, township=township, family=family)
    totals, prev = dict(now["totals"]), before["totals"]
    fresh = totals.pop("fresh_units")
    if prev is not None:
        prev = {k: v for k, v in prev.items() if k != "fresh_units"}
    fresh_data = not carried_over and fresh > 0
    totals["new_members"] = _new_members(totals, prev, fresh_data)
    if not fresh_data and "new_unions" in totals:
        totals["new_unions"] = None
    for town, figs in now.get("by_township", {}).items():
        figs.pop("fresh_units", None)
        p = before.get("by_township", {}).get(town)
        figs["new_members"] = _new_members(figs, p, fresh_data)
    for table in (now.get(f"by_{lvl}", {}) for lvl in ("city", "county", "kind")):
        for figs in table.values():
            figs.pop("fresh_units", None)
    labels = {
        **now["labels"],
        "new_members": METRICS["new_members"][0],
        "instructors": METRICS["instructors"][0],
    }
    forms = formulas(profile, family)
    detail = {
        k: {"label": labels.get(k, k), **v, "formula": forms.get(k)} for k, v in (now["detail"] or {}).items()
    }
    sec: dict[str, Any] = {
        "family": family,
        "title": FAMILY_NAMES[family],
        "totals": totals,
        "previous": prev,
        "changes": _changes(totals, prev),
        "figures": detail,
        "labels": labels,
        "formulas": forms,
        **{
            f"by_{lvl}": now[f"by_{lvl}"]
            for lvl in ("city", "county", "township", "kind")
            if f"by_{lvl}" in now
        },
        "targets": _targets(conn, year, profile, township, detail, totals) if family == "enterprises" else [],
        "notes": _notes(detail, totals, fresh, carried_over, year),
        "fresh_units": fresh,
    }
    return sec


def _new_members(now: dict[str, Any], before: dict[str, Any] | None, fresh: bool) -> int | None:
    if not fresh or before is None or now.get("union_members") is None or before.get("union_members") is None:
        return None
    return int(now["union_members"]) - int(before["union_members"])


def _notes(detail: dict[str, Any], totals: dict[str, Any], fresh: int, carried: bool, year: int) -> list[str]:
    """What the reader must know: units left out of figures (and why), data carried over."""
    out = []
    orgs = totals.get("orgs") or 0
    if not carried and 0 < fresh < orgs:
        out.append(f"{orgs - fresh}个单位{year}年未报数据，沿用以前的数据；年内新建不计这些单位")
    absent = [d["label"] for k, d in detail.items() if orgs and d.get("unknown") == orgs and k[:4] != "std_"]
    if absent:
        # (a figure may need two fields, 党员 and 从业人员: every unit lacking either is what it says)
        out.append(f"所有单位都缺少计算这些指标所需的数据，不作统计：{'、'.join(absent)}")
    for key, d in detail.items():
        if key.startswith("std_") or not d.get("left_out") or d["label"] in absent:
            continue
        why = []
        if d.get("unknown"):
            why.append(f"{d['unknown']}个缺少数据")
        if d.get("implausible"):
            why.append(f"{d['implausible']}个数据自相矛盾（见 djgj check）")
        out.append(f"{d['label']}：{d['left_out']}个单位未计入（{'，'.join(why)}）")
    return out


def _targets(
    conn: Connection,
    year: int,
    profile: Profile,
    township: str | None,
    detail: dict[str, Any],
    totals: dict[str, Any],
) -> list[dict[str, Any]]:
    out = []
    for metric, (value, source) in targets.effective(conn, year, profile, township).items():
        if metric not in targets.TARGETABLE or metric not in detail:
            continue
        label, unit, verb = targets.TARGETABLE[metric]
        d = detail[metric]
        actual = totals.get(metric)
        more = metrics.more_needed(value, d.get("numerator"), d.get("denominator"))
        pct = f"{value * 100:g}%"
        if actual is None:
            text = f"{label}无法计算（没有数据齐全的单位）"
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
