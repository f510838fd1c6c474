"""`djgj members`: the people of the rosters (会员花名册), listed and looked up.

Functions return raw values, resident ID and phone numbers included, because masking must happen
in exactly one place (`privacy.mask_row`, called by the CLI just before rendering unless
--show-pii). Nothing here prints, and error messages never echo an ID number unmasked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from djgj.errors import InputError, UsageError
from djgj.ledger.models import ImportBatch, Membership, Person, Township, Unit
from djgj.ledger.privacy import mask_id, mask_text
from djgj.ledger.rosters import normalise_id
from djgj.read import values as V

PERSON_COLUMNS = {
    "person_name": Person.name,
    "sex": Person.sex,
    "id_number": Person.id_number,
    "id_valid": Person.id_valid,
    "birth_date": Person.birth_date,
    "politics": Person.politics,
    "is_migrant": Person.is_migrant,
    "phone": Person.phone,
}
MEMBERSHIP_COLUMNS = {
    "unit_name": Unit.name,
    "credit_code": Unit.credit_code,
    "township": Township.name,
    "joined_on": Membership.joined_on,
    "left_on": Membership.left_on,
    "file": ImportBatch.file_name,
    "sheet": Membership.sheet,
    "row": Membership.row,
}


def _unit_condition(conn: Connection, unit: str) -> ColumnElement[bool]:
    """A unit by credit code or by name; an unknown one is a usage error, not an empty list."""
    code = unit.strip().upper()
    norm = V.normalise_name(unit)
    ids = [
        i
        for (i,) in conn.execute(select(Unit.id).where(or_(Unit.credit_code == code, Unit.norm_name == norm)))
    ]
    if not ids:
        raise UsageError(f"台账中没有单位“{mask_text(unit)}”（可写单位名称或统一社会信用代码）")
    return Membership.unit_id.in_(ids)


def listing(
    conn: Connection,
    *,
    unit: str | None = None,
    township: str | None = None,
    migrant: bool | None = None,
    politics: str | None = None,
    joined_year: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """One row per membership (a person on two rosters appears twice), by township, unit, roster row."""
    q = (
        select(*(c.label(k) for k, c in {**PERSON_COLUMNS, **MEMBERSHIP_COLUMNS}.items()))
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .join(Unit, Unit.id == Membership.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(ImportBatch, ImportBatch.id == Membership.batch_id)
        .order_by(Township.name, Unit.name, Membership.id)
    )
    if unit:
        q = q.where(_unit_condition(conn, unit))
    if township:
        q = q.where(Township.name == township)
    if migrant is not None:
        q = q.where(Person.is_migrant.is_(migrant))
    if politics:
        q = q.where(Person.politics.contains(politics, autoescape=True))
    if joined_year is not None:
        q = q.where(
            and_(
                Membership.joined_on >= dt.date(joined_year, 1, 1),
                Membership.joined_on <= dt.date(joined_year, 12, 31),
            )
        )
    if limit is not None:
        from djgj.read.values import check_limit

        q = q.limit(check_limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


def show(conn: Connection, key: str) -> dict[str, Any]:
    """A person, found by ID number or by exact name, with every membership."""
    person_q = select(Person.id, *(c.label(k) for k, c in PERSON_COLUMNS.items()))
    number = normalise_id(key)
    found = conn.execute(person_q.where(Person.id_number == number)).mappings().all()
    if not found:
        found = conn.execute(person_q.where(Person.name == key.strip()).order_by(Person.id)).mappings().all()
    if not found:
        raise InputError(f"花名册中没有“{mask_text(key)}”（可写身份证号或姓名）")
    if len(found) > 1:
        who = "、".join(f"{p['person_name']}（{mask_id(p['id_number'])}）" for p in found[:10])
        raise UsageError(f"花名册中有 {len(found)} 人名为“{key}”：{who}；请改用身份证号")
    person = dict(found[0])
    pid = person.pop("id")
    q = (
        select(*(c.label(k) for k, c in MEMBERSHIP_COLUMNS.items()))
        .select_from(Membership)
        .join(Unit, Unit.id == Membership.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(ImportBatch, ImportBatch.id == Membership.batch_id)
        .where(Membership.person_id == pid)
        .order_by(Membership.id)
    )
    person["memberships"] = [dict(r) for r in conn.execute(q).mappings()]
    return person


__all__ = ["listing", "show"]
