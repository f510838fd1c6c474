"""Figures kept between reports (djgj.ledger.cache): a second report on an unchanged ledger reads the
kept sums, and no write (import, re-import of the same date, correction, undo, merge) ever leaves a
kept figure that differs from the figure computed afresh. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from builders import TOWN_HEADER, credit_code, write_csv
from conftest import invoke

_files = itertools.count()


def _import(engine, folder: Path, as_of: dt.date, rows: list[tuple]) -> int:
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    table = [
        [town, f"缓存测试{u}号有限公司", credit_code(u), "私营企业", emp, pm, union, members]
        for u, town, emp, pm, union, members in rows
    ]
    path = write_csv(folder / f"c{next(_files)}.csv", [TOWN_HEADER, *table])
    result = import_file(engine, path, Options(as_of=as_of))
    assert result.batch_id is not None
    return result.batch_id


def _report(engine, *, kept: bool, monkeypatch) -> dict:
    """The report of 2014 as JSON text's data, read through the cache or computed afresh, on a
    reading engine as `djgj report` opens it (the cache is kept by a short write of its own)."""
    from djgj.figures import report
    from djgj.ledger import cache
    from djgj.ledger.db import open_engine
    from djgj.rules.profiles import load

    reader = open_engine(str(engine.url.render_as_string(hide_password=False)), write=False)
    with monkeypatch.context() as m:
        if not kept:
            m.setattr(cache, "value", lambda conn, key, compute: compute())
        with reader.connect() as conn:
            doc = report.build(conn, 2014, load(None))
    reader.dispose()
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


def _kept_rows(engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM figure_cache").scalar())


FIRST = [
    (1, "城关镇", 120, 5, "已建", 80),
    (2, "城关镇", 40, 1, "未建", 0),
    (3, "北关镇", 30, 3, "已建", 12),
    (4, "北关镇", 8, 0, "未建", 0),
]


@pytest.mark.usefixtures("backend")
def test_a_second_report_reads_the_kept_figures(tmp_path, monkeypatch) -> None:
    from djgj.figures import metrics
    from djgj.ledger.db import open_engine

    engine = open_engine()
    _import(engine, tmp_path, dt.date(2014, 12, 31), FIRST)
    computed = _report(engine, kept=True, monkeypatch=monkeypatch)
    assert _kept_rows(engine) > 0

    def no_scan(*args, **kwargs):
        raise AssertionError("the kept figures should have been read")

    monkeypatch.setattr(metrics, "_figures_of", no_scan)
    assert _report(engine, kept=True, monkeypatch=monkeypatch) == computed
    engine.dispose()


@pytest.mark.usefixtures("backend")
def test_no_write_leaves_a_stale_figure(tmp_path, monkeypatch) -> None:
    from djgj.ledger.batches import undo
    from djgj.ledger.corrections import set_value
    from djgj.ledger.db import open_engine
    from djgj.ledger.merge import merge

    engine = open_engine()
    year_end = dt.date(2014, 12, 31)
    _import(engine, tmp_path, dt.date(2013, 12, 31), FIRST)
    steps = []

    def check(what: str) -> None:
        kept = _report(engine, kept=True, monkeypatch=monkeypatch)
        again = _report(engine, kept=True, monkeypatch=monkeypatch)
        fresh = _report(engine, kept=False, monkeypatch=monkeypatch)
        assert kept == fresh == again, what
        steps.append(fresh["totals"]["union_members"])

    check("carried over from 2013")
    batch = _import(engine, tmp_path, year_end, FIRST)
    check("import")
    _import(engine, tmp_path, year_end, [(1, "城关镇", 120, 5, "已建", 100), (5, "南坪乡", 60, 0, "未建", 0)])
    check("re-import of the same date, a new unit")
    with engine.begin() as conn:
        set_value(conn, credit_code(2), "union_members", "30", as_of=year_end, reason="乡镇来电更正")
    check("correction")
    undo(engine, batch + 1)
    check("undo")
    other_path = tmp_path / "other.db"
    other = open_engine(f"sqlite:///{other_path}")
    _import(other, tmp_path, year_end, [(9, "石溪镇", 300, 9, "已建", 250)])
    other.dispose()
    merge(engine, f"sqlite:///{other_path}", county="乙县")
    check("merge")
    assert len(set(steps)) >= 4, steps  # the writes did change the figure each time
    engine.dispose()


def test_a_result_that_may_have_seen_a_write_is_not_kept(tmp_path) -> None:
    """The generation is read before the question is asked: a write during it files the answer under
    an older generation, which is never read."""
    from djgj.ledger import cache, state
    from djgj.ledger.db import open_engine

    engine = open_engine()
    _import(engine, tmp_path, dt.date(2014, 12, 31), FIRST)

    def racing() -> str:
        with engine.begin() as w:
            state.refresh(w, [1])  # a writer commits while the answer is being computed
        return "old"

    reader = open_engine(write=False)
    with reader.connect() as conn:
        assert cache.value(conn, "k", racing) == "old"
    with reader.connect() as conn:
        assert cache.value(conn, "k", lambda: "new") == "new"
    with reader.connect() as conn:
        assert cache.value(conn, "k", lambda: "newer") == "new"  # kept at the current generation
    reader.dispose()
    engine.dispose()


def test_a_read_only_ledger_computes_and_keeps_nothing(tmp_path, monkeypatch) -> None:
    from djgj.ledger import cache
    from djgj.ledger.db import open_engine, read_only_url

    path = tmp_path / "ro.db"
    engine = open_engine(f"sqlite:///{path}")
    _import(engine, tmp_path, dt.date(2014, 12, 31), FIRST)
    engine.dispose()
    ro = create_engine(read_only_url(path))
    with ro.connect() as conn:
        assert cache.value(conn, "k", lambda: [1, 2]) == [1, 2]
        assert cache.value(conn, "k", lambda: [3]) == [3]  # nothing was kept
    ro.dispose()
    assert _kept_rows(open_engine(f"sqlite:///{path}")) == 0


def test_a_changed_definition_is_a_different_key() -> None:
    from djgj.figures import metrics
    from djgj.ledger import cache

    assert cache.code_of("djgj.figures.metrics") != cache.code_of("djgj.figures.scope")
    assert (
        cache.code_of("djgj.figures.metrics", "djgj.figures.scope", "djgj.figures.state", "djgj.vocab.fields")
        == metrics.CODE
    )
    assert cache.key_of("figures", 2014, None) != cache.key_of("figures", 2013, None)


def test_a_reading_command_upgrades_an_older_writable_ledger(runner, tmp_path) -> None:
    from djgj.ledger import db
    from djgj.ledger.db import open_engine

    engine = open_engine()
    _import(engine, tmp_path, dt.date(2014, 12, 31), FIRST)
    db.downgrade(engine, "0008")
    assert db.current_revision(engine) == "0008"
    engine.dispose()
    result = invoke(runner, "report", "--year", "2014", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["orgs"] == 4
    assert db.current_revision(open_engine()) == db.HEAD


def test_gap_thresholds_read_the_year_end_state() -> None:
    """A rule's threshold on employees is asked of the state's (year, employees) index."""
    from djgj.figures import metrics
    from djgj.ledger.db import open_engine
    from djgj.rules.profiles import load

    profile = load(None)
    rule = next(r for r in profile.rules if r.id == "union_required")
    q, _, _ = metrics.gap_query(rule, profile, 2014, None, None)
    sql = str(q.compile(open_engine(), compile_kwargs={"literal_binds": True}))
    assert "latest.employees >= 25" in sql
    assert "snapshots.employees >=" not in sql
