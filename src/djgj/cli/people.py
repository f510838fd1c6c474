"""`djgj check` and `djgj members`: the ledger's consistency and the rosters' people (masked)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from djgj.cli.app import app, engine, ledger_name
from djgj.cli.options import (
    Fmt,
    Output,
    ShowPii,
    Town,
    emit,
    limit_option,
    render_rows_to,
    year_option,
)


def _private(ctx: typer.Context, rows: list[dict[str, Any]], show_pii: bool) -> list[dict[str, Any]]:
    """The one place personal information leaves masked, or, with --show-pii, is audited first.

    No unmasked view without its record: if the audit cannot be written (a read-only ledger), the
    command fails before printing anything.
    """
    from djgj.ledger.privacy import audit, mask_row

    if not show_pii:
        return [mask_row(r) for r in rows]
    shown = " ".join(f"{k}={v}" for k, v in ctx.params.items() if v not in (None, False, [], ()))
    with engine().begin() as conn:
        audit(conn, "show_pii", f"{ctx.command_path} {shown}".strip())
    return rows


CHECK_COLUMNS = [
    ("severity", "性质"),
    ("code", "检查项"),
    ("unit", "单位名称"),
    ("township", "乡镇"),
    ("credit_code", "统一社会信用代码"),
    ("as_of", "截至日期"),
    ("person", "姓名"),
    ("id_number", "公民身份号码"),
    ("message", "说明"),
    ("numbers", "数字"),
    ("file", "来源文件"),
    ("sheet", "工作表"),
    ("row", "行"),
]
SEVERITY = {"error": "错误", "warning": "警告"}


@app.command()
def check(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", "-y", help="只查各单位该年12月31日的最新数据（默认查所有快照）", callback=year_option
        ),
    ] = None,
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """检查台账本身：数字自相矛盾、花名册与填报会员数不符、身份证号无效、一人在两个花名册上、数据库完整性。

    没有问题时退出码 0，只在终端上说“未发现问题”（脚本和重定向时什么也不输出）；有问题时逐条列出，退出码 1。

    例：djgj check --year 2014 --format xlsx -o 台账检查.xlsx
    """
    from djgj.figures.checks import run

    with engine(write=False).connect() as conn:
        problems = run(conn, year)
    if not problems and output is None:
        if sys.stderr.isatty():  # (a person at a terminal is told; a script reads the exit code)
            typer.echo(
                f"未发现问题（{f'{year}年底' if year else '所有快照'}；台账 {ledger_name()}）", err=True
            )
        return
    rows = _private(ctx, [p.as_dict() | {"location": p.location()} for p in problems], show_pii)
    errors = sum(p.severity == "error" for p in problems)
    title = (
        f"台账检查（{f'{year}年底' if year else '所有快照'}）：错误 {errors} 个，警告 {len(problems) - errors} 个"
        f"；台账 {ledger_name()}"
    )
    columns = CHECK_COLUMNS
    if fmt in ("table", "md"):
        rows = [r | {"severity": SEVERITY.get(r["severity"], r["severity"])} for r in rows]
        hidden = {"credit_code", "as_of", "numbers", "file", "sheet", "row"} | (
            set() if show_pii else {"id_number"}
        )
        keep = [c for c in CHECK_COLUMNS if c[0] not in hidden] + [("location", "位置")]
        columns = [c for c in keep if any(r.get(c[0]) not in (None, "", {}) for r in rows)]
    render_rows_to(rows, fmt, output, columns=columns, title=title, private=show_pii)
    if problems:
        raise typer.Exit(1)


members_app = typer.Typer(
    help="会员花名册中的人员：列出、查看（身份证号和电话默认打码）。", no_args_is_help=True
)
app.add_typer(members_app, name="members")

MEMBER_COLUMNS = [
    ("person_name", "姓名"),
    ("sex", "性别"),
    ("id_number", "公民身份号码"),
    ("id_valid", "身份证号有效"),
    ("birth_date", "出生日期"),
    ("politics", "政治面貌"),
    ("is_migrant", "是否农民工"),
    ("phone", "联系电话"),
    ("unit_name", "所在单位"),
    ("credit_code", "统一社会信用代码"),
    ("township", "乡镇"),
    ("joined_on", "入会时间"),
    ("left_on", "离会时间"),
    ("file", "来源文件"),
    ("sheet", "工作表"),
    ("row", "行"),
]
_MEMBER_TABLE = (
    "person_name",
    "sex",
    "id_number",
    "politics",
    "is_migrant",
    "phone",
    "unit_name",
    "township",
    "joined_on",
)


@members_app.command("list")
def members_list(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="单位名称或统一社会信用代码")] = None,
    township: Town = None,
    migrant: Annotated[
        bool | None, typer.Option("--migrant/--no-migrant", help="只看农民工 / 非农民工")
    ] = None,
    politics: Annotated[
        str | None, typer.Option("--politics", help="政治面貌包含此词，如 党员、群众")
    ] = None,
    joined_year: Annotated[
        int | None, typer.Option("--joined-year", help="某年入会", callback=year_option)
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行", callback=limit_option)] = None,
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """列出花名册上的会员（每个会籍一行；同时在两个单位的人出现两次）。

    例：djgj members list --unit 万兴食品有限公司 --politics 党员
    """
    from djgj.figures.members import listing

    with engine(write=False).connect() as conn:
        found = listing(
            conn,
            unit=unit,
            township=township,
            migrant=migrant,
            politics=politics,
            joined_year=joined_year,
            limit=limit,
        )
    rows = _private(ctx, found, show_pii)
    columns = (
        MEMBER_COLUMNS if fmt not in ("table", "md") else [c for c in MEMBER_COLUMNS if c[0] in _MEMBER_TABLE]
    )
    render_rows_to(rows, fmt, output, columns=columns, title=f"会员 {len(rows)} 人次", private=show_pii)


@members_app.command("show")
def members_show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="身份证号或姓名", show_default=False, metavar="身份证号或姓名")],
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """查看一名会员和他（她）的全部会籍。

    例：djgj members show 张三
    """
    import json

    from djgj.figures.members import show

    with engine(write=False).connect() as conn:
        person = _private(ctx, [show(conn, key)], show_pii)[0]
    if fmt == "json":
        emit(json.dumps(person, ensure_ascii=False, indent=2, default=str), output, fmt, private=show_pii)
        return
    memberships = person.pop("memberships")
    if fmt in ("csv", "xlsx"):
        rows = [person | m for m in memberships] or [person]
        render_rows_to(rows, fmt, output, columns=MEMBER_COLUMNS, private=show_pii)
        return
    from djgj.vocab.fields import LABELS

    def text(k: str) -> str:
        v = person.get(k)
        return "" if v is None else ("是" if v else "否") if isinstance(v, bool) else str(v)

    facts = [f"{LABELS.get(k, label)} {text(k)}" for k, label in MEMBER_COLUMNS[:8] if text(k)]
    cols = [c for c in MEMBER_COLUMNS[8:] if any(m.get(c[0]) is not None for m in memberships)]
    render_rows_to(
        memberships,
        fmt,
        output,
        columns=cols or MEMBER_COLUMNS[8:11],
        title="，".join(facts),
        private=show_pii,
    )
