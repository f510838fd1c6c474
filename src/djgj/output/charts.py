"""Charts of the annual report as SVG, drawn by Vega-Lite (vl-convert) from the report's plain data.

Each chart is a Vega-Lite spec rendered to SVG text with its labels kept as ``<text>`` (never paths),
in a Chinese font stack, so a browser on a county PC picks whatever CJK font it has. vl-convert is
imported inside :func:`svg` so that ``djgj --help`` stays fast.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from djgj.output.sections import AreaTable, area_tables, labels, targets
from djgj.vocab.fields import GRADES, METRICS

FONT = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', '微软雅黑', "
    "'WenQuanYi Micro Hei', 'PingFang SC', SimHei, SimSun, sans-serif"
)
#: The three rates each township is charted on, against the target line.
TOWNSHIP_RATES = ("union_rate", "member_rate", "party_coverage_rate", "party_org_rate")
HISTORY_RATES = ("union_rate", "member_rate", "migrant_member_rate", "party_org_rate", "union_coverage_rate")
_CONFIG = {
    "font": FONT,
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 220},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
    "title": {"fontSize": 15, "anchor": "start"},
    "view": {"stroke": None},
}
_NAMESPACES = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')
_IDREF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_IDS = itertools.count(1)


@dataclass
class Chart:
    title: str
    svg: str
    note: str = ""


#: Labels of figures the vocabulary may not list, as the report names them.
_EXTRA_LABELS = {"party_coverage_rate": "党组织覆盖率"}
_LABELS: dict[str, str] = {}


def _label(key: str) -> str:
    return _LABELS.get(key) or METRICS.get(key, (_EXTRA_LABELS.get(key, key), ""))[0]


def svg(spec: dict[str, Any]) -> str:
    """One Vega-Lite spec as inline SVG for an HTML page: namespace URIs dropped (HTML knows svg), and
    ids (gradients, clip paths) made unique, since every chart shares the page's id space."""
    import vl_convert

    out: str = vl_convert.vegalite_to_svg({"config": _CONFIG, "background": "white", **spec})
    prefix = f"c{next(_IDS)}-"
    out = _IDREF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", out)
    return _NAMESPACES.sub("", out, count=2)


def _pct_axis(title: str) -> dict[str, Any]:
    """A 0–100% axis; a value beyond it (a defect upstream) is drawn at the edge, its label still true."""
    return {"title": title, "axis": {"format": ".0%"}, "scale": {"domain": [0, 1], "clamp": True}}


def township_rate_spec(table: AreaTable, key: str, target: float | None) -> dict[str, Any] | None:
    names = table.names()
    values = [
        {"乡镇": n, "值": float(v[key])}
        for n, v in zip(names, table.rows.values(), strict=True)
        if isinstance(v.get(key), int | float)
    ]
    if not values:
        return None
    bar = {
        "mark": {"type": "bar", "color": "#3b6ea5"},
        "encoding": {
            "y": {"field": "乡镇", "type": "nominal", "sort": names, "title": None},
            "x": {"field": "值", "type": "quantitative", **_pct_axis(_label(key))},
        },
    }
    text = {
        "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 11},
        "encoding": {
            "y": {"field": "乡镇", "type": "nominal", "sort": names},
            "x": {"field": "值", "type": "quantitative"},
            "text": {"field": "值", "type": "quantitative", "format": ".1%"},
        },
    }
    layers: list[dict[str, Any]] = [bar, text]
    if target is not None:
        rule = {"目标": target, "说明": f"目标 {target * 100:g}%"}
        layers.append(
            {
                "data": {"values": [rule]},
                "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [6, 4], "size": 2},
                "encoding": {"x": {"field": "目标", "type": "quantitative"}},
            }
        )
        layers.append(
            {
                "data": {"values": [rule]},
                "mark": {
                    "type": "text",
                    "color": "#c0392b",
                    "dy": -8,
                    "align": "center",
                    "baseline": "bottom",
                },
                "encoding": {
                    "x": {"field": "目标", "type": "quantitative"},
                    "y": {"value": 0},
                    "text": {"field": "说明"},
                },
            }
        )
    return {
        "data": {"values": values},
        "width": 460,
        "height": max(60, 24 * len(values)),
        "layer": layers,
    }


def history_spec(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    values = [
        {"年度": str(row["year"]), "指标": _label(k), "值": float(row[k])}
        for row in history
        for k in HISTORY_RATES
        if isinstance(row.get(k), int | float)
    ]
    if not values:
        return None
    return {
        "data": {"values": values},
        "width": 460,
        "height": 260,
        "mark": {"type": "line", "point": {"size": 60}, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "年度", "type": "ordinal", "title": "年度", "axis": {"labelAngle": 0}},
            "y": {"field": "值", "type": "quantitative", **_pct_axis("")},
            "color": {
                "field": "指标",
                "type": "nominal",
                "title": "指标",
                "legend": {"orient": "bottom", "columns": 2},
            },
            "tooltip": [{"field": "指标"}, {"field": "值", "format": ".1%"}],
        },
    }


def grades_spec(table: AreaTable) -> dict[str, Any] | None:
    values = []
    for name, figs in zip(table.names(), table.rows.values(), strict=True):
        grades = figs.get("standardization")
        if isinstance(grades, dict):
            values += [
                {"乡镇": name, "等级": GRADES.get(g, g), "单位数": int(n)}
                for g, n in grades.items()
                if isinstance(n, int) and n > 0
            ]
    if not values:
        return None
    order = list(GRADES.values())
    return {
        "data": {"values": values},
        "width": 460,
        "height": max(60, 24 * len(table.rows)),
        "mark": "bar",
        "encoding": {
            "y": {"field": "乡镇", "type": "nominal", "sort": table.names(), "title": None},
            "x": {"field": "单位数", "type": "quantitative", "title": "建立工会的单位数（按规范化等级）"},
            "color": {
                "field": "等级",
                "type": "nominal",
                "sort": order,
                "scale": {"domain": order, "range": ["#f2c14e", "#5b9bd5", "#2e7d32"]},
                "legend": {"orient": "bottom", "title": "规范化建设等级"},
            },
            "order": {"field": "等级", "sort": "ascending"},
        },
    }


def gaps_spec(counts: list[dict[str, Any]]) -> dict[str, Any] | None:
    values = [{"乡镇": c["township"], "规则": c["label"], "单位数": int(c["count"])} for c in counts]
    if not values:
        return None
    towns = sorted({v["乡镇"] for v in values})
    return {
        "data": {"values": values},
        "width": {"step": 78},
        "height": {"step": 26},
        "encoding": {
            "y": {"field": "乡镇", "type": "nominal", "sort": towns, "title": None},
            "x": {
                "field": "规则",
                "type": "nominal",
                "title": None,
                "axis": {"orient": "top", "labelAngle": -30},
            },
        },
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    "color": {
                        "field": "单位数",
                        "type": "quantitative",
                        "scale": {"scheme": "oranges"},
                        "legend": {"title": "应建未建单位数"},
                    }
                },
            },
            {
                "mark": {"type": "text", "fontSize": 12},
                "encoding": {"text": {"field": "单位数", "type": "quantitative"}},
            },
        ],
    }


#: More areas than this make a bar chart no one can read: a merged ledger charts its counties instead.
MAX_AREAS = 60


def _chart_tables(report: dict[str, Any]) -> list[AreaTable]:
    """The township tables, or for a section with too many townships its county (then city) table."""
    tables = area_tables(report)
    out = []
    for table in (t for t in tables if t.level == "by_township"):
        if len(table.rows) <= MAX_AREAS:
            out.append(table)
            continue
        wider = [t for t in tables if t.section == table.section and t.level in ("by_county", "by_city")]
        out += [t for t in wider if len(t.rows) <= MAX_AREAS][:1]
    return out


def _area_charts(table: AreaTable, goals: dict[str, float]) -> list[Chart]:
    prefix = f"{table.section} " if table.section else ""
    each = f"各{table.first_header}"

    def has(key: str) -> bool:
        return any(isinstance(f.get(key), int | float) for f in table.rows.values())

    # 党组织覆盖率 where the report has it, else 应建已建率
    shown = [k for k in TOWNSHIP_RATES if k != "party_org_rate" or not has("party_coverage_rate")]
    if not has("union_rate"):
        shown = ["union_coverage_rate", *shown]  # villages, communities: judged on coverage
    out: list[Chart] = []
    for key in shown:
        spec = township_rate_spec(table, key, goals.get(key))
        if spec is not None:
            goal = f"（红色虚线：目标 {goals[key] * 100:g}%）" if key in goals else "（未设目标）"
            out.append(Chart(f"{prefix}{each}{_label(key)}{goal}", svg(spec)))
    spec = grades_spec(table)
    if spec is not None:
        out.append(Chart(f"{prefix}{each}工会规范化建设等级", svg(spec)))
    return out


def report_charts(report: dict[str, Any]) -> list[Chart]:
    """Every chart the report's data allows, each titled in Chinese; a chart without data is left out."""
    goals = targets(report)
    _LABELS.clear()
    _LABELS.update({k: v.split("（")[0] for k, v in labels(report).items()})
    charts: list[Chart] = []
    for table in _chart_tables(report):
        charts += _area_charts(table, goals)
    if report.get("history"):
        spec = history_spec(report["history"])
        if spec is not None:
            years = "、".join(str(r["year"]) for r in report["history"])
            charts.append(Chart(f"历年主要比率（台账中的年度：{years}）", svg(spec)))
    counts = report.get("gap_counts") or []
    totals: dict[str, int] = {}
    for c in counts:
        totals[c["township"]] = totals.get(c["township"], 0) + int(c["count"])
    top = set(sorted(totals, key=lambda t: -totals[t])[:MAX_AREAS])
    spec = gaps_spec([c for c in counts if c["township"] in top])
    if spec is not None:
        note = f"（应建未建最多的 {MAX_AREAS} 个乡镇）" if len(totals) > MAX_AREAS else ""
        charts.append(Chart(f"应建未建：各乡镇按规则的单位数{note}", svg(spec)))
    return charts
