"""The import's faster steps give exactly what the plain steps give: the same ledger rows (units,
snapshots with their provenance, townships, year-end state), the same batch record and result
(counts, warnings, normalisation notes, rejects), the same refusals. Each test runs one file twice,
once with the fast step and once with the plain one put back, and compares everything.

Functional, not timed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from builders import HEADER, unit_row, write_csv

pytestmark = pytest.mark.usefixtures("backend")


def _tricky_rows(n: int = 60) -> list[list[object]]:
    """Duplicates, a refused count, an implausible row, blanks (unknown vs convention), a subtotal
    and a total, a footer; dates, names in Traditional and full-width forms, lower-case codes."""
    rows: list[list[object]] = [["城关镇非公有制企业党建工建情况（2014年度）"], [], HEADER]
    for i in range(1, n):
        rows.append(unit_row(i, employees=10 + i % 7))
        if i == 3:
            rows.append(unit_row(i, employees=10 + i % 7))  # identical repeat: kept once, said
        if i == 9:
            rows.append(unit_row(900, 会员数="很多"))  # refused (or rejected with --skip-bad-rows)
            rows.append(unit_row(901, 会员数=99))  # more members than employees: kept, marked
        if i == 12:
            rows.append(unit_row(902, 企业名称="測試（北京）９０２號有限公司", 建会时间="2014年3月"))
        if i == 14:
            code = str(unit_row(903)[2]).lower()
            rows.append(unit_row(903, 统一社会信用代码=f" {code} ", 从业人员数="２５人", 会员数=""))
        if i == 20:
            rows.append(["小计", "", "", "", 999, "", "", "", "", "", "", ""])
    rows.append(["合计", "", "", "", 12345, "", "", "", "", "", "", ""])
    rows.append(["填表人：张三", "", "", "", "", "", "", "", "", "", "", ""])
    return rows


def _outcome(engine: Any, f: Path, options: Any) -> tuple[object, ...]:
    from djgj.errors import DjgjError
    from djgj.ledger import write as ledger

    try:
        result = ledger.import_file(engine, f, options)
        outcome: object = {k: v for k, v in dataclasses.asdict(result).items() if k != "batch_id"}
    except DjgjError as exc:
        outcome = (type(exc).__name__, str(exc), getattr(exc, "details", None))
    with engine.connect() as conn:
        tables = [_table(conn, t) for t in ("units", "snapshots", "townships", "year_states")]
        batches = conn.exec_driver_sql(
            "SELECT file_name, format, kind, as_of, status, rows, units_created, snapshots_written, "
            "warnings, counts FROM import_batches ORDER BY id"
        ).all()
    return outcome, tables, batches


_IDS = {"id", "unit_id", "batch_id", "township_id", "snapshot_id", "replaced_by"}


def _table(conn: Any, table: str) -> list[Any]:
    """A table's rows with each id replaced by what it stands for (ids differ from run to run on
    PostgreSQL, whose sequences are not reset), in a stable order."""
    units = dict(conn.exec_driver_sql("SELECT id, norm_name FROM units").all())
    towns = dict(conn.exec_driver_sql("SELECT id, name FROM townships").all())
    out = []
    for row in conn.exec_driver_sql(f"SELECT * FROM {table}").mappings():
        plain = {k: v for k, v in row.items() if k not in _IDS}
        plain["unit"] = units.get(row["id"] if table == "units" else row.get("unit_id"))
        plain["township"] = towns.get(row.get("township_id"))
        out.append(sorted(plain.items(), key=lambda kv: kv[0]))
    return sorted(out, key=repr)


def _twice(tmp_path: Path, monkeypatch: Any, plain: Any, rows: list[list[object]], **opts: Any) -> list[Any]:
    """The outcome of importing ``rows`` (as CSV, in several rounds) into a fresh ledger and then
    again (one unit more) as of the next year, with the fast steps and with ``plain(monkeypatch)`` applied."""
    from sqlalchemy import text

    from djgj.ledger import write as ledger
    from djgj.ledger.db import open_engine
    from djgj.records import pipeline
    from djgj.records.parse import Options

    f = write_csv(tmp_path / "城关镇_2014.csv", rows)
    g = write_csv(tmp_path / "城关镇_2015.csv", [*rows[:-3], unit_row(990), *rows[-3:]])
    got = []
    for fast in (True, False):
        if not fast:
            plain(monkeypatch)
        monkeypatch.setattr(ledger, "BATCH_ROWS", 7)  # several rounds of writes
        monkeypatch.setattr(pipeline, "ROUND_ROWS", 5)  # and of reading
        engine = open_engine(write=True)
        with engine.begin() as conn:  # each run starts from an empty ledger
            for t in ("year_states", "snapshots", "units", "townships", "import_batches"):
                conn.execute(text(f"DELETE FROM {t}"))
        first = _outcome(engine, f, Options(as_of=dt.date(2014, 12, 31), **opts))
        second = _outcome(engine, g, Options(as_of=dt.date(2015, 12, 31), **opts))
        engine.dispose()
        got.append((first, second))
    return got


def _all_snapshot_columns(monkeypatch: Any) -> None:
    """The plain snapshot INSERT: every value column named, unknown ones bound as NULL."""
    from djgj.ledger import snapshots

    def insert(self: Any, items: Any) -> None:
        rows = list(self._rows(items))
        if self.sqlite:
            snapshots.insert_rows(self.conn, "snapshots", snapshots._INSERT_COLUMNS, rows)
        else:
            snapshots.copy.copy_rows(self.conn, "snapshots", snapshots._INSERT_COLUMNS, rows)

    monkeypatch.setattr(snapshots.SnapshotWriter, "_insert", insert)


@pytest.mark.parametrize("skip_bad_rows", [True, False])
def test_snapshot_insert_naming_only_given_columns_equals_naming_all(tmp_path, monkeypatch, skip_bad_rows):
    fast, plain = _twice(
        tmp_path, monkeypatch, _all_snapshot_columns, _tricky_rows(), skip_bad_rows=skip_bad_rows
    )
    for one, other in zip(fast, plain, strict=True):  # first import, then the next year's
        assert one[0] == other[0]  # result or refusal
        assert one[1] == other[1]  # ledger rows
        assert one[2] == other[2]  # batches
    if skip_bad_rows:
        result = fast[0][0]
        assert isinstance(result, dict) and result["rows"] > 50 and len(result["rejects"]) == 1
        assert fast[0][1][1], "snapshots written"
    else:
        assert "整个文件未导入" in fast[0][0][1]
