"""Typed errors, translated once by the CLI.

Every message is written in Chinese for the county cadre who reads it, and names the file,
sheet, row and column where there is one. The CLI prints the message and exits 1 (2 for
`UsageError`); no traceback reaches a user.
"""

from __future__ import annotations


class DjgjError(Exception):
    """Base class: something djgj refuses to do, with a message for the user."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)


class UsageError(DjgjError):
    """The command line itself is wrong (unknown option value, missing argument)."""

    exit_code = 2


class InputError(DjgjError):
    """A file or a value in it is refused; the ledger is unchanged."""


class RowsRefused(InputError):
    """Rows of a file are refused for their values (each named): the file is not imported, but
    ``--skip-bad-rows`` would import the others and list these in the reject report."""


class FormatError(InputError):
    """The file is not a spreadsheet djgj can read (or not what its name says)."""


class LedgerError(DjgjError):
    """The ledger database cannot be used (corrupt, read-only, newer schema, busy)."""


class BusyError(LedgerError):
    """Another djgj process holds the ledger for writing longer than the timeout."""
