"""The `djgj` command line: parse options, call one library function, render, exit.

Heavy modules (SQLAlchemy's ORM, pandas, rich, the importer) are imported inside the commands so
that `djgj --help` stays fast. Every `DjgjError` is printed once, in Chinese, to stderr with exit
code 1 (2 for usage errors); no traceback reaches a user unless DJGJ_DEBUG is set.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from djgj.errors import DjgjError

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


class _Group(TyperGroup):
    """Translate every `DjgjError` once, for the installed command and for tests alike."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DjgjError as exc:
            say_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            # Every write is one transaction: an interrupted one is rolled back by the database.
            say_interrupted()
            raise typer.Exit(130) from None
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if interrupted(exc):  # Ctrl-C inside the driver surfaces as a failed rollback
                say_interrupted()
                raise typer.Exit(130) from None
            if isinstance(exc, DBAPIError):
                from djgj.ledger.db import translate

                say_error(translate(exc))
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


class State:
    db: str | None = None
    interrupt_said: bool = False


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
        from djgj import __version__

        typer.echo(f"djgj {__version__}")
        raise typer.Exit()
    state.db = db
    state.interrupt_said = False


def engine(write: bool = True) -> Any:
    from djgj.ledger.db import open_engine

    return open_engine(state.db, write=write)


def main() -> None:
    """Entry point: run the app (Typer handles usage errors: exit 2) and translate every error once."""
    try:
        app()
    except DjgjError as exc:
        say_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say_interrupted()
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("DJGJ_DEBUG"):
            raise
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            from djgj.ledger.db import translate

            say_error(translate(exc))
            sys.exit(1)
        from djgj.ledger.privacy import mask_text

        typer.echo(
            mask_text(f"内部错误（{type(exc).__name__}: {exc}）。请设置 DJGJ_DEBUG=1 重试并报告此问题。"),
            err=True,
        )
        sys.exit(1)
