"""Files destroyed or exposed (issue 15): another program's SQLite file, restores in the same second,
a backup of a newer schema, exports killed half-way, backups readable by others, read-only folders.

README promises 5, 7 and 8; RELIABILITY.md fault 18.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from builders import ledger_rows, write_xlsx
from conftest import invoke
from test_faults import count, run


def _import(runner, tmp_path: Path, n: int = 3, name: str = "a.xlsx") -> None:
    r = invoke(runner, "import", str(write_xlsx(tmp_path / name, ledger_rows(n))))
    assert r.exit_code == 0, r.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ another program's SQLite file


@pytest.mark.parametrize("table", ["notes", "units"])
def test_a_foreign_sqlite_file_is_refused_before_any_write(runner, tmp_path, table):
    """`djgj --db notes.db import …` must not add djgj's tables, switch it to WAL or touch its header,
    also when the foreign file happens to have a `units` table of its own."""
    notes = tmp_path / "notes.db"
    con = sqlite3.connect(notes)
    con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, text TEXT)")
    con.execute(f"INSERT INTO {table} (text) VALUES ('买菜')")
    con.commit()
    con.close()
    before = _digest(notes)
    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    for args in (["import", str(f)], ["report", "--year", "2014"], ["backup"]):
        r = invoke(runner, "--db", str(notes), *args)
        assert r.exit_code == 1, (args, r.output)
        assert "不是 djgj 台账" in r.output, r.output
        assert args[0] == "backup" or "未做任何改动" in r.output, r.output
    assert _digest(notes) == before
    assert not Path(str(notes) + "-wal").exists()
    con = sqlite3.connect(notes)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")] == [table]
    con.close()


def test_an_empty_sqlite_file_still_becomes_a_ledger(runner, tmp_path):
    empty = tmp_path / "new.db"
    sqlite3.connect(empty).close()  # 0 bytes, or a header without tables: nothing to protect
    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    assert invoke(runner, "--db", str(empty), "import", str(f)).exit_code == 0
    assert count(empty) == 3


def test_a_ledger_of_a_newer_schema_is_refused_not_migrated(runner, tmp_path, _isolated):
    _import(runner, tmp_path)
    con = sqlite3.connect(_isolated)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    r = invoke(runner, "import", str(write_xlsx(tmp_path / "b.xlsx", ledger_rows(4))))
    assert r.exit_code == 1 and "更新版本的 djgj" in r.output, r.output
    con = sqlite3.connect(_isolated)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
    con.close()
    assert count(_isolated) == 3


@pytest.mark.usefixtures("backend")
def test_a_newer_schema_is_refused_by_name_on_every_backend(runner, tmp_path) -> None:
    """PostgreSQL too: a ledger written by a newer djgj is refused with the reason, never migrated."""
    from sqlalchemy import create_engine

    from djgj.ledger.db import resolve_url

    _import(runner, tmp_path)
    engine = create_engine(resolve_url())
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    for line in (
        ["report", "--year", "2014"],
        ["import", str(write_xlsx(tmp_path / "b.xlsx", ledger_rows(4)))],
    ):
        r = invoke(runner, *line)
        assert r.exit_code == 1 and "更新版本的 djgj" in r.output and "9999" in r.output, r.output
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "9999"
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM units").scalar() == 3
    engine.dispose()


# ------------------------------------------------------------------ backups and restores


def test_two_restores_in_the_same_second_keep_both_safety_copies(runner, tmp_path, _isolated, monkeypatch):
    import datetime as real

    class Frozen(real.datetime):
        @classmethod
        def now(cls, tz=None):  # every safety copy is named in the same second
            return cls(2026, 11, 29, 9, 0, 0)

    monkeypatch.setattr("djgj.ledger.db.dt.datetime", Frozen)
    _import(runner, tmp_path, 3)
    assert invoke(runner, "backup", str(tmp_path / "b3.db")).exit_code == 0
    rows = ledger_rows(5)
    rows[0] = ["城关镇（2015年度）"]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "c.xlsx", rows))).exit_code == 0
    assert count(_isolated) == 5
    for _ in range(2):
        r = invoke(runner, "restore", str(tmp_path / "b3.db"))
        assert r.exit_code == 0, r.output
    kept = sorted(tmp_path.glob("ledger-before-restore-*.db"))
    assert len(kept) == 2, kept
    assert sorted(count(k) for k in kept) == [3, 5]  # the original ledger (5 units) is not lost
    assert all(_mode(k) == 0o600 for k in kept)


def test_restore_refuses_a_backup_of_a_newer_schema(runner, tmp_path, _isolated):
    _import(runner, tmp_path)
    assert invoke(runner, "backup", str(tmp_path / "b.db")).exit_code == 0
    con = sqlite3.connect(tmp_path / "b.db")
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = _digest(_isolated)
    r = invoke(runner, "restore", str(tmp_path / "b.db"))
    assert r.exit_code == 1 and "更新版本的 djgj" in r.output, r.output
    assert _digest(_isolated) == before
    assert not list(tmp_path.glob("ledger-before-restore-*.db"))
    assert invoke(runner, "report", "--year", "2014").exit_code == 0


class _Sqlite:
    """`sqlite3` as djgj.ledger.db sees it, with `Connection.backup` observed or replaced (the C type
    itself cannot be patched)."""

    Error = sqlite3.Error
    OperationalError = sqlite3.OperationalError
    DatabaseError = sqlite3.DatabaseError

    def __init__(self, backup) -> None:
        self._backup = backup

    def connect(self, *args, **kw):
        return _Con(sqlite3.connect(*args, **kw), self._backup)


class _Con:
    def __init__(self, con, backup) -> None:
        self.con, self._backup = con, backup

    def __getattr__(self, name):
        return getattr(self.con, name)

    def backup(self, target, *a, **kw):
        return self._backup(self.con, target.con if isinstance(target, _Con) else target, *a, **kw)


def _observe_copies(monkeypatch) -> list[int]:
    """The mode of every copy while SQLite fills it."""
    from djgj.ledger import db as dbmod

    seen: list[int] = []

    def spy(source, target, *a, **kw):
        name = target.execute("PRAGMA database_list").fetchone()[2]
        seen.append(_mode(Path(name)))
        return source.backup(target, *a, **kw)

    monkeypatch.setattr(dbmod, "sqlite3", _Sqlite(spy))
    return seen


def test_backups_and_copies_are_private_from_creation(runner, tmp_path, _isolated, monkeypatch):
    """Every file djgj copies the ledger into is 0600 while it is written, not only afterwards."""
    from djgj.ledger import db as dbmod

    _import(runner, tmp_path)
    seen = _observe_copies(monkeypatch)
    old = os.umask(0o022)
    try:
        assert invoke(runner, "backup", str(tmp_path / "b.db")).exit_code == 0
        assert invoke(runner, "backup").exit_code == 0
        assert invoke(runner, "restore", str(tmp_path / "b.db")).exit_code == 0
        engine = dbmod.open_engine(str(_isolated))
        migration_copy = dbmod.upgrade(engine, dbmod.HEAD, dbmod.HEAD)
        engine.dispose()
    finally:
        os.umask(old)
    copies = [
        tmp_path / "b.db",
        *tmp_path.glob("ledger-backup-*.db"),
        *tmp_path.glob("ledger-before-restore-*"),
    ]
    assert migration_copy is not None
    copies.append(migration_copy)
    assert len(copies) == 4
    assert all(_mode(c) == 0o600 for c in copies), [(c.name, oct(_mode(c))) for c in copies]
    assert len(seen) == 4 and all(m == 0o600 for m in seen), [oct(m) for m in seen]
    assert not list(tmp_path.glob("*.part*"))


def test_a_killed_backup_leaves_nothing_readable_by_others(runner, tmp_path, _isolated, monkeypatch):
    from djgj.ledger import db as dbmod

    _import(runner, tmp_path)

    def killed(source, target, *a, **kw):
        source.backup(target, pages=1)  # part of the copy is on disk, with its journal
        raise KeyboardInterrupt  # and the process dies here

    monkeypatch.setattr(dbmod, "sqlite3", _Sqlite(killed))
    old = os.umask(0o022)
    try:
        with pytest.raises(KeyboardInterrupt):
            dbmod.backup_sqlite(_isolated, tmp_path / "b.db")
    finally:
        os.umask(old)
    assert not (tmp_path / "b.db").exists()
    others = [
        p
        for p in tmp_path.iterdir()
        if p.is_file() and p.name != "a.xlsx" and not p.name.startswith("ledger")
    ]
    assert all(_mode(p) & 0o077 == 0 for p in others), [(p.name, oct(_mode(p))) for p in others]


def test_a_backup_onto_a_full_disk_or_an_unwritable_folder_says_so(runner, tmp_path, _isolated, monkeypatch):
    _import(runner, tmp_path)
    r = invoke(runner, "backup", str(tmp_path / "nowhere" / "b.db"))
    assert r.exit_code == 2 and "不存在" in r.output and "nowhere" in r.output, r.output

    from djgj.ledger import db as dbmod

    def full(source, target, *a, **kw):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(dbmod, "sqlite3", _Sqlite(full))
    r = invoke(runner, "backup", str(tmp_path / "b.db"))
    assert r.exit_code == 1 and "磁盘已满" in r.output and "b.db" in r.output, r.output
    assert not (tmp_path / "b.db").exists() and not list(tmp_path.glob("*.part*"))
    r = invoke(runner, "backup")
    assert r.exit_code == 1 and "磁盘已满" in r.output
    assert not list(tmp_path.glob("ledger-backup-*"))


# ------------------------------------------------------------------ atomic exports


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md"])
def test_a_failed_export_leaves_the_previous_good_file(runner, tmp_path, _isolated, monkeypatch, fmt):
    """A full disk (or kill -9) in the middle of writing must not truncate the last good export."""
    _import(runner, tmp_path)
    out = tmp_path / f"export.{fmt}"
    r = invoke(runner, "export", "--year", "2014", "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    good = out.read_bytes()
    real_fdopen = os.fdopen

    class Full:
        """A file on a disk that fills up after 100 bytes."""

        def __init__(self, f) -> None:
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.f.close()

        def write(self, data: bytes) -> int:
            self.f.write(data[:100])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    monkeypatch.setattr(os, "fdopen", lambda *a, **kw: Full(real_fdopen(*a, **kw)))
    r = invoke(runner, "export", "--year", "2014", "--township", "城关镇", "--format", fmt, "-o", str(out))
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert r.exit_code == 1 and "磁盘已满" in r.output and str(out) in r.output, r.output
    assert out.read_bytes() == good
    assert not list(tmp_path.glob(f".{out.name}*"))
    if fmt == "xlsx":
        import zipfile

        assert zipfile.is_zipfile(out)


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KB file system (tmpfs; needs root), so a full disk is a full disk."""
    mnt = tmp_path / "usb"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a small file system here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_an_export_onto_a_really_full_disk_keeps_the_previous_file(runner, tmp_path, _isolated, small_disk):
    _import(runner, tmp_path, 200)
    out = small_disk / "台账.xlsx"
    good = b"PK previous good export"
    out.write_bytes(good)
    filler = small_disk / "filler"
    with open(
        filler, "wb", buffering=0
    ) as f:  # fill the disk, then leave a few KB: less than the export needs
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
        f.truncate(max(0, f.tell() - 4096))
    r = invoke(runner, "export", "--year", "2014", "-o", str(out))
    assert r.exit_code == 1 and "磁盘已满" in r.output, r.output
    assert out.read_bytes() == good
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "台账.xlsx"]


def test_kill_9_during_an_export_leaves_the_previous_file(tmp_path):
    """A real kill -9 while the export is being written: the old file is intact (the new one was
    still a hidden temporary file)."""
    db = tmp_path / "l.db"
    assert run(db, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(3)))).returncode == 0
    out = tmp_path / "e.csv"
    good = "单位名称\n上一次的导出\n".encode()
    out.write_bytes(good)
    script = (
        "import os, signal\n"
        "real = os.fsync\n"
        "def die(fd):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.fsync = die\n"
        "from djgj.cli import main; main()\n"
    )
    import sys

    env = dict(os.environ, DJGJ_DB=str(db))
    done = subprocess.run(
        [sys.executable, "-c", script, "export", "--year", "2014", "--format", "csv", "-o", str(out)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -9
    assert out.read_bytes() == good


def test_show_pii_files_are_private_and_ordinary_exports_keep_the_usual_mode(runner, tmp_path, _isolated):
    _import(runner, tmp_path)
    old = os.umask(0o022)
    try:
        plain = tmp_path / "plain.csv"
        assert invoke(runner, "members", "list", "--format", "csv", "-o", str(plain)).exit_code == 0
        private = tmp_path / "pii.csv"
        r = invoke(runner, "members", "list", "--show-pii", "--format", "csv", "-o", str(private))
        assert r.exit_code == 0, r.output
        shown = tmp_path / "pii.json"
        r = invoke(runner, "check", "--show-pii", "--format", "json", "-o", str(shown))
        assert r.exit_code in (0, 1), r.output
    finally:
        os.umask(old)
    assert _mode(plain) == 0o644
    assert _mode(private) == 0o600 and _mode(shown) == 0o600


def test_an_existing_output_file_is_replaced_and_the_user_is_told(runner, tmp_path, _isolated):
    _import(runner, tmp_path)
    out = tmp_path / "r.md"
    r = invoke(runner, "report", "--year", "2014", "--format", "md", "-o", str(out))
    assert r.exit_code == 0 and "覆盖" not in r.output
    r = invoke(runner, "report", "--year", "2014", "--format", "md", "-o", str(out))
    assert r.exit_code == 0 and "已覆盖原有同名文件" in r.output, r.output


# ------------------------------------------------------------------ read-only folders


def _freeze(folder: Path) -> bool:
    """A folder nobody may create files in: chmod for ordinary users, chattr +i for root."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0


def _thaw(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


# slow (~11 s): run by CI (`.ci/run`), not by `make test`
@pytest.mark.slow
def test_read_only_commands_work_when_the_ledger_folder_is_not_writable(runner, tmp_path):
    from test_checks import ROSTER_HEADER, member

    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "l.db"
    assert run(db, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(3)))).returncode == 0
    roster = write_xlsx(tmp_path / "r.xlsx", [["花名册"], ROSTER_HEADER, member(1, 1)])
    assert run(db, "import", str(roster), "--roster").returncode == 0
    if not _freeze(folder):
        pytest.skip("cannot make a folder read-only here (root without chattr)")
    try:
        for args in (
            ["report", "--year", "2014"],
            ["gaps", "--year", "2014"],
            ["members", "list"],
            ["check"],
        ):
            r = run(db, *args)
            assert r.returncode in (0, 1) and "错误" not in r.stderr, (args, r.stderr)
            assert r.stdout.strip(), args
        assert "测试1号有限公司" in run(db, "members", "list").stdout
        r = run(db, "import", str(write_xlsx(tmp_path / "b.xlsx", ledger_rows(4))))
        assert r.returncode == 1 and "不可写" in r.stderr and str(folder) in r.stderr, r.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["l.db"]
    finally:
        _thaw(folder)
    assert count(db) == 3


def test_a_backup_into_a_folder_nobody_may_write_says_so(runner, tmp_path, _isolated):
    _import(runner, tmp_path)
    folder = tmp_path / "usb"
    folder.mkdir()
    if not _freeze(folder):
        pytest.skip("cannot make a folder read-only here (root without chattr)")
    try:
        for dest in (folder / "b.db", folder):
            r = invoke(runner, "backup", str(dest))
            assert r.exit_code == 1 and "不可写" in r.output and str(folder) in r.output, r.output
        assert list(folder.iterdir()) == []
    finally:
        _thaw(folder)
