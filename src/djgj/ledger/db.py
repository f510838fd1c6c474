"""The ledger database: where it is, how it is opened, and how its schema is kept current.

`DJGJ_DB` or `--db` names it (a file path or any SQLAlchemy URL); the default is ``ledger.db`` in
the user data directory (platformdirs). On SQLite every write runs in one ``BEGIN IMMEDIATE``
transaction (WAL, ``synchronous=FULL``, foreign keys on, a busy timeout), because Python's sqlite3
would otherwise send no BEGIN before a read that is followed by a write. The schema is brought to
the Alembic head on first use, with a backup of an existing SQLite file before any migration.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from djgj.errors import BusyError, LedgerError

#: The newest migration; a ledger at this revision needs no Alembic at start-up.
HEAD = "0007"
BUSY_TIMEOUT_MS = 10_000
SQLITE_MAGIC = b"SQLite format 3\x00"


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("djgj", appauthor=False)) / "ledger.db"


def resolve_url(db: str | None = None) -> str:
    value = db or os.environ.get("DJGJ_DB") or str(default_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :])
    return None


def _configure_sqlite(engine: Engine, *, write: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(os.environ.get('DJGJ_BUSY_TIMEOUT_MS', BUSY_TIMEOUT_MS))}")
        cur.execute("PRAGMA foreign_keys=ON")
        if write:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
        if os.environ.get("DJGJ_MAX_PAGE_COUNT"):  # tests simulate a full disk with it
            cur.execute(f"PRAGMA max_page_count={int(os.environ['DJGJ_MAX_PAGE_COUNT'])}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _check_sqlite_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as f:
        magic = f.read(16)
    if magic != SQLITE_MAGIC:
        raise LedgerError(
            f"{path} 不是 djgj 台账数据库（也不是 SQLite 文件），已拒绝打开；请检查 --db / DJGJ_DB"
        )


def _create_private(path: Path) -> None:
    """A new ledger file readable by its owner only: it will hold personal information."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def open_engine(db: str | None = None, *, write: bool = True, migrate: bool = True) -> Engine:
    """An engine on the ledger, its schema at the head. Raises `LedgerError` on a foreign file."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
        if not path.exists():
            if not write:
                raise LedgerError(f"台账数据库 {path} 还不存在；请先用 djgj import 导入数据")
            _create_private(path)
        elif write and not os.access(path, os.W_OK):
            raise LedgerError(
                f"台账数据库 {path} 是只读的，不能写入；只读命令（report、gaps、check）仍可使用"
            )
    try:
        engine = create_engine(url)
    except Exception as exc:  # an unknown dialect or a bad URL
        raise LedgerError(f"无法连接台账数据库 {url}：{exc}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, write=write)
    if migrate:
        ensure_schema(engine, read_only=not write)
    return engine


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc) or "UndefinedTable" in str(exc):
            return None
        raise translate(exc) from None
    except DatabaseError as exc:
        if "does not exist" in str(exc) or "UndefinedTable" in str(exc):
            return None
        raise translate(exc) from None


def ensure_schema(engine: Engine, *, read_only: bool = False) -> None:
    rev = current_revision(engine)
    if rev == HEAD:
        return
    if read_only:
        raise LedgerError(
            "台账数据库的结构需要升级，但当前以只读方式打开；请先运行一次写入命令（如 djgj import）"
        )
    upgrade(engine, rev)


def alembic_config(engine: Engine | None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("djgj").joinpath("ledger/migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, from_rev: str | None, target: str = "head") -> Path | None:
    """Migrate to ``target`` in one transaction; back up an existing SQLite ledger first."""
    backup = None
    path = sqlite_path(str(engine.url))
    if from_rev is not None and path is not None:
        stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
        backup = path.with_name(f"{path.name}.before-{target}-{stamp}.bak")
        backup_sqlite(path, backup)
    _migrate(engine, "upgrade", target, backup)
    return backup


def downgrade(engine: Engine, target: str) -> None:
    """Migrate down to ``target`` (for developers and the migration tests), as carefully as upgrade."""
    _migrate(engine, "downgrade", target, None)


def _migrate(engine: Engine, action: str, target: str, backup: Path | None) -> None:
    """Run Alembic in one transaction; on SQLite with foreign keys off (a batch rebuild of a parent
    table would otherwise cascade deletes into its children) and a foreign-key check before commit."""
    from alembic import command

    cfg = alembic_config(engine)
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            raw = conn.connection.driver_connection
            if sqlite:
                raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    getattr(command, action)(cfg, target)
                    if sqlite:
                        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if bad:
                            raise LedgerError(f"迁移后外键检查失败（{len(bad)} 处），已回滚；备份在 {backup}")
            finally:
                if sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    except LedgerError:
        raise
    except Exception as exc:
        where = f"；迁移前的备份在 {backup}" if backup else ""
        raise LedgerError(f"台账数据库结构升级失败，已回滚、未做任何改动：{exc}{where}") from None


def backup_sqlite(src: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite ledger through the backup API."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    os.chmod(dest, 0o600)


def translate(exc: Exception) -> LedgerError:
    """A database exception as the user should read it."""
    msg = str(exc)
    if "database is locked" in msg or "database is busy" in msg:
        return BusyError("台账数据库正被另一个 djgj 进程写入，等待超时；请稍后重试")
    if "file is not a database" in msg or "malformed" in msg:
        return LedgerError("台账数据库文件已损坏或不是数据库，已拒绝使用；请从备份恢复（djgj restore）")
    if "readonly" in msg or "read-only" in msg:
        return LedgerError("台账数据库是只读的，不能写入")
    if "full" in msg or ("disk" in msg and "I/O" in msg):
        return LedgerError("磁盘已满或写入失败，本次操作已回滚，台账未改变")
    return LedgerError(f"台账数据库错误：{msg.splitlines()[0] if msg else type(exc).__name__}")
