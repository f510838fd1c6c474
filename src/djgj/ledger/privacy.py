"""Personal information (PIPL Arts. 28–29): masking, and the audit log of every unmasked view.

Resident ID numbers and phone numbers are shown masked everywhere — tables, CSV, JSON, xlsx,
logs and error messages — unless the user asks with --show-pii, and each such use is recorded.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
import sys
from typing import Any

from sqlalchemy import Connection, insert

from djgj.ledger.models import AuditEvent

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
#: A mainland mobile number inside free text (with or without +86 / 86), not part of a longer code.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
#: Every run of digits in a phone cell that could be a number (a cell may hold several: mobile and
#: landline, two mobiles separated by 、 or /); short runs (area codes, extensions) stay.
_DIGIT_RUN = re.compile(r"\d{5,}")


def mask_id(number: str | None) -> str | None:
    """130722199001011234 → 130722********1234 (region kept, birth date hidden)."""
    if not number:
        return number
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _mask_number(digits: str) -> str:
    if len(digits) >= 11:
        return digits[:-8] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_phone(phone: str | None) -> str | None:
    """Every number in a phone cell masked: 13812345678 → 138****5678, 65432103 → ******03;
    ``13800138001、13900139001`` and ``手机13800138003 座机65432103`` lose every number, not the last."""
    if not phone:
        return phone
    if len(phone) <= 4 and phone.isdigit():
        return "*" * len(phone)
    return _DIGIT_RUN.sub(lambda m: _mask_number(m.group(0)), phone)


def mask_text(text: str) -> str:
    """Any 18-character ID number and any mobile number inside free text (a warning, an error
    message, a refused cell) masked."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return _MOBILE_IN_TEXT.sub(lambda m: _mask_number(m.group(0)), text)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "unknown"


def audit(conn: Connection, action: str, detail: str | None = None) -> None:
    """Record an unmasked view of personal information: who (OS user), when, which command."""
    conn.execute(
        insert(AuditEvent).values(
            at=dt.datetime.now(), user=os_user(), action=action, detail=detail or " ".join(sys.argv[1:])
        )
    )


#: Row keys holding personal numbers, and how each is masked.
MASKS = {"id_number": mask_id, "phone": mask_phone}
#: Free-text keys that might quote an ID number (messages built from data).
TEXT_KEYS = ("message",)


def mask_row(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``row`` with ID and phone numbers masked, and any ID number inside its messages."""
    out = dict(row)
    for key, mask in MASKS.items():
        if key in out and isinstance(out[key], str | None):
            out[key] = mask(out[key])
    for key in TEXT_KEYS:
        if isinstance(out.get(key), str):
            out[key] = mask_text(out[key])
    for key, value in out.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [mask_row(v) for v in value]
    return out


#: Header words of columns whose every number is personal (a refused row keeps its raw cells).
_PHONE_HEADER = re.compile(r"电话|手机|联系方式|座机|phone|tel", re.IGNORECASE)


def mask_reject(row: dict[str, Any]) -> dict[str, Any]:
    """A refused row for the reject report: every number in a phone column masked, and every ID and
    mobile number anywhere else (a phone typed into a date column, an ID in the unit's cell)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and len(str(int(value))) >= 7:
            value = str(int(value)) if float(value).is_integer() else str(value)
        if isinstance(value, str):
            value = mask_phone(value) if _PHONE_HEADER.search(str(key)) else mask_text(value)
        out[key] = value
    return out
