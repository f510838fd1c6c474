"""`djgj rules`, `gaps`, `report` and `targets`: what the county uses the ledger for."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from djgj.cli.app import app, engine, ledger_name
from djgj.cli.options import (
    Depth,
    Fmt,
    Kind,
    Output,
    ProfileOpt,
    RuleOpt,
    Threshold,
    Town,
    Year,
    busy,
    check_kind,
    emit,
    load_profile,
    render_rows_to,
    vocab_parser,
)
from djgj.errors import UsageError
from djgj.vocab.vocabulary import choices_text, name


@app.command()
def rules(
    profile: ProfileOpt = None, union_threshold: Threshold = None, fmt: Fmt = "table", output: Output = None
) -> None:
    """显示当前规则配置中的每条规则、阈值和依据。

    例：djgj rules --profile zhenning
    """
    p = load_profile(profile, union_threshold)
    rows = [
        {"rule": r.id, "id": r.id, "severity": r.severity, "message": r.title, "source": r.source}
        for r in p.rules
    ]
    title = f"规则配置 {p.name}（{p.title}）：应建工会 从业人员≥{p.union_threshold}人；应建党组织 正式党员≥{p.party_threshold}人"
    columns = [
        ("rule", "规则"),
        ("id", "规则代码"),
        ("severity", "性质"),
        ("message", "说明"),
        ("source", "依据"),
    ]
    render_rows_to(rows, fmt, output, columns=columns if fmt != "json" else None, title=title)


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
    rule: RuleOpt = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行")] = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """列出应建未建：每个违反规则的单位一行，从业人员多的在前。

    例：djgj gaps --year 2014 --kind 非公有制企业 --rule 应建工会 --format xlsx -o 应建未建.xlsx
    """
    from djgj.figures.metrics import gaps as find_gaps

    check_kind(kind)
    p = load_profile(profile, union_threshold)
    known = [r.id for r in p.rules]
    for r in rule or []:
        if r not in known:
            raise UsageError(f"规则配置 {p.name} 中没有规则“{r}”；可用：{choices_text('rules', known)}")
    y = year or dt.date.today().year
    with busy("正在查找应建未建…"), engine(write=False).connect() as conn:
        found = find_gaps(conn, y, p, rules=rule, kind=kind, township=township)
    rows = [g.as_dict() for g in found][: limit or None]
    title = (
        f"{y}年底 应建未建（规则配置 {p.name}，应建工会≥{p.union_threshold}人）：共 {len(found)} 条"
        f"；台账 {ledger_name()}"
    )
    render_rows_to(rows, fmt, output, columns=GAP_COLUMNS if fmt in ("table", "md") else None, title=title)


@app.command()
def report(
    year: Year = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    depth: Depth = "township",
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """年度报告：各项指标、与上年比较、分乡镇和分类别情况、目标差距（每个比率注明口径）。

    例：djgj report --year 2014 --kind 非公有制企业 --format md -o 2014年度总结.md
    """
    from djgj.figures.report import build
    from djgj.output.render import render_report

    check_kind(kind)
    p = load_profile(profile, union_threshold)
    y = year or dt.date.today().year
    with busy("正在计算年度报告…"), engine(write=False).connect() as conn:
        if depth not in ("city", "county", "township"):
            raise UsageError(f"--depth {depth} 无效；可用：city、county、township")
        doc = build(conn, y, p, kind=kind, township=township, depth=depth)
    doc["ledger"] = ledger_name()
    emit(render_report(doc, fmt), output, fmt)


targets_app = typer.Typer(help="目标任务：按年度和范围（全县或乡镇）设定、查看。", no_args_is_help=True)
app.add_typer(targets_app, name="targets")


@targets_app.command("set")
def targets_set(
    metric: Annotated[
        str,
        typer.Argument(
            help="指标：建会率、职工入会率、农民工入会率、党组织应建已建率、已建会单位职工入会率、工会组织覆盖率（也可写 id）",
            parser=vocab_parser("metrics"),
            metavar="指标",
        ),
    ],
    value: Annotated[str, typer.Argument(help="目标值：0.8 或 80%")],
    year: Annotated[int, typer.Option("--year", "-y", help="年度")],
    township: Town = None,
    source: Annotated[str, typer.Option("--source", help="目标出处，如 市总工会〔2014〕5号")] = "",
) -> None:
    """设定某年度的目标。

    例：djgj targets set 建会率 90% --year 2015 --source 市总下达
    """
    from djgj.rules.targets import parse_target, set_target

    number = parse_target(value)
    with engine().begin() as conn:
        set_target(conn, year, metric, number, township or "", source)
    typer.echo(f"已设定 {year} 年{township or '全县'} {name('metrics', metric)} 目标为 {number:.0%}")


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
    if fmt != "json":
        rows = [{k: v for k, v in r.items() if k != "label"} | {"target_rate": r["value"]} for r in rows]
    columns = [
        ("year", "年度"),
        ("scope", "范围"),
        ("metric", "指标"),
        ("target_rate", "目标"),
        ("source", "出处"),
    ]
    render_rows_to(rows, fmt, output, columns=columns if fmt != "json" else None, title="目标任务")
