"""The year-end state (year_states) answers exactly what the GROUP BY over all snapshots answers.

Generated ledgers: several files over several years (year-end and mid-year dates), re-imports of
the same date that change or blank values, and a second county merged in. After every step, for
every year from before the first snapshot to after the last, the state's "latest snapshot per unit"
equals the GROUP BY's, and so do the report figures and the gap lists (with and without --limit).
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from builders import credit_code, write_csv

pytestmark = pytest.mark.usefixtures("backend")

COLUMNS = [
    "乡镇",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "党员人数",
    "党组织形式",
    "是否建立工会",
]
TOWNS = ["城关镇", "北关镇"]
_files = itertools.count()

unit_value = st.tuples(
    st.integers(0, 7),  # which unit
    st.one_of(st.none(), st.integers(0, 120)),  # employees (None: blank cell)
    st.one_of(st.none(), st.integers(0, 9)),  # party members
    st.sampled_from(["已建", "未建", ""]),  # union
)
a_file = st.tuples(
    st.integers(2012, 2015),
    st.sampled_from([(12, 31), (6, 30), (1, 1)]),
    st.lists(unit_value, min_size=1, max_size=6, unique_by=lambda v: v[0]),
    st.booleans(),  # into the second county, merged at the end
)


def _row(unit: int, employees: int | None, party: int | None, union: str) -> list[object]:
    party = None if employees is None or party is None else min(party, employees)
    return [
        TOWNS[unit % 2],
        f"状态测试{unit}号有限公司",
        credit_code(unit),
        "私营企业",
        employees,
        party,
        "党支部" if (party or 0) >= 3 else "无",
        union,
    ]


def _reset(engine) -> None:
    with engine.begin() as conn:
        for table in (
            "year_states",
            "figure_cache",
            "memberships",
            "people",
            "snapshots",
            "units",
            "townships",
            "import_batches",
            "audit_events",
            "targets",
        ):
            conn.exec_driver_sql(f"DELETE FROM {table}")


def _import(engine, folder: Path, year: int, day: tuple[int, int], units: list) -> None:
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    path = write_csv(folder / f"f{next(_files)}.csv", [COLUMNS, *[_row(*u) for u in units]])
    import_file(engine, path, Options(as_of=dt.date(year, *day)))


def _latest_rows(conn, make, as_of: dt.date) -> set[tuple]:
    lt = make(as_of)
    return {(r[0], str(r[1])) for r in conn.execute(select(lt.c.unit_id, lt.c.as_of))}


def _assert_same(engine, monkeypatch) -> None:
    from djgj.figures import metrics
    from djgj.figures import state as year_state
    from djgj.ledger import cache
    from djgj.rules.profiles import load

    profile = load(None)
    with engine.connect() as conn:
        for year in range(2011, 2017):
            as_of = dt.date(year, 12, 31)
            assert _latest_rows(conn, year_state.latest, as_of) == _latest_rows(
                conn, year_state.latest_grouped, as_of
            ), year
            fast = metrics.figures(conn, year, profile)
            fast_gaps = metrics.gaps(conn, year, profile)
            top = metrics.gaps(conn, year, profile, limit=3)
            total = metrics.gap_total(conn, year, profile)
            with monkeypatch.context() as m:
                m.setattr(metrics, "latest", year_state.latest_grouped)
                m.setattr(cache, "value", lambda conn, key, compute: compute())  # computed afresh
                slow = metrics.figures(conn, year, profile)
                slow_gaps = metrics.gaps(conn, year, profile)
            assert fast == slow, year
            assert fast_gaps == slow_gaps, year
            assert top == slow_gaps[:3], year
            assert total == len(slow_gaps), year


@pytest.mark.slow  # ~1 min per backend: CI runs it (make test PYTEST_MARK=)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(a_file, min_size=1, max_size=5))
def test_state_equals_group_by(files, monkeypatch) -> None:
    from djgj.ledger.db import open_engine
    from djgj.ledger.merge import merge

    engine = open_engine()
    _reset(engine)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        other = f"sqlite:///{folder / 'other.db'}"
        other_engine = open_engine(other)
        for year, day, units, second in files:
            _import(other_engine if second else engine, folder, year, day, units)
            if not second:
                _assert_same(engine, monkeypatch)
        other_engine.dispose()
        if any(f[3] for f in files):
            merge(engine, other, county="乙县")
            _assert_same(engine, monkeypatch)
            merge(engine, other, county="乙县")  # merging again adds nothing
            _assert_same(engine, monkeypatch)
    engine.dispose()


def test_state_is_built_for_a_ledger_migrated_from_0003(tmp_path, monkeypatch) -> None:
    from djgj.ledger import db
    from djgj.ledger.db import open_engine

    engine = open_engine()
    _import(engine, tmp_path, 2013, (12, 31), [(1, 10, 1, "未建"), (2, 50, 4, "已建")])
    _import(engine, tmp_path, 2014, (6, 30), [(1, 30, 2, "已建"), (3, 5, None, "")])
    db.downgrade(engine, "0003")
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM snapshots"  # the data survived the downgrade
        ).scalar()
    assert tables == 4
    db.upgrade(engine, "0003")
    assert db.current_revision(engine) == db.HEAD
    with engine.connect() as conn:
        states = conn.exec_driver_sql(
            "SELECT year, COUNT(*) FROM year_states GROUP BY year ORDER BY year"
        ).all()
    assert [tuple(r) for r in states] == [(2013, 2), (2014, 3)]
    _assert_same(engine, monkeypatch)
    engine.dispose()


def test_refresh_after_a_correction_falls_back_to_the_earlier_snapshot(tmp_path, monkeypatch) -> None:
    """Undo and corrections delete or change snapshots and call `state.refresh` for the units."""
    from djgj.ledger import state
    from djgj.ledger.db import open_engine

    engine = open_engine()
    _import(engine, tmp_path, 2013, (12, 31), [(1, 10, 1, "未建")])
    _import(engine, tmp_path, 2014, (12, 31), [(1, 99, 1, "未建")])
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM snapshots WHERE employees = 99")
        state.refresh(conn, [1])
    _assert_same(engine, monkeypatch)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT year, employees FROM year_states ORDER BY year").all()
    assert [tuple(r) for r in rows] == [(2013, 10)]
    engine.dispose()


def test_a_ledger_of_one_date_is_rebuilt_without_windows(tmp_path, monkeypatch) -> None:
    """A first import of one date (every snapshot that date: one per unit) fills the state with one
    row per unit and year, the same as the general rebuild and the GROUP BY; a second date then
    refreshes it the general way."""
    from djgj.ledger import state
    from djgj.ledger.db import open_engine

    engine = open_engine()
    ran: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cur, sql, *rest: ran.append(sql))
    units = [(u, None if u == 3 else 10 + u, 2, ["已建", "未建", ""][u % 3]) for u in range(8)]
    _import(engine, tmp_path, 2013, (6, 30), units)
    windows = [s for s in ran if "ROW_NUMBER" in s]
    assert windows == [] if engine.dialect.name == "sqlite" else windows != []
    read = "SELECT year, unit_id, snapshot_id, as_of, employees FROM year_states ORDER BY year, unit_id"
    with engine.connect() as conn:
        flat = conn.exec_driver_sql(read).all()
    assert [(r[0], r[1]) for r in flat] == [(2013, u) for u in sorted(r[1] for r in flat)]
    assert len(flat) == 8 and {str(r[3]) for r in flat} == {"2013-06-30"}
    with engine.begin() as conn:  # the general rebuild (windows over the snapshots) agrees
        conn.exec_driver_sql("DELETE FROM year_states")
        lo_hi = {":lo": "2013", ":hi": "2013"}
        sql = state._insert_sql(conn, "1 = 1")
        for k, v in lo_hi.items():
            sql = sql.replace(k, v)
        conn.exec_driver_sql(sql)
        assert conn.exec_driver_sql(read).all() == flat
    _assert_same(engine, monkeypatch)
    _import(engine, tmp_path, 2015, (12, 31), units[:3])
    _assert_same(engine, monkeypatch)
    engine.dispose()


def test_a_first_load_writes_the_state_with_its_rounds(tmp_path, monkeypatch) -> None:
    """New units into an empty SQLite ledger: each round's year-end state is written as the round is
    (`state.append_round`), the rows a rebuild at the end would write; the end keeps them. A refused
    file leaves no state; a load into a ledger that has one refreshes it at the end, as always."""
    from djgj.errors import DjgjError
    from djgj.ledger import state
    from djgj.ledger.db import open_engine

    engine = open_engine()
    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 3)
    ran: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cur, sql, *rest: ran.append(sql))
    units = [(u, None if u == 3 else 10 + u, 2, ["已建", "未建", ""][u % 3]) for u in range(8)]
    _import(engine, tmp_path, 2013, (6, 30), units)
    read = "SELECT year, unit_id, snapshot_id, as_of, employees FROM year_states ORDER BY year, unit_id"
    with engine.connect() as conn:
        got = conn.exec_driver_sql(read).all()
    rounds = [s for s in ran if "INSERT INTO year_states" in s]
    if engine.dialect.name == "sqlite":
        assert len(rounds) == 3 and "WHERE id >" in rounds[0]  # 8 units in rounds of 3
    with engine.begin() as conn:
        state.rebuild(conn)
        assert conn.exec_driver_sql(read).all() == got
    assert len(got) == 8
    _assert_same(engine, monkeypatch)
    # Into the ledger that has a state now: refreshed at the end, for the batch's units.
    ran.clear()
    _import(engine, tmp_path, 2013, (6, 30), [(u, 50, 1, "已建") for u in range(6, 12)])
    assert not any("WHERE id >" in s for s in ran)
    _assert_same(engine, monkeypatch)
    # A refused first load: nothing written, no state.
    _reset(engine)
    bad = [*units[:5], (9, -3, 1, "已建")]
    with pytest.raises(DjgjError):
        _import(engine, tmp_path, 2014, (12, 31), bad)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM year_states").scalar() == 0
    engine.dispose()
