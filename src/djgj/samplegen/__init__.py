"""Generate a realistic sample county (示例县): township spreadsheets with every real-world quirk.

A user's machine has no copy of the project's shared samples, yet ``make demo`` and the test suite need
spreadsheets that look like what townships really send: merged two-row headers, legacy .xls, GB18030
CSV in Traditional characters, full-width digits, totals rows, duplicates, member rosters. This module
builds a *truth* model (every unit's true values at 2013-12-31 and 2014-12-31), writes the files from it,
and computes ``expected.json`` straight from the truth with the definitions of docs/domain.md. It deliberately
imports nothing from djgj but the vocabulary, so it stays an independent oracle for the importer and
the metrics.

    python -m djgj.samplegen OUTDIR [--seed N] [--preset default|report3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import opencc
import xlsxwriter
import xlwt
from stdnum.cn import ric, uscc

from djgj.vocab.fields import GRADES, PARTY_ORG_FORMS

Org = dict[str, Any]

# Tables of data read better one row per line than one item per line, so the formatter leaves them be.
# fmt: off
DEFAULT_SPEC: dict[str, Any] = {
    "seed": 20141231, "region": "139901", "year": 2014, "county": "示例县",
    "townships": ["城关镇", "北关镇", "南坪乡", "白水镇"], "layout": "townships",
    "enterprises": 160, "employees": None, "mean_employees": 42,
    "unions": 70, "union_members": 4100, "migrant_members": 900,
    "party_orgs": 14, "party_total": 300, "party_gaps": 8,
    "joint_unions": 18, "organizers": 4, "joint_branches": 6,
    "instructors": 4, "instructed": 20, "std": [18, 26, 20],
    "new_unions": 15, "new_members": 1100, "new_enterprises": 8,
    "villages": 36, "villages_without_union": [5, 17, 30], "union_threshold": 25,
}
#: The county of report 3 (docs/domain.md): 336 enterprises, 560 Party members (2.1%), 27 Party organisations ...
REPORT3_SPEC: dict[str, Any] = {
    **DEFAULT_SPEC,
    "townships": ["城关镇", "北关镇", "南坪乡", "白水镇", "东岗镇", "西河乡", "石桥镇", "龙泉乡"],
    "layout": "county", "enterprises": 336, "employees": 26700, "mean_employees": 80,
    "unions": 125, "union_members": 7735, "migrant_members": 1273,
    "party_orgs": 27, "party_total": 560, "party_gaps": 9,
    "joint_unions": 40, "organizers": 12, "joint_branches": 10,
    "instructors": 8, "instructed": 48, "std": [33, 54, 38],
    "new_unions": 33, "new_members": 2612, "new_enterprises": 20,
    "villages": 24, "villages_without_union": [3, 11],
}
PRESETS = {"default": DEFAULT_SPEC, "report3": REPORT3_SPEC}

FILES = {
    "chengguan": "2014_{t}_非公企业党建工建统计表.xlsx", "beiguan": "2014_{t}_企业台账.xls",
    "nanping": "2014_{t}_党建工建.csv", "baishui": "2014_{t}_非公企业情况.xlsx",
    "county": "{y}_全县非公企业党建工建台账.xlsx", "villages": "2014_各村社区工会组建情况.xlsx",
    "roster": "2014_{t}_工会会员花名册.xlsx",
}
QUIRKS = {
    "chengguan": ["title row and filling-unit row above the header", "two-row header with merged group cells",
                  "'合计' totals row", "footer line under the table", "real Excel date cells"],
    "beiguan": ["legacy .xls (BIFF8)", "counts written as '25人'", "dates written as '2014.3'",
                "union status as 已建/未建/联合工会/组织员", "Party organisation only as 是/否"],
    "nanping": ["CSV encoded GB18030 (no BOM)", "Traditional-character headers and values",
                "blank cells for zero", "dates written as '2014年3月5日'"],
    "baishui": ["header on the third row under two title lines", "full-width digits (２５)",
                "√ for yes, blank for no", "an empty row inside the table",
                "one enterprise listed twice (same credit code)"],
    "county": ["county-wide sheet with a township column", "a totals row"],
    "villages": ["villages and communities; 社区 in the name marks a community",
                 "no employee count: villages are judged on coverage"],
    "roster": ["a member roster: one row per person with a resident ID number",
               "two ID numbers fail their check digit", "one person appears on two rosters",
               "the first enterprise's roster is five short of its declared member count"],
}

INDUSTRIES = {
    "制造业": "机械制造有限公司", "农产品加工": "农产品开发有限公司", "建材": "水泥有限公司",
    "建筑业": "建筑工程有限公司", "批发零售": "商贸有限公司", "教育": "私立学校", "食品加工": "食品有限公司",
    "纺织服装": "服装有限公司", "餐饮业": "饭店", "住宿业": "宾馆", "卫生": "医院", "交通运输": "运输有限公司",
}
KIND_WORDS = ["私营企业", "民营企业", "个体工商户", "外商独资", "中外合资", "有限责任公司(自然人投资)"]
TRADE = "万上世亮佳兴利北坝城夜天宏德民永泰润牧禾绿荣运郎野锦隆露金鑫源祥和盛华原同塞富穗丰创春草长马旺恒瑞"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏建峰文辉波宇浩凯鑫晓林海兰婷斌俊东雪飞梅琳亮春燕"
VILLAGE_PRE, VILLAGE_MID = "东西南北前后上下大小", "堡营寨屯湾坪岭河沟庄"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
OWN = ("branch", "general_branch", "committee")
GRADE_OF = {**GRADES, "none": ""}
UNION_WORD = {"committee": "已建", "none": "未建", "joint": "联合工会", "organizer": "组织员"}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
YN = {True: "是", False: "否"}
# fmt: on
_S2T = opencc.OpenCC("s2t")


# ---------------------------------------------------------------- helpers


def _hit_total(
    vals: list[int], lo: Sequence[int], hi: Sequence[int], target: int, rng: random.Random, what: str
) -> None:
    """Nudge ``vals`` within their bounds until they sum to ``target``: specs fix totals exactly."""
    if not sum(lo) <= target <= sum(hi):
        raise ValueError(f"cannot reach {what}={target}: bounds allow {sum(lo)}..{sum(hi)}")
    for i, v in enumerate(vals):
        vals[i] = min(max(v, lo[i]), hi[i])
    diff = target - sum(vals)
    while diff:
        room = [i for i in range(len(vals)) if (hi[i] > vals[i] if diff > 0 else vals[i] > lo[i])]
        i = rng.choice(room)
        space = hi[i] - vals[i] if diff > 0 else vals[i] - lo[i]
        step = min(space, abs(diff), max(1, abs(diff) // 4))
        vals[i] += step if diff > 0 else -step
        diff += -step if diff > 0 else step


def _pick(
    rng: random.Random, cands: list[int], k: int, weight: Callable[[int], float], what: str
) -> list[int]:
    """Weighted sample without replacement (Efraimidis–Spirakis), so big units get unions first."""
    if len(cands) < k:
        raise ValueError(f"only {len(cands)} candidates for {k} {what}")
    keyed = sorted(cands, key=lambda i: rng.random() ** (1.0 / max(weight(i), 1e-9)), reverse=True)
    return sorted(keyed[:k])


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class _Names:
    """Unique person, enterprise and village names and credit codes for one county."""

    def __init__(self, rng: random.Random, region: str) -> None:
        self.rng, self.region = rng, region
        self.used: set[str] = set()

    def person(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def _unique(self, make: Callable[[], str], what: str) -> str:
        for _ in range(10000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise ValueError(f"ran out of {what} names")

    def enterprise(self, industry: str) -> str:
        return self._unique(
            lambda: self.rng.choice(TRADE) + self.rng.choice(TRADE) + INDUSTRIES[industry], "enterprise"
        )

    def village(self) -> str:
        r = self.rng
        return self._unique(
            lambda: r.choice(VILLAGE_PRE) + r.choice(VILLAGE_MID) + ("社区" if r.random() < 0.25 else "村"),
            "village",
        )

    def credit_code(self) -> str:
        def make() -> str:
            body = "91" + self.region + "MA" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(7))
            return body + uscc.calc_check_digit(body)

        return self._unique(make, "credit code")


# ---------------------------------------------------------------- the truth


def _build_2014(spec: dict[str, Any], rng: random.Random, names: _Names) -> list[Org]:
    """Every enterprise at 2014-12-31, with the spec's totals hit exactly."""
    towns, n, thr = spec["townships"], spec["enterprises"], spec["union_threshold"]
    sigma = 0.9
    mu = math.log(spec["mean_employees"]) - sigma**2 / 2
    emp = [min(1500, max(3, round(rng.lognormvariate(mu, sigma)))) for _ in range(n)]
    if spec.get("employees"):
        _hit_total(emp, [3] * n, [1500] * n, spec["employees"], rng, "employees")
    idx = list(range(n))
    new = set(
        _pick(rng, [i for i in idx if emp[i] < 60], spec["new_enterprises"], lambda i: 1, "new enterprises")
    )
    old = [i for i in idx if i not in new]
    committees = _pick(
        rng, [i for i in old if emp[i] >= 8], spec["unions"], lambda i: emp[i] ** 2.5, "unions"
    )
    # With a free employee total, grow the unionised units until the member target fits comfortably.
    short = math.ceil(spec["union_members"] * 1.15) - sum(emp[i] for i in committees)
    if short > 0 and not spec.get("employees"):
        base = sum(emp[i] for i in committees)
        for i in committees:
            emp[i] = min(1500, emp[i] + math.ceil(short * emp[i] / base))
    # Joint unions and organizers cover the small units; if too few are under the threshold, the smallest.
    k = spec["joint_unions"] + spec["organizers"]
    small = sorted((i for i in old if i not in committees), key=lambda i: emp[i])
    small = small[: max(k, sum(emp[i] < thr for i in small))]
    covered = _pick(rng, small, k, lambda i: 1, "joint unions")
    rng.shuffle(covered)
    union = ["none"] * n
    for i in committees:
        union[i] = "committee"
    for j, i in enumerate(covered):
        union[i] = "joint" if j < spec["joint_unions"] else "organizer"
    own = _pick(
        rng,
        [i for i in old if emp[i] >= 15],
        spec["party_orgs"],
        lambda i: emp[i] ** 1.5 * (3 if union[i] == "committee" else 1),
        "party organisations",
    )
    gaps = _pick(
        rng, [i for i in old if i not in own and emp[i] >= 10], spec["party_gaps"], lambda i: 1, "party gaps"
    )
    jb_towns = towns if spec["layout"] == "county" else [towns[0], towns[2]]  # files that can say 联合党支部
    jb = _pick(
        rng,
        [
            i
            for i in old
            if i not in own and i not in gaps and emp[i] < 60 and towns[i % len(towns)] in jb_towns
        ],
        spec["joint_branches"],
        lambda i: 1,
        "joint branches",
    )
    lo = [3 if i in own or i in gaps else 0 for i in idx]
    hi = [min(emp[i], 99 if i in own else 6 if i in gaps else 2) for i in idx]
    party = [rng.randint(lo[i], min(hi[i], lo[i] + 2 + emp[i] // 20)) for i in idx]
    _hit_total(party, lo, hi, spec["party_total"], rng, "party_total")
    members = [
        round(emp[i] * rng.uniform(0.45, 1.0))
        if union[i] == "committee"
        else emp[i]
        if union[i] != "none"
        else 0
        for i in idx
    ]
    lo = [
        math.ceil(emp[i] * (0.3 if union[i] == "committee" else 0.8)) if union[i] != "none" else 0
        for i in idx
    ]
    hi = [emp[i] if union[i] != "none" else 0 for i in idx]
    _hit_total(members, lo, hi, spec["union_members"], rng, "union_members")
    migrants = [round(e * rng.uniform(0.1, 0.55)) for e in emp]
    hi = [min(migrants[i], members[i]) for i in idx]
    mig_members = [round(h * rng.uniform(0.2, 0.8)) for h in hi]
    _hit_total(mig_members, [0] * n, hi, spec["migrant_members"], rng, "migrant_members")
    new_unions = set(_pick(rng, committees, spec["new_unions"], lambda i: 1 / emp[i], "new unions"))
    graded = list(committees)
    rng.shuffle(graded)
    grade = {}
    for g, k in zip(("initial", "basic", "standard"), spec["std"], strict=True):
        grade.update({i: g for i in graded[:k]})
        graded = graded[k:]
    instructed = _pick(
        rng, [i for i in old if i not in own], spec["instructed"], lambda i: 1, "instructed units"
    )
    teachers: list[str] = []
    while len(teachers) < spec["instructors"]:
        p = names.person()
        teachers += [p] if p not in teachers else []
    # Every instructor must be named somewhere outside the second township, whose file only says 是/否.
    outside = [i for i in instructed if towns[i % len(towns)] != towns[1]]
    if len(outside) < len(teachers):
        raise ValueError("too few instructed units outside the second township")
    teacher = {i: teachers[j] for j, i in enumerate(outside[: len(teachers)])}
    teacher.update({i: rng.choice(teachers) for i in instructed if i not in teacher})
    orgs = []
    for i in idx:
        industry = rng.choice(list(INDUSTRIES))
        u = union[i]
        est = (
            _day(rng, date(2014, 1, 1), date(2014, 12, 31))
            if i in new_unions
            else _day(rng, date(2006, 1, 1), date(2013, 12, 31))
            if u != "none"
            else None
        )
        org = (
            "general_branch"
            if i in own and party[i] >= 50
            else "branch"
            if i in own
            else "joint_branch"
            if i in jb
            else "none"
        )
        secretary = names.person() if org in OWN else ""
        cross = bool(secretary) and u == "committee" and rng.random() < 0.55
        orgs.append(
            {
                "id": f"E{i:04d}",
                "name": names.enterprise(industry),
                "credit_code": names.credit_code(),
                "township": towns[i % len(towns)],
                "kind": "non_public",
                "industry": industry,
                "kind_word": rng.choice(KIND_WORDS),
                "employees": emp[i],
                "female_employees": round(emp[i] * rng.uniform(0.2, 0.6)),
                "migrant_workers": migrants[i],
                "union": u,
                "union_members": members[i],
                "migrant_union_members": mig_members[i],
                "party_members": party[i],
                "probationary_members": int(emp[i] > party[i] + 1 and rng.random() < 0.05),
                "party_org": org,
                "party_secretary": secretary,
                "instructor": teacher.get(i, ""),
                "standardization": grade.get(i, "none"),
                "union_chair": (secretary if cross else names.person()) if u == "committee" else "",
                "chair_is_secretary": cross,
                "workers_congress": u == "committee" and rng.random() < 0.82,
                "union_established_on": est.isoformat() if est else None,
                "party_org_established_on": _day(rng, date(2005, 1, 1), date(2014, 6, 30)).isoformat()
                if org != "none"
                else None,
                "founded": 2014 if i in new else rng.randint(1995, min(est.year, 2013) if est else 2013),
            }
        )
    return orgs


def _derive_2013(orgs14: list[Org], spec: dict[str, Any], rng: random.Random) -> list[Org]:
    """The same county a year earlier: no new enterprises or unions of 2014, fewer employees and members."""
    orgs: list[Org] = []
    was = {o["id"]: o for o in orgs14}
    for o in orgs14:
        if o["founded"] == 2014:
            continue
        p = dict(o)
        p["employees"] = max(
            3, p["party_members"] + p["probationary_members"], round(o["employees"] * rng.uniform(0.85, 1))
        )
        scale = p["employees"] / o["employees"]
        p["female_employees"] = min(p["employees"], round(o["female_employees"] * scale))
        p["migrant_workers"] = round(o["migrant_workers"] * scale)
        if (p["union_established_on"] or "").startswith("2014"):
            p.update(
                union="none",
                union_members=0,
                migrant_union_members=0,
                union_chair="",
                standardization="none",
                chair_is_secretary=False,
                workers_congress=False,
                union_established_on=None,
            )
        elif p["standardization"] != "none" and rng.random() < 0.15:
            p["standardization"] = {"initial": "none", "basic": "initial", "standard": "basic"}[
                p["standardization"]
            ]
        if (p["party_org_established_on"] or "").startswith("2014"):
            p.update(
                party_org="none", party_secretary="", chair_is_secretary=False, party_org_established_on=None
            )
        orgs.append(p)
    unions = [i for i, p in enumerate(orgs) if p["union"] != "none"]
    m14 = [orgs[i]["union_members"] for i in unions]
    e13 = [orgs[i]["employees"] for i in unions]
    committee = [orgs[i]["union"] == "committee" for i in unions]
    vals = [
        min(e, round(m * (rng.uniform(0.6, 0.95) if c else 1)))
        for m, e, c in zip(m14, e13, committee, strict=True)
    ]
    lo = [math.ceil(e * (0.25 if c else 0.8)) for e, c in zip(e13, committee, strict=True)]
    lo = [min(a, b) for a, b in zip(lo, vals, strict=True)]
    hi = [min(m, e) for m, e in zip(m14, e13, strict=True)]
    target = spec["union_members"] - spec["new_members"]
    _hit_total(vals, lo, hi, target, rng, "union members of 2013")
    for i, v in zip(unions, vals, strict=True):
        p = orgs[i]
        ratio = p["migrant_union_members"] / max(1, was[p["id"]]["union_members"])
        p["union_members"] = v
        p["migrant_union_members"] = min(p["migrant_workers"], v, round(v * ratio))
    return orgs


def _build_villages(spec: dict[str, Any], rng: random.Random, names: _Names) -> list[Org]:
    """Villages and communities; a few without a union (the village_union gap)."""
    without = spec["villages_without_union"]
    without = set(without if isinstance(without, list) else rng.sample(range(spec["villages"]), without))
    out = []
    for i in range(spec["villages"]):
        name, has = names.village(), i not in without
        secretary = names.person()
        cross = has and rng.random() < 0.75
        mw, um = rng.randint(120, 900), rng.randint(120, 900) if has else 0
        out.append(
            {
                "id": f"V{i:03d}",
                "name": name,
                "township": spec["townships"][i % len(spec["townships"])],
                "kind": "community" if name.endswith("社区") else "village",
                "migrant_workers": mw,
                "party_members": rng.randint(9, 60),
                "party_org": "branch",
                "party_secretary": secretary,
                "union": "federation" if has else "none",
                "union_chair": (secretary if cross else names.person()) if has else "",
                "union_members": um,
                "activists": rng.randint(0, 11),
                "migrant_union_members": min(mw, um, round(um * rng.uniform(0.3, 1.0))),
                "chair_is_secretary": cross,
                "employees": None,
            }
        )
    return out


def _id_number(rng: random.Random, region: str, male: bool, used: set[str]) -> str:
    """A resident ID (GB 11643) with a correct check digit and a sex digit matching 性别."""
    while True:
        birth = _day(rng, date(1960, 1, 1), date(1996, 12, 31)).strftime("%Y%m%d")
        seq = f"{rng.randrange(100):02d}{rng.choice('13579' if male else '02468')}"
        body = region + birth + seq
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def _build_roster(
    orgs: list[Org], spec: dict[str, Any], rng: random.Random, names: _Names
) -> tuple[list[list[Any]], list[Org], dict[str, Any]]:
    """Rosters of three own-union enterprises, with the sample's deliberate inconsistencies."""
    ok = [o for o in orgs if o["union"] == "committee" and 25 <= o["union_members"] <= 80]
    first = rng.choice([o for o in ok if o["township"] == spec["townships"][0]])
    two, three = rng.sample([o for o in ok if o is not first], 2)
    chosen, used, rows = [first, two, three], set[str](), []
    for o, n in (
        (first, first["union_members"] - 5),
        (two, two["union_members"]),
        (three, three["union_members"]),
    ):
        migrant = set(rng.sample(range(n), min(n, o["migrant_union_members"])))
        partisans = set(rng.sample(range(n), min(n, o["party_members"])))
        for k in range(n):
            male = rng.random() < 0.55
            politics = (
                "中共党员"
                if k in partisans
                else rng.choice(["群众", "群众", "群众", "共青团员", "中共预备党员"])
            )
            start = date.fromisoformat(o["union_established_on"])
            rows.append(
                [
                    names.person(),
                    "男" if male else "女",
                    _id_number(rng, spec["region"], male, used),
                    politics,
                    o["name"],
                    "是" if k in migrant else "否",
                    _day(rng, start, date(2014, 12, 31)).isoformat(),
                    "13" + f"{rng.randrange(10**9):09d}",
                ]
            )
    mover = rng.randrange(first["union_members"] - 5)  # in the first roster, and again under the second unit
    rows.append([*rows[mover][:4], two["name"], *rows[mover][5:]])
    for k in rng.sample([k for k in range(len(rows) - 1) if k != mover], 2):
        good = rows[k][2]
        rows[k][2] = good[:-1] + rng.choice([c for c in "0123456789X" if c != good[-1]])
    by_org = {o["credit_code"]: sum(r[4] == o["name"] for r in rows) for o in chosen}
    summary = {
        "rows": len(rows),
        "invalid_ids": 2,
        "people_on_two_rosters": 1,
        "by_org": by_org,
        "declared": {o["credit_code"]: o["union_members"] for o in chosen},
    }
    return [[k + 1, *r] for k, r in enumerate(rows)], chosen, summary


# ---------------------------------------------------------------- the oracle (docs/domain.md definitions)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _metrics(orgs: list[Org], thr: int = 25) -> dict[str, Any]:
    """docs/domain.md's figures for a set of enterprises, computed from the truth, never from djgj."""
    n = len(orgs)
    emp = sum(o["employees"] for o in orgs)
    mw = sum(o["migrant_workers"] for o in orgs)
    pm = sum(o["party_members"] for o in orgs)
    own = sum(o["party_org"] in OWN for o in orgs)
    req = [o for o in orgs if o["party_members"] >= 3]
    unions = sum(o["union"] == "committee" for o in orgs)
    big = [o for o in orgs if o["employees"] >= thr]
    covered = sum(o["union"] in ("committee", "joint", "organizer") for o in orgs)
    um = sum(o["union_members"] for o in orgs)
    mum = sum(o["migrant_union_members"] for o in orgs)
    std = {g: sum(o["union"] == "committee" and o["standardization"] == g for o in orgs) for g in GRADES}
    towns = sorted({o["township"] for o in orgs})
    return {
        "orgs": n,
        "employees": emp,
        "migrant_workers": mw,
        "party_members": pm,
        "party_member_share": _ratio(pm, emp),
        "party_orgs": own,
        "party_org_share": _ratio(own, n),
        "party_org_required": len(req),
        "party_org_rate": _ratio(sum(o["party_org"] in OWN for o in req), len(req)),
        "unions": unions,
        "union_share": _ratio(unions, n),
        "union_required": len(big),
        "union_rate": _ratio(sum(o["union"] == "committee" for o in big), len(big)),
        "union_covered": covered,
        "union_coverage_rate": _ratio(covered, n),
        "union_members": um,
        "member_rate": _ratio(um, emp),
        "migrant_union_members": mum,
        "migrant_member_rate": _ratio(mum, mw),
        "standardization": std,
        "instructors": len({o["instructor"] for o in orgs if o["instructor"]}),
        "by_township": {
            t: {
                k: sum(v(o) for o in orgs if o["township"] == t)
                for k, v in (
                    ("orgs", lambda o: 1),
                    ("employees", lambda o: o["employees"]),
                    ("party_orgs", lambda o: o["party_org"] in OWN),
                    ("unions", lambda o: o["union"] == "committee"),
                    ("union_members", lambda o: o["union_members"]),
                )
            }
            for t in towns
        },
    }


def _gaps(orgs: list[Org], thr: int) -> dict[str, list[str]]:
    """Credit codes per gap rule, as ``djgj gaps`` must list them."""
    rules: dict[str, Callable[[Org], bool]] = {
        "union_required": lambda o: o["employees"] >= thr and o["union"] != "committee",
        "union_coverage": lambda o: o["employees"] < thr and o["union"] == "none",
        "party_org_required": lambda o: o["party_members"] >= 3 and o["party_org"] not in OWN,
        "party_coverage": lambda o: (
            o["party_members"] < 3 and o["party_org"] not in (*OWN, "joint_branch") and not o["instructor"]
        ),
    }
    return {rule: sorted(o["credit_code"] for o in orgs if test(o)) for rule, test in rules.items()}


# ---------------------------------------------------------------- writers
# Each writer copies one real file's layout cell by cell; rows are kept one line each, like the sheets.
# fmt: off


def _words(text: str) -> list[str]:
    """Headers as one string, so a sheet's header reads like the sheet."""
    return text.split()


def _zero_blank(v: int) -> str:
    return str(v) if v else ""


def _xlsx(path: Path) -> tuple[Any, Any]:
    """A workbook with a fixed creation time, so the same seed writes the same bytes."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2015, 1, 8, 9, 0, 0)})
    return wb, wb.add_format({"num_format": "yyyy-mm-dd"})


def _put(ws: Any, r: int, row: Sequence[Any], datefmt: Any = None) -> None:
    """Write a row; dates become real date cells, empty strings stay truly empty."""
    for c, v in enumerate(row):
        if isinstance(v, date):
            ws.write_datetime(r, c, datetime(v.year, v.month, v.day), datefmt)
        elif v != "":
            ws.write(r, c, v)


def _est(o: Org) -> date | str:
    return date.fromisoformat(o["union_established_on"]) if o["union_established_on"] else ""


def _write_chengguan(path: Path, town: str, orgs: list[Org], names: _Names) -> None:
    wb, dfmt = _xlsx(path)
    ws = wb.add_worksheet("Sheet1")
    head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    ws.merge_range(0, 0, 0, 20, f"{town}非公有制企业党建带动工建情况统计表（2014年度）", head)
    ws.merge_range(1, 0, 1, 20, f"填报单位：{town}党委（盖章）        填报日期：2015年1月8日", wb.add_format())
    for c, text in {0: "序号", 1: "企业名称", 2: "统一社会信用代码", 3: "企业类型", 4: "所属行业",
                    18: "党建指导员", 19: "规范化建设等级", 20: "是否建立职代会"}.items():
        ws.merge_range(2, c, 3, c, text, head)
    for c0, c1, text in ((5, 7, "从业人员（人）"), (8, 11, "党组织情况"), (12, 17, "工会组织情况")):
        ws.merge_range(2, c0, 2, c1, text, head)
    subs = "总数 其中农民工 女职工 正式党员 预备党员 党组织形式 党组织书记 是否建会 建会时间 会员数 其中农民工会员 工会主席 是否交叉任职"
    for c, text in enumerate(_words(subs), start=5):
        ws.write(3, c, text, head)
    for k, o in enumerate(orgs):
        _put(ws, 4 + k, [k + 1, o["name"], o["credit_code"], o["kind_word"], o["industry"], o["employees"],
                         o["migrant_workers"], o["female_employees"], o["party_members"], o["probationary_members"],
                         PARTY_ORG_FORMS[o["party_org"]], o["party_secretary"],
                         {"committee": "是", "none": "否"}.get(o["union"], UNION_WORD[o["union"]]), _est(o),
                         o["union_members"], o["migrant_union_members"], o["union_chair"],
                         YN[o["chair_is_secretary"]], o["instructor"], GRADE_OF[o["standardization"]],
                         YN[o["workers_congress"]]], dfmt)
    r = 4 + len(orgs)
    total = {5: "employees", 6: "migrant_workers", 7: "female_employees", 8: "party_members",
             14: "union_members", 15: "migrant_union_members"}
    _put(ws, r, ["", "合计"] + [sum(o[total[c]] for o in orgs) if c in total else "" for c in range(2, 21)])
    ws.write(r + 2, 0, f"填表人：{names.person()}    联系电话：0313-5003333")
    notes = wb.add_worksheet("填表说明")  # real workbooks carry a notes sheet beside the data
    for k, line in enumerate(["填表说明：", "1．统计时间截至2014年12月31日。", "2．“从业人员”含劳务派遣人员。",
                              "3．“是否建会”填写是、否、联合工会或组织员；建会时间填写工会成立批复日期。",
                              "4．规范化建设等级按县总工会2013年考核结果填写。"]):
        notes.write(k, 0, line)
    wb.close()


def _write_beiguan(path: Path, town: str, orgs: list[Org]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    ws.write(0, 0, f"{town}2014年非公有制企业“党建带工建”台账")
    rows: list[list[Any]] = [_words("序号 单位名称 统一社会信用代码 单位性质 行业 从业人员数 农民工人数 女职工人数 党员人数 预备党员数 "
                                    "是否建立党组织 党组织书记 建会情况 建会时间 会员人数 农民工会员数 工会主席 主席是否由书记兼任 "
                                    "是否选派党建指导员 规范化等级 职代会")]
    for k, o in enumerate(orgs):
        d = _est(o)
        rows.append([k + 1, o["name"], o["credit_code"], o["kind_word"], o["industry"], f"{o['employees']}人",
                     f"{o['migrant_workers']}人", f"{o['female_employees']}人", f"{o['party_members']}人",
                     o["probationary_members"], YN[o["party_org"] in OWN], o["party_secretary"], UNION_WORD[o["union"]],
                     f"{d.year}.{d.month}" if isinstance(d, date) else "", f"{o['union_members']}人",
                     f"{o['migrant_union_members']}人", o["union_chair"], YN[o["chair_is_secretary"]],
                     YN[bool(o["instructor"])], GRADE_OF[o["standardization"]], YN[o["workers_congress"]]])
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.save(str(path))


def _write_nanping(path: Path, orgs: list[Org]) -> None:
    t = _S2T.convert  # unit names stay Simplified, as the real file has them; everything else is Traditional
    head = "企业名称 统一社会信用代码 企业类型 所属行业 从业人员 农民工 党员人数 党组织 工会 会员数 农民工会员 工会主席 建会时间 规范化建设 党建指导员"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([t(h) for h in _words(head)])
    for o in orgs:
        d = _est(o)
        w.writerow([o["name"], o["credit_code"], t(o["kind_word"]), t(o["industry"]), _zero_blank(o["employees"]),
                    _zero_blank(o["migrant_workers"]), _zero_blank(o["party_members"]),
                    t(PARTY_ORG_FORMS[o["party_org"]]), t(UNION_WORD[o["union"]]), _zero_blank(o["union_members"]),
                    _zero_blank(o["migrant_union_members"]), t(o["union_chair"]),
                    f"{d.year}年{d.month}月{d.day}日" if isinstance(d, date) else "",
                    t(GRADE_OF[o["standardization"]]), t(o["instructor"])])
    path.write_bytes(buf.getvalue().encode("gb18030"))


def _write_baishui(path: Path, town: str, orgs: list[Org], rng: random.Random) -> None:
    wb, dfmt = _xlsx(path)
    ws = wb.add_worksheet("企业台账")
    ws.write(0, 0, f"{town}非公有制企业党组织和工会组织建设情况表")
    ws.write(1, 0, "统计截止：2014年12月31日")
    _put(ws, 2, _words("序号 企业名称 信用代码 企业类型 行业 员工人数 其中：农民工 党员数 是否建立党组织 是否建立工会 "
                       "工会会员数 其中：农民工会员 工会主席 建会日期 党建指导员 规范化建设情况"))
    twice = rng.choice([k for k, o in enumerate(orgs) if o["union"] == "committee"])
    r = 3
    for k, o in enumerate(orgs):
        row = [k + 1, o["name"], o["credit_code"], o["kind_word"], o["industry"], o["employees"], o["migrant_workers"],
               o["party_members"], "√" if o["party_org"] in OWN else "",
               {"committee": "√", "none": ""}.get(o["union"], UNION_WORD[o["union"]]), o["union_members"],
               o["migrant_union_members"], o["union_chair"], _est(o), o["instructor"], GRADE_OF[o["standardization"]]]
        row = [str(v).translate(FULLWIDTH) if isinstance(v, int) else v for v in row]
        for _ in range(2 if k == twice else 1):  # the same enterprise listed twice
            _put(ws, r, row, dfmt)
            r += 1
        if k + 1 == len(orgs) // 2:  # an empty row inside the table
            r += 1
    wb.close()


def _write_county(path: Path, year: int, orgs: list[Org]) -> None:
    wb, dfmt = _xlsx(path)
    ws = wb.add_worksheet("企业台账")
    ws.write(0, 0, f"全县非公有制企业党建工建工作台账（{year}年度）")
    _put(ws, 1, _words("乡镇 企业名称 统一社会信用代码 企业类型 所属行业 从业人员数 农民工人数 党员人数 党组织形式 "
                       "是否建立工会 会员数 农民工会员数 工会主席 建会时间 党建指导员 规范化建设等级"))
    rows = sorted(orgs, key=lambda o: (o["township"], o["name"]))
    for k, o in enumerate(rows):
        _put(ws, 2 + k, [o["township"], o["name"], o["credit_code"], o["kind_word"], o["industry"], o["employees"],
                         o["migrant_workers"], o["party_members"], PARTY_ORG_FORMS[o["party_org"]],
                         UNION_WORD[o["union"]], o["union_members"], o["migrant_union_members"], o["union_chair"],
                         _est(o), o["instructor"], GRADE_OF[o["standardization"]]], dfmt)
    s = lambda f: sum(o[f] for o in orgs)  # noqa: E731
    _put(ws, 2 + len(rows), ["", "合计", "", "", "", s("employees"), s("migrant_workers"), s("party_members"), "", "",
                             s("union_members"), s("migrant_union_members")])
    wb.close()


def _write_villages(path: Path, villages: list[Org]) -> None:
    wb, _ = _xlsx(path)
    ws = wb.add_worksheet("企业台账")
    ws.write(0, 0, "2014年村（社区）工会组建情况统计表")
    _put(ws, 1, _words("乡镇 村（社区）名称 党员数 党支部书记 是否建立工会 工会主席 主席是否由支书兼任 会员数 外出务工人数 其中入会 入会积极分子"))
    for k, v in enumerate(villages):
        ws.write_row(2 + k, 0, [v["township"], v["name"], v["party_members"], v["party_secretary"],
                                YN[v["union"] != "none"], v["union_chair"], YN[v["chair_is_secretary"]],
                                v["union_members"], v["migrant_workers"], v["migrant_union_members"], v["activists"]])
    wb.close()


def _write_roster(path: Path, rows: list[list[Any]]) -> None:
    wb, _ = _xlsx(path)
    ws = wb.add_worksheet("企业台账")
    ws.write(0, 0, "工会会员花名册")
    ws.write_row(1, 0, _words("序号 姓名 性别 身份证号 政治面貌 所在单位 是否农民工 入会时间 联系电话"))
    for k, row in enumerate(rows):
        ws.write_number(2 + k, 0, row[0])
        for c, v in enumerate(row[1:], start=1):
            ws.write_string(2 + k, c, v)  # IDs, dates and phones stay text, as Chinese Excel users type them
    wb.close()


# fmt: on


# ---------------------------------------------------------------- entry points


def _file(
    name: str, year: int, township: str | None, kind: str, quirks: str, orgs: list[Org]
) -> dict[str, Any]:
    as_of = f"{year}-12-31" if kind != "roster" else None
    return {
        "file": name,
        "year": year,
        "as_of": as_of,
        "township": township,
        "kind": kind,
        "quirks": QUIRKS[quirks],
        "orgs": [o["id"] for o in orgs],
    }


def generate(
    outdir: str | Path, *, seed: int = 20141231, spec: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write the sample county into outdir; return the expected dict (also written as expected.json, and truth.json)."""
    spec = {**DEFAULT_SPEC, **(spec or {}), "seed": seed}
    if spec["layout"] == "townships" and len(spec["townships"]) != 4:
        raise ValueError("the township layout writes one file per township and needs exactly four townships")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = _Names(rng, spec["region"])
    orgs14 = _build_2014(spec, rng, names)
    orgs13 = _derive_2013(orgs14, spec, rng)
    villages = _build_villages(spec, rng, names)
    towns, files = spec["townships"], []
    by_town = {t: sorted((o for o in orgs14 if o["township"] == t), key=lambda o: o["name"]) for t in towns}
    roster_summary = None
    if spec["layout"] == "townships":
        writers: list[tuple[str, Callable[[Path, list[Org]], None]]] = [
            ("chengguan", lambda p, os: _write_chengguan(p, towns[0], os, names)),
            ("beiguan", lambda p, os: _write_beiguan(p, towns[1], os)),
            ("nanping", _write_nanping),
            ("baishui", lambda p, os: _write_baishui(p, towns[3], os, rng)),
        ]
        for (key, write), town in zip(writers, towns, strict=True):
            name = FILES[key].format(t=town)
            write(out / name, by_town[town])
            files.append(_file(name, 2014, town, "non_public", key, by_town[town]))
    else:
        name = FILES["county"].format(y=2014)
        _write_county(out / name, 2014, orgs14)
        files.append(_file(name, 2014, None, "non_public", "county", orgs14))
    name = FILES["county"].format(y=2013)
    _write_county(out / name, 2013, orgs13)
    files.insert(
        len(files) if spec["layout"] == "townships" else 0,
        _file(name, 2013, None, "non_public", "county", orgs13),
    )
    _write_villages(out / FILES["villages"], villages)
    files.append(_file(FILES["villages"], 2014, None, "village", "villages", []))
    if spec["layout"] == "townships":
        rows, chosen, roster_summary = _build_roster(orgs14, spec, rng, names)
        name = FILES["roster"].format(t=towns[0])
        _write_roster(out / name, rows)
        files.append(_file(name, 2014, None, "roster", "roster", chosen))
    m14 = _metrics(orgs14, spec["union_threshold"])
    m14["new_unions"] = sum(
        o["union"] == "committee" and (o["union_established_on"] or "").startswith("2014") for o in orgs14
    )
    m14["new_members"] = m14["union_members"] - sum(o["union_members"] for o in orgs13)
    with_union = [v for v in villages if v["union"] != "none"]
    expected: dict[str, Any] = {
        "county": spec["county"],
        "non_public": {"2014": m14, "2013": _metrics(orgs13, spec["union_threshold"])},
        "gaps_2014": {f"union_threshold_{n}": _gaps(orgs14, n) for n in (25, 10)},
        "villages_2014": {
            "villages": len(villages),
            "with_union": len(with_union),
            "union_members": sum(v["union_members"] for v in villages),
            "migrant_union_members": sum(v["migrant_union_members"] for v in villages),
            "activists": sum(v["activists"] for v in villages),
            "without_union": sorted(v["name"] for v in villages if v["union"] == "none"),
        },
        **({"roster_2014": roster_summary} if roster_summary else {}),
        "files": [{k: v for k, v in f.items() if k != "orgs"} for f in files],
    }
    truth = {
        "county": spec["county"],
        "year": spec["year"],
        "spec": spec,
        "files": files,
        "orgs": {"2014": orgs14, "2013": orgs13},
        "villages": villages,
        "instructors": sorted({o["instructor"] for o in orgs14 if o["instructor"]}),
        "roster": roster_summary,
    }
    for fname, doc in (("expected.json", expected), ("truth.json", truth)):
        (out / fname).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return expected


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m djgj.samplegen OUTDIR [--seed N] [--preset default|report3]``."""
    ap = argparse.ArgumentParser(
        prog="python -m djgj.samplegen", description="Write a realistic sample county."
    )
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=20141231)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="default")
    args = ap.parse_args(argv)
    try:
        exp = generate(args.outdir, seed=args.seed, spec=PRESETS[args.preset])
    except ValueError as e:
        print(f"samplegen: {e}", file=sys.stderr)
        return 2
    figs = exp["non_public"]["2014"]
    print(
        f"wrote {len(exp['files'])} files to {args.outdir}: {figs['orgs']} enterprises, {figs['unions']} unions, "
        f"{figs['union_members']} members"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
