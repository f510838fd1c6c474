"""Options and helpers every command shares: formats, years, kinds, output, profiles."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from djgj.errors import UsageError

FORMAT_HELP = "输出格式：table、csv、json、xlsx、md"
Fmt = Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（xlsx 必须指定）")]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    from djgj.read.values import ValueProblem, date_value

    try:
        got = date_value(value)
    except ValueProblem as exc:
        raise UsageError(f"{option} {value}：{exc}") from None
    if got is None:
        return None
    day, precision = got
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision != "day":
        raise UsageError(f"{option} 需要具体日期，例如 2014-12-31（收到：{value}）")
    return day


def emit(content: str | bytes, output: Path | None, fmt: str, *, private: bool = False) -> None:
    """Write rendered output to a file (all or nothing; owner-only when ``private``) or stdout;
    xlsx needs a file. Replacing an existing file is said, never silent."""
    if output is not None:
        from djgj.output.files import write_atomic

        data = (
            content
            if isinstance(content, bytes)
            else content.encode("utf-8-sig" if fmt == "csv" else "utf-8")
        )
        done = write_atomic(output, data, private=private)
        typer.echo(f"已写入 {output}" + ("（已覆盖原有同名文件）" if done.replaced else ""), err=True)
        return
    if isinstance(content, bytes):
        if sys.stdout.isatty():
            raise UsageError("xlsx 是二进制格式，请用 --output 文件名.xlsx 指定输出文件")
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    typer.echo(content.rstrip("\n"))


def year_option(param: typer.CallbackParam, value: int | None) -> int | None:
    """Typer callback: a year outside 1900–2100 is a usage error (exit 2), never the current year."""
    from djgj.read.values import check_year

    return None if value is None else check_year(value, (param.opts or ["--year"])[0])


def limit_option(param: typer.CallbackParam, value: int | None) -> int | None:
    """Typer callback: --limit must be a positive whole number."""
    from djgj.read.values import check_limit

    return None if value is None else check_limit(value, (param.opts or ["--limit"])[0])


Year = Annotated[
    int | None,
    typer.Option(
        "--year", "-y", help="年度（取该年12月31日及以前的最新数据；默认今年）", callback=year_option
    ),
]
Kind = Annotated[str | None, typer.Option("--kind", help="只看某类单位，如 non_public、village、community")]
Town = Annotated[str | None, typer.Option("--township", help="只看某个乡镇")]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="规则配置：national（默认）、report3、zhenning 或 .toml 文件")
]
Threshold = Annotated[
    int | None, typer.Option("--union-threshold", help="应建工会的从业人员数（覆盖规则配置，如 10 或 25）")
]


def load_profile(name: str | None, threshold: int | None) -> Any:
    from djgj.rules.profiles import load

    return load(name, union_threshold=threshold)


def check_kind(kind: str | None) -> None:
    from djgj.vocab.fields import KINDS

    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{'、'.join(KINDS)}")


def render_rows_to(
    rows: list[dict[str, Any]],
    fmt: str,
    output: Path | None,
    columns: Any = None,
    title: str | None = None,
    *,
    private: bool = False,
) -> None:
    from djgj.output.render import render_rows

    emit(render_rows(rows, fmt, columns=columns, title=title), output, fmt, private=private)


ShowPii = Annotated[bool, typer.Option("--show-pii", help="显示完整身份证号和电话（每次使用都记入审计日志）")]
