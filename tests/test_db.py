"""The ledger file: migrations from empty and from each earlier revision, permissions, foreign files."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from djgj.errors import LedgerError
from djgj.ledger import db


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
        "header_mappings",
    } <= tables


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from djgj.ledger.db import alembic_config

    cfg = alembic_config(None)
    return [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()][::-1]


def _seed(conn) -> None:
    """A township, a unit, a snapshot, a person and a membership: children that a careless
    table rebuild (SQLite batch mode with foreign keys on) would empty through ON DELETE CASCADE."""
    conn.exec_driver_sql("INSERT INTO townships (id, name) VALUES (1, '城关镇')")
    conn.exec_driver_sql(
        "INSERT INTO units (id, kind, name, norm_name, township_id) VALUES (1, 'non_public', '甲', '甲', 1)"
    )
    conn.exec_driver_sql("INSERT INTO snapshots (unit_id, as_of, employees) VALUES (1, '2014-12-31', 30)")
    conn.exec_driver_sql(
        "INSERT INTO people (id, id_number, id_valid, name) VALUES (1, '11010519491231002X', true, '张三')"
    )
    conn.exec_driver_sql("INSERT INTO memberships (person_id, unit_id) VALUES (1, 1)")


@pytest.mark.usefixtures("backend")
def test_each_revision_upgrades_to_head_with_data_and_back():
    revisions = _revisions()
    assert revisions[-1] == db.HEAD
    url = db.resolve_url()
    for start in revisions[:-1]:
        engine = db.open_engine(url, migrate=False)
        if db.current_revision(engine):
            db.downgrade(engine, "base")
        db.upgrade(engine, None, start)
        with engine.begin() as conn:
            _seed(conn)
        engine.dispose()
        engine = db.open_engine(url)  # upgrades to the head, as a user's first command would
        assert db.current_revision(engine) == db.HEAD
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name, county, city FROM townships").all() == [
                ("城关镇", "", "")
            ]
            assert conn.exec_driver_sql("SELECT employees FROM snapshots").all() == [(30,)]
            assert conn.exec_driver_sql("SELECT count(*) FROM memberships").scalar() == 1
        db.downgrade(engine, start)  # and back down to where it started, data intact
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM townships").all() == [("城关镇",)]
            assert conn.exec_driver_sql("SELECT count(*) FROM snapshots").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM memberships").scalar() == 1
        engine.dispose()


def test_two_counties_may_each_have_a_chengguan(tmp_path):
    engine = db.open_engine(str(tmp_path / "l.db"))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO townships (name, county) VALUES ('城关镇', '甲县'), ('城关镇', '乙县')"
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name, county) VALUES ('城关镇', '甲县')")


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
