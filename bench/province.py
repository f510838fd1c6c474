"""A synthetic province for benchmarks: N units across 400 townships, fast and deterministic.

    python bench/province.py OUTDIR --units 200000 [--xlsx 100000] [--roster-units 200] [--seed N]

Writes into OUTDIR:

- ``province_<N>.csv``: the flat ledger, UTF-8, one header row (乡镇, 企业名称, 统一社会信用代码, 企业类型,
  从业人员数, 农民工人数, 党员人数, 党组织形式, 是否建立工会, 会员数, 农民工会员数, 建会时间, 党建指导员,
  规范化建设等级), one row per unit;
- ``province_<M>.xlsx`` (with ``--xlsx M``): the first M units as an xlsx sheet (xlsxwriter, constant_memory);
- ``roster_<K>units.csv`` and ``.xlsx`` (with ``--roster-units K``): member rosters (姓名, 性别, 身份证号,
  政治面貌, 所在单位, 是否农民工, 入会时间, 联系电话) for K units that have their own union.

The same seed gives the same units in the same order, so the first 50,000 rows of a 200,000-row file
are the 50,000-row file. `units()` yields every unit in djgj's canonical values (what djgj stores after
import), which `bench/run.py` uses to bulk-load a 1,000,000-unit ledger straight into djgj's schema.

Only the standard library (csv, random) plus xlsxwriter for the xlsx file; check digits are computed
here (GB 32100 for credit codes, GB 11643 for ID numbers) and cross-checked against python-stdnum.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import math
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

SEED = 20141231
AS_OF = dt.date(2014, 12, 31)
N_TOWNSHIPS = 400

HEADER = [
    "乡镇",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "农民工人数",
    "党员人数",
    "党组织形式",
    "是否建立工会",
    "会员数",
    "农民工会员数",
    "建会时间",
    "党建指导员",
    "规范化建设等级",
]
ROSTER_HEADER = ["姓名", "性别", "身份证号", "政治面貌", "所在单位", "是否农民工", "入会时间", "联系电话"]

# ---------------------------------------------------------------- vocabulary (all Simplified, so names
# survive djgj's NFKC + Traditional→Simplified normalisation unchanged)

_TOWN_A = "城北南东西新青白黄龙凤马石花平安清河云金"
_TOWN_B = "关坪水山桥阳溪坝口场寨塘湾田岭江堡坡沟营"
_BRAND = (
    "华鑫盛恒泰隆兴达源丰瑞祥宏远通利佳乐康宁昌明光辉德信诚和海天永新富贵金银润发福安聚合美博"
    "创力鼎威胜雅泓凯晟旭东方正阳升腾飞越嘉禾丽景绿洲春秋蓝湖星辰宇航中科汇智联众鸿运万家"
    "红旗锦绣晶亮立志豪邦川岳峰林森茂松柏竹兰菊梅荣耀晖煌泽霖沛洪涛浩然"
)
_BRAND = "".join(dict.fromkeys(_BRAND))[:100]  # 100 distinct characters
assert len(_BRAND) == 100, len(_BRAND)
_INDUSTRY = [
    "商贸",
    "建材",
    "物流",
    "农业开发",
    "食品",
    "电子",
    "服装",
    "酒业",
    "茶业",
    "矿业",
    "建筑工程",
    "房地产开发",
    "机械制造",
    "化工",
    "医药",
    "餐饮管理",
    "酒店管理",
    "物业管理",
    "信息技术",
    "文化传媒",
    "旅游开发",
    "汽车销售",
    "家具",
    "印务",
    "环保科技",
    "生物科技",
    "水泥",
    "木业",
    "养殖",
    "劳务",
]
_SUFFIX = ["有限公司", "有限责任公司", "股份有限公司", "实业有限公司", "商行", "经营部"]
#: (企业类型 as the sheet writes it, djgj kind, weight)
_OWNERSHIP = [
    ("私营企业", "non_public", 46),
    ("有限责任公司", "non_public", 26),
    ("股份有限公司", "non_public", 4),
    ("个体工商户", "non_public", 12),
    ("外商投资企业", "non_public", 2),
    ("港澳台投资企业", "non_public", 1),
    ("集体企业", "collective", 3),
    ("国有企业", "state_owned", 2),
    ("社会组织", "social_org", 4),
]
PARTY_ORG_LABEL = {
    "branch": "党支部",
    "general_branch": "党总支",
    "committee": "党委",
    "joint_branch": "联合党支部",
    "none": "无",
}
UNION_LABEL = {"committee": "已建", "joint": "联合工会", "organizer": "工会组织员", "none": "未建"}
GRADE_LABEL = {"initial": "初级", "basic": "基本", "standard": "规范化", None: ""}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞兵建国文辉力宇浩凯俊峰晨雪琳欣怡佳颖婷倩瑶雯洁雨春燕志成海波斌林"
_POLITICS = [("群众", 80), ("中共党员", 8), ("共青团员", 10), ("中共预备党员", 2)]

# ---------------------------------------------------------------- check digits

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
#: County-level division codes for credit codes, and for ID numbers ones that python-stdnum's
#: birth-place check accepts for any birth year since 1950.
_PLACES = ["520102", "520103", "520111", "520112", "520113", "520121", "520122", "520123", "520181", "520115"]
_ID_PLACES = ["110101", "110102", "110105", "110106", "110108"]


def uscc_check(code17: str) -> str:
    """GB 32100 check character of the first 17 characters (same as stdnum.cn.uscc.calc_check_digit)."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total) % 31]


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an organisation code's 8 digits."""
    c = 11 - sum(int(d) * w for d, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def ric_check(body17: str) -> str:
    """GB 11643 check character of a resident ID's first 17 digits (same as stdnum.cn.ric)."""
    c = (12 - sum(int(d) * w for d, w in zip(body17, _RIC_WEIGHTS, strict=True)) % 11) % 11
    return "X" if c == 10 else str(c)


def self_check(samples: int = 200) -> None:
    """Cross-check the local check digits against python-stdnum (fails loudly if they ever disagree)."""
    from stdnum.cn import ric, uscc

    rng = random.Random(1)
    for _ in range(samples):
        code17 = "91" + rng.choice(_PLACES) + "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
        assert uscc_check(code17) == uscc.calc_check_digit(code17), code17
        body = (
            rng.choice(_ID_PLACES)
            + f"{rng.randint(1960, 1999)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}{rng.randint(0, 999):03d}"
        )
        full = body + ric_check(body)
        assert ric.is_valid(full), full


# ---------------------------------------------------------------- units


class Unit(NamedTuple):
    """One unit in djgj's canonical values (what the ledger stores after import)."""

    township: str
    name: str
    credit_code: str
    ownership: str
    kind: str
    employees: int
    migrant_workers: int
    party_members: int
    party_org: str
    union_form: str
    union_members: int
    migrant_union_members: int
    union_established_on: dt.date | None
    instructor: str | None
    standardization: str | None


def townships(n: int = N_TOWNSHIPS) -> list[str]:
    out = []
    for i in range(n):
        a, b = divmod(i, len(_TOWN_B))
        name = _TOWN_A[a % len(_TOWN_A)] + _TOWN_B[b]
        suffix = "乡" if i % 3 == 2 else "镇"
        out.append(name + suffix + ("" if i < len(_TOWN_A) * len(_TOWN_B) else str(i)))
    return out


def _cumulative(weights: list[int]) -> list[float]:
    total, acc, out = sum(weights), 0, []
    for w in weights:
        acc += w
        out.append(acc / total)
    return out


def _pick(cum: list[float], r: float) -> int:
    for i, c in enumerate(cum):
        if r < c:
            return i
    return len(cum) - 1


def units(n: int, seed: int = SEED) -> Iterator[Unit]:
    """``n`` units, deterministic for a seed; unique names and credit codes; values djgj accepts."""
    rng = random.Random(seed)
    rand, lognorm = rng.random, rng.lognormvariate
    towns = townships()
    town_short = [t[:2] for t in towns]
    brand_len = 3 if n <= 100**3 else 4
    modulus = 100**brand_len
    own_cum = _cumulative([w for _, _, w in _OWNERSHIP])
    surnames, given = _SURNAMES, _GIVEN
    days_2000_2014 = (dt.date(2014, 12, 31) - dt.date(2000, 1, 1)).days
    base_day = dt.date(2000, 1, 1)
    for i in range(n):
        t = int(rand() * N_TOWNSHIPS)
        # A unique brand: i through a bijection of [0, 100^L) (7919 is prime, coprime with 100^L).
        k = (i * 7919 + 12345) % modulus
        brand = ""
        for _ in range(brand_len):
            k, r = divmod(k, 100)
            brand += _BRAND[r]
        o = _pick(own_cum, rand())
        ownership, kind = _OWNERSHIP[o][0], _OWNERSHIP[o][1]
        suffix = "协会" if kind == "social_org" else _SUFFIX[int(rand() * len(_SUFFIX))]
        name = town_short[t] + brand + _INDUSTRY[int(rand() * len(_INDUSTRY))] + suffix
        body8 = f"{(i * 104729 + 7) % 10**8:08d}"
        code17 = (
            ("5" if kind == "social_org" else "9")
            + ("1" if kind != "social_org" else "3")
            + _PLACES[t % 10]
            + body8
            + org_code_check(body8)
        )
        code = code17 + uscc_check(code17)

        # Employees: log-normal, median ~8, a long tail of large employers.
        emp = max(1, min(30000, int(lognorm(2.1, 1.3))))
        migrant = int(emp * rand() * 0.8)
        # Party members: most small units have none; roughly 2-8% of staff otherwise.
        party = 0 if rand() < 0.55 else int(emp * (0.01 + rand() * 0.08) + rand() * 1.5)
        party = min(party, emp)
        if party >= 3:
            if rand() < 0.7:
                party_org = (
                    "committee"
                    if party >= 100 and rand() < 0.7
                    else ("general_branch" if party >= 50 and rand() < 0.7 else "branch")
                )
            else:
                party_org = "none"
        else:
            party_org = "joint_branch" if rand() < 0.35 else "none"
        # Own unions concentrated in larger units (~40% overall); joint unions or organizers for small ones.
        p_own = 0.25 if emp < 10 else 0.5 if emp < 25 else 0.8 if emp < 100 else 0.95
        if rand() < p_own:
            union = "committee"
        else:
            r = rand()
            union = "joint" if r < 0.35 else "organizer" if r < 0.5 else "none"
        if union == "none":
            members = mig_members = 0
        else:
            members = int(emp * (0.55 + rand() * 0.45))
            mig_members = int(min(migrant, members) * (0.4 + rand() * 0.6))
        established = None
        grade = None
        if union == "committee":
            # Skewed to recent years: a campaign built many unions in 2013-2014.
            established = base_day + dt.timedelta(days=int(days_2000_2014 * math.sqrt(rand())))
            g = rand()
            grade = "initial" if g < 0.3 else "basic" if g < 0.55 else "standard" if g < 0.7 else None
        instructor = None
        if party_org not in ("branch", "general_branch", "committee") and rand() < 0.3:
            instructor = (
                surnames[int(rand() * len(surnames))]
                + given[int(rand() * len(given))]
                + given[int(rand() * len(given))]
            )
        yield Unit(
            towns[t],
            name,
            code,
            ownership,
            kind,
            emp,
            migrant,
            party,
            party_org,
            union,
            members,
            mig_members,
            established,
            instructor,
            grade,
        )


def row_of(u: Unit) -> list[Any]:
    """The unit as a township sheet writes it (labels, not canonical codes)."""
    return [
        u.township,
        u.name,
        u.credit_code,
        u.ownership,
        u.employees,
        u.migrant_workers,
        u.party_members,
        PARTY_ORG_LABEL[u.party_org],
        UNION_LABEL[u.union_form],
        u.union_members,
        u.migrant_union_members,
        u.union_established_on.isoformat() if u.union_established_on else "",
        u.instructor or "无",
        GRADE_LABEL[u.standardization],
    ]


def write_csv(path: Path, n: int, seed: int = SEED) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(row_of(u) for u in units(n, seed))
    return path


def write_xlsx(path: Path, n: int, seed: int = SEED) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("企业台账")
    ws.write_row(0, 0, HEADER)
    for r, u in enumerate(units(n, seed), 1):
        ws.write_row(r, 0, row_of(u))
    wb.close()
    return path


_XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def write_xlsx_shared(path: Path, n: int, seed: int = SEED) -> Path:
    """The first ``n`` units as Excel and WPS save a sheet: text in a shared-strings table (``t="s"``),
    numbers as ``<v>``. xlsxwriter writes that only by holding every cell (gigabytes at 500,000 rows),
    so the few parts are written here, the sheet streamed into the zip: ~1 s per 20,000 rows."""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}

    def cell(ref: str, v: Any) -> str:
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        i = strings.setdefault(v, len(strings))
        return f'<c r="{ref}" t="s"><v>{i}</v></c>'

    letters = [chr(65 + i) for i in range(len(HEADER))]
    rows = itertools.chain([HEADER], (row_of(u) for u in units(n, seed)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
            '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}">'
            '<sheets><sheet name="企业台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_XLSX_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{_XLSX_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr(
            "xl/styles.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_XLSX_NS}"><cellXfs count="1">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_XLSX_NS}" '
                f'xmlns:r="{_XLSX_REL}"><dimension ref="A1:{letters[-1]}{n + 1}"/><sheetData>'.encode()
            )
            for r, row in enumerate(rows, 1):
                cells = "".join(
                    cell(f"{c}{r}", v)
                    for c, v in zip(letters, row, strict=False)
                    if v is not None and v != ""
                )
                f.write(f'<row r="{r}">{cells}</row>'.encode())
            f.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{_XLSX_NS}" '
                f'uniqueCount="{len(strings)}">'.encode()
            )
            for s in strings:
                f.write(f"<si><t>{escape(s)}</t></si>".encode())
            f.write(b"</sst>")
    return path


# ---------------------------------------------------------------- rosters


#: Every ID number a roster can hold: 5 places x 16,000 birth days x 1,000 sequence numbers.
_ID_SPACE = len(_ID_PLACES) * 16000 * 1000
#: Member k's ID is the (k * _ID_STEP + _ID_SHIFT) mod _ID_SPACE-th of them: a bijection (the step is
#: prime to the space), so IDs never repeat and look random, without remembering those given.
_ID_STEP = 2_654_435_761 % _ID_SPACE
_ID_SHIFT = 12_345_677
assert math.gcd(_ID_STEP, _ID_SPACE) == 1


def _roster_id(k: int) -> tuple[str, int]:
    """Member ``k``'s ID number (17 digits, no check digit) and its sequence number."""
    j = (k * _ID_STEP + _ID_SHIFT) % _ID_SPACE
    place, rest = j % len(_ID_PLACES), j // len(_ID_PLACES)
    day, seq = rest % 16000, rest // 16000
    birth = dt.date(1955, 1, 1) + dt.timedelta(days=day)
    return _ID_PLACES[place] + birth.strftime("%Y%m%d") + f"{seq:03d}", seq


def roster_rows(
    n_units: int, seed: int = SEED, max_per_unit: int | None = 80, limit: int | None = None
) -> Iterator[list[str]]:
    """Members of the first ``n_units`` units with their own union (at most ``max_per_unit`` each;
    None: all their members), at most ``limit`` in all. Memory does not grow with their number."""
    rng = random.Random(seed + 1)
    rand = rng.random
    done = 0
    k = 0
    politics_cum = _cumulative([w for _, w in _POLITICS])
    for u in units(10**6, seed):  # the same sequence as any n <= 10**6
        if done >= n_units or (limit is not None and k >= limit):
            break
        if u.union_form != "committee" or u.union_members == 0:
            continue
        done += 1
        migrants = u.migrant_union_members
        count = u.union_members if max_per_unit is None else min(u.union_members, max_per_unit)
        if limit is not None:
            count = min(count, limit - k)
        for i in range(count):
            body, seq = _roster_id(k)
            k += 1
            sex = "男" if seq % 2 else "女"
            politics = _POLITICS[_pick(politics_cum, rand())][0]
            name = (
                _SURNAMES[int(rand() * len(_SURNAMES))]
                + _GIVEN[int(rand() * len(_GIVEN))]
                + (_GIVEN[int(rand() * len(_GIVEN))] if rand() < 0.7 else "")
            )
            joined = (u.union_established_on or dt.date(2010, 1, 1)) + dt.timedelta(days=int(rand() * 200))
            joined = min(joined, AS_OF)
            phone = "1" + "3578"[int(rand() * 4)] + f"{int(rand() * 10**9):09d}"
            yield [
                name,
                sex,
                body + ric_check(body),
                politics,
                u.name,
                "是" if i < migrants else "否",
                joined.isoformat(),
                phone,
            ]


def write_roster(outdir: Path, n_units: int, seed: int = SEED) -> tuple[Path, Path]:
    import xlsxwriter

    csv_path = outdir / f"roster_{n_units}units.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(ROSTER_HEADER)
        w.writerows(roster_rows(n_units, seed))
    xlsx_path = outdir / f"roster_{n_units}units.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    ws = wb.add_worksheet("会员花名册")
    ws.write_row(0, 0, ROSTER_HEADER)
    for r, row in enumerate(roster_rows(n_units, seed), 1):
        ws.write_row(r, 0, row)
    wb.close()
    return csv_path, xlsx_path


def write_roster_files(
    outdir: Path, n_units: int, members: int, per_file: int, seed: int = SEED
) -> list[Path]:
    """The national roster: every member of the first ``n_units`` units with their own union, at
    most ``members`` in all, as CSV files of ``per_file`` members each (a file djgj takes is at most
    200 MB and 2,000,000 rows), written as they are generated: nothing is held. Files already
    written are kept."""
    stem = f"roster_{n_units}units_{members}"
    done = outdir / f"{stem}.done"
    if done.exists():
        return [outdir / line for line in done.read_text(encoding="utf-8").split()]
    rows = roster_rows(n_units, seed, max_per_unit=None, limit=members)
    paths: list[Path] = []
    while (first := next(rows, None)) is not None:
        p = outdir / f"{stem}_part{len(paths) + 1}.csv"
        with open(p, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(ROSTER_HEADER)
            w.writerow(first)
            w.writerows(itertools.islice(rows, per_file - 1))
        paths.append(p)
    done.write_text("\n".join(p.name for p in paths), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--units", type=int, default=200_000)
    ap.add_argument("--xlsx", type=int, default=0, help="also write the first N units as xlsx")
    ap.add_argument("--roster-units", type=int, default=0, help="also write member rosters for N units")
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)
    a.outdir.mkdir(parents=True, exist_ok=True)
    self_check()
    t0 = time.perf_counter()
    p = write_csv(a.outdir / f"province_{a.units}.csv", a.units, a.seed)
    print(f"{p}  {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if a.xlsx:
        t0 = time.perf_counter()
        p = write_xlsx(a.outdir / f"province_{a.xlsx}.xlsx", a.xlsx, a.seed)
        print(f"{p}  {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if a.roster_units:
        t0 = time.perf_counter()
        for p in write_roster(a.outdir, a.roster_units, a.seed):
            print(f"{p}  {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
