"""Remembered column mappings: a --map/--mapping given once for a sheet's header is kept in the
ledger and offered again, as plain data, to the next import of a sheet with the same header.

The read stage never touches the ledger: `with_remembered` hands the stored mappings to the parse
in `Options.remembered`; `read.headers.read_header` applies the one whose signature matches and
says so ("沿用此前为相同表头指定的对应：…").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from typing import Any, TypeVar

from sqlalchemy import Engine, insert, select, update

from djgj.ledger.models import HeaderMapping
from djgj.read.headers import header_signature
from djgj.records.parse import Options

R = TypeVar("R")


def remembered(engine: Engine) -> dict[str, dict[str, str]]:
    """Every remembered mapping: header signature → {normalised header or "列:E": field}."""
    with engine.connect() as conn:
        rows = conn.execute(select(HeaderMapping.signature, HeaderMapping.mapping)).all()
    return {sig: dict(mapping or {}) for sig, mapping in rows}


def with_remembered(engine: Engine, options: Options) -> Options:
    """The import options with the ledger's remembered mappings attached (a copy)."""
    return dataclasses.replace(options, remembered=remembered(engine))


def remember(engine: Engine, result: R, options: Options) -> R:
    """After an import that used --map/--mapping, keep the mapping for each of its sheets' headers.
    Returns `result` unchanged (so the import entry can `return remember(...)`)."""
    columns: dict[str, list[dict[str, Any]]] = getattr(result, "columns", {}) or {}
    if not options.overrides or getattr(result, "status", "") != "imported":
        return result
    now = dt.datetime.now()
    with engine.begin() as conn:
        for sheet, cols in columns.items():
            headers = [str(c.get("header", "")) for c in cols]
            sig = header_signature(headers)
            values = {
                "signature": sig,
                "headers": " | ".join(headers),
                "mapping": dict(options.overrides),
                "file_name": f"{getattr(result, 'file', '')}#{sheet}",
                "saved_at": now,
            }
            if conn.dialect.name in ("sqlite", "postgresql"):
                # (the dialect in use only: PostgreSQL's takes 40 ms to load into an SQLite import)
                dialect = importlib.import_module(f"sqlalchemy.dialects.{conn.dialect.name}")
                ins = dialect.insert(HeaderMapping)
                conn.execute(
                    ins.values(**values).on_conflict_do_update(
                        index_elements=["signature"],
                        set_={k: v for k, v in values.items() if k != "signature"},
                    )
                )
            else:  # pragma: no cover - other databases: update, then insert when absent
                done = conn.execute(
                    update(HeaderMapping).where(HeaderMapping.signature == sig).values(**values)
                ).rowcount
                if not done:
                    conn.execute(insert(HeaderMapping).values(**values))
    return result
