"""The ledger file: migrations from empty and from each earlier revision, permissions, foreign files."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from sqlalchemy import inspect

from djgj import db
from djgj.errors import LedgerError


def test_migrations_from_empty_reach_the_head(tmp_path):
    engine = db.open_engine(str(tmp_path / "l.db"))
    assert db.current_revision(engine) == db.HEAD
    tables = set(inspect(engine).get_table_names())
    assert {
        "townships",
        "units",
        "snapshots",
        "import_batches",
        "people",
        "memberships",
        "targets",
        "audit_events",
    } <= tables


def test_every_revision_upgrades_with_data_and_downgrades(tmp_path):
    from alembic import command
    from alembic.script import ScriptDirectory

    engine = db.open_engine(str(tmp_path / "l.db"))
    cfg = db.alembic_config(engine)
    revisions = [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()][::-1]
    assert revisions[-1] == db.HEAD
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES ('城关镇')")
    for rev in revisions:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base") if rev == revisions[0] else None
        engine2 = db.open_engine(str(tmp_path / f"{rev}.db"))
        assert db.current_revision(engine2) == db.HEAD


def test_new_ledger_is_owner_only(tmp_path):
    path = tmp_path / "sub" / "l.db"
    db.open_engine(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_file_that_is_not_a_ledger_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="不是 djgj 台账数据库"):
        db.open_engine(str(path))
    assert path.read_bytes() == before


def test_reading_a_missing_ledger_does_not_create_it(tmp_path):
    with pytest.raises(LedgerError, match="还不存在"):
        db.open_engine(str(tmp_path / "none.db"), write=False)
    assert not (tmp_path / "none.db").exists()


def test_sqlite_pragmas(tmp_path):
    engine = db.open_engine(str(tmp_path / "l.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_url_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("DJGJ_DB", str(tmp_path / "x.db"))
    assert db.resolve_url() == "sqlite:///" + str(tmp_path / "x.db")
    assert db.resolve_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    monkeypatch.delenv("DJGJ_DB")
    assert db.resolve_url().endswith("ledger.db")


def test_backup_copy_is_a_ledger(tmp_path):
    engine = db.open_engine(str(tmp_path / "l.db"))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES ('城关镇')")
    db.backup_sqlite(tmp_path / "l.db", tmp_path / "b.db")
    assert sqlite3.connect(tmp_path / "b.db").execute("select name from townships").fetchall() == [
        ("城关镇",)
    ]
