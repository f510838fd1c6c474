"""`djgj rules`, `gaps`, `report` and `targets`: what the county uses the ledger for."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from djgj.cli.app import app, engine
from djgj.cli.options import (
    Fmt,
    Kind,
    Output,
    ProfileOpt,
    Threshold,
    Town,
    Year,
    check_kind,
    emit,
    limit_option,
    load_profile,
    render_rows_to,
    year_option,
)
from djgj.errors import UsageError


@app.command()
def rules(
    profile: ProfileOpt = None, union_threshold: Threshold = None, fmt: Fmt = "table", output: Output = None
) -> None:
    """显示当前规则配置中的每条规则、阈值和依据。

    例：djgj rules --profile zhenning
    """
    p = load_profile(profile, union_threshold)
    rows = [
        {
            "rule": r.id,
            "severity": {"requirement": "应建", "advice": "建议", "focus": "重点"}.get(
                r.severity, r.severity
            ),
            "message": r.title,
            "source": r.source,
        }
        for r in p.rules
    ]
    title = f"规则配置 {p.name}（{p.title}）：应建工会 从业人员≥{p.union_threshold}人；应建党组织 正式党员≥{p.party_threshold}人"
    render_rows_to(rows, fmt, output, title=title)


GAP_COLUMNS = [
    ("rule", "规则"),
    ("name", "单位名称"),
    ("township", "乡镇"),
    ("credit_code", "统一社会信用代码"),
    ("employees", "从业人员"),
    ("party_members", "正式党员"),
    ("union_members", "会员"),
    ("message", "说明"),
]


@app.command()
def gaps(
    year: Year = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", help="只看某条规则（可多次使用），见 djgj rules")
    ] = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行", callback=limit_option)] = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """列出应建未建：每个违反规则的单位一行，从业人员多的在前。

    例：djgj gaps --year 2014 --kind non_public --rule union_required --format xlsx -o 应建未建.xlsx
    """
    from djgj.figures.metrics import gaps as find_gaps

    check_kind(kind)
    p = load_profile(profile, union_threshold)
    known = [r.id for r in p.rules]
    for r in rule or []:
        if r not in known:
            raise UsageError(f"规则配置 {p.name} 中没有规则“{r}”；可用：{'、'.join(known)}")
    y = year or dt.date.today().year
    with engine(write=False).connect() as conn:
        found = find_gaps(conn, y, p, rules=rule, kind=kind, township=township)
    rows = [g.as_dict() for g in found][: limit or None]
    title = f"{y}年底 应建未建（规则配置 {p.name}，应建工会≥{p.union_threshold}人）：共 {len(found)} 条"
    render_rows_to(rows, fmt, output, columns=GAP_COLUMNS if fmt in ("table", "md") else None, title=title)


@app.command()
def report(
    year: Year = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    depth: Annotated[
        str, typer.Option("--depth", help="汇总到哪一级：city（市）、county（县）、township（乡镇，默认）")
    ] = "township",
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """年度报告：各项指标、与上年比较、分乡镇和分类别情况、目标差距（每个比率注明口径）。

    例：djgj report --year 2014 --kind non_public --format md -o 2014年度总结.md
    """
    from djgj.figures.report import build
    from djgj.output.render import render_report

    check_kind(kind)
    p = load_profile(profile, union_threshold)
    y = year or dt.date.today().year
    with engine(write=False).connect() as conn:
        if depth not in ("city", "county", "township"):
            raise UsageError(f"--depth {depth} 无效；可用：city、county、township")
        doc = build(conn, y, p, kind=kind, township=township, depth=depth)
    emit(render_report(doc, fmt), output, fmt)


targets_app = typer.Typer(help="目标任务：按年度和范围（全县或乡镇）设定、查看。", no_args_is_help=True)
app.add_typer(targets_app, name="targets")


@targets_app.command("set")
def targets_set(
    metric: Annotated[
        str, typer.Argument(help="指标：union_rate、member_rate、migrant_member_rate、party_org_rate 等")
    ],
    value: Annotated[str, typer.Argument(help="目标值：0.8 或 80%")],
    year: Annotated[int, typer.Option("--year", "-y", help="年度", callback=year_option)],
    township: Town = None,
    source: Annotated[str, typer.Option("--source", help="目标出处，如 市总工会〔2014〕5号")] = "",
) -> None:
    """设定某年度的目标。

    例：djgj targets set union_rate 0.9 --year 2015 --source 市总下达
    """
    from djgj.rules.targets import parse_target, set_target

    number = parse_target(value)
    with engine().begin() as conn:
        set_target(conn, year, metric, number, township or "", source)
    typer.echo(f"已设定 {year} 年{township or '全县'} {metric} 目标为 {number:.0%}")


@targets_app.command("list")
def targets_list(
    year: Year = None, profile: ProfileOpt = None, fmt: Fmt = "table", output: Output = None
) -> None:
    """列出已设定的目标和规则配置中的默认目标。

    例：djgj targets list --year 2015
    """
    from djgj.rules.targets import listing

    p = load_profile(profile, None)
    with engine(write=False).connect() as conn:
        rows = listing(conn, year, p)
    render_rows_to(rows, fmt, output)
