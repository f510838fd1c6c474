"""A CSV ledger is imported row by row: memory does not grow with its length, and the outcome is
exactly that of reading the file whole (records, counts, warnings, rejects, messages).

Functional, not timed.
"""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import HEADER, unit_row, write_csv, write_xlsx
from conftest import invoke, sql

# The child imports through the CLI's entry point, then prints its peak resident memory. SQLite's
# page cache during an import (ledger.IMPORT_CACHE_KIB, 16 MB) fills with the database's pages: a
# deliberate, bounded cost that would grow here from 7 MB (20k rows) to 27 MB (80k rows). It is set to
# SQLite's default so that what is measured is what the import itself holds.
CHILD = """
import resource
import sys
import djgj.ledger.write
import djgj.records.ahead
from djgj.cli import main
djgj.ledger.write.IMPORT_CACHE_KIB = 2000
if sys.argv[2] == "here":
    djgj.records.ahead.READ_AHEAD_ROWS = 10**9
sys.argv = ["djgj", "import", sys.argv[1]]
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        # with a child reading ahead: its peak too (the two together bound what the import holds)
        ahead = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print("VmHWM", int(line.split()[1]) + ahead, file=sys.stderr)
"""


def _long_csv(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["城关镇非公有制企业党建工建情况（2014年度）"])
        w.writerow(HEADER)
        for i in range(1, n + 1):
            w.writerow(unit_row(i, employees=20 + i % 50))
    return path


def _peak_kib(path: Path, db: Path, where: str) -> int:
    env = {"DJGJ_DB": str(db), "PATH": "/usr/bin:/bin", "HOME": str(db.parent)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), where], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    peak = [line for line in done.stderr.splitlines() if line.startswith("VmHWM")]
    assert peak, done.stderr
    return int(peak[-1].split()[1])


@pytest.mark.slow  # two long files in child processes: CI runs it
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize("where", ["here", "ahead"])
def test_import_memory_does_not_grow_with_file_length(tmp_path, where):
    small = _peak_kib(_long_csv(tmp_path / "城关镇_20k.csv", 20_000), tmp_path / "small.db", where)
    large = _peak_kib(_long_csv(tmp_path / "城关镇_80k.csv", 80_000), tmp_path / "large.db", where)
    assert large < 1.5 * small, (small, large)


def _tricky_rows() -> list[list[object]]:
    rows: list[list[object]] = [["城关镇非公有制企业党建工建情况（2014年度）"], [], HEADER]
    for i in range(1, 40):
        rows.append(unit_row(i))
        if i == 3:
            rows.append(unit_row(i))  # identical duplicate: kept once, reported
        if i == 7:
            rows.append([])  # empty row
        if i == 9:
            rows.append(unit_row(900, 会员数="很多"))  # a count that cannot be read: refused
            rows.append(unit_row(901, 会员数=99))  # more members than employees: kept, marked
        if i == 11:
            rows.append(["", "", "", "", "", "", "", "", "", "", "", ""])
        if i == 13:
            rows.append(["5"] + [""] * (len(HEADER) - 1))  # a stray numbering cell, not a unit
    rows.append(unit_row(40, 从业人员数="２５人", 建会时间="2014年3月"))
    rows.append(["合计", "", "", "", 999, "", "", "", "", "", "", ""])
    rows.append(["填表人：张三", "", "", "", "", "", "", "", "", "", "", ""])
    rows.append(["说明：本表为测试"])
    return rows


@pytest.mark.parametrize("skip_bad_rows", [True, False])
def test_streamed_import_equals_reading_the_file_whole(tmp_path, monkeypatch, skip_bad_rows):
    from djgj.ledger.db import open_engine
    from djgj.read import files as sources
    from djgj.records.parse import Options

    f = write_csv(tmp_path / "城关镇_2014.csv", _tricky_rows())
    outcomes = []
    for streamed in (True, False):
        if not streamed:
            monkeypatch.setattr(sources, "text_file", lambda path: None)
        engine = open_engine(str(tmp_path / f"{streamed}.db"), write=True)
        outcomes.append(_outcome(engine, f, Options(skip_bad_rows=skip_bad_rows)))
    assert outcomes[0] == outcomes[1]
    if skip_bad_rows:
        result_fields = outcomes[0][0]
        assert isinstance(result_fields, dict)
        assert len(result_fields["rejects"]) == 1 and result_fields["rows"] == 41
        warnings = "\n".join(result_fields["warnings"])
        assert "重复出现，内容相同" in warnings and "合计行写 999" in warnings and "跳过空行" in warnings
    else:
        assert "整个文件未导入" in outcomes[0][0][1]
        assert outcomes[0][1][0] == []  # nothing written


def test_streamed_refusals_roll_back_and_keep_their_messages(runner, tmp_path):
    differing = [["2014年度"], HEADER, unit_row(1), unit_row(2), unit_row(1, 从业人员数=31)]
    f = write_csv(tmp_path / "城关镇_dup.csv", differing)
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 1
    assert "第3行和第5行重复出现且内容不同" in result.output
    assert sql("SELECT count(*) FROM units") == [(0,)]

    short = [["2014年度"], HEADER, *[unit_row(i) for i in range(1, 8000)], ["甲公司", "x"]]
    f = write_csv(tmp_path / "城关镇_short.csv", short)
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 1 and "第8002行只有 2 个字段" in result.output
    assert sql("SELECT count(*) FROM units") == [(0,)]
    assert sql("SELECT count(*) FROM import_batches WHERE status = 'failed'") == [(2,)]

    dry = write_csv(tmp_path / "城关镇_ok.csv", [["2014年度"], HEADER, *[unit_row(i) for i in range(1, 6)]])
    result = invoke(runner, "import", "--dry-run", str(dry))
    assert result.exit_code == 0 and "试运行" in result.output and "5 行" in result.output
    assert sql("SELECT count(*) FROM units") == [(0,)]


def _outcome(engine, f, options) -> tuple[object, list[object], list[object]]:
    from djgj.errors import DjgjError
    from djgj.ledger import write as ledger

    try:
        result = ledger.import_file(engine, f, options)
        outcome: object = {k: v for k, v in dataclasses.asdict(result).items() if k != "batch_id"}
    except DjgjError as exc:
        outcome = (type(exc), str(exc))
    with engine.connect() as conn:
        tables = [
            conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY id").all()
            for t in ("units", "snapshots", "townships")
        ]
        batches = conn.exec_driver_sql(
            "SELECT file_name, sha256, format, kind, as_of, status, rows, units_created, warnings "
            "FROM import_batches ORDER BY id"
        ).all()
    engine.dispose()
    return outcome, tables, batches


def _shifted(rows: list[list[object]]) -> list[list[object]]:
    """The same table two columns to the right: calamine's row iterator starts at the first used column."""
    return [[None, None, *row] for row in rows]


@pytest.mark.parametrize("skip_bad_rows", [True, False])
@pytest.mark.parametrize("shape", ["plain", "shifted", "merged_below_header"])
def test_streamed_xlsx_equals_reading_the_workbook_whole(tmp_path, monkeypatch, skip_bad_rows, shape):
    """A one-sheet xlsx is read row by row, in several rounds: the outcome is that of reading it whole
    in one round (records, counts, warnings, rejects, messages, row numbers)."""
    from djgj.ledger import write as ledger
    from djgj.ledger.db import open_engine
    from djgj.read import files as sources
    from djgj.records.parse import Options

    rows = _tricky_rows()
    merged = None
    if shape == "shifted":
        rows = _shifted(rows)
    elif shape == "merged_below_header":
        merged = [(3, 0, 5, 0, "城关镇")]  # a 乡镇 over a block: filled down, so read whole
        rows = [list(r) for r in rows]
    f = write_xlsx(tmp_path / "城关镇_2014.xlsx", rows, merged=merged)
    read_whole = sources.read
    outcomes = []
    for streamed in (True, False):
        if streamed:
            monkeypatch.setattr(ledger, "BATCH_ROWS", 7)  # several rounds
            if shape != "merged_below_header" and skip_bad_rows:
                monkeypatch.setattr(sources, "read", lambda path: pytest.fail("read whole"))
        else:
            monkeypatch.setattr(ledger, "BATCH_ROWS", 100_000)
            monkeypatch.setattr(sources, "read", read_whole)
            monkeypatch.setattr(sources, "stream_workbook", lambda path: None)
        engine = open_engine(str(tmp_path / f"{shape}{streamed}.db"), write=True)
        outcomes.append(_outcome(engine, f, Options(skip_bad_rows=skip_bad_rows)))
    assert outcomes[0] == outcomes[1]
    result = outcomes[0][0]
    if skip_bad_rows:
        assert isinstance(result, dict) and result["format"] == "xlsx" and result["rows"] == 41
        assert len(result["rejects"]) == 1
    else:
        assert "整个文件未导入" in result[1]  # type: ignore[index]


def test_workbooks_that_are_read_whole(tmp_path):
    """Two sheets (one hidden or not) or a CSV are not streamed as a workbook: `read` says what they hold."""
    from djgj.read import files as sources

    rows = _tricky_rows()
    assert sources.stream_workbook(write_xlsx(tmp_path / "a.xlsx", rows)) is not None
    two = write_xlsx(tmp_path / "b.xlsx", rows, sheets={"甲": rows, "乙": rows})
    assert sources.stream_workbook(two) is None
    hidden = write_xlsx(tmp_path / "c.xlsx", rows, sheets={"甲": rows, "乙": rows}, hidden={"乙"})
    assert sources.stream_workbook(hidden) is None
    assert sources.stream_workbook(write_csv(tmp_path / "d.csv", rows)) is None
    ss = sources.stream_workbook(write_xlsx(tmp_path / "e.xlsx", _shifted(rows)))
    assert ss is not None
    whole = sources.read(tmp_path / "e.xlsx").sheets[0].rows
    assert [row for row, _ in ss.rows] == whole


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("unit"), st.integers(1, 6)),
            st.just(("total", 0)),
            st.just(("subtotal", 0)),
        ),
        min_size=1,
        max_size=14,
    ),
    st.one_of(st.none(), st.tuples(st.integers(0, 14), st.integers(1, 6))),
)
def test_repeats_and_conflicts_streamed_as_read_whole(tmp_path_factory, monkeypatch, steps, changed):
    """Units repeated identically or with other content, before and after totals rows: a streamed
    file (the units it has seen checked a batch at a time) ends exactly as the file read whole."""
    from djgj.ledger.db import open_engine
    from djgj.read import files as sources
    from djgj.records.parse import Options

    tmp = tmp_path_factory.mktemp("steps")
    if changed is not None:  # a unit's row again, another 从业人员数 in it
        steps = [*steps[: changed[0]], ("changed", changed[1]), *steps[changed[0] :]]
    rows: list[list[object]] = [HEADER]
    seen: set[int] = set()
    block = 0
    sums = []  # each 小计 row's block, summed here: 30 employees per unit met for the first time
    for what, i in steps:
        if what in ("total", "subtotal"):
            rows.append(["合计" if what == "total" else "小计", "", "", "", 999, "", "", "", "", "", "", ""])
            if what == "subtotal":
                sums.append(block)
                block = 0
        else:
            rows.append(unit_row(i, 从业人员数=77) if what == "changed" else unit_row(i))
            block += 30 * (i not in seen)
            seen.add(i)
    f = write_csv(tmp / "城关镇_2014.csv", rows)
    outcomes = []
    with monkeypatch.context() as patch:
        for streamed in (True, False):
            if not streamed:
                patch.setattr(sources, "text_file", lambda path: None)
            engine = open_engine(str(tmp / f"{streamed}.db"), write=True)
            outcomes.append(_outcome(engine, f, Options()))
    assert outcomes[0] == outcomes[1]
    if isinstance(outcomes[0][0], dict) and not any(what == "changed" for what, _ in steps):
        said = [w for w in outcomes[0][0]["warnings"] if "小计行写 999" in w]
        assert [int(w.split("本段逐行相加为 ")[1].split("，")[0]) for w in said] == sums
