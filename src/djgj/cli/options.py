"""Options and helpers every command shares: formats, years, kinds, output, profiles."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from djgj.errors import UsageError
from djgj.vocab.fields import KINDS

FORMAT_HELP = (
    "输出格式：table（表格）、csv、json、xlsx（Excel）、md（Markdown）、html（含图表的网页）、docx（Word）"
)


def vocab_parser(
    category: str, allowed: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
) -> Any:
    """A Typer ``parser`` taking the Chinese name, an alias or the id (any case) of a vocabulary entry,
    returning the id; anything else is a usage error (exit 2) before the ledger is opened. ``allowed``
    (or what it returns, asked only when a value is parsed) narrows the entries it takes."""

    def parse(value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        from djgj.vocab.vocabulary import resolve

        try:
            return resolve(category, value, allowed=allowed() if callable(allowed) else allowed)
        except UsageError as exc:
            raise typer.BadParameter(exc.message) from None

    parse.__name__ = category
    return parse


def _parse_format(value: Any) -> Any:
    """--format: a format name (any case) or its Chinese name; the formats are render's own list."""
    if not isinstance(value, str):
        return value
    from djgj.output.render import FORMATS
    from djgj.vocab.vocabulary import normalise, table

    names = table()["formats"]
    for key in FORMATS:
        if normalise(value) in (normalise(key), normalise(names.get(key, key))):
            return key
    raise typer.BadParameter(f"未知的输出格式“{value}”；可用：{'、'.join(FORMATS)}")


Fmt = Annotated[
    str,
    typer.Option(
        "--format", "-f", help=FORMAT_HELP, parser=_parse_format, metavar="[table|csv|json|xlsx|md|html|docx]"
    ),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="写入文件（xlsx、docx 必须指定）；- 表示标准输出", metavar="文件"),
]


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
    """Write rendered output to a file (all or nothing; owner-only when ``private``) or stdout
    (``-o -``); xlsx and docx need a file or ``-o -``. Replacing an existing file is said, never silent."""
    to_stdout = output is not None and str(output) == "-"
    if output is not None and not to_stdout:
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
        if sys.stdout.isatty() and not to_stdout:
            raise UsageError(f"{fmt} 是二进制格式，请用 --output 文件名.{fmt} 指定输出文件")
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
KIND_HELP = "单位类别：" + "、".join(f"{v}（{k}）" for k, v in KINDS.items())
Kind = Annotated[
    str | None,
    typer.Option("--kind", help="只看某类单位。" + KIND_HELP, parser=vocab_parser("kinds"), metavar="类别"),
]
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
    """Kept for callers: --kind is already resolved to an id by its parser."""
    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{KIND_HELP}")


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


RULE_NAMES = "规则：应建党组织、党的工作覆盖、党组织形式、应建工会、工会组织覆盖、村社区建会、交叉任职 等（见 djgj rules；也可写 id）"
RuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rule",
        "-r",
        help="只看某条规则（可多次使用）。" + RULE_NAMES,
        parser=vocab_parser("rules"),
        metavar="规则",
    ),
]
DEPTH_HELP = "汇总到哪一级：市（city）、县（county）、乡镇（township，默认）"
Depth = Annotated[
    str, typer.Option("--depth", help=DEPTH_HELP, parser=vocab_parser("depths"), metavar="[市|县|乡镇]")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="只输出错误，不输出摘要")]


class busy:
    """A spinner on stderr (rich, only on a terminal) once work has taken longer than about a second."""

    def __init__(self, label: str, delay: float = 1.0) -> None:
        import threading

        self.label, self.delay = label, delay
        self.status: Any = None
        self.timer: Any = None
        self.lock = threading.Lock()
        self.done = False

    def __enter__(self) -> busy:
        if sys.stderr.isatty():
            import threading

            self.timer = threading.Timer(self.delay, self._start)
            self.timer.daemon = True
            self.timer.start()
        return self

    def _start(self) -> None:
        from rich.console import Console

        with self.lock:
            if not self.done:
                self.status = Console(stderr=True).status(self.label)
                self.status.start()

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.done = True
            if self.timer is not None:
                self.timer.cancel()
            if self.status is not None:
                self.status.stop()
