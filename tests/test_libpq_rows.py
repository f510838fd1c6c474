"""A kept `gaps` listing read through libpq itself (djgj.ledger.libpq: COPY text, typed from the
server's description) gives exactly the rows psycopg gives, and the CSV a PostgreSQL ledger prints
is the CSV a SQLite ledger of the same file prints, to the byte, computed or found again by its kept
statements."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import TOWN_HEADER, credit_code, write_csv
from conftest import invoke

#: Text COPY escapes or a spreadsheet runs, and text that only looks like COPY's NULL.
HOSTILE = [
    "制表\t符号有限公司",
    "换行\n公司",
    "回车\r公司",
    "反斜杠\\N公司",
    "\\N",
    "\\",
    '引号"公司"',
    "逗号,公司",
    "=SUM(A1)",
    "'+1 公司",
    "百分号%(x)s公司",
    "百分号%%公司",
    "退格\b换页\f竖制表\v公司",
    "",
]


_names = itertools.count()


def _database(server) -> str:
    """A fresh migrated database on the tests' server."""
    name = f"libpq{os.getpid()}_{next(_names)}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE djgj_template")
    return name


def _libpq():
    from djgj.ledger import libpq

    try:
        libpq.load()
    except libpq.Unavailable:
        pytest.skip("no libpq to load")
    return libpq


@pytest.fixture
def pg_url(pg_server) -> str:
    name = _database(pg_server)
    yield pg_server.url(name)
    pg_server.admin(f"DROP DATABASE {name} WITH (FORCE)")


def _conninfo(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def test_rows_are_what_psycopg_gives(pg_url) -> None:
    import psycopg

    libpq = _libpq()
    texts = {f"t{i}": text for i, text in enumerate(HOSTILE)}
    sql = (
        "SELECT v.t, v.n, v.d, v.b, v.big, 'a%%b'::VARCHAR AS pct FROM (VALUES "
        + ", ".join(
            f"(%({k})s::VARCHAR, %(n{i})s::INTEGER, %(d)s::DATE + {i}, %(b)s::BOOLEAN, %(big)s::BIGINT)"
            for i, k in enumerate(texts)
        )
        + ", (NULL, NULL, NULL, NULL, NULL)) AS v (t, n, d, b, big) WHERE v.n IS NULL OR v.n >= %(low)s::INTEGER"
    )
    params = {
        **texts,
        **{f"n{i}": i - 3 for i in range(len(texts))},
        "d": "2014-12-31",
        "b": True,
        "big": 2**40,
        "low": -2,
    }
    with libpq.connected(_conninfo(pg_url)) as session:
        got = session.rows(sql, params)
    with psycopg.connect(_conninfo(pg_url)) as con:
        want = con.execute(sql, params).fetchall()
    assert got == want
    assert len(got) == len(HOSTILE) and got[-1] == (None,) * 5 + ("a%b",)
    assert {type(v) for v in got[0]} == {str, int, dt.date, bool}
    plain = "SELECT NULL::VARCHAR AS t, 1 AS n UNION ALL SELECT 'x', NULL UNION ALL SELECT '', 2"  # no escape
    with libpq.connected(_conninfo(pg_url)) as session:
        assert session.rows("SELECT 1 AS one WHERE false", {}) == []
        assert session.rows(plain, {}) == [(None, 1), ("x", None), ("", 2)]


def test_rows_psycopg_would_type_otherwise_are_left_to_it(pg_url) -> None:
    libpq = _libpq()
    with libpq.connected(_conninfo(pg_url)) as session:
        for sql in ("SELECT 1.5::NUMERIC AS x", "SELECT now() AS x", "SELECT %(v)s::REAL AS x"):
            with pytest.raises(libpq.Unavailable):
                session.rows(sql, {"v": 1.5} if "%(" in sql else {})
        with pytest.raises(libpq.Failed):  # an SQL error: a miss, the usual path says why
            session.rows("SELECT no_such_column FROM units", {})


def _county(folder: Path) -> Path:
    rows = [
        ["城关镇", name, credit_code(i), "私营企业", 30 + i % 4, i % 3, "未建", 0]
        for i, name in enumerate(
            [*(h for h in HOSTILE if h), *(f"普通{i}号有限公司" for i in range(12))], start=1
        )
    ]
    rows += [["北关镇", "已建会有限公司", credit_code(99), "私营企业", 500, 3, "已建", 100]]
    return write_csv(folder / "县.csv", [TOWN_HEADER, *rows])


def test_postgresql_prints_the_csv_sqlite_prints(runner, tmp_path, pg_server, monkeypatch) -> None:
    from djgj.cli import figures
    from djgj.ledger import kept

    source = _county(tmp_path)
    name = _database(pg_server)
    urls = {"sqlite": os.environ["DJGJ_DB"], "postgresql": pg_server.url(name)}
    monkeypatch.setattr(figures, "KEPT_GAP_ROWS", 0)  # every listing found again by its statements
    lines = [
        ("gaps", "--year", "2014", "--format", "csv", *more)
        for more in ((), ("--rule", "应建工会"), ("--township", "城关镇"), ("--kind", "非公有制企业"))
    ]
    printed: dict[str, list[bytes]] = {}
    for backend, url in urls.items():
        monkeypatch.setenv("DJGJ_DB", url)
        r = invoke(runner, "import", str(source), "--as-of", "2014-12-31")
        assert r.exit_code == 0, r.output
        with monkeypatch.context() as m:
            m.setattr(kept, "run", lambda url, key: None)
            computed = [invoke(runner, *line).stdout_bytes for line in lines]
        printed[backend] = [invoke(runner, *line).stdout_bytes for line in lines]
        assert printed[backend] == computed
    assert printed["postgresql"] == printed["sqlite"]
    from djgj.ledger import libpq

    with monkeypatch.context() as m:  # no libpq to load: psycopg runs the kept statements, same bytes
        m.setattr(libpq, "load", lambda: (_ for _ in ()).throw(libpq.Unavailable("test")))
        asked: list[object] = []
        real_run = kept._run_psycopg
        m.setattr(kept, "_run_psycopg", lambda *a: asked.append(a) or real_run(*a))
        assert [invoke(runner, *line).stdout_bytes for line in lines] == printed["sqlite"]
        assert len(asked) == len(lines)
    listed = printed["sqlite"][0].decode("utf-8")
    assert all(
        f",{x},城关镇," in listed
        for x in ("\\N", "反斜杠\\N公司", "'=SUM(A1)", '"逗号,公司"', '"换行\n公司"')
    )
    # a fresh process on PostgreSQL: through libpq, neither SQLAlchemy nor psycopg imported
    code = (
        "import sys\nfrom djgj.cli import main\n"
        "import djgj.cli.figures\nsys.modules['djgj.cli.figures'].KEPT_GAP_ROWS = 0\n"
        "sys.argv = ['djgj', 'gaps', '--year', '2014', '--format', 'csv']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted({'sqlalchemy', 'psycopg'} & set(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "DJGJ_DB": urls["postgresql"]}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip().splitlines()[-1] == "[]"
    assert done.stdout.replace(b"\r\n", b"\n") == printed["sqlite"][0].replace(b"\r\n", b"\n")
    pg_server.admin(f"DROP DATABASE {name} WITH (FORCE)")
