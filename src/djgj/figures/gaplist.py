"""A full `gaps` listing assembled from the rows of its kept statements, without SQLAlchemy.

A province's listing is too long to keep as an answer, but the statements that find it are short:
`djgj.figures.metrics.gap_statements` compiles them once, the ledger keeps them under the question
and the generation (`djgj.ledger.cache`), and `djgj.ledger.kept.run` runs them again on an unchanged
ledger with the driver alone. This module turns their rows into exactly the rows `metrics.gaps`
gives (`Gap.as_dict`), in the same order: biggest employers first, then the rule's place in the
profile, then the name.
"""

from __future__ import annotations

from typing import Any

#: `Gap.as_dict()`'s keys, in its order: what a rule carries, then the statement's columns after the
#: unit's id (`metrics.gap_query`).
GAP_KEYS = (
    "rule",
    "severity",
    "message",
    "source",
    "name",
    "township",
    "kind",
    "credit_code",
    "employees",
    "party_members",
    "union_members",
    "union_form",
    "party_org",
    "as_of",
)
_EMPLOYEES, _NAME = GAP_KEYS.index("employees"), GAP_KEYS.index("name")


def listing(kept: dict[str, Any], rows: list[list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """The gap rows of ``kept`` (`gap_statements`' value) from each statement's ``rows``."""
    order = kept["order"]
    found: list[tuple[tuple[Any, ...], int]] = []
    for part, got in zip(kept["parts"], rows, strict=True):
        head = (part["rule"], part["severity"], part["message"], part["source"])
        place = order[part["rule"]]
        found += [(head + tuple(r[1:]), place) for r in got]
    found.sort(key=lambda g: (-(g[0][_EMPLOYEES] or 0), g[1], g[0][_NAME]))
    return [dict(zip(GAP_KEYS, g, strict=True)) for g, _ in found]


__all__ = ["GAP_KEYS", "listing"]
