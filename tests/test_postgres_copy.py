"""The import's PostgreSQL write path (djgj.ledger.copy): rows written with COPY read back exactly as
the INSERT path writes them on SQLite (escapes, blanks, dates, booleans); units found by credit code
and by township and name through array parameters; a load that dwarfs the ledger pauses the foreign
keys and builds them again with the same definitions, and leaves the planner statistics; a refused
file leaves them all in place. Each test runs on SQLite and PostgreSQL (the `backend` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from builders import HEADER, credit_code, unit_row, write_csv
from conftest import sql

pytestmark = pytest.mark.usefixtures("backend")

AS_OF = dt.date(2014, 12, 31)


def _checks(engine) -> dict[str, object]:
    """Foreign keys and indexes of the tables an import writes, as the database reports them."""
    insp = inspect(engine)
    out: dict[str, object] = {}
    for t in ("units", "snapshots", "year_states"):
        fks = insp.get_foreign_keys(t)
        out[f"{t}.fk"] = sorted(
            (tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options"))) for f in fks
        )
        out[f"{t}.ix"] = sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t))
    return out


def _import(path, as_of=AS_OF):
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    engine = open_engine()
    try:
        return import_file(engine, path, Options(as_of=as_of))
    finally:
        engine.dispose()


def test_copied_rows_read_back_as_written(tmp_path) -> None:
    tricky = ["反斜杠\\N有限公司", '引号"与,逗号有限公司', "制表\t符有限公司", "百分号%s与$1有限公司"]
    rows = [unit_row(i + 1, **{"企业名称": name}) for i, name in enumerate(tricky)]
    rows.append(unit_row(9, **{"从业人员数": None, "建会时间": None, "是否建立工会": "未建"}))
    result = _import(write_csv(tmp_path / "a.csv", [HEADER, *rows]))
    assert result.units_created == 5 and result.snapshots_created == 5
    names = [r[0] for r in sql("select name from units order by id")]
    assert names[:2] == tricky[:2] and names[3] == tricky[3]
    assert "制表" in names[2] and "符有限公司" in names[2]
    got = sql(
        "select u.credit_code, s.employees, s.union_established_on, s.union_form, s.as_of, s.row, "
        "s.unit_name = u.name, s.has_instructor from snapshots s join units u on u.id = s.unit_id order by s.row"
    )
    assert got[0] == (credit_code(1), 30, "2014-03-05", "committee", "2014-12-31", 2, True, None)
    assert got[4][1:5] == (0, None, "none", "2014-12-31")  # a blank head count is the sheet's 0
    assert sql("select count(*) from year_states where year = 2014") == [(5,)]


def test_second_file_finds_units_by_code_and_by_township_and_name(tmp_path) -> None:
    header = ["乡镇", *HEADER]
    first = [["城关镇", *unit_row(i)] for i in range(1, 7)]
    _import(write_csv(tmp_path / "a.csv", [header, *first]), as_of=dt.date(2013, 12, 31))
    # The same units a year later: three by credit code, three without one (found by township and name),
    # and one new unit.
    later = [["城关镇", *unit_row(i, employees=40)] for i in range(1, 4)]
    later += [["城关镇", *unit_row(i, employees=41, **{"统一社会信用代码": None})] for i in range(4, 7)]
    later.append(["城关镇", *unit_row(7, **{"统一社会信用代码": None})])
    result = _import(write_csv(tmp_path / "b.csv", [header, *later]))
    assert result.units_created == 1 and result.units_matched == 6
    assert sql("select count(*) from units") == [(7,)]
    assert sql("select count(*) from snapshots where as_of = '2014-12-31' and employees in (40, 41)") == [
        (6,)
    ]
    assert sql("select max(id) - min(id) + 1 from units") == [(7,)]


def test_big_load_restores_foreign_keys_indexes_and_statistics(tmp_path, monkeypatch, backend) -> None:
    from djgj.ledger import bulk
    from djgj.ledger.db import open_engine

    monkeypatch.setattr(bulk, "MIN_ROWS", 5)
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 7)
    monkeypatch.setattr("djgj.ledger.state.PAUSE_ROWS", 5)
    engine = open_engine()
    before = _checks(engine)
    assert before["snapshots.fk"] and before["year_states.fk"]
    result = _import(write_csv(tmp_path / "big.csv", [HEADER, *[unit_row(i) for i in range(1, 41)]]))
    assert result.units_created == 40
    assert _checks(engine) == before
    if backend == "postgresql":  # analysed at the end of the load: the planner knows the rows
        stats = dict(
            sql(
                "select relname, reltuples from pg_class where relname in ('units', 'snapshots', 'year_states')"
            )
        )
        assert stats == {"units": 40, "snapshots": 40, "year_states": 40}
    # The constraints are enforced again after the load.
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="(?i)foreign key"), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO snapshots (unit_id, as_of) VALUES (999999, '2015-12-31')")
    engine.dispose()


def test_refused_big_load_keeps_foreign_keys(tmp_path, monkeypatch) -> None:
    from djgj.errors import DjgjError
    from djgj.ledger import bulk
    from djgj.ledger.db import open_engine

    monkeypatch.setattr(bulk, "MIN_ROWS", 5)
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 7)
    engine = open_engine()
    before = _checks(engine)
    rows = [unit_row(i) for i in range(1, 31)]
    rows[25][4] = -3  # refused after the checks were paused
    with pytest.raises(DjgjError):
        _import(write_csv(tmp_path / "bad.csv", [HEADER, *rows]))
    assert _checks(engine) == before
    assert sql("select count(*) from units") == [(0,)]
    engine.dispose()


def test_copy_error_is_a_database_error(backend) -> None:
    """A COPY the database refuses surfaces as SQLAlchemy's DBAPIError (translated like any other)."""
    if backend != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    from sqlalchemy.exc import DBAPIError

    from djgj.ledger import copy
    from djgj.ledger.db import open_engine

    engine = open_engine()
    with pytest.raises(DBAPIError), engine.begin() as conn:
        ids = copy.new_ids(conn, "units", 2)
        assert ids == sorted(ids) and len(set(ids)) == 2
        rows = [(i, "non_public", "甲", "甲", "91520100MA6DUPLIC8", None, None) for i in ids]
        copy.copy_rows(
            conn, "units", ("id", "kind", "name", "norm_name", "credit_code", "township_id", "batch_id"), rows
        )
    assert sql("select count(*) from units") == [(0,)]
    engine.dispose()


def test_merge_writes_in_bulk_and_merges_a_repeat_into_the_unit_it_created(
    tmp_path, runner, backend, monkeypatch
) -> None:
    """Two source units that are one target unit (the second has no credit code, same township and
    name): one unit, one snapshot per date, the second's differing value listed as a conflict."""
    import os
    import sqlite3

    from conftest import invoke

    target = os.environ["DJGJ_DB"]
    src = tmp_path / "county.db"
    os.environ["DJGJ_DB"] = str(src)
    try:
        header = ["乡镇", *HEADER]
        rows = [["城关镇", *unit_row(i)] for i in range(1, 8)]
        _import(write_csv(tmp_path / "a.csv", [header, *rows]))
    finally:
        os.environ["DJGJ_DB"] = target
    with sqlite3.connect(src) as db:  # a repeat of unit 1 without its credit code, as an old ledger may hold
        db.execute(
            "INSERT INTO units (id, kind, name, norm_name, credit_code, township_id, batch_id) "
            "SELECT 100, kind, name, norm_name, NULL, township_id, batch_id FROM units WHERE id = 1"
        )
        cols = "as_of, batch_id, sheet, row, union_form, unit_name, unit_kind, township_id"
        db.execute(
            f"INSERT INTO snapshots (unit_id, employees, {cols}) SELECT 100, 77, {cols} FROM snapshots WHERE unit_id = 1"
        )
    monkeypatch.setattr("djgj.ledger.merge.ANALYZE_ROWS", 5)
    r = invoke(runner, "merge", str(src), "--county", "甲县")
    assert r.exit_code == 0, r.output
    if backend == "postgresql":  # analysed at the end of the merge: the first report plans with statistics
        assert sql("select reltuples from pg_class where relname = 'snapshots'") == [(7,)]
    assert sql("select count(*) from units") == [(7,)]
    assert sql("select count(*), sum(employees) from snapshots") == [(7, 30 * 6 + 77)]
    assert sql("select count(*) from snapshot_history") == [(1,)]
    assert sql("select count(*) from year_states where year = 2014") == [(7,)]
    again = invoke(runner, "merge", str(src), "--county", "甲县")
    assert again.exit_code == 0 and sql("select count(*) from snapshots") == [(7,)]


def test_a_new_year_extends_the_state_and_keeps_its_checks(tmp_path, monkeypatch) -> None:
    """A later year copies every unit's state forward (PostgreSQL: indexes and foreign keys built
    once after the copy); the next year's file then replaces the state of the units it names."""
    from djgj.ledger.db import open_engine

    monkeypatch.setattr("djgj.ledger.state.PAUSE_ROWS", 1)
    engine = open_engine()
    before = _checks(engine)
    _import(write_csv(tmp_path / "a.csv", [HEADER, *[unit_row(i) for i in range(1, 9)]]))
    later = [unit_row(i, employees=50) for i in range(1, 4)]
    _import(write_csv(tmp_path / "b.csv", [HEADER, *later]), as_of=dt.date(2015, 12, 31))
    assert _checks(engine) == before
    assert sql("select year, count(*), sum(employees) from year_states group by year order by year") == [
        (2014, 8, 8 * 30),
        (2015, 8, 5 * 30 + 3 * 50),
    ]
    engine.dispose()


def test_merge_writes_people_and_memberships_in_bulk_once(tmp_path, runner, monkeypatch) -> None:
    """Two county ledgers with rosters: a person on both is one person (with both memberships); a
    membership both hold is one; merging again adds nothing."""
    import os

    from conftest import invoke
    from test_checks import clean_roster, clean_units, import_ledger, import_roster, member, person_id

    target = os.environ["DJGJ_DB"]
    for county, extra in (("甲", []), ("乙", [member(10, 2), member(40, 3)])):
        monkeypatch.setenv("DJGJ_DB", str(tmp_path / f"{county}.db"))
        (tmp_path / county).mkdir()
        import_ledger(runner, tmp_path / county, clean_units())
        import_roster(runner, tmp_path / county, [*clean_roster(), *extra])
    monkeypatch.setenv("DJGJ_DB", target)
    for _ in range(2):
        r = invoke(runner, "merge", str(tmp_path / "甲.db"), str(tmp_path / "乙.db"))
        assert r.exit_code == 0, r.output
        assert sql("select count(*) from people") == [(10,)]
        assert sql("select count(*) from memberships") == [(11,)]
    got = sql(
        "select u.name from memberships m join people p on p.id = m.person_id join units u on u.id = m.unit_id "
        "where p.id_number = :n",
        n=person_id(10),
    )
    assert sorted(got) == [("测试1号有限公司",), ("测试2号有限公司",)]  # on both rosters: one person
