"""The `djgj` command line: parse options, call one library function, render, exit.

Heavy modules (SQLAlchemy's ORM, pandas, rich, the importer) are imported inside the commands so
that `djgj --help` stays fast. Every `DjgjError` is printed once, in Chinese, to stderr with exit
code 1 (2 for usage errors); no traceback reaches a user unless DJGJ_DEBUG is set.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from djgj.errors import DjgjError

DB_HELP = "台账数据库：文件路径或 SQLAlchemy URL（默认读 DJGJ_DB，再默认用户数据目录）；可写在命令行任何位置"


def take_db(args: list[str]) -> tuple[str | None, list[str]]:
    """`--db X` (or `--db=X`) anywhere on the line: its value, and the line without it."""
    out: list[str] = []
    db = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out += args[i:]
            break
        if a == "--db" and i + 1 < len(args):
            db = args[i + 1]
            i += 2
            continue
        if a.startswith("--db="):
            db = a[len("--db=") :]
        else:
            out.append(a)
        i += 1
    return db, out


def _chinese(cmd: Any) -> Any:
    """Give a command (and a group's commands) the Chinese help context, and its plain options the
    converters that need no pydantic (`djgj.cli.coerce`)."""
    from djgj.cli import coerce
    from djgj.cli.zh import Context

    cmd.context_class = Context
    coerce.install(cmd)
    for sub in getattr(cmd, "commands", {}).values():
        _chinese(sub)
    return cmd


INTERRUPTED = "已中断，台账未改动（进行中的写入已整体回滚）"


def say_interrupted(message: str = INTERRUPTED) -> None:
    """Say once that Ctrl-C stopped the command (a second interrupt while unwinding says nothing)."""
    if not state.interrupt_said:
        state.interrupt_said = True
        typer.echo(message, err=True)


def say_error(message: object) -> None:
    """An error for the user, on stderr, with every ID and mobile number in it masked."""
    from djgj.ledger.privacy import mask_text

    typer.echo(f"错误：{mask_text(str(message))}", err=True)


def say_hint(message: str) -> None:
    """What the user can do next, on stderr below the error it follows."""
    typer.echo(f"提示：{message}", err=True)


def interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C is behind this exception (SQLAlchemy may wrap it in PendingRollbackError)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _translate(exc: BaseException) -> int | None:
    """Print a `DjgjError` or a database error once, in Chinese; its exit code (None: not ours)."""
    if isinstance(exc, DjgjError):
        say_error(exc)
        return exc.exit_code
    if interrupted(exc):  # Ctrl-C inside the driver surfaces as a failed rollback
        say_interrupted()
        return 130
    if type(exc).__module__.startswith("sqlalchemy"):
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            from djgj.ledger.db import translate

            say_error(translate(exc))
            return 1
    return None


class _Group(TyperGroup):
    """Chinese help and usage errors, `--db` anywhere, and every `DjgjError` translated once."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        return _chinese(cmd) if cmd is not None else None

    def make_context(self, info_name: Any, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """`--db` is taken off the line here (anywhere on it) rather than parsed by Typer, whose
        coercion would import pydantic before every subcommand's `--help`."""
        from djgj.cli.zh import Context

        self.context_class = Context
        if parent is None:
            state.interrupt_said = False
            state.db, args = take_db(list(args))
            for p in self.params:
                if p.name == "db":  # shown in --help, never parsed: nothing to coerce
                    p.process_value = lambda ctx, value: value  # type: ignore[method-assign]
        return super().make_context(info_name, args, parent=parent, **extra)

    def main(
        self, args: Any = None, prog_name: Any = None, *a: Any, standalone_mode: bool = True, **kw: Any
    ) -> Any:
        from djgj.cli import zh
        from djgj.cli.zh import Abort, ClickException

        try:
            rv = super().main(args, prog_name, *a, standalone_mode=False, **kw)  # type: ignore[misc]
        except ClickException as exc:
            if not standalone_mode:
                raise
            zh.show(exc)
            sys.exit(exc.exit_code)
        except Abort:
            if not standalone_mode:
                raise
            typer.echo("已中止", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Every write is one transaction: an interrupted one is rolled back by the database.
            say_interrupted()
            raise typer.Exit(130) from None
        except Exception as exc:
            code = _translate(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None


app = typer.Typer(
    cls=_Group,
    name="djgj",
    help="党建带动工建台账：导入乡镇报表、查找应建未建、生成年度报告。\n\n"
    "例：djgj import 2014_城关镇_统计表.xlsx --as-of 2014-12-31 && djgj report --year 2014",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    db: str | None = None
    interrupt_said: bool = False


state = State()


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("djgj")
        except PackageNotFoundError:  # run from a source tree without installing
            from djgj import __version__ as number
        typer.echo(f"djgj {number}")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP, metavar="台账")] = None,
    version: Annotated[
        bool, typer.Option("--version", help="显示版本并退出", is_eager=True, callback=_show_version)
    ] = False,
) -> None:
    """`--db` is read by `_Group.make_context`, anywhere on the line."""


def engine(write: bool = True) -> Any:
    from djgj.ledger.db import open_engine

    return open_engine(state.db, write=write)


def kept_answer(question: tuple[Any, ...] | None) -> Any | None:
    """The whole answer to ``question`` kept in an unchanged ledger, read without SQLAlchemy
    (`djgj.ledger.kept`); None when there is none (the command then computes and keeps it)."""
    if question is None:
        return None
    from djgj.ledger import kept
    from djgj.ledger.location import resolve_url

    return kept.read(resolve_url(state.db), kept.key(*question))


def answer_keeping(conn: Any, question: tuple[Any, ...] | None, compute: Any, worth: Any = None) -> Any:
    """``compute()``, kept in the ledger under ``question`` for the next time it is asked."""
    if question is None:
        return compute()
    from djgj.ledger import cache, kept

    return cache.value(conn, kept.key(*question), compute, worth)


#: A URL whose parts SQLAlchemy renders unchanged (plain names, a port without leading zeros).
_PLAIN_URL = re.compile(
    r"^([a-z][a-z0-9+]*)://([A-Za-z0-9_.-]+)(?::([^@/?#]*))?@([A-Za-z0-9_.-]*)(?::([1-9][0-9]*))?"
    r"/([A-Za-z0-9_.-]+)(?:\?([^#]*))?$"
)


def _plain_url_name(url: str) -> str | None:
    """``url`` as SQLAlchemy's ``render_as_string(hide_password=True)`` renders it, without importing
    SQLAlchemy (a kept answer's path); None when it is not that plain."""
    from urllib.parse import parse_qsl, quote_plus

    got = _PLAIN_URL.match(url)
    if got is None:
        return None
    scheme, user, password, host, port, database, query = got.groups()
    out = f"{scheme}://{user}{':***' if password is not None else ''}@{host}{f':{port}' if port else ''}/{database}"
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(v == "" for _, v in pairs):
            return None  # SQLAlchemy drops blank values
        grouped: dict[str, list[str]] = {}
        for k, v in pairs:
            grouped.setdefault(k, []).append(v)
        out += "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k in sorted(grouped) for v in grouped[k])
    return out


def ledger_name() -> str:
    """The ledger in use as a person reads it: the file path, or the URL without its password."""
    from djgj.ledger.location import resolve_url, sqlite_path

    url = resolve_url(state.db)
    path = sqlite_path(url)
    if path is not None:
        return str(path.resolve())
    plain = _plain_url_name(url)
    if plain is not None:
        return plain
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def only_invoked(args: list[str]) -> Iterator[None]:
    """Build only the command the line names: Typer builds every registered command (reading each
    one's signature) before it looks at the line, which a subcommand's `--help` need not wait for. A
    line naming no known command (the root `--help`, a typo) lists every command by name and help
    alone: their options are read only to run one, or for shell completion (all built, as Typer does)."""
    from typer.main import get_command_name

    saved = app.registered_commands, app.registered_groups
    name = next((a for a in take_db(list(args))[1] if not a.startswith("-")), None)
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    commands = [
        c
        for c in app.registered_commands
        if c.callback and (c.name or get_command_name(c.callback.__name__)) == name
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    listed: list[tuple[Any, Any]] = []
    if not completing and (commands or groups):
        app.registered_commands, app.registered_groups = commands, groups
    elif not completing:
        listed = _listed_only(app)
    try:
        yield
    finally:
        app.registered_commands, app.registered_groups = saved
        for info, callback in listed:
            info.callback = callback


def _listed_only(typer_app: Any) -> list[tuple[Any, Any]]:
    """Give every command of ``typer_app`` (and of its groups) a callback without parameters that
    carries its name and help: enough to list it, nothing to read. Returns what to put back."""
    saved: list[tuple[Any, Any]] = []
    for info in typer_app.registered_commands:
        if info.callback is not None:
            saved.append((info, info.callback))
            info.callback = _listing_stub(info.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            saved += _listed_only(group.typer_instance)
    return saved


def _listing_stub(callback: Any) -> Any:
    def listed() -> None:  # never run: a line that names a command builds the real one
        raise AssertionError(callback.__name__)

    listed.__name__, listed.__doc__ = callback.__name__, callback.__doc__
    return listed


def main() -> None:
    """Entry point: run the app (usage errors: exit 2) and translate every error once."""
    try:
        with only_invoked(sys.argv[1:]):
            app()
    except KeyboardInterrupt:
        say_interrupted()
        sys.exit(130)
    except Exception as exc:
        code = _translate(exc)
        if code is not None:
            sys.exit(code)
        if os.environ.get("DJGJ_DEBUG"):
            raise
        from djgj.ledger.privacy import mask_text

        typer.echo(
            mask_text(f"内部错误（{type(exc).__name__}: {exc}）。请设置 DJGJ_DEBUG=1 重试并报告此问题。"),
            err=True,
        )
        sys.exit(1)
