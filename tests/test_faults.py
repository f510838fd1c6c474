"""The ledger survives crashes, a second writer, corruption, read-only files, a full disk and a failed migration."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import TOWN_HEADER, credit_code, ledger_rows, write_xlsx
from conftest import invoke

DJGJ = [sys.executable, "-c", "from djgj.cli import main; main()"]


def big_csv(path: Path, n: int, offset: int = 0) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(TOWN_HEADER)
        for i in range(offset, offset + n):
            w.writerow(
                [
                    "城关镇",
                    f"企业{i:06d}",
                    credit_code(i),
                    "私营企业",
                    30 + i % 50,
                    i % 4,
                    "是" if i % 2 else "否",
                    20 if i % 2 else 0,
                ]
            )
    return path


def run(db: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, DJGJ_DB=str(db))
    env.update(kw.pop("env", {}))
    return subprocess.run([*DJGJ, *args], capture_output=True, text=True, env=env, timeout=300, **kw)


def create(db: Path) -> None:
    from djgj.ledger.db import open_engine

    open_engine(str(db)).dispose()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def count(db: Path, table: str = "units") -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow  # a province-sized file killed mid-import: CI runs it
def test_kill_9_during_import_leaves_nothing_and_reimport_succeeds(tmp_path):
    db = tmp_path / "l.db"
    f = big_csv(tmp_path / "big.csv", 20000)
    create(db)
    for delay in (0.3, 0.8, 1.5, 2.5):
        env = dict(os.environ, DJGJ_DB=str(db))
        p = subprocess.Popen(
            [*DJGJ, "import", str(f), "--as-of", "2014-12-31"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert integrity(db) == "ok"
        n = count(db)
        assert n in (0, 20000), f"partial import after kill at {delay}s: {n} units"
        if n:
            break
    r = run(db, "import", str(f), "--as-of", "2014-12-31")
    assert r.returncode == 0, r.stderr
    assert count(db) == 20000 and integrity(db) == "ok"


def test_two_writers_at_once(tmp_path):
    db = tmp_path / "l.db"
    a, b = big_csv(tmp_path / "a.csv", 8000), big_csv(tmp_path / "b.csv", 8000, offset=50000)
    create(db)
    env = dict(os.environ, DJGJ_DB=str(db))
    procs = [
        subprocess.Popen(
            [*DJGJ, "import", str(f), "--as-of", "2014-12-31"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (a, b)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for code, err in results:
        assert code == 0 or "正被另一个" in err, err
    assert integrity(db) == "ok"
    assert count(db) == 8000 * sum(1 for code, _ in results if code == 0)


def test_busy_ledger_gives_a_clear_message(tmp_path):
    db = tmp_path / "l.db"
    create(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        f = write_xlsx(tmp_path / "x.xlsx", ledger_rows(2))
        r = run(db, "import", str(f), env={"DJGJ_BUSY_TIMEOUT_MS": "200"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.returncode == 1 and "正被另一个" in r.stderr and "Traceback" not in r.stderr


def test_corrupt_ledger_is_refused_never_repaired(runner, tmp_path, _isolated):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "x.xlsx", ledger_rows(30)))).exit_code == 0
    con = sqlite3.connect(_isolated)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(_isolated.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)
    _isolated.write_bytes(bytes(data))
    before = _isolated.read_bytes()
    r = invoke(runner, "report", "--year", "2014")
    r2 = invoke(runner, "check")
    assert r.exit_code == 1 or r2.exit_code == 1
    assert "Traceback" not in r.output + r2.output
    assert _isolated.read_bytes() == before


def _make_read_only(path: Path) -> bool:
    """chmod for ordinary users; root ignores modes, so the immutable attribute (chattr +i) instead."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return True
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o600)


def test_read_only_ledger_refuses_writes_but_reads(tmp_path):
    db = tmp_path / "l.db"
    f = write_xlsx(tmp_path / "x.xlsx", ledger_rows(3))
    assert run(db, "import", str(f)).returncode == 0
    if not _make_read_only(db):
        pytest.skip("cannot make a file read-only here (root without chattr)")
    try:
        g = write_xlsx(tmp_path / "y.xlsx", ledger_rows(4))
        r = run(db, "import", str(g))
        assert r.returncode == 1 and "只读" in r.stderr, r.stderr
        r = run(db, "report", "--year", "2014", "--format", "json")
        assert r.returncode == 0, r.stderr
    finally:
        _make_writable(db)
    assert count(db) == 3


def test_disk_full_leaves_nothing_half_written(tmp_path):
    db = tmp_path / "l.db"
    create(db)
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    f = big_csv(tmp_path / "big.csv", 5000)
    r = run(db, "import", str(f), "--as-of", "2014-12-31", env={"DJGJ_MAX_PAGE_COUNT": str(pages + 20)})
    assert r.returncode == 1 and "磁盘已满" in r.stderr, r.stderr
    assert count(db) == 0 and integrity(db) == "ok"
    assert run(db, "import", str(f), "--as-of", "2014-12-31").returncode == 0


def test_failed_migration_leaves_schema_and_version_unchanged_and_a_backup(tmp_path, monkeypatch):
    import shutil

    from alembic.config import Config

    from djgj.errors import LedgerError
    from djgj.ledger import db as dbmod

    path = tmp_path / "l.db"
    engine = dbmod.open_engine(str(path))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES ('城关镇')")
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(dbmod.__file__).parent / "migrations", scripts)
    (scripts / "versions" / "9999_broken.py").write_text(
        f'revision = "9999"\ndown_revision = "{dbmod.HEAD}"\nbranch_labels = None\ndepends_on = None\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        "def upgrade():\n    op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.add_column('townships', sa.Column('extra', sa.Integer))\n    raise RuntimeError('boom')\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )

    def config(engine):
        cfg = Config()
        cfg.set_main_option("script_location", str(scripts))
        return cfg

    monkeypatch.setattr(dbmod, "alembic_config", config)
    with pytest.raises(LedgerError, match="已回滚") as info:
        dbmod.upgrade(engine, dbmod.HEAD, "9999")
    assert "备份" in str(info.value)
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert "half" not in tables
    assert [r[1] for r in con.execute("PRAGMA table_info(townships)")] == ["id", "name", "county", "city"]
    assert con.execute("select version_num from alembic_version").fetchone()[0] == dbmod.HEAD
    assert con.execute("select name from townships").fetchall() == [("城关镇",)]
    assert list(tmp_path.glob("l.db.before-9999-*.bak"))


def test_backup_and_restore(runner, tmp_path, _isolated):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(3)))).exit_code == 0
    r = invoke(runner, "backup", str(tmp_path / "b.db"))
    assert r.exit_code == 0 and (tmp_path / "b.db").exists()
    assert invoke(runner, "backup", str(tmp_path / "b.db")).exit_code == 2  # never overwritten
    rows = ledger_rows(5)
    rows[0] = ["城关镇（2015年度）"]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "c.xlsx", rows))).exit_code == 0
    assert count(_isolated) == 5
    r = invoke(runner, "restore", str(tmp_path / "b.db"))
    assert r.exit_code == 0 and "原台账另存为" in r.output
    assert count(_isolated) == 3
    kept = list(tmp_path.glob("ledger-before-restore-*.db"))
    assert kept and count(kept[0]) == 5


def test_restore_refuses_what_is_not_a_ledger(runner, tmp_path, _isolated):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(3)))).exit_code == 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.commit()
    for bad in (junk, other):
        r = invoke(runner, "restore", str(bad))
        assert r.exit_code == 1 and "不是" in r.output
    assert count(_isolated) == 3
