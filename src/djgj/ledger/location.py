"""Where the ledger is, and which schema revision this djgj writes: what a command needs to know
before it opens the ledger, without importing SQLAlchemy (a kept answer is read with the standard
library's sqlite3 alone, `djgj.ledger.kept`).

`DJGJ_DB` or `--db` names the ledger (a file path or any SQLAlchemy URL); the default is
``ledger.db`` in the user data directory (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The newest migration; a ledger at this revision needs no Alembic at start-up.
HEAD = "0010"


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("djgj", appauthor=False)) / "ledger.db"


def resolve_url(db: str | None = None) -> str:
    value = db or os.environ.get("DJGJ_DB") or str(default_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :])
    return None


__all__ = ["HEAD", "default_path", "resolve_url", "sqlite_path"]
