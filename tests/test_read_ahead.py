"""A long CSV read ahead by a child process (`records.ahead`) imports exactly as when this process
reads it: the same ledger, the same result (warnings, counts, townships, rejects), the same
refusals; a child that cannot start, talks nonsense or dies leaves the file to be read here."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from builders import HEADER, unit_row, write_csv
from conftest import invoke, sql
from djgj.records import ahead
from test_import_streaming import _outcome, _tricky_rows


@pytest.fixture
def children(monkeypatch):
    """Every file read ahead (whatever its length); the children started, as their commands."""
    started: list[list[str]] = []
    real = ahead.subprocess.Popen

    def popen(args, *a, **k):
        if list(args)[-2:] == ["-m", "djgj.records.ahead"]:  # (not a server the test starts)
            started.append(list(args))
        return real(args, *a, **k)

    monkeypatch.setattr(ahead, "READ_AHEAD_ROWS", 0)
    monkeypatch.setattr(ahead.subprocess, "Popen", popen)
    return started


def _both(tmp_path: Path, f: Path, monkeypatch, **options):
    """The outcome of importing ``f`` with the child reading ahead, then read here."""
    from djgj.ledger.db import open_engine
    from djgj.records.parse import Options

    got = []
    for ahead_rows in (0, 10**9):
        monkeypatch.setattr(ahead, "READ_AHEAD_ROWS", ahead_rows)
        engine = open_engine(str(f.parent / f"{ahead_rows}.db"), write=True)
        got.append(_outcome(engine, f, Options(**options)))
    return got


def _long(tmp_path: Path, n: int, **extra) -> Path:
    rows = [["城关镇非公有制企业党建工建情况（2014年度）"], HEADER, *[unit_row(i) for i in range(1, n + 1)]]
    rows += extra.get("tail", [])
    tmp_path.mkdir(exist_ok=True)
    return write_csv(tmp_path / "城关镇_2014.csv", rows)


def test_records_survive_the_pipe_field_for_field(tmp_path):
    from djgj.read.files import read
    from djgj.records.parse import Options, parse

    blanks = [unit_row(60 + i, union="未建", **{h: ""}) for i, h in enumerate(("会员数", "农民工会员数"))]
    f = write_csv(tmp_path / "城关镇_2014.csv", [*_tricky_rows()[:-3], *blanks])
    records = parse(read(f), Options(skip_bad_rows=True)).records
    assert len(records) > 30 and any(r.blank for r in records)
    one_order = [r for r in records if tuple(r.values) == tuple(records[0].values)]
    assert len(one_order) > 20 and ahead.unpack(ahead.pack(one_order)) == one_order
    # values in other orders (as rows read by `parse_row` may give them), between the others
    shuffled = [
        dataclasses.replace(
            r, values=dict(reversed(r.values.items())) if i % 3 else dict(sorted(r.values.items()))
        )
        for i, r in enumerate(records)
    ]
    records = [r for pair in zip(records, shuffled, strict=True) for r in pair]
    assert len({tuple(r.values) for r in records}) >= 3
    got = ahead.unpack(ahead.pack(records))
    assert got == records and [list(r.values) for r in got] == [list(r.values) for r in records]
    assert ahead.unpack(ahead.pack([])) == []


@pytest.mark.parametrize("skip_bad_rows", [True, False])
def test_a_file_read_ahead_imports_as_one_read_here(tmp_path, monkeypatch, children, skip_bad_rows):
    f = write_csv(tmp_path / "城关镇_2014.csv", _tricky_rows())
    ahead_outcome, here = _both(tmp_path, f, monkeypatch, skip_bad_rows=skip_bad_rows)
    assert len(children) == 1 and children[0][-1] == "djgj.records.ahead"
    assert ahead_outcome == here
    if skip_bad_rows:  # the child's warnings, rejects and counts reached the result
        result = ahead_outcome[0]
        assert isinstance(result, dict)
        assert len(result["rejects"]) == 1 and result["rows"] == 41
        assert any("重复出现，内容相同" in w for w in result["warnings"])
        assert result["normalised"] and result["townships"] == ["城关镇"]
    else:  # the child's refusal: nothing written, the same message
        assert "整个文件未导入" in ahead_outcome[0][1]
        assert ahead_outcome[1][0] == []


def test_several_rounds_and_a_conflict_met_late(tmp_path, monkeypatch, children):
    from djgj.ledger import write

    f = _long(tmp_path, 2 * write.BATCH_ROWS + 10)
    ahead_outcome, here = _both(tmp_path, f, monkeypatch)
    assert ahead_outcome == here and len(children) == 1
    assert ahead_outcome[0]["rows"] == 2 * write.BATCH_ROWS + 10  # type: ignore[index]

    late = _long(tmp_path / "late", write.BATCH_ROWS + 10, tail=[unit_row(3, 从业人员数=77)])
    ahead_outcome, here = _both(tmp_path, late, monkeypatch)
    assert ahead_outcome == here
    assert "重复出现且内容不同" in ahead_outcome[0][1]  # type: ignore[index]
    assert ahead_outcome[1][0] == []


_DIES_AFTER_ONE_ROUND = """
import os, pickle, sys
from djgj.records import ahead
from djgj.records.parse import stream_csv
tf, sha256, options, rows = pickle.load(sys.stdin.buffer)
first = next(iter(stream_csv(tf, sha256, options, rows).rounds))
pickle.dump(("round", ahead.pack(first)), sys.stdout.buffer)
sys.stdout.flush()
os._exit(3)
"""


@pytest.mark.parametrize(
    "child",
    [
        ["/nonexistent/python"],  # cannot start: read here
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); print('nonsense')"],  # read here
        [sys.executable, "-c", _DIES_AFTER_ONE_ROUND],  # dies after a round: read again, whole
    ],
    ids=["cannot-start", "nonsense", "dies"],
)
def test_a_child_that_fails_leaves_the_file_to_this_process(tmp_path, monkeypatch, child):
    from djgj.ledger import write

    f = _long(tmp_path, write.BATCH_ROWS + 10)
    monkeypatch.setattr(ahead, "command", lambda: child)
    whole: list[Path] = []
    read = write.sources.read
    monkeypatch.setattr(write.sources, "read", lambda path: whole.append(path) or read(path))
    ahead_outcome, here = _both(tmp_path, f, monkeypatch)
    assert ahead_outcome == here
    assert ahead_outcome[0]["rows"] == write.BATCH_ROWS + 10  # type: ignore[index]
    # A child that never spoke leaves the rounds to this process; one that died mid-way, the whole file.
    assert len(whole) == (1 if "os._exit" in child[-1] else 0)


def test_the_command_reads_ahead_as_a_user_runs_it(runner, tmp_path, children, backend):
    f = _long(tmp_path, 30, tail=[unit_row(3)])  # a repeat: kept once, said
    dry = invoke(runner, "import", "--dry-run", str(f))
    assert dry.exit_code == 0 and "30 行" in dry.output
    assert sql("SELECT count(*) FROM units") == [(0,)]
    done = invoke(runner, "import", str(f))
    assert done.exit_code == 0, done.output
    assert "重复出现，内容相同" in done.output
    assert sql("SELECT count(*), count(DISTINCT township_id) FROM units") == [(30, 1)]
    assert sql("SELECT count(*), sum(employees) FROM snapshots") == [(30, 900)]
    assert len(children) == 2


# ---------------------------------------------------------------- a reader started before the options


@pytest.fixture
def procs(monkeypatch):
    """Every file read ahead and its reader started first thing (whatever its length); the children
    started, as their processes."""
    started: list[object] = []
    real = ahead.subprocess.Popen

    def popen(args, *a, **k):
        proc = real(args, *a, **k)
        if list(args)[-2:] == ["-m", "djgj.records.ahead"]:  # (not a server the test starts)
            started.append(proc)
        return proc

    monkeypatch.setattr(ahead, "READ_AHEAD_ROWS", 0)
    monkeypatch.setattr(ahead, "EARLY_BYTES", 0)
    monkeypatch.setattr(ahead.subprocess, "Popen", popen)
    return started


def _ended(procs) -> bool:
    return all(p.poll() is not None for p in procs)


def test_the_command_starts_its_reader_first_and_reads_with_it(runner, tmp_path, procs, monkeypatch):
    late: list[object] = []  # readers started when the import asks for rounds
    real_start = ahead._start
    monkeypatch.setattr(ahead, "_start", lambda job: late.append(job) or real_start(job))
    f = _long(tmp_path, 30, tail=[unit_row(3)])
    done = invoke(runner, "import", str(f))
    assert done.exit_code == 0, done.output
    assert len(procs) == 1 and not late and _ended(procs)  # the early reader was the one that read
    got = (
        sql("SELECT name, credit_code, kind FROM units ORDER BY id"),
        sql("SELECT * FROM snapshots ORDER BY id"),
    )
    # The same file, its reader started when the import asks for rounds (as before): the same ledger.
    monkeypatch.setattr(ahead, "EARLY_BYTES", 10**12)
    monkeypatch.setenv("DJGJ_DB", str(tmp_path / "other.db"))
    again = invoke(runner, "import", str(f))
    assert again.exit_code == 0 and len(procs) == 2 and len(late) == 1
    assert again.output == done.output
    assert (
        sql("SELECT name, credit_code, kind FROM units ORDER BY id"),
        sql("SELECT * FROM snapshots ORDER BY id"),
    ) == got


def test_two_files_each_have_their_early_reader(runner, tmp_path, procs):
    a = _long(tmp_path / "a", 20)
    b = write_csv(
        tmp_path / "红旗镇_2014.csv", [["红旗镇2014年度"], HEADER, *[unit_row(i) for i in range(40, 70)]]
    )
    done = invoke(runner, "import", str(a), str(b))
    assert done.exit_code == 0, done.output
    assert len(procs) == 2 and _ended(procs)
    assert sql("SELECT count(*) FROM units") == [(50,)]


def _mapped(path: Path, units: range) -> Path:
    rows = [["企业名称", "从业人员数", "是否建会", "会员数量X"]]
    rows += [[f"第{i}号商贸有限公司", str(10 + i), "已建", str(i % 9)] for i in units]
    return write_csv(path, rows)


def test_an_early_reader_is_not_used_when_the_ledger_remembers_a_mapping_for_the_header(
    runner, tmp_path, procs
):
    opts = ("--as-of", "2014-12-31", "--township", "城关镇", "--kind", "non_public")
    first = invoke(runner, "import", str(_mapped(tmp_path / "a.csv", range(3))), *opts, "--map", "D=会员数")
    assert first.exit_code == 0, first.output
    assert len(procs) == 1 and _ended(procs)  # (the --map is on the command line: its reader read)
    again = invoke(runner, "import", str(_mapped(tmp_path / "b.csv", range(10, 40))), *opts)
    assert again.exit_code == 0, again.output
    assert "沿用此前为相同表头指定的对应" in again.output
    # The early reader read without the remembered mapping: stopped, and one started with it.
    assert len(procs) == 3 and _ended(procs)
    assert sql("SELECT count(*), sum(union_members) FROM snapshots") == [
        (33, 3 + sum(i % 9 for i in range(10, 40)))
    ]
    # A remembered mapping for another header changes nothing in reading this one: its early reader reads.
    other = write_csv(
        tmp_path / "c.csv",
        [["企业名称", "从业人员数", "是否建会"], *[[f"丙{i}有限公司", "5", "未建"] for i in range(30)]],
    )
    third = invoke(runner, "import", str(other), *opts)
    assert third.exit_code == 0, third.output
    assert len(procs) == 4 and _ended(procs)


def test_an_early_reader_stops_when_the_command_does_not_read(runner, tmp_path, procs):
    f = _long(tmp_path, 30)
    bad = invoke(runner, "import", str(f), "--as-of", "去年")
    assert bad.exit_code != 0
    assert len(procs) == 1 and _ended(procs)
    assert invoke(runner, "import", str(f)).exit_code == 0
    already = invoke(runner, "import", str(f))  # the same file again: nothing read
    assert already.exit_code == 0 and "本次未做任何改动" in already.output
    assert len(procs) == 3 and _ended(procs)
    from builders import write_xlsx

    x = write_xlsx(tmp_path / "城关镇.xlsx", [HEADER, unit_row(1)])
    assert invoke(runner, "import", str(x), "--as-of", "2014-12-31").exit_code == 0
    assert len(procs) == 3  # (a workbook: no reader started)


def test_a_reader_that_found_the_file_otherwise_is_not_used(tmp_path):
    import dataclasses
    import os

    from djgj.read.files import text_file

    f = _long(tmp_path, 5)
    tf = text_file(f)
    assert tf is not None and ahead._same_file(dataclasses.replace(tf), tf)
    os.utime(f, ns=(0, 10**18))
    later = text_file(f)
    assert later is not None and not ahead._same_file(later, tf)
    assert not ahead._same_file(None, tf)
    assert not ahead._same_file(dataclasses.replace(tf, codec="gb18030", encoding="gb18030"), tf)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
def test_the_early_readers_look_at_a_file_agrees_with_the_whole_check(tmp_path, encoding):
    from djgj.read.files import text_file, text_file_guess

    f = write_csv(
        tmp_path / "城关镇_2014.csv", [HEADER, *[unit_row(i) for i in range(1, 40)]], encoding=encoding
    )
    guess, whole = text_file_guess(f), text_file(f)
    assert guess is not None and whole is not None
    assert (guess.codec, guess.encoding, guess.newlines) == (whole.codec, whole.encoding, whole.newlines)
    assert ahead._same_file(guess, whole)
    assert text_file_guess(tmp_path) is None and text_file_guess(tmp_path / "无此文件.csv") is None


def test_a_file_whose_start_misleads_the_early_reader_is_read_by_another(tmp_path, monkeypatch):
    """ASCII first, GB18030 further on: the early reader's look takes it for UTF-8, the whole check
    for GB18030; the two do not agree, so the early reader is not used."""
    from djgj.read import files
    from djgj.read.files import text_file, text_file_guess

    monkeypatch.setattr(files, "GUESS_BYTES", 64)
    f = tmp_path / "城关镇_2014.csv"
    f.write_bytes(b"a,b,c\n" * 20 + "城关镇,甲公司,1\n".encode("gb18030"))
    guess, whole = text_file_guess(f), text_file(f)
    assert guess is not None and whole is not None
    assert (guess.codec, whole.codec) == ("utf-8-sig", "gb18030")
    assert not ahead._same_file(guess, whole)
    assert guess.newlines == 10 * f.stat().st_size // 64  # (10 line breaks in its first 64 bytes, scaled)
