"""`djgj plan` and `djgj status`: which units to organise next, and which townships have not reported."""

from __future__ import annotations

from typing import Annotated

import typer

from djgj.cli.app import app, engine
from djgj.cli.options import (
    Fmt,
    Output,
    ProfileOpt,
    Threshold,
    Town,
    Year,
    emit,
    load_profile,
    render_rows_to,
)

PLAN_COLUMNS = [
    ("township", "乡镇"),
    ("metric", "指标"),
    ("target_rate", "目标"),
    ("before_rate", "现状"),
    ("seq", "顺序"),
    ("action", "措施"),
    ("name", "单位"),
    ("employees", "从业人员"),
    ("party_members", "正式党员"),
    ("gain", "增加"),
    ("after_rate", "完成后比率"),
    ("note", "说明"),
]
STATUS_COLUMNS = [
    ("township", "乡镇"),
    ("status", "报送情况"),
    ("units", "单位数"),
    ("reported_units", "本年报送单位"),
    ("latest_data", "最新数据日期"),
    ("last_import", "最近导入"),
    ("unknown_share", "数据不全单位占比"),
]


def _latest_year() -> int:
    import datetime as dt

    from djgj.figures.overview import ledger_years

    with engine(write=False).connect() as conn:
        years = ledger_years(conn)
    return years[-1] if years else dt.date.today().year


@app.command()
def plan(
    year: Year = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", "-t", help="目标，如 建会率=80%、入会率=0.8（可多次使用；默认用台账中设定的目标）"
        ),
    ] = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """工作计划：按乡镇列出达到目标最少需要组建的单位，依次给出组建后的比率和达标点。

    建会率：应建未建单位每家计一，有党组织或党员的单位优先（党建带工建），再按规模；入会率、农民工入会率：
    先组建能增加会员最多的单位；不足应建人数的小微企业以区域联合工会一次覆盖。达不到目标时说明还差多少。

    例：djgj plan --year 2014 --target 建会率=80% --township 城关镇 --format xlsx -o 2015年工作计划.xlsx
    """
    from djgj.figures import plan as planning

    p = load_profile(profile, union_threshold)
    goals = planning.parse_targets(target or [])
    y = year or _latest_year()
    with engine(write=False).connect() as conn:
        plans = planning.build(conn, y, p, goals=goals or None, township=township)
    rows = planning.rows(plans)
    title = f"{y}年底起 达到目标的工作清单（企业和单位，不含村、社区；规则配置 {p.name}，应建工会≥{p.union_threshold}人）"
    if fmt == "json":
        import json

        emit(json.dumps([pl.as_dict() for pl in plans], ensure_ascii=False, indent=2), output, fmt)
    elif fmt == "xlsx":
        from djgj.output.forms import plan_form, workbook

        emit(workbook([plan_form(rows, title, y, township)]), output, fmt)
    else:
        render_rows_to(rows, fmt, output, columns=PLAN_COLUMNS, title=title)


@app.command()
def status(
    year: Year = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """报送情况：哪些乡镇已报送该年度数据、哪些未报送；每个乡镇的单位数、最近导入、数据不全的比例。

    有乡镇未报送时退出码为 1，便于脚本提醒。

    例：djgj status --year 2014
    """
    from djgj.figures.status import missing
    from djgj.figures.status import status as find_status
    from djgj.output.forms import Col, rows_form, workbook

    y = year or _latest_year()
    with engine(write=False).connect() as conn:
        rows = find_status(conn, y)
    title = f"{y}年底 各乡镇报送情况：{len(rows)} 个乡镇，未报送 {len(missing(rows))} 个"
    if fmt == "xlsx":
        cols = [
            Col(
                k,
                h,
                kind="count"
                if k in ("units", "reported_units")
                else "rate"
                if k == "unknown_share"
                else "text",
            )
            for k, h in STATUS_COLUMNS
        ]
        emit(
            workbook([rows_form(title, cols, rows, sheet="报送情况", as_of=f"{y}-12-31", totals={})]),
            output,
            fmt,
        )
    else:
        render_rows_to(rows, fmt, output, columns=STATUS_COLUMNS if fmt != "json" else None, title=title)
    gone = missing(rows)
    if gone:
        typer.echo(f"尚未报送 {y} 年数据的乡镇：{'、'.join(gone)}", err=True)
        raise typer.Exit(1)
