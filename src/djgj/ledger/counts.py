"""What a write into the ledger did, counted the same way by an import and by a merge."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(kw_only=True)
class Counts:
    units_created: int = 0
    units_updated: int = 0
    units_matched: int = 0
    snapshots_created: int = 0
    snapshots_updated: int = 0
    snapshots_unchanged: int = 0
    people: int = 0
    memberships: int = 0
    #: Known values a file gave differently for the same unit and date (old → new, both kept).
    conflicts: int = 0
    #: Blank cells that did not replace a value the ledger already held.
    blanks_kept: int = 0

    def counts(self) -> dict[str, int]:
        """The counts alone (as a batch records them), whatever result they are part of."""
        return {f.name: getattr(self, f.name) for f in fields(Counts)}


__all__ = ["Counts"]
