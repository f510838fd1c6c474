"""Whole answers kept in the ledger (djgj.ledger.kept): a report or a short gaps listing asked again on
an unchanged ledger is read back with the standard library's sqlite3, without importing SQLAlchemy,
and is exactly the answer computed afresh; every write (import, target, undo) and every change of
the question (options, the profile file's text) is a different answer."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from builders import TOWN_HEADER, credit_code, write_csv
from conftest import invoke


def _county(folder: Path, name: str, rows: list[tuple]) -> Path:
    table = [
        [town, f"留存测试{u}号有限公司", credit_code(u), "私营企业", emp, pm, union, members]
        for u, town, emp, pm, union, members in rows
    ]
    return write_csv(folder / name, [TOWN_HEADER, *table])


FIRST = [
    (1, "城关镇", 120, 5, "已建", 80),
    (2, "城关镇", 40, 1, "未建", 0),
    (3, "北关镇", 30, 3, "已建", 12),
    (4, "北关镇", 8, 0, "未建", 0),
]


def _imported(runner, tmp_path: Path, rows: list[tuple] = FIRST, name: str = "a.csv") -> None:
    r = invoke(runner, "import", str(_county(tmp_path, name, rows)), "--as-of", "2014-12-31")
    assert r.exit_code == 0, r.output


def _json(runner, *args: str) -> dict:
    r = invoke(runner, *args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _fresh(runner, monkeypatch, *args: str) -> dict:
    """The same command with nothing kept read (every answer computed from the ledger)."""
    from djgj.ledger import kept

    with monkeypatch.context() as m:
        m.setattr(kept, "read", lambda url, key: None)
        m.setattr(kept, "run", lambda url, key: None)
        return _json(runner, *args)


@pytest.fixture
def asked(monkeypatch) -> set[str]:
    """The keys of every whole answer asked for (kept or not)."""
    from djgj.ledger import kept

    keys: set[str] = set()
    real = kept.key

    def key(*question):
        keys.add(real(*question))
        return real(*question)

    monkeypatch.setattr(kept, "key", key)
    return keys


def _answers(asked: set[str]) -> int:
    """How many of the answers asked for are kept in the ledger."""
    from djgj.ledger.db import open_engine

    with open_engine(write=False).connect() as conn:
        kept = {k for (k,) in conn.exec_driver_sql("SELECT key FROM figure_cache")}
    return len(kept & asked)


def test_a_repeated_report_is_read_back_without_sqlalchemy(runner, tmp_path, asked) -> None:
    _imported(runner, tmp_path)
    first = _json(runner, "report", "--year", "2014")
    assert _answers(asked) == 1
    assert _repeated_without_sqlalchemy() == first


def test_every_write_and_every_option_is_a_different_answer(runner, tmp_path, monkeypatch) -> None:
    _imported(runner, tmp_path)
    asked = [
        ("report", "--year", "2014"),
        ("report", "--year", "2014", "--township", "城关镇"),
        ("report", "--year", "2014", "--union-threshold", "35"),
        ("gaps", "--year", "2014", "--limit", "2"),
        ("gaps", "--year", "2014", "--rule", "应建工会"),
    ]
    before = {a: _json(runner, *a) for a in asked}
    assert len({json.dumps(v, sort_keys=True) for v in before.values()}) == len(asked)
    for a in asked:  # read back, and equal to the answer computed afresh
        assert _json(runner, *a) == before[a] == _fresh(runner, monkeypatch, *a)

    r = invoke(runner, "targets", "set", "建会率", "95%", "--year", "2014")
    assert r.exit_code == 0, r.output
    after_target = _json(runner, "report", "--year", "2014")
    assert after_target != before[asked[0]]
    assert after_target == _fresh(runner, monkeypatch, "report", "--year", "2014")

    more = [(5, "北关镇", 300, 0, "未建", 0)]
    _imported(runner, tmp_path, FIRST + more, name="b.csv")
    for a in asked:
        assert _json(runner, *a) == _fresh(runner, monkeypatch, *a)
    assert _json(runner, *asked[3])[0]["name"] == "留存测试5号有限公司"

    r = invoke(runner, "undo", "2")
    assert r.exit_code == 0, r.output
    for a in asked:
        assert _json(runner, *a) == _fresh(runner, monkeypatch, *a)
    assert _json(runner, *asked[3]) == before[asked[3]]


def test_the_profile_file_text_is_part_of_the_question(runner, tmp_path) -> None:
    _imported(runner, tmp_path)
    profile = tmp_path / "本县.toml"
    profile.write_text(
        'name = "本县"\ntitle = "本县"\nextends = "national"\n[thresholds]\nunion_employees = 25\n',
        encoding="utf-8",
    )
    first = _json(runner, "gaps", "--year", "2014", "--profile", str(profile), "--rule", "应建工会")
    assert [g["name"] for g in first] == ["留存测试2号有限公司"]
    profile.write_text(profile.read_text(encoding="utf-8").replace("= 25", "= 50"), encoding="utf-8")
    second = _json(runner, "gaps", "--year", "2014", "--profile", str(profile), "--rule", "应建工会")
    assert second == []


def test_gaps_read_back_in_every_format_as_computed(runner, tmp_path) -> None:
    _imported(runner, tmp_path)
    for fmt in ("table", "csv", "md"):
        first = invoke(runner, "gaps", "--year", "2014", "--limit", "3", "--format", fmt)
        again = invoke(runner, "gaps", "--year", "2014", "--limit", "3", "--format", fmt)
        assert first.exit_code == again.exit_code == 0, first.output
        assert first.stdout == again.stdout
    out1, out2 = tmp_path / "一.xlsx", tmp_path / "二.xlsx"
    for out in (out1, out2):
        r = invoke(runner, "gaps", "--year", "2014", "--limit", "3", "--format", "xlsx", "-o", str(out))
        assert r.exit_code == 0, r.output
    from python_calamine import CalamineWorkbook

    sheets = [CalamineWorkbook.from_path(str(o)).get_sheet_by_index(0).to_python() for o in (out1, out2)]
    assert sheets[0] == sheets[1]


def test_a_long_listing_is_not_kept(runner, tmp_path, monkeypatch, asked) -> None:
    from djgj.cli import figures

    _imported(runner, tmp_path)
    monkeypatch.setattr(figures, "KEPT_GAP_ROWS", 1)
    _json(runner, "gaps", "--year", "2014")
    assert len(asked) == 1 and _answers(asked) == 0
    _json(runner, "gaps", "--year", "2014", "--limit", "1")
    assert len(asked) == 2 and _answers(asked) == 1


def test_a_long_listing_is_found_again_by_its_kept_statements(runner, tmp_path, backend, monkeypatch) -> None:
    """PostgreSQL: a listing too long to keep is listed again, to the byte, by the statements that
    found it, run with the driver alone (libpq, else psycopg; no SQLAlchemy, no rule compiled); any
    write forgets them."""
    from djgj.cli import figures
    from djgj.figures import metrics
    from djgj.ledger import kept

    _imported(runner, tmp_path)
    monkeypatch.setattr(figures, "KEPT_GAP_ROWS", 0)
    computed = metrics.gaps
    calls: list[int] = []
    monkeypatch.setattr(metrics, "gaps", lambda *a, **k: calls.append(1) or computed(*a, **k))
    lines = [
        ("gaps", "--year", "2014", "--format", fmt, *more)
        for fmt in ("csv", "json", "table", "md")
        for more in ((), ("--rule", "应建工会"), ("--township", "北关镇"))
    ]
    with monkeypatch.context() as m:  # every listing computed from the ledger (and its statements kept)
        m.setattr(kept, "run", lambda url, key: None)
        fresh = {line: invoke(runner, *line).stdout for line in lines}
    assert len(calls) == len(lines) and all(fresh.values())
    calls.clear()
    first = {line: invoke(runner, *line).stdout for line in lines}
    again = {line: invoke(runner, *line).stdout for line in lines}
    assert first == again == fresh
    # PostgreSQL: every repeated listing came from its kept statements; SQLite computes it again
    assert len(calls) == (0 if backend == "postgresql" else 2 * len(lines))
    if backend == "postgresql":
        code = (
            "import sys\nfrom djgj.cli import main\n"
            "import djgj.cli.figures\nsys.modules['djgj.cli.figures'].KEPT_GAP_ROWS = 0\n"
            "sys.argv = ['djgj', 'gaps', '--year', '2014', '--format', 'csv']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'NONE', file=sys.stderr)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=os.environ.copy(), timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.decode().strip().splitlines()[-1] == "NONE"
        assert done.stdout.decode("utf-8").replace("\r\n", "\n") == first[lines[0]]  # as CliRunner reads it
    _imported(runner, tmp_path, [*FIRST, (5, "北关镇", 300, 0, "未建", 0)], name="b.csv")
    calls.clear()
    after = {line: invoke(runner, *line).stdout for line in lines}
    # computed again (each question once on PostgreSQL): the kept statements belong to the old ledger
    assert len(calls) == (3 if backend == "postgresql" else len(lines))
    assert "留存测试5号有限公司" in after[lines[0]] and after != first
    with monkeypatch.context() as m:
        m.setattr(kept, "run", lambda url, key: None)
        assert after == {line: invoke(runner, *line).stdout for line in lines}


def test_nothing_is_read_from_what_is_not_this_ledger_now(runner, tmp_path) -> None:
    from djgj.ledger import kept
    from djgj.ledger.db import HEAD, open_engine, resolve_url

    _imported(runner, tmp_path)
    _json(runner, "report", "--year", "2014")
    url = resolve_url()
    question = kept.key("report", "x")
    with open_engine().begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO figure_cache (key, generation, payload) "
            "SELECT ?, n, '{\"kept\": 1}' FROM ledger_generation",
            (question,),
        )
    assert kept.read(url, question) == {"kept": 1}
    assert kept.read("sqlite:///" + str(tmp_path / "none.db"), question) is None
    assert kept.read("postgresql+psycopg://u@localhost/x", question) is None
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"not a ledger at all" * 100)
    assert kept.read("sqlite:///" + str(foreign), question) is None
    path = str(tmp_path / "ledger.db")
    with sqlite3.connect(path) as con:  # an older schema revision: the usual path upgrades it first
        con.execute("UPDATE alembic_version SET version_num = '0008'")
    assert kept.read(url, question) is None
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = ?", (HEAD,))
    assert kept.read(url, question) == {"kept": 1}
    with sqlite3.connect(path) as con:  # any write since: another generation
        con.execute("UPDATE ledger_generation SET n = n + 1")
    assert kept.read(url, question) is None


@pytest.mark.usefixtures("backend")
def test_postgresql_keeps_the_answer_in_the_ledger(runner, tmp_path, monkeypatch) -> None:
    """No stdlib read there: the answer is read through SQLAlchemy, still without recomputing."""
    from djgj.figures import report

    _imported(runner, tmp_path)
    first = _json(runner, "report", "--year", "2014")

    def no_build(*args, **kwargs):
        raise AssertionError("the kept answer should have been read")

    monkeypatch.setattr(report, "build", no_build)
    assert _json(runner, "report", "--year", "2014") == first
    if os.environ["DJGJ_DB"].startswith("postgresql"):  # read with psycopg alone, in a fresh process
        assert _repeated_without_sqlalchemy() == first


def _repeated_without_sqlalchemy() -> dict:
    """``report --year 2014`` in a fresh process that must not import SQLAlchemy."""
    code = (
        "import sys\nfrom djgj.cli import main\n"
        "sys.argv = ['djgj', 'report', '--year', '2014', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'NONE', file=sys.stderr)\n"
        "print('PSYCOPG' if 'psycopg' in sys.modules else 'NONE', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    said = done.stderr.strip().splitlines()
    assert said[-2] == "NONE"
    if os.environ["DJGJ_DB"].startswith("postgresql") and _libpq_loads():  # libpq itself, not psycopg
        assert said[-1] == "NONE"
    return json.loads(done.stdout)


def _libpq_loads() -> bool:
    from djgj.ledger import libpq

    try:
        libpq.load()
    except libpq.Unavailable:
        return False
    return True


def test_libpq_reads_what_psycopg_reads(runner, tmp_path, backend, monkeypatch) -> None:
    """On PostgreSQL a kept answer is read through libpq itself; psycopg (its stand-in when libpq
    cannot be loaded) reads the same value, and misses the same answers."""
    if backend != "postgresql":
        pytest.skip("libpq reads PostgreSQL ledgers")
    from sqlalchemy import text

    from djgj.ledger import kept, libpq
    from djgj.ledger.db import HEAD, open_engine, resolve_url

    _imported(runner, tmp_path)
    url, question, payload = (
        resolve_url(),
        kept.key("report", "x"),
        {"乡镇": "城关镇" * 40_000, "n": [1, 0.5]},
    )
    engine = open_engine()

    def write(sql: str, **params) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql), params)

    write(
        "INSERT INTO figure_cache (key, generation, payload) SELECT :k, n, :p FROM ledger_generation",
        k=question,
        p=json.dumps(payload, ensure_ascii=False),
    )

    def both(key: str) -> list:
        first = kept.read(url, key)
        with monkeypatch.context() as m:
            m.setattr(libpq, "load", lambda: (_ for _ in ()).throw(libpq.Unavailable("test")))
            return [first, kept.read(url, key)]

    assert both(question) == [payload, payload]
    assert both(kept.key("report", "y")) == [None, None]
    unread = url + ("&" if "?" in url else "?") + "no_such_libpq_option=1"  # a URL libpq refuses
    assert [kept.read(unread, question), both(question)] == [None, [payload, payload]]
    write("UPDATE alembic_version SET version_num = '0008'")
    assert both(question) == [None, None]
    write("UPDATE alembic_version SET version_num = :h", h=HEAD)
    assert both(question) == [payload, payload]
    import importlib.util

    real_spec = importlib.util.find_spec
    with monkeypatch.context() as m:  # no psycopg-binary: the system's libpq, if there is one
        m.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: None if name == "psycopg_binary" else real_spec(name, *a),
        )
        libpq.load.cache_clear()
        if _libpq_loads():
            assert both(question) == [payload, payload]
    libpq.load.cache_clear()
    write("UPDATE ledger_generation SET n = n + 1")
    assert both(question) == [None, None]
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://djgj:s3cret@127.0.0.1:5433/djgj_x",
        "postgresql+psycopg://djgj@localhost/ledger",
        "postgresql://a:b@h/d",
        "postgresql+psycopg://djgj:s3cr%40t@127.0.0.1:5433/djgj_x?connect_timeout=5",
        "postgresql+psycopg://u@/db?host=/tmp/x",
        "postgresql+psycopg://djgj@/t1_0?host=/tmp/djgj-pg-x&port=54376",
        "postgresql+psycopg://djgj:pw@db.example:05432/x?b=2&a=1&a=0",
        "postgresql+psycopg://djgj@h/x?a=&b=1",
        "postgresql+psycopg://d%20j@h/x",
    ],
)
def test_the_ledger_is_named_as_sqlalchemy_names_it(url, monkeypatch) -> None:
    import importlib

    from sqlalchemy.engine import make_url

    cli_app = importlib.import_module("djgj.cli.app")
    monkeypatch.setattr(cli_app.state, "db", url)
    assert cli_app.ledger_name() == make_url(url).render_as_string(hide_password=True)


def test_an_unreachable_postgresql_ledger_is_a_miss() -> None:
    from djgj.ledger import kept

    assert kept.read("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", "k") is None
