"""`djgj rules`, `gaps`, `report` and `targets`: what the county uses the ledger for."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from djgj.cli.app import answer_keeping, app, engine, kept_answer, ledger_name
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
    limit_option,
    load_profile,
    render_rows_to,
    vocab_parser,
    year_option,
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
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行", callback=limit_option)] = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """列出应建未建：每个违反规则的单位一行，从业人员多的在前。

    例：djgj gaps --year 2014 --kind 非公有制企业 --rule 应建工会 --format xlsx -o 应建未建.xlsx
    """
    from djgj.rules.profiles import fingerprint

    check_kind(kind)
    profile_text = fingerprint(profile)
    question = (
        None
        if profile_text is None
        else ("gaps", profile_text, union_threshold, year, tuple(rule or ()), kind, township, limit)
    )
    found = kept_answer(question)
    if found is None and limit is None:
        found = _kept_listing(question)
    if found is None:
        found = _find_gaps(
            question, year, rule, kind, township, load_profile(profile, union_threshold), limit
        )
    y, rows = found["year"], [_dated(g) for g in found["rows"]]
    title = (
        f"{y}年底 应建未建（规则配置 {found['profile']}，应建工会≥{found['threshold']}人）：共 {found['total']} 条"
        f"；台账 {ledger_name()}"
    )
    if fmt == "xlsx":  # the official form: title, 填报单位/截止日期, grouped headers, 合计, print setup
        from djgj.output.forms import gaps_form, workbook

        emit(workbook([gaps_form(rows, title, y, township)]), output, fmt)
        return
    render_rows_to(
        rows,
        fmt,
        output,
        columns=GAP_COLUMNS if fmt in ("table", "md", "html", "docx") else None,
        title=title,
    )


#: A gaps answer of at most this many rows is kept for the next time it is asked (`--limit`, a
#: township's list); a province's full listing is recomputed rather than stored.
KEPT_GAP_ROWS = 2000


def _kept_listing(question: tuple[Any, ...] | None) -> dict[str, Any] | None:
    """A full listing too long to keep, found again by the statements kept for it (PostgreSQL: run
    with the driver alone, libpq itself or else psycopg: `djgj.ledger.kept.run`); None when there
    are none."""
    if question is None:
        return None
    from djgj.cli.app import state
    from djgj.figures.gaplist import listing
    from djgj.ledger import kept
    from djgj.ledger.location import resolve_url

    url = resolve_url(state.db)
    got = kept.run(url, kept.key("statements", *question)) if url.startswith(kept.POSTGRES_SCHEMES) else None
    if got is None:
        return None
    value, rows = got
    found = listing(value, rows)
    return {**value["answer"], "rows": found, "total": len(found)}


def _keep_statements(conn: Any, question: Any, gen: Any, answer: dict[str, Any], ask: dict[str, Any]) -> None:
    """Keep the statements of a full listing too long to keep (`_kept_listing` reads them)."""
    from djgj.figures.metrics import gap_statements
    from djgj.ledger import cache, kept

    if question is None or conn.dialect.name != "postgresql":
        return
    statements = gap_statements(conn, answer["year"], **ask)
    if statements is not None:
        statements["answer"] = {k: answer[k] for k in ("year", "profile", "threshold")}
        cache.keep(conn, kept.key("statements", *question), gen, statements)


def _dated(gap: dict[str, Any]) -> dict[str, Any]:
    as_of = gap["as_of"]
    return {**gap, "as_of": dt.date.fromisoformat(as_of)} if isinstance(as_of, str) else gap


def _find_gaps(
    question: Any,
    year: int | None,
    rule: list[str] | None,
    kind: str | None,
    township: str | None,
    p: Any,
    limit: int | None,
) -> dict[str, Any]:
    """The gaps answer, kept in the ledger when it is short (its dates then as ISO text)."""
    from djgj.figures.metrics import gaps as find_gaps
    from djgj.figures.report import resolve_year
    from djgj.ledger.cache import generation

    known = [r.id for r in p.rules]
    for r in rule or []:
        if r not in known:
            raise UsageError(f"规则配置 {p.name} 中没有规则“{r}”；可用：{choices_text('rules', known)}")

    def compute() -> dict[str, Any]:
        gen = generation(conn)  # before anything is read: statements kept under it are never stale
        y, _ = resolve_year(conn, year, kind, township)
        counts: dict[str, int] = {}  # --limit and the order are pushed into SQL; totals counted there
        found = find_gaps(conn, y, p, rules=rule, kind=kind, township=township, limit=limit, counts=counts)
        kept = len(found) <= KEPT_GAP_ROWS  # a kept answer is JSON: its dates as ISO text
        rows = [{**g.as_dict(), "as_of": g.as_of.isoformat()} if kept else g.as_dict() for g in found]
        total = sum(counts.values()) if limit else len(found)
        out = {"year": y, "rows": rows, "total": total, "profile": p.name, "threshold": p.union_threshold}
        if not kept and not limit:
            ask = {"profile": p, "rules": rule, "kind": kind, "township": township}
            _keep_statements(conn, question, gen, out, ask)
        return out

    with busy("正在查找应建未建…"), engine(write=False).connect() as conn:
        return answer_keeping(conn, question, compute, lambda out: len(out["rows"]) <= KEPT_GAP_ROWS)


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
    list_: Annotated[
        str | None,
        typer.Option("--list", help="列出某项指标背后的单位（指标中文名或代码，如 年内新建工会、建会率）"),
    ] = None,
    denominator: Annotated[
        bool, typer.Option("--denominator", help="与 --list 合用：列出分母的单位")
    ] = False,
) -> None:
    """年度报告：各项指标、与上年比较、分乡镇和分类别情况、目标差距（每个比率注明口径）。

    不给 --year 时按台账中最新数据所在的年度。--list 列出某项指标背后的每个单位及其来源（文件、工作表、行）。

    例：djgj report --year 2014 --kind 非公有制企业 --format md -o 2014年度总结.md

    例：djgj report --year 2014 --list 年内新建工会

    例：djgj report --year 2014 --format html -o 年报.html（含图表，可离线打开、A4打印）

    例：djgj report --year 2014 --format docx -o 年度总结.docx
    """
    from djgj.output.render import render_report
    from djgj.rules.profiles import fingerprint

    check_kind(kind)
    if denominator and not list_:
        raise UsageError("--denominator 需与 --list 指标 一起使用")
    if depth not in ("city", "county", "township"):
        raise UsageError(f"--depth {depth} 无效；可用：city、county、township")
    if list_:
        _list_units(
            year, kind, township, load_profile(profile, union_threshold), list_, denominator, fmt, output
        )
        return
    charts = fmt == "html"  # the charts: every year the ledger holds, and the gaps by township and rule
    profile_text = fingerprint(profile)
    question = (
        None
        if profile_text is None
        else ("report", profile_text, union_threshold, year, kind, township, depth, charts)
    )
    doc = kept_answer(question)
    if doc is None:
        p = load_profile(profile, union_threshold)
        with busy("正在计算年度报告…"), engine(write=False).connect() as conn:
            doc = answer_keeping(
                conn, question, lambda: _report_doc(conn, year, p, kind, township, depth, charts)
            )
    doc["ledger"] = ledger_name()
    emit(render_report(doc, fmt), output, fmt)


def _report_doc(
    conn: Any, year: int | None, p: Any, kind: str | None, township: str | None, depth: str, charts: bool
) -> dict[str, Any]:
    from djgj.figures.report import build

    doc = build(conn, year, p, kind=kind, township=township, depth=depth)
    if charts:
        from djgj.figures.overview import gap_counts, history

        y = int(doc["year"])
        doc["history"] = history(conn, p, until=y, kind=kind, township=township)
        doc["gap_counts"] = gap_counts(conn, y, p, kind=kind, township=township)
    return doc


def _list_units(
    year: int | None,
    kind: str | None,
    township: str | None,
    p: Any,
    metric: str,
    denominator: bool,
    fmt: str,
    output: Any,
) -> None:
    """`report --list`: the units behind one figure, each with its source."""
    from djgj.figures.listing import columns_for
    from djgj.figures.report import resolve_year

    with busy("正在计算年度报告…"), engine(write=False).connect() as conn:
        y, _ = resolve_year(conn, year, kind, township)
        rows, title = _listing(conn, y, p, metric, kind, township, denominator)
    render_rows_to(rows, fmt, output, columns=columns_for(rows), title=title)


def _listing(
    conn: Any, y: int, p: Any, metric: str, kind: str | None, township: str | None, denominator: bool
) -> tuple[list[dict[str, Any]], str]:
    from djgj.figures.listing import resolve, units_behind
    from djgj.figures.metrics import figure_list, thresholds

    rows = units_behind(conn, y, p, metric, kind=kind, township=township, denominator=denominator)
    key = resolve(metric, p, y)
    label = next(
        f.label
        for fam in ("enterprises", "villages")
        for f in figure_list(fam, thresholds(p), y)
        if f.key == key
    )
    part = "分母" if denominator else "计入"
    return rows, f"{y}年底 {label}（{key}）{part}的单位：共 {len(rows)} 个"


@app.command()
def diff(
    year1: Annotated[int, typer.Argument(help="前一年度，如 2013", metavar="前一年度")],
    year2: Annotated[int, typer.Argument(help="后一年度，如 2014", metavar="后一年度")],
    kind: Kind = None,
    township: Town = None,
    top: Annotated[int, typer.Option("--top", help="从业人员、会员变化最大的各列出几个")] = 10,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """逐单位比较两个年度：新出现和不再出现的单位、新建和失去的工会与党组织、从业人员和会员变化最大的单位，每条注明来源行。

    例：djgj diff 2013 2014 --township 城关镇
    """
    from djgj.figures.diff import COLUMNS, title
    from djgj.figures.diff import diff as find_changes

    check_kind(kind)
    with engine(write=False).connect() as conn:
        rows = find_changes(conn, year1, year2, kind=kind, township=township, top=top)
    if fmt == "xlsx":  # the official form: title, 填报单位/截止日期, grouped headers, print setup
        from djgj.output.forms import diff_form, workbook

        emit(workbook([diff_form(rows, title(rows, year1, year2), year1, year2, township)]), output, fmt)
        return
    columns = COLUMNS if fmt in ("table", "md", "html", "docx") else None
    render_rows_to(rows, fmt, output, columns=columns, title=title(rows, year1, year2))


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
    value: Annotated[str, typer.Argument(help="目标值：0.8 或 80%", metavar="目标值")],
    year: Annotated[int, typer.Option("--year", "-y", help="年度", callback=year_option)],
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
