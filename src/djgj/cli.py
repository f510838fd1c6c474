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

from .errors import DjgjError, UsageError

app = typer.Typer(
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
        str | None, typer.Option("--db", help="台账数据库：文件路径或 SQLAlchemy URL（默认读 DJGJ_DB，再默认用户数据目录）")
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


# ---------------------------------------------------------------- import


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="乡镇报表或会员花名册：.xlsx、.xls、.ods、.csv", show_default=False)],
    as_of: Annotated[str | None, typer.Option("--as-of", help="数据截至日期，如 2014-12-31（默认从标题读取）")] = None,
    township: Annotated[str | None, typer.Option("--township", help="乡镇（表中没有乡镇列、标题也未写明时）")] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="单位类别：agency institution state_owned collective non_public social_org village community"),
    ] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="表头映射 '表头=字段'，可多次使用；=ignore 忽略该列")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="表头映射文件（TOML，[map] 表头 = \"字段\"）")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="只导入这个工作表")] = None,
    roster: Annotated[bool, typer.Option("--roster", help="按会员花名册导入（通常可自动识别）")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查、显示将做的改动和所有规范化，不写入台账")] = False,
) -> None:
    """导入乡镇报表（每个文件要么全部导入，要么全部拒绝）。

    例：djgj import 2014_北关镇_企业台账.xls --as-of 2014-12-31 --township 北关镇
    """
    from .fields import KINDS
    from .headers import parse_map_options
    from .importer import Options

    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{'、'.join(KINDS)}")
    options = Options(
        as_of=parse_date(as_of, "--as-of"),
        township=township,
        kind=kind,
        overrides=parse_map_options(map_ or [], mapping),
        sheet=sheet,
        roster=roster,
    )
    from .ledger import import_file

    eng = engine()
    failed = 0
    for f in files:
        try:
            with _progress(f.name) as progress:
                result = import_file(eng, f, options, dry_run=dry_run, progress=progress)
        except DjgjError as exc:
            failed += 1
            typer.echo(f"错误：{f.name}：{exc}" if f.name not in str(exc) else f"错误：{exc}", err=True)
            continue
        typer.echo(_describe(result))
    if failed:
        raise typer.Exit(1)


class _progress:
    """A rich progress bar on stderr for long files, only when stderr is a terminal."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        return self._update

    def _update(self, done: int, total: int) -> None:
        if total < 2000:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"导入 {self.name}", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _describe(r: Any) -> str:
    name = Path(r.file).name
    if r.status == "already":
        return f"{name}：{r.warnings[0]}"
    head = "（试运行，未写入）" if r.status == "dry_run" else ""
    lines = [f"{name}{head}：{r.format}，{r.rows} 行"]
    if r.as_of:
        lines[0] += f"，截至 {r.as_of.isoformat()}"
    if r.townships:
        lines[0] += f"，乡镇：{'、'.join(r.townships)}"
    if r.rows:
        lines.append(
            f"  单位：新建 {r.units_created}，更新 {r.units_updated}；快照：新增 {r.snapshots_created}，"
            f"更新 {r.snapshots_updated}，未变 {r.snapshots_unchanged}"
        )
    if r.people or r.memberships:
        lines.append(f"  花名册：人员 {r.people}，会籍 {r.memberships}")
    if r.normalised:
        lines.append("  规范化：" + "；".join(f"{k} {v} 处" for k, v in sorted(r.normalised.items())))
    if r.status == "dry_run":
        for sheet, cols in r.columns.items():
            mapped = "，".join(f"{c['column']}“{c['header']}”→{c['field'] or '未识别'}" for c in cols)
            lines.append(f"  列映射（{sheet}）：{mapped}")
    lines += [f"  提示：{w}" for w in r.warnings]
    return "\n".join(lines)


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
        typer.echo(f"内部错误（{type(exc).__name__}: {exc}）。请设置 DJGJ_DEBUG=1 重试并报告此问题。", err=True)
        sys.exit(1)
