"""`djgj report --list METRIC`: the units behind one figure, each with the file, sheet and row its
values came from.

A figure is named by its id (``union_rate``) or its Chinese label (建会率, 年内新建工会, 党组织覆盖率…).
The numerator's units are listed, or with ``denominator`` those of the denominator: exactly the units
the report counted (known and plausible values, data of the year for figures of change), so the
number of rows equals the figure's ``units`` (or ``denominator_units``) in the JSON report.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import Connection

from djgj.errors import UsageError
from djgj.figures import metrics, scope
from djgj.ledger.models import ImportBatch, Snapshot, Township, Unit
from djgj.rules.profiles import Profile
from djgj.vocab.fields import KINDS, METRICS, PARTY_ORG_FORMS, UNION_FORMS

#: Columns shown for each family (besides identity and source).
SHOWN = {
    "enterprises": (
        "employees",
        "party_members",
        "party_org",
        "union_form",
        "union_established_on",
        "union_members",
    ),
    "villages": ("union_form", "union_members", "villagers_away", "migrant_union_members", "activists"),
}
COLUMNS = [
    ("section", "部分"),
    ("name", "单位名称"),
    ("township", "乡镇"),
    ("kind", "单位类别"),
    ("credit_code", "统一社会信用代码"),
    ("employees", "从业人员"),
    ("party_members", "正式党员"),
    ("party_org", "党组织"),
    ("union_form", "工会"),
    ("union_established_on", "建会时间"),
    ("union_members", "会员"),
    ("villagers_away", "外出务工人员"),
    ("migrant_union_members", "农民工（外出务工）会员"),
    ("activists", "入会积极分子"),
    ("as_of", "数据截至"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("row", "行"),
]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "")


def resolve(name: str, profile: Profile, year: int) -> str:
    """A figure's id from its id or Chinese label; a clear Chinese error when it names none."""
    t = metrics.thresholds(profile)
    figs = [f for fam in scope.FAMILIES for f in metrics.figure_list(fam, t, year)]
    want = _norm(name)
    ids = {f.key for f in figs}
    if want in ids:
        return want
    for table in ({f.key: f.label for f in figs}, {k: v[0] for k, v in METRICS.items()}):
        for key, label in table.items():
            if _norm(label) == want and key in ids:
                return key
    prefix = {f.key for f in figs if _norm(f.label).split("（")[0] == want}
    if len(prefix) == 1:
        return prefix.pop()
    if want in ("new_members", _norm(METRICS["new_members"][0])):
        raise UsageError(
            "年内新增会员是两年会员数之差，不对应一批单位；请用 djgj diff 上年 本年 查看每个单位的变化"
        )
    labels = "、".join(dict.fromkeys(f.label for f in figs))
    raise UsageError(f"没有指标“{name}”；可用：{labels}（也可用指标代码，如 union_rate）")


def units_behind(
    conn: Connection,
    year: int,
    profile: Profile,
    metric: str,
    *,
    kind: str | None = None,
    township: str | None = None,
    denominator: bool = False,
) -> list[dict[str, Any]]:
    """The units behind ``metric`` at the end of ``year`` (numerator, or denominator), with sources."""
    key = resolve(metric, profile, year)
    t = metrics.thresholds(profile)
    rows: list[dict[str, Any]] = []
    for family in scope.families_of(kind):
        fig = next((f for f in metrics.figure_list(family, t, year) if f.key == key), None)
        if fig is None:
            continue
        if denominator and not fig.is_rate:
            raise UsageError(f"“{fig.label}”不是比率，没有分母；去掉 --denominator 即列出计入的单位")
        cond = fig.denominator_units() if denominator else fig.numerator_units()
        rows += _rows(conn, year, family, cond, kind, township)
    return rows


def _rows(
    conn: Connection, year: int, family: str, cond: Any, kind: str | None, township: str | None
) -> list[dict[str, Any]]:
    shown = SHOWN[family]
    cols = [
        Unit.name,
        Township.name.label("township"),
        Unit.kind,
        Unit.credit_code,
        *(getattr(Snapshot, c) for c in shown),
        Snapshot.as_of,
        ImportBatch.file_name.label("file"),
        Snapshot.sheet,
        Snapshot.row,
    ]
    q = scope.snapshot_base(scope.year_end(year), cols, kind, township, family)
    q = q.outerjoin(ImportBatch, ImportBatch.id == Snapshot.batch_id).where(cond)
    q = q.order_by(Township.name, Unit.name)
    out = []
    for r in conn.execute(q).mappings():
        row = {"section": scope_title(family), **dict(r)}
        row["kind"] = KINDS.get(row["kind"], row["kind"])
        if "party_org" in row:
            row["party_org"] = PARTY_ORG_FORMS.get(row["party_org"], row["party_org"])
        row["union_form"] = UNION_FORMS.get(row["union_form"], row["union_form"])
        out.append(row)
    return out


def scope_title(family: str) -> str:
    from djgj.vocab.fields import FAMILY_NAMES

    return FAMILY_NAMES[family]


def columns_for(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    present = {k for r in rows for k in r}
    if len({r["section"] for r in rows}) < 2:
        present.discard("section")  # one family: the title says which
    return [(k, h) for k, h in COLUMNS if k in present]
