"""Shared fixtures: every test gets its own ledger; the sample county is generated, never read from ../shared."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pgserver import PgServer  # shared with bench/run.py

SAMPLE_AS_OF = {"2013": "2013-12-31", "2014": "2014-12-31"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DJGJ_DB and the user's data/config/cache dirs away from real data."""
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("DJGJ_DB", str(db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # kept --help pages
    monkeypatch.delenv("DJGJ_DEBUG", raising=False)
    # Tables are as wide as the page the user's terminal gives; a runner's own (pytest-xdist's
    # workers say 80) must not narrow the ones tests read.
    monkeypatch.delenv("COLUMNS", raising=False)
    return db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    """Run a djgj command the way the entry point does (errors translated, exit codes kept)."""
    from djgj.cli import app

    return runner.invoke(app, list(args), catch_exceptions=True)


def report_json(runner: CliRunner, *args: str) -> dict:
    """`djgj report --format json` of the current test's ledger (the command must succeed)."""
    import json

    res = invoke(runner, "report", "--format", "json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def units_json(runner: CliRunner) -> dict[str, dict]:
    """`djgj units --format json` of the current test's ledger, by unit name."""
    import json

    res = invoke(runner, "units", "--format", "json")
    assert res.exit_code == 0, res.output
    return {u["name"]: u for u in json.loads(res.stdout)}


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample county (djgj.samplegen), generated once per test session."""
    from djgj.samplegen import generate

    out = tmp_path_factory.mktemp("samples")
    generate(out)
    return out


def import_samples(sample_dir: Path, db: Path | str) -> None:
    """Import every generated sample file the way a user would (library calls, one per file)."""
    import json

    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.read.values import date_value
    from djgj.records.parse import Options

    expected = json.loads((sample_dir / "expected.json").read_text(encoding="utf-8"))
    engine = open_engine(str(db))
    for f in expected["files"]:
        opts = Options(roster=f["kind"] == "roster")
        if f.get("as_of") and f["kind"] != "roster":
            opts.as_of = date_value(f["as_of"])[0]
        if f.get("township") and f["kind"] != "roster":
            opts.township = f["township"]
        import_file(engine, sample_dir / f["file"], opts)
    engine.dispose()


@pytest.fixture(scope="session")
def _sample_ledger(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("ledger") / "sample.db"
    import_samples(sample_dir, db)
    return db


@pytest.fixture
def sample_ledger(_sample_ledger: Path, _isolated: Path) -> Path:
    """A fresh copy of the imported sample county as this test's DJGJ_DB."""
    shutil.copy(_sample_ledger, _isolated)
    for suffix in ("-wal", "-shm"):
        if Path(str(_sample_ledger) + suffix).exists():
            shutil.copy(str(_sample_ledger) + suffix, str(_isolated) + suffix)
    os.chmod(_isolated, 0o600)
    return _isolated


@pytest.fixture
def expected(sample_dir: Path) -> dict:
    import json

    return json.loads((sample_dir / "expected.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- PostgreSQL
#
# Tests that use the `backend` fixture run twice: on SQLite and on a real PostgreSQL server that
# this set-up starts itself from the installed binaries (unix socket only, no network), in a fresh
# database cloned from a migrated template. Without PostgreSQL binaries the postgresql runs are
# skipped locally and fail in CI (CI=true), because CI must prove both.

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    try:
        server = PgServer()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL too, but the server could not start: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    from djgj.ledger.db import open_engine

    server.admin("CREATE DATABASE djgj_template")
    open_engine(server.url("djgj_template")).dispose()
    yield server
    server.stop()


def _clone(server: PgServer, template: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on SQLite and on PostgreSQL (DJGJ_DB points at a fresh database of each)."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        name = _clone(server, "djgj_template")
        monkeypatch.setenv("DJGJ_DB", server.url(name))
        yield request.param
        server.admin(f"DROP DATABASE {name} WITH (FORCE)")
    else:
        yield request.param


@pytest.fixture(scope="session")
def _pg_sample_template(pg_server, sample_dir: Path) -> str:
    pg_server.admin("CREATE DATABASE djgj_samples TEMPLATE djgj_template")
    import_samples(sample_dir, pg_server.url("djgj_samples"))  # type: ignore[arg-type]
    return "djgj_samples"


@pytest.fixture
def any_sample_ledger(backend: str, request, monkeypatch: pytest.MonkeyPatch) -> str:
    """The imported sample county on the current backend."""
    if backend == "sqlite":
        request.getfixturevalue("sample_ledger")
        return backend
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("_pg_sample_template")
    name = _clone(server, template)
    monkeypatch.setenv("DJGJ_DB", server.url(name))
    request.addfinalizer(lambda: server.admin(f"DROP DATABASE {name} WITH (FORCE)"))
    return backend


def sql(query: str, **params) -> list[tuple]:
    """Read the current test's ledger (SQLite or PostgreSQL) with plain SQL; dates as ISO text."""
    import datetime as dt

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from djgj.ledger.db import resolve_url

    engine = create_engine(resolve_url(), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(query), params).all()
    finally:
        engine.dispose()
    return [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows]
