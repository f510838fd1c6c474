"""Townships an import names that the ledger did not know: said, so a misread name is seen at once."""

from __future__ import annotations

from sqlalchemy import Connection, select

from djgj.ledger.models import Township


def known_townships(conn: Connection, county: str = "") -> set[str]:
    """The township names the ledger holds for `county` before a file is written."""
    return set(conn.scalars(select(Township.name).where(Township.county == county)))


def new_township_notes(known: set[str], named: set[str]) -> list[str]:
    """One line naming the townships of this file that are new to the ledger (none when the ledger
    was empty: every township of a first import is new, and the summary lists them already)."""
    new = sorted(named - known)
    if not new or not known:
        return []
    return [f"新乡镇（台账中原来没有）：{'、'.join(new)}；如是错别字或别称，请改正后重新导入"]
