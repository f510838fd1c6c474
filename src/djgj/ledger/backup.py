"""Backup and restore of an SQLite ledger through SQLite's online backup API.

A backup is a consistent copy of a live ledger (other readers and writers may go on). A restore
refuses anything that is not a healthy djgj ledger, and keeps the ledger it replaces as a backup
first, so nothing is ever lost by restoring the wrong file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from djgj.errors import LedgerError, UsageError
from djgj.ledger.db import (
    SQLITE_MAGIC,
    backup_sqlite,
    refuse_foreign_sqlite,
    resolve_url,
    sqlite_path,
    unique_path,
)

REQUIRED_TABLES = {"alembic_version", "units", "snapshots", "import_batches"}


def _ledger_path(db: str | None) -> Path:
    path = sqlite_path(resolve_url(db))
    if path is None:
        raise UsageError("backup/restore 只用于 SQLite 台账文件；PostgreSQL 请使用 pg_dump / pg_restore")
    return path


def backup(db: str | None, dest: str | Path | None = None) -> Path:
    """Copy the ledger to ``dest`` (default: beside it, with a timestamp)."""
    src = _ledger_path(db)
    if not src.exists():
        raise LedgerError(f"台账数据库 {src} 不存在，无可备份")
    verify(src)
    if dest is None:
        target = unique_path(src.parent, f"{src.stem}-backup", ".db")
    elif Path(dest).is_dir():
        target = unique_path(Path(dest), f"{src.stem}-backup", ".db")
    else:
        target = Path(dest)
        if target.exists():
            raise UsageError(f"{target} 已存在，不会覆盖；请换一个文件名")
        if not target.parent.is_dir():
            raise UsageError(f"无法备份到 {target}：文件夹 {target.parent} 不存在；请先建立该文件夹")
    try:
        backup_sqlite(src, target)
    except LedgerError:
        if dest is None or Path(dest).is_dir():
            target.unlink(missing_ok=True)  # the empty name reserved by unique_path
        raise
    return target


def verify(path: Path) -> None:
    """Refuse a file that is not an intact djgj ledger, with the reason."""
    with open(path, "rb") as f:
        if f.read(16) != SQLITE_MAGIC:
            raise LedgerError(f"{path} 不是 SQLite 数据库，更不是 djgj 台账")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{path} 已损坏，无法读取（{exc}）") from None
    missing = REQUIRED_TABLES - tables
    if missing:
        raise LedgerError(f"{path} 是 SQLite 数据库，但不是 djgj 台账（缺少表 {'、'.join(sorted(missing))}）")
    if ok != "ok":
        raise LedgerError(f"{path} 完整性检查未通过（{ok}），不能用于恢复")
    refuse_foreign_sqlite(path, verb="恢复")  # a backup of a newer schema would leave the ledger unusable


def _match_page_size(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """SQLite cannot copy a database into a WAL-mode one of another page size (a backup made by
    an earlier djgj, 4 KiB pages, restored into a new ledger of 16 KiB): the target leaves WAL mode
    first (the copy takes the source's pages and mode; djgj's next connection puts WAL back)."""
    size = "PRAGMA page_size"
    if source.execute(size).fetchone()[0] != target.execute(size).fetchone()[0]:
        target.execute("PRAGMA journal_mode=DELETE").fetchone()


def restore(db: str | None, source: str | Path) -> Path | None:
    """Replace the ledger with ``source``; return the backup of the replaced ledger (if there was one)."""
    src = Path(source)
    if not src.exists():
        raise UsageError(f"找不到备份文件 {src}")
    if not src.is_file():
        raise UsageError(f"{src} 不是普通文件（文件夹、管道或设备），不能用于恢复")
    verify(src)
    dest = _ledger_path(db)
    kept = None
    if dest.exists() and dest.stat().st_size > 0:
        # A unique, owner-only name: two restores in the same second keep both earlier ledgers.
        kept = unique_path(dest.parent, f"{dest.stem}-before-restore", ".db")
        backup_sqlite(dest, kept)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            os.close(os.open(dest, os.O_CREAT | os.O_WRONLY, 0o600))
        source_con = sqlite3.connect(f"{src.absolute().as_uri()}?mode=ro", uri=True)
        target_con = sqlite3.connect(dest, timeout=10)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"恢复失败，台账未改变（{exc}）") from None
    try:
        _match_page_size(source_con, target_con)
        source_con.backup(target_con)
    except sqlite3.Error as exc:
        raise LedgerError(f"恢复失败，台账未改变（{exc}）") from None
    finally:
        target_con.close()
        source_con.close()
    dest.chmod(0o600)
    return kept
