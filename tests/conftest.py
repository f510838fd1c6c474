"""Shared fixtures: every test gets its own ledger; the sample county is generated, never read from ../shared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

SAMPLE_AS_OF = {"2013": "2013-12-31", "2014": "2014-12-31"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DJGJ_DB and the user's data/config dirs away from real data."""
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("DJGJ_DB", str(db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("DJGJ_DEBUG", raising=False)
    return db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    """Run a djgj command the way the entry point does (errors translated, exit codes kept)."""
    from djgj.cli import app

    return runner.invoke(app, list(args), catch_exceptions=True)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample county (djgj.samplegen), generated once per test session."""
    from djgj.samplegen import generate

    out = tmp_path_factory.mktemp("samples")
    generate(out)
    return out


def import_samples(sample_dir: Path, db: Path) -> None:
    """Import every generated sample file the way a user would (library calls, one per file)."""
    import json

    from djgj.db import open_engine
    from djgj.importer import Options
    from djgj.ledger import import_file
    from djgj.values import date_value

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
