"""Cells that a spreadsheet would run as formulas: quoted on the way out, unquoted on the way back in.

Both directions live here, at the reading stage, because the importer must undo exactly what the
renderer did, so that an export imports back unchanged.
"""

from __future__ import annotations

import re

#: Characters that make Excel/WPS treat a cell as a formula (OWASP CSV injection list, plus the
#: full-width forms that WPS and Chinese IMEs produce and that spreadsheets normalise).
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# A run of quotes then a dangerous char: neutralise must quote these too, or a value that already
# starts with "'=" would lose its quote on the way back through unneutralise.
_NEEDS_QUOTE = re.compile("^'*[" + re.escape("".join(DANGEROUS)) + "]")
_QUOTED = re.compile("^'+[" + re.escape("".join(DANGEROUS)) + "]")


#: The first characters of every text `_NEEDS_QUOTE` matches (any other text is left as it is).
_FIRST = frozenset(("'", *DANGEROUS))


def neutralise(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula; reversible by :func:`unneutralise`."""
    if value[:1] not in _FIRST:
        return value
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def unneutralise(value: str) -> str:
    """Remove the one ``'`` that :func:`neutralise` added, so our own exports import back unchanged."""
    return value[1:] if _QUOTED.match(value) else value


__all__ = ["DANGEROUS", "neutralise", "unneutralise"]
