"""The `djgj` command line: parse options, call one library function, render, exit.

Heavy modules (SQLAlchemy's ORM, pandas, rich, the importer) are imported inside the commands so
that `djgj --help` stays fast. Every `DjgjError` is printed once, in Chinese, to stderr with exit
code 1 (2 for usage errors); no traceback reaches a user unless DJGJ_DEBUG is set.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .errors import DjgjError, UsageError


class _Group(TyperGroup):
    """Translate every `DjgjError` once, for the installed command and for tests alike."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DjgjError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                from .db import translate

                typer.echo(f"错误：{translate(exc)}", err=True)
                raise typer.Exit(1) from None
            raise


app = typer.Typer(
    cls=_Group,
    name="djgj",
    help="党建带动工建台账：导入乡镇报表、查找应建未建、生成年度报告。\n\n"
    "例：djgj import 2014_城关镇_统计表.xlsx --as-of 2014-12-31 && djgj report --year 2014",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FORMAT_HELP = "输出格式：table、csv、json、xlsx、md"
Fmt = Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（xlsx 必须指定）")]


class State:
    db: str | None = None


state = State()


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="台账数据库：文件路径或 SQLAlchemy URL（默认读 DJGJ_DB，再默认用户数据目录）"
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="显示版本")] = False,
) -> None:
    if version:
        from . import __version__

        typer.echo(f"djgj {__version__}")
        raise typer.Exit()
    state.db = db


def engine(write: bool = True) -> Any:
    from .db import open_engine

    return open_engine(state.db, write=write)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    from .values import ValueProblem, date_value

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


def emit(content: str | bytes, output: Path | None, fmt: str) -> None:
    """Write rendered output to a file or stdout; xlsx needs a file."""
    if output is not None:
        if isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        typer.echo(f"已写入 {output}", err=True)
        return
    if isinstance(content, bytes):
        if sys.stdout.isatty():
            raise UsageError("xlsx 是二进制格式，请用 --output 文件名.xlsx 指定输出文件")
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    typer.echo(content.rstrip("\n"))


Year = Annotated[
    int | None, typer.Option("--year", "-y", help="年度（取该年12月31日及以前的最新数据；默认今年）")
]
Kind = Annotated[str | None, typer.Option("--kind", help="只看某类单位，如 non_public、village、community")]
Town = Annotated[str | None, typer.Option("--township", help="只看某个乡镇")]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="规则配置：national（默认）、report3、zhenning 或 .toml 文件")
]
Threshold = Annotated[
    int | None, typer.Option("--union-threshold", help="应建工会的从业人员数（覆盖规则配置，如 10 或 25）")
]


def _profile(name: str | None, threshold: int | None) -> Any:
    from .profiles import load

    return load(name, union_threshold=threshold)


def _check_kind(kind: str | None) -> None:
    from .fields import KINDS

    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{'、'.join(KINDS)}")


def _render_rows(
    rows: list[dict[str, Any]], fmt: str, output: Path | None, columns: Any = None, title: str | None = None
) -> None:
    from .render import render_rows

    emit(render_rows(rows, fmt, columns=columns, title=title), output, fmt)


ShowPii = Annotated[bool, typer.Option("--show-pii", help="显示完整身份证号和电话（每次使用都记入审计日志）")]


def main() -> None:
    """Entry point: run the app (Typer handles usage errors: exit 2) and translate every error once."""
    try:
        app()
    except DjgjError as exc:
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("已中断；正在进行的导入已回滚", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("DJGJ_DEBUG"):
            raise
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            from .db import translate

            typer.echo(f"错误：{translate(exc)}", err=True)
            sys.exit(1)
        typer.echo(
            f"内部错误（{type(exc).__name__}: {exc}）。请设置 DJGJ_DEBUG=1 重试并报告此问题。", err=True
        )
        sys.exit(1)


# The commands live in modules named for their concept; importing them registers them on `app`.
from . import cli_figures, cli_import, cli_ledger, cli_people  # noqa: E402, F401
