"""A load that dwarfs the ledger pauses the indexes the import never reads and builds them again:
the same rows, the same provenance and the same indexes as a small import; a refused file leaves
the ledger with its indexes. On SQLite and PostgreSQL (the threshold lowered so a test file counts)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect

from builders import credit_code, write_csv
from conftest import sql

pytestmark = pytest.mark.usefixtures("backend")

HEADER = ["乡镇", "企业名称", "统一社会信用代码", "企业类型", "从业人员数", "是否建立工会"]


def _indexes(engine) -> set[str]:
    insp = inspect(engine)
    return {i["name"] for t in ("units", "snapshots") for i in insp.get_indexes(t)}


def _rows(n: int, start: int = 0) -> list[list[object]]:
    return [
        ["城关镇", f"批量{i}号有限公司", credit_code(i), "私营企业", 10 + i, "已建"]
        for i in range(start, start + n)
    ]


def test_big_load_pauses_and_rebuilds_indexes(tmp_path, monkeypatch) -> None:
    from djgj.ledger import bulk
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import BATCH_ROWS, import_file
    from djgj.records.parse import Options

    monkeypatch.setattr(bulk, "MIN_ROWS", 5)
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 7)
    assert BATCH_ROWS > 7
    engine = open_engine()
    before = _indexes(engine)
    assert set(bulk.PAUSED) <= before
    dropped: list[bool] = []
    real_finish = bulk.finish
    monkeypatch.setattr(bulk, "finish", lambda conn, b: dropped.append(real_finish(conn, b)) or dropped[-1])
    f = write_csv(tmp_path / "big.csv", [HEADER, *_rows(40)])
    result = import_file(engine, f, Options(as_of=dt.date(2014, 12, 31)))
    assert result.units_created == 40 and dropped == [True]
    assert _indexes(engine) == before
    assert sql("select count(*), min(row), max(row) from snapshots") == [(40, 2, 41)]
    assert sql("select count(*) from year_states where year = 2014") == [(40,)]
    # A second, smaller file into the now bigger ledger does not pause anything.
    g = write_csv(tmp_path / "small.csv", [HEADER, *_rows(10, start=40)])
    import_file(engine, g, Options(as_of=dt.date(2014, 12, 31)))
    assert dropped == [True, False]
    assert _indexes(engine) == before
    engine.dispose()


def test_refused_big_load_keeps_the_indexes(tmp_path, monkeypatch) -> None:
    from djgj.errors import DjgjError
    from djgj.ledger import bulk
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    monkeypatch.setattr(bulk, "MIN_ROWS", 5)
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 7)
    engine = open_engine()
    before = _indexes(engine)
    rows = _rows(30)
    rows[25][4] = -3  # a negative head count refuses the file after the indexes were paused
    f = write_csv(tmp_path / "bad.csv", [HEADER, *rows])
    with pytest.raises(DjgjError):
        import_file(engine, f, Options(as_of=dt.date(2014, 12, 31)))
    assert _indexes(engine) == before
    assert sql("select count(*) from units") == [(0,)]
    engine.dispose()


def test_big_rebuild_of_the_year_state_pauses_its_indexes(tmp_path, monkeypatch) -> None:
    """The year-end state of a first big load is written without its secondary indexes, which are
    built again in the same transaction: the same rows and indexes; a refused file keeps them."""
    from djgj.errors import DjgjError
    from djgj.ledger import state
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    monkeypatch.setattr(state, "PAUSE_ROWS", 5)
    # (a first load into an empty SQLite ledger writes the state with its rounds: rebuilt here instead)
    monkeypatch.setattr(state, "append_round", lambda *a: None)
    engine = open_engine()
    insp = inspect(engine)
    before = {i["name"] for i in insp.get_indexes("year_states")}
    assert len(before) == 3
    from sqlalchemy import event

    said: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: said.append(a[2]))
    f = write_csv(tmp_path / "big.csv", [HEADER, *_rows(30)])
    import_file(engine, f, Options(as_of=dt.date(2014, 12, 31)))
    assert {i["name"] for i in inspect(engine).get_indexes("year_states")} == before
    dropped = [s for s in said if s.startswith("DROP INDEX") and "year_states" in s]
    assert len(dropped) == 3, said
    assert sql("select count(*), count(distinct unit_id) from year_states where year = 2014") == [(30, 30)]
    rows = _rows(30, start=100)
    rows[-1][4] = -3
    with pytest.raises(DjgjError):
        import_file(
            engine, write_csv(tmp_path / "bad.csv", [HEADER, *rows]), Options(as_of=dt.date(2015, 12, 31))
        )
    assert {i["name"] for i in inspect(engine).get_indexes("year_states")} == before
    assert sql("select count(*) from year_states") == [(30,)]
    engine.dispose()


def test_name_indexes_paused_only_when_no_unit_is_read_by_name(tmp_path, monkeypatch) -> None:
    """Into an empty ledger every record is a new unit (nothing is looked up): the indexes of units
    by name are paused and rebuilt, while those whose keys come in ascending order stay; into a
    ledger that holds units, the import reads them by name, so those indexes stay while it writes
    and the others are paused."""
    from sqlalchemy import event

    from djgj.ledger import bulk
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    monkeypatch.setattr(bulk, "MIN_ROWS", 5)
    monkeypatch.setattr(bulk, "LEDGER_FACTOR", 1)
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 7)
    engine = open_engine()
    before = _indexes(engine)
    said: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: said.append(a[2]))

    def dropped() -> set[str]:
        return {s.split()[-1] for s in said if s.strip().startswith("DROP INDEX")}

    import_file(
        engine, write_csv(tmp_path / "a.csv", [HEADER, *_rows(20)]), Options(as_of=dt.date(2014, 12, 31))
    )
    kept = engine.dialect.name == "sqlite"  # (there the indexes written in order are kept)
    assert dropped() == set(bulk.BY_NAME) | (set() if kept else set(bulk.APPENDED))
    assert _indexes(engine) == before
    said.clear()
    rows = _rows(40, start=20)
    rows[3][2] = ""  # a unit without a credit code: matched by its name
    import_file(engine, write_csv(tmp_path / "b.csv", [HEADER, *rows]), Options(as_of=dt.date(2014, 12, 31)))
    assert dropped() == set(bulk.APPENDED) == set(bulk.PAUSED)
    assert _indexes(engine) == before
    assert sql("select count(*) from units") == [(60,)]
    assert sql("select count(*) from units where credit_code is null") == [(1,)]
    engine.dispose()


def _journal(engine) -> str:
    with engine.connect() as conn:
        return str(conn.connection.driver_connection.execute("PRAGMA journal_mode").fetchone()[0])


@pytest.fixture
def switches(monkeypatch, backend) -> list[bool]:
    """SQLite only, a big load being 20 rows: whether each file's transaction ran under a rollback
    journal (`journal.written_once`), checked inside the load."""
    from djgj.ledger import journal

    if backend != "sqlite":
        pytest.skip("a rollback journal is SQLite's")
    monkeypatch.setattr(journal, "MIN_ROWS", 20)
    said: list[bool] = []
    real = journal.written_once

    @contextmanager
    def spy(engine, rows):
        with real(engine, rows) as switched:
            said.append(switched)
            if switched:  # (inside the load: the ledger's file itself is written, no WAL)
                assert _journal(engine) == "delete"
            yield switched

    monkeypatch.setattr(journal, "written_once", spy)
    return said


def test_a_first_big_load_is_written_once_and_the_ledger_is_wal_again(tmp_path, switches) -> None:
    from djgj.errors import DjgjError
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    said = switches
    engine = open_engine()
    ledger = Path(engine.url.database or "")
    options = Options(as_of=dt.date(2014, 12, 31))
    bad = _rows(30)
    bad[25][4] = -3  # refused after rows were written: rolled back from the journal
    with pytest.raises(DjgjError):
        import_file(engine, write_csv(tmp_path / "bad.csv", [HEADER, *bad]), options)
    assert said == [True] and _journal(engine) == "wal"
    assert sql("select count(*) from units") == [(0,)]
    import_file(engine, write_csv(tmp_path / "big.csv", [HEADER, *_rows(30)]), options)
    assert said == [True, True] and _journal(engine) == "wal"
    assert sql("select count(*) from units") == [(30,)] and sql("PRAGMA integrity_check") == [("ok",)]
    assert not Path(f"{ledger}-journal").exists()
    # The ledger has units now: the next load is written in WAL mode, as any import.
    import_file(engine, write_csv(tmp_path / "more.csv", [HEADER, *_rows(30, start=30)]), options)
    assert said == [True, True, False] and sql("select count(*) from units") == [(60,)]
    engine.dispose()


def test_a_first_load_stays_in_wal_when_the_ledger_is_open_elsewhere(tmp_path, switches) -> None:
    import sqlite3

    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    said = switches
    engine = open_engine()
    other = sqlite3.connect(engine.url.database or "")  # another process reading the ledger
    try:
        assert other.execute("select count(*) from units").fetchone() == (0,)
        import_file(
            engine,
            write_csv(tmp_path / "big.csv", [HEADER, *_rows(30)]),
            Options(as_of=dt.date(2014, 12, 31)),
        )
        assert said == [False] and _journal(engine) == "wal"
        assert other.execute("select count(*) from units").fetchone() == (30,)
        small = write_csv(tmp_path / "small.csv", [HEADER, *_rows(5, start=30)])
    finally:
        other.close()
    import_file(engine, small, Options(as_of=dt.date(2014, 12, 31)))  # (too small to switch)
    assert said == [False, False]
    engine.dispose()
