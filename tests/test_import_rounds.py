"""A streamed file is written in rounds: into an empty ledger every record is a new unit (the row
pipeline passes each unit's first row only), so no round looks a unit up; into a ledger that holds
units, each round looks up the units it names. On SQLite and PostgreSQL; a file read whole (its
sheets may name a unit twice) always looks up. (That a streamed file stores what reading it whole
stores is held by tests/test_import_streaming.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from builders import credit_code, write_csv
from conftest import sql

pytestmark = pytest.mark.usefixtures("backend")

HEADER = ["乡镇", "企业名称", "统一社会信用代码", "企业类型", "从业人员数", "是否建立工会", "建会时间"]


def _rows(more: int = 0) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(12):
        town = "城关镇" if i % 2 else "河口乡"
        code = credit_code(i) if i % 3 else ""  # a third of the units known by name only
        union = ["已建", "未建", "未填"][i % 3]  # 未填: unknown, stored as NULL
        rows.append(
            [
                town,
                f"轮次{i // 2}号有限公司",
                code,
                "私营企业",
                10 + i + more if i % 4 else "未填",
                union,
                "2014-03-05",
            ]
        )
    rows.insert(5, list(rows[1]))  # an identical repeat, in a later round: kept once
    return rows


def _lookups(engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _watch(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith("SELECT") and "norm_name" in statement:
            seen.append(statement)

    return seen


def _stored() -> tuple[list[object], list[object]]:
    units = sql(
        "SELECT u.id, u.kind, u.name, u.norm_name, u.credit_code, t.name FROM units u "
        "LEFT JOIN townships t ON t.id = u.township_id ORDER BY u.id"
    )
    snaps = sql(
        "SELECT s.unit_id, s.as_of, s.employees, s.union_form, s.union_established_on, s.row, "
        "s.unit_name, s.unit_kind FROM snapshots s ORDER BY s.unit_id"
    )
    return units, snaps


def test_streamed_file_into_an_empty_ledger_needs_no_lookups(tmp_path, monkeypatch) -> None:
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.records.parse import Options

    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 3)  # five rounds
    f = write_csv(tmp_path / "轮次.csv", [HEADER, *_rows()])
    engine = open_engine()
    seen = _lookups(engine)
    result = import_file(engine, f, Options(as_of=dt.date(2014, 12, 31)))
    assert result.units_created == 12 and result.snapshots_created == 12
    assert seen == []
    assert any("重复出现，内容相同" in w for w in result.warnings)
    units, snaps = _stored()
    assert [u[0] for u in units] == list(range(1, 13))
    assert sum(1 for u in units if u[4] is None) == 4 and len({u[5] for u in units}) == 2
    assert [s[3] for s in snaps].count(None) == 4  # 未填: unknown, not "no"
    assert [s[2] for s in snaps].count(None) == 3  # 未填 employees: unknown, not 0
    assert {s[4] for s in snaps} == {dt.date(2014, 3, 5)} or {str(s[4]) for s in snaps} == {"2014-03-05"}

    # The next year's file, into the ledger that now holds its units: looked up by
    # round, every record matched to its unit (none created), one more snapshot each.
    g = write_csv(tmp_path / "轮次_2015.csv", [HEADER, *_rows(more=1)])
    result = import_file(engine, g, Options(as_of=dt.date(2015, 12, 31)))
    assert result.units_created == 0 and result.units_matched == 12 and result.snapshots_created == 12
    assert seen != []
    assert sql("SELECT count(*) FROM units") == [(12,)]
    assert sql("SELECT count(DISTINCT unit_id), count(*) FROM snapshots") == [(12, 24)]
    engine.dispose()


def test_file_read_whole_still_looks_up(tmp_path, monkeypatch) -> None:
    """Sheets read whole may name a unit twice: rounds look up what earlier rounds created."""
    from djgj.ledger.db import open_engine
    from djgj.ledger.write import import_file
    from djgj.read import files as sources
    from djgj.records.parse import Options

    monkeypatch.setattr("djgj.ledger.write.BATCH_ROWS", 3)
    monkeypatch.setattr(sources, "text_file", lambda path: None)  # read whole
    f = write_csv(tmp_path / "轮次.csv", [HEADER, *_rows()])
    engine = open_engine()
    seen = _lookups(engine)
    result = import_file(engine, f, Options(as_of=dt.date(2014, 12, 31)))
    assert seen != []
    assert result.units_created == 12 and result.snapshots_created == 12
    assert [u[0] for u in _stored()[0]] == list(range(1, 13))
    engine.dispose()


_VALUES = st.dictionaries(
    st.sampled_from(["employees", "union_form", "party_members", "union_established_on", "industry"]),
    st.none() | st.integers(-5, 10**6) | st.booleans() | st.text(max_size=6) | st.dates(),
    min_size=1,
)


@given(values=_VALUES, order=st.randoms(use_true_random=False))
def test_repeat_digest_ignores_field_order_not_content(values, order) -> None:
    """A repeated row is told from a conflicting one by its content's digest: the same fields in any
    order (a row read by `parse_row` next to one read by the column reader) digest alike; a field
    changed, added or dropped does not (barring a 64-bit collision)."""
    from djgj.records.pipeline import content_digest
    from djgj.records.record import Record

    def rec(vals: dict[str, object]) -> Record:
        return Record("甲公司", "甲公司", "城关镇", "non_public", None, vals, "表1", 3)

    items = list(values.items())
    order.shuffle(items)
    first = rec(values)
    assert content_digest(rec(dict(items)), first.identity()) == content_digest(first, first.identity())
    key = next(iter(values))
    for other in ({**values, key: ("另", values[key])}, {**values, "flags": "x"}, dict(items[1:])):
        assert content_digest(rec(other), first.identity()) != content_digest(first, first.identity())
