"""Rosters in rounds (djgj.ledger.rosters): a roster written a few rows at a time gives exactly what it
gives in one round, and a CSV roster read row by row exactly what it gives read whole: the same people
and memberships (with the rows they came from), warnings, rejects and refusals, whatever falls on either
side of a round's edge (the same person twice in one unit, on two units, leaving, an unknown unit, an ID
under another name). The rows are pulled from the file one round at a time, never all. Each test runs
on SQLite and PostgreSQL (the `backend` fixture)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builders import HEADER, ROSTER_HEADER, unit_row, write_csv, write_xlsx
from test_checks import TITLE, member

pytestmark = pytest.mark.usefixtures("backend")

HEADER_LEFT = [*ROSTER_HEADER, "会籍变化类型", "会籍变化日期"]


def _roster(seed: int, n: int = 40, unknown: bool = True, other_name: bool = False) -> list[list[Any]]:
    """Rows drawn so that people repeat (in the same unit: counted once; in another: a transfer),
    some leave, some IDs fail their check digit or disagree with the sex given, and (``unknown``)
    some name a unit the ledger lacks; ``other_name``: a later row gives a known ID under another name."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k, unit = rng.randrange(1, 16), rng.choice((1, 2, 3))
        if unknown and rng.random() < 0.08:
            unit = 9  # 测试9号有限公司: not in the ledger
        row = member(k, unit, valid=k % 7 != 3, id_sex="女" if k % 5 == 4 else None)
        change = rng.choice(["", "", "", "新入会", "转出", "退会"])
        rows.append([*row, change, "2014-06-30" if change in ("转出", "退会") and rng.random() < 0.5 else ""])
    if other_name:
        rows[-3][1] = "另一个人"
    return rows


@pytest.fixture
def two_ledgers(backend: str, tmp_path: Path, request) -> list[str]:
    """Two fresh ledgers of the current backend, each holding the same three units."""
    if backend == "sqlite":
        urls = [str(tmp_path / "a.db"), str(tmp_path / "b.db")]
    else:
        server = request.getfixturevalue("pg_server")
        urls = [os.environ["DJGJ_DB"]]
        name = f"rounds{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
        server.admin(f"CREATE DATABASE {name} TEMPLATE djgj_template")
        request.addfinalizer(lambda: server.admin(f"DROP DATABASE {name} WITH (FORCE)"))
        urls.append(server.url(name))
    units = write_xlsx(tmp_path / "units.xlsx", [[TITLE], HEADER, *[unit_row(i) for i in (1, 2, 3)]])
    for url in urls:
        _import(url, units, roster=False)
    return urls


def _import(url: str, path: Path, roster: bool = True, skip: bool = False) -> Any:
    """The import's outcome: its warnings, counts and rejects, or the refusal's message and details."""
    import datetime as dt

    from djgj.errors import DjgjError
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    engine = open_engine(url)
    try:
        options = Options(roster=True, skip_bad_rows=skip) if roster else Options(as_of=dt.date(2014, 12, 31))
        r = import_file(engine, path, options)
    except DjgjError as exc:
        return ("refused", str(exc), getattr(exc, "details", None))
    finally:
        engine.dispose()
    return (r.status, r.rows, r.people, r.memberships, r.warnings, r.rejects)


def _state(url: str) -> list[Any]:
    """People and memberships as the ledger holds them (ids aside)."""
    from sqlalchemy import text

    from djgj.ledger.db import open_engine

    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            people = conn.execute(
                text(
                    "SELECT id_number, name, sex, birth_date, politics, phone, is_migrant, id_valid "
                    "FROM people ORDER BY id_number"
                )
            ).all()
            members = conn.execute(
                text(
                    "SELECT p.id_number, u.name, m.joined_on, m.left_on, m.sheet, m.row FROM memberships m "
                    "JOIN people p ON p.id = m.person_id JOIN units u ON u.id = m.unit_id ORDER BY 1, 2"
                )
            ).all()
    finally:
        engine.dispose()
    return [[tuple(map(str, r)) for r in people], [tuple(map(str, r)) for r in members]]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("skip", [True, False])
def test_rounds_of_any_size_give_what_one_round_gives(two_ledgers, tmp_path, monkeypatch, seed, skip) -> None:
    from djgj.ledger import rosters

    path = write_csv(tmp_path / f"roster{seed}.csv", [HEADER_LEFT, *_roster(seed)])
    outcomes = []
    for url, size in zip(two_ledgers, (10_000, 1 + seed), strict=True):
        monkeypatch.setattr(rosters, "ROUND_ROWS", size)
        outcomes.append((_import(url, path, skip=skip), _state(url)))
    assert outcomes[0] == outcomes[1]
    outcome, (people, members) = outcomes[0]
    if skip:  # the draws hold repeats, transfers, leavers and an unknown unit: all were met
        warnings = "\n".join(outcome[4])
        assert "只计一次" in warnings and "转会中" in warnings and "离会" in warnings
        assert outcome[5] and people and members
    else:
        assert outcome[0] == "refused" and "测试9号有限公司" in str(outcome[2])


def test_a_name_refused_in_a_later_round_refuses_as_whole(two_ledgers, tmp_path, monkeypatch) -> None:
    from djgj.ledger import rosters

    rows = _roster(5, unknown=False, other_name=True)
    path = write_csv(tmp_path / "roster.csv", [HEADER_LEFT, *rows])
    outcomes = []
    for url, size in zip(two_ledgers, (10_000, 4), strict=True):
        monkeypatch.setattr(rosters, "ROUND_ROWS", size)
        outcomes.append((_import(url, path), _state(url)))
    assert outcomes[0] == outcomes[1]
    (status, message, details), (people, members) = outcomes[0]
    assert status == "refused" and "不能确定是同一人" in details[0] and people == members == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("skip", [True, False])
def test_a_streamed_roster_gives_what_the_file_read_whole_gives(
    two_ledgers, tmp_path, monkeypatch, fmt, skip
) -> None:
    from djgj.ledger import rosters, write

    rows = [HEADER_LEFT, *_roster(7, n=60)]
    path = (write_csv if fmt == "csv" else write_xlsx)(tmp_path / f"roster.{fmt}", rows)
    monkeypatch.setattr(rosters, "ROUND_ROWS", 7)
    streamed = (_import(two_ledgers[0], path, skip=skip), _state(two_ledgers[0]))
    monkeypatch.setattr(write, "_open_stream", lambda *a: None)  # the file read whole, as before
    whole = (_import(two_ledgers[1], path, skip=skip), _state(two_ledgers[1]))
    assert streamed == whole
    assert (streamed[0][0] == "refused") == (not skip)


def test_a_csv_roster_is_never_read_whole(two_ledgers, tmp_path, monkeypatch) -> None:
    from djgj.ledger import rosters
    from djgj.read import files

    def refuse(*a: Any) -> None:
        raise AssertionError("the roster was read whole")

    monkeypatch.setattr(files, "read", refuse)
    monkeypatch.setattr(rosters, "ROUND_ROWS", 5)
    path = write_csv(tmp_path / "roster.csv", [HEADER_LEFT, *_roster(11, unknown=False)])
    outcome = _import(two_ledgers[0], path)
    assert outcome[0] == "imported" and outcome[1] > 0


def test_rows_are_pulled_one_round_at_a_time(two_ledgers, tmp_path, monkeypatch) -> None:
    """The writer takes a round's rows from the file only after writing the round before."""
    from djgj.ledger import rosters

    pulled_ahead: list[int] = []
    writers: list[Any] = []
    original = rosters.RosterWriter.__init__

    def remember(self, *a: Any) -> None:
        original(self, *a)
        writers.append(self)

    def watch(lines: Any, size: int) -> Iterator[list[Any]]:
        for batch in rounds(lines, size):
            written = writers[0].result.rows + len(writers[0].parsed.rejects)
            pulled_ahead.append(len(batch))
            assert sum(pulled_ahead) - written <= size  # never more than the round in hand
            yield batch

    rounds = rosters.rounds
    monkeypatch.setattr(rosters.RosterWriter, "__init__", remember)
    monkeypatch.setattr(rosters, "rounds", watch)
    monkeypatch.setattr(rosters, "ROUND_ROWS", 6)
    rows = [member(k, 1 + k % 3) for k in range(1, 50)]
    outcome = _import(two_ledgers[0], write_csv(tmp_path / "roster.csv", [ROSTER_HEADER, *rows]))
    assert outcome[:4] == ("imported", 49, 49, 49) and len(pulled_ahead) == 9


def test_rounds_read_lazily() -> None:
    from djgj.ledger.rosters import rounds

    taken = []

    def endless() -> Iterator[tuple[list[Any], int]]:
        k = 0
        while True:
            taken.append(k)
            yield [k], k
            k += 1

    first = next(rounds(endless(), 4))
    assert [line for _, line in first] == [0, 1, 2, 3] and len(taken) == 4


def test_update_rows_sets_by_key_in_one_statement(backend) -> None:
    """PostgreSQL's set-based update (COPY into a temporary table, one UPDATE … FROM): each key's
    last row is the one set; with keep_nulls a None leaves the value as it was."""
    if backend != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    from djgj.ledger import copy
    from djgj.ledger.db import open_engine

    engine = open_engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO townships (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
            n = copy.update_rows(conn, "townships", ("id",), ("name",), [(1, "x"), (2, None), (1, "y")], True)
            assert n == 2
            copy.update_rows(conn, "townships", ("id",), ("name",), [(3, "z")])
            got = conn.exec_driver_sql("SELECT id, name FROM townships ORDER BY id").all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [(1, "y"), (2, "b"), (3, "z")]
