"""Click's own words in Chinese: help headings, usage lines and usage errors.

Typer vendors Click without gettext, so the English strings are translated where they leave: the
context's help and usage text, and the message of every usage error. Nothing here imports more than
the standard library and Typer's Click, so `--help` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

try:  # Typer ≥ 0.29 vendors Click
    from typer import _click as click
    from typer._click.exceptions import ClickException, UsageError
    from typer.exceptions import Abort
except ImportError:  # pragma: no cover - older Typer on Click
    import click  # type: ignore[no-redef]
    from click.exceptions import ClickException, UsageError  # type: ignore[no-redef]

#: Whole phrases, replaced in help and usage text.
PHRASES = [
    ("Show this message and exit.", "显示本帮助并退出。"),
    ("Usage: ", "用法："),
    ("Usage:", "用法："),
    ("[OPTIONS]", "[选项]"),
    ("COMMAND [ARGS]...", "命令 [参数]..."),
    ("[ARGS]...", "[参数]..."),
    ("Options:", "选项："),
    ("Arguments:", "参数："),
    ("Commands:", "命令："),
    ("[default: ", "[默认："),
    ("[default:", "[默认："),
    ("[required]", "[必填]"),
    ("env var: ", "环境变量："),
    ("Install completion for the current shell.", "为当前 shell 安装命令补全（Tab 键补全命令和选项）。"),
    (
        "Show completion for the current shell, to copy it or\n                        customize the installation.",
        "显示当前 shell 的补全脚本，可复制或自行安装。",
    ),
    (
        "Show completion for the current shell, to copy it or customize the installation.",
        "显示当前 shell 的补全脚本，可复制或自行安装。",
    ),
]

#: Usage errors, by pattern.
ERRORS = [
    (r"^No such option: (\S+)\s*(?:Did you mean (\S+)\?|\(Possible options: (.*)\))?$", "_no_such_option"),
    (r"^No such command '(.*?)'\.(?: Did you mean (.*)\?)?$", "_no_such_command"),
    (r"^Missing command\.$", "缺少命令；djgj --help 列出所有命令"),
    (r"^Missing argument '(.*)'\.(.*)$", "缺少参数 {0}{1}"),
    (r"^Missing option '(.*)'\.(.*)$", "缺少选项 {0}{1}"),
    (r"^Missing parameter: (.*)$", "缺少参数 {0}"),
    (r"^Option '(.*)' requires an argument\.$", "选项 {0} 需要一个值"),
    (r"^Option '(.*)' requires (\d+) arguments\.$", "选项 {0} 需要 {1} 个值"),
    (r"^Option '(.*)' does not take a value\.$", "选项 {0} 不接受值"),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", "多余的参数：{0}"),
    (r"^Invalid value for (.*?): (.*)$", "{0} 的值无效：{1}"),
    (r"^Invalid value: (.*)$", "值无效：{0}"),
]
VALUE_ERRORS = [
    (r"^Input should be a valid integer.*$", "应为整数"),
    (r"^Input should be a valid number.*$", "应为数字"),
    (r"^Input should be (.*)$", "应为 {0}"),
    (r"^'(.*)' is not a valid integer( range)?\.$", "“{0}”不是整数"),
    (r"^'(.*)' is not a valid float( range)?\.$", "“{0}”不是数字"),
    (r"^'(.*)' is not a valid boolean\.$", "“{0}”不是是/否"),
    (r"^'?(.*?)'? is not one of (.*)\.$", "“{0}”不是可用值之一：{1}"),
    (r"^'?(.*?)'? is not (.*)\.$", "“{0}”不是可用值之一：{1}"),
    (r"^Path '(.*)' does not exist\.$", "路径“{0}”不存在"),
    (r"^File '(.*)' does not exist\.$", "文件“{0}”不存在"),
    (r"^(?:File|Path|Directory) '(.*)' is a directory\.$", "“{0}”是文件夹"),
]


#: Typer's type names after an option (``--year <int>``), as a cadre reads them.
TYPES = {
    "int": "整数",
    "str": "文字",
    "path": "路径",
    "float": "数字",
    "list[Path]": "路径…",
    "list[str]": "文字…",
}
_TYPE = re.compile(r"<(" + "|".join(re.escape(t) for t in TYPES) + r")>")


#: A break between these two characters would split an id, a number or a bracketed id
#: (非公有制企业（non_public）): ASCII word characters, and a bracket against them.
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _splits_a_word(left: str, right: str) -> bool:
    return (right in _WORD and (left in _WORD or left in "（(")) or (left in _WORD and right in "）)")


def _handle_long_word(
    self: Any, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
) -> None:
    """Click's cut of a run too long for a line (Chinese has no spaces to break at), moved back so
    that it never falls inside an id or a number; the run goes to the next line when nothing fits."""
    space_left = max(width - cur_len, 1)
    last = reversed_chunks[-1]
    cut = space_left
    while 0 < cut < len(last) and _splits_a_word(last[cut - 1], last[cut]):
        cut -= 1
    if cut == 0:
        if cur_line:
            return  # (the line ends here; the run starts the next one)
        cut = space_left  # a word longer than a whole line: cut as Click does
    cur_line.append(last[:cut])
    reversed_chunks[-1] = last[cut:]


try:
    from typer._click import _textwrap as _click_textwrap
except ImportError:  # pragma: no cover - older Typer on Click
    from click import _textwrap as _click_textwrap  # type: ignore[no-redef]
_click_textwrap.TextWrapper._handle_long_word = _handle_long_word  # type: ignore[method-assign]


def text(s: str) -> str:
    """Help or usage text with Click's English words in Chinese."""
    for en, zh in PHRASES:
        s = s.replace(en, zh)
    s = re.sub(r"\{([^{}\s]+)\}", r"\1", s)  # Typer's {argument} in the usage line
    return _TYPE.sub(lambda m: f"<{TYPES[m.group(1)]}>", s)


def _apply(patterns: list[tuple[str, str]], message: str) -> str | None:
    for pattern, template in patterns:
        m = re.match(pattern, message, re.S)
        if m is None:
            continue
        groups = [g or "" for g in m.groups()]
        if template == "_no_such_option":
            hint = f"；您是不是要用 {groups[1]}" if groups[1] else ""
            return f"没有选项 {groups[0]}{hint}"
        if template == "_no_such_command":
            hint = f"；您是不是要用 {groups[1]}" if groups[1] else ""
            return f"没有命令“{groups[0]}”{hint}；djgj --help 列出所有命令"
        if template.startswith("{0} 的值无效"):
            groups[1] = _apply(VALUE_ERRORS, groups[1]) or groups[1]
        return template.format(*(g.strip().replace("'", "") for g in groups))
    return None


def error_message(exc: ClickException) -> str:
    message = exc.format_message()
    return _apply(ERRORS, message) or _apply(VALUE_ERRORS, message) or message


def show(exc: ClickException, file: IO[Any] | None = None) -> None:
    """Print a usage error the way Click does, in Chinese: usage line, hint, message."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        click.echo(ctx.get_help(), file=file, err=file is None)
        return
    if isinstance(exc, UsageError) and ctx is not None:
        click.echo(text(ctx.get_usage()), file=file, err=file is None)
        click.echo(f"运行 {ctx.command_path} --help 查看说明和例子。", file=file, err=file is None)
    click.echo(f"错误：{error_message(exc)}", file=file, err=file is None)


__all__ = [
    "Abort",
    "ClickException",
    "Context",
    "UsageError",
    "click",
    "error_message",
    "pages_shown",
    "show",
    "text",
]

#: Lists collecting every help page rendered while `pages_shown` is open.
_watching: list[list[str]] = []


@contextmanager
def pages_shown() -> Iterator[list[str]]:
    """The help pages rendered inside this block (`djgj.cli.helppage` keeps a page only when Typer
    printed exactly one, for its help option)."""
    pages: list[str] = []
    _watching.append(pages)
    try:
        yield pages
    finally:
        _watching.remove(pages)


class _AsIs:
    """Coercion of a flag that is already a bool: none (Typer would import pydantic to build it)."""

    def coerce(self, value: Any, param: Any = None, ctx: Any = None) -> Any:
        return value


class Context(click.Context):
    """A Click context whose help and usage are in Chinese, and whose flags need no pydantic."""

    def __init__(self, command: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(command, *args, **kwargs)
        for p in command.get_params(self):
            desc = getattr(p, "type_descriptor", None)
            if desc is not None and desc.annotation is bool and getattr(p, "_runtime_param", 0) is None:
                p._runtime_param = _AsIs()

    def get_help(self) -> str:
        page = text(super().get_help())
        for pages in _watching:
            pages.append(page)
        return page

    def get_usage(self) -> str:
        return text(super().get_usage())
