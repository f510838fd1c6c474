"""Bad options and hostile files (issue 15): each ends with a clear Chinese message naming the file
or option and what to do, the right exit code, and never `内部错误`.

Every command here runs through `djgj.cli.main`, the installed entry point, which is where an
unexpected exception turns into `内部错误（…）`; `test_no_input_here_answers_internal_error` runs
them all and greps for it. README promises 3 and 9; RELIABILITY.md faults 13 and 18.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builders import HEADER, credit_code, ledger_rows, unit_row, write_csv, write_xlsx
from test_faults import count

INTERNAL = "内部错误"


def djgj(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the installed entry point in-process: (exit code, stdout, stderr)."""
    from djgj.cli import main

    monkeypatch.setattr(sys, "argv", ["djgj", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    assert INTERNAL not in out + err and "Traceback" not in out + err, (args, out + err)
    return code, out, err


@pytest.fixture
def ledger(monkeypatch, capsys, tmp_path, _isolated):
    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    assert code == 0, err
    return _isolated


# ------------------------------------------------------------------ years and limits

BAD_YEARS = ["0", "1", "-1", "10000", "99999", str(10**30)]
YEAR_COMMANDS = [
    ["report", "--year"],
    ["gaps", "--year"],
    ["export", "--format", "csv", "--year"],
    ["targets", "list", "--year"],
    ["check", "--year"],
    ["members", "list", "--joined-year"],
]


@pytest.mark.parametrize("year", BAD_YEARS)
def test_a_year_out_of_range_is_a_usage_error_in_every_command(monkeypatch, capsys, ledger, year):
    for args in YEAR_COMMANDS:
        code, out, err = djgj(monkeypatch, capsys, *args, year)
        assert code == 2, (args, year, out, err)
        assert "不是有效年度" in err and "1900" in err and args[-1] in err, err
        assert not out.strip()  # never a report for the current year instead


@pytest.mark.parametrize("year", ["-5", "0", "99999"])
def test_targets_set_refuses_impossible_years(monkeypatch, capsys, ledger, year):
    code, _, err = djgj(monkeypatch, capsys, "targets", "set", "union_rate", "0.9", "--year", year)
    assert code == 2 and "不是有效年度" in err, err
    code, out, _ = djgj(monkeypatch, capsys, "targets", "list", "--format", "csv")
    assert year not in [line.split(",")[0] for line in out.splitlines()]


def test_the_library_refuses_an_impossible_target_year(ledger):
    from djgj.errors import UsageError
    from djgj.ledger.db import open_engine
    from djgj.rules.targets import set_target

    with pytest.raises(UsageError, match="不是有效年度"), open_engine().begin() as conn:
        set_target(conn, 0, "union_rate", 0.9)


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_a_limit_below_one_is_refused(monkeypatch, capsys, ledger, limit):
    for args in (["gaps", "--year", "2014"], ["members", "list"]):
        code, _, err = djgj(monkeypatch, capsys, *args, "--limit", limit)
        assert code == 2 and "--limit" in err and "正整数" in err, (args, err)
    code, out, _ = djgj(
        monkeypatch, capsys, "gaps", "--year", "2014", "--rule", "union_required", "--limit", "1"
    )
    assert code == 0


def test_huge_integers_are_usage_errors_not_overflows(monkeypatch, capsys, ledger):
    huge = str(10**23)
    for args in (
        ["members", "list", "--limit", huge],
        ["gaps", "--year", "2014", "--limit", huge],
        ["gaps", "--year", "2014", "--union-threshold", huge],
        ["report", "--year", "2014", "--union-threshold", huge],
        ["rules", "--union-threshold", huge],
    ):
        code, _, err = djgj(monkeypatch, capsys, *args)
        assert code == 2 and "正整数" in err, (args, err)


# ------------------------------------------------------------------ output paths and the ledger path


def test_output_to_a_missing_folder_a_full_device_or_a_folder_says_what_to_do(
    monkeypatch, capsys, ledger, tmp_path
):
    cases = {
        str(tmp_path / "no" / "such" / "r.md"): "不存在",
        str(tmp_path): "文件夹",
    }
    if Path("/dev/full").exists():
        cases["/dev/full"] = "磁盘已满"
    for target, words in cases.items():
        code, _, err = djgj(monkeypatch, capsys, "report", "--year", "2014", "--format", "md", "-o", target)
        assert code == 1 and target in err and words in err, (target, err)
    code, _, err = djgj(
        monkeypatch, capsys, "export", "--year", "2014", "-o", str(tmp_path / "no" / "x.xlsx")
    )
    assert code == 1 and "不存在" in err


def test_output_to_dev_null_still_works(monkeypatch, capsys, ledger):
    code, _, err = djgj(monkeypatch, capsys, "report", "--year", "2014", "-o", os.devnull)
    assert code == 0, err
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()  # never replaced by a file


def test_a_folder_or_a_device_as_the_ledger_is_refused(monkeypatch, capsys, tmp_path):
    code, _, err = djgj(monkeypatch, capsys, "--db", str(tmp_path), "report", "--year", "2014")
    assert code == 1 and "是文件夹" in err and "--db" in err, err
    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    code, _, err = djgj(monkeypatch, capsys, "--db", str(tmp_path), "import", str(f))
    assert code == 1 and "是文件夹" in err, err
    code, _, err = djgj(monkeypatch, capsys, "--db", "/dev/null", "import", str(f))
    assert code == 1 and "不是普通文件" in err, err


def test_a_profile_with_a_threshold_that_is_not_a_number_is_named(monkeypatch, capsys, ledger, tmp_path):
    for body in (
        '[thresholds]\nunion_employees = "abc"\n',
        "[thresholds]\nparty_members = -3\n",
        '[targets]\nunion_rate = "八成"\n',
    ):
        profile = tmp_path / "mine.toml"
        profile.write_text('name = "mine"\ntitle = "我的"\nextends = "national"\n' + body, encoding="utf-8")
        code, _, err = djgj(monkeypatch, capsys, "report", "--year", "2014", "--profile", str(profile))
        assert code == 2 and "mine.toml" in err and "无效" in err, (body, err)


@pytest.mark.parametrize("value", ["abc", "-1", "1e9"])
def test_a_bad_busy_timeout_is_named(monkeypatch, capsys, ledger, value):
    monkeypatch.setenv("DJGJ_BUSY_TIMEOUT_MS", value)
    code, _, err = djgj(monkeypatch, capsys, "report", "--year", "2014")
    assert code == 2 and "DJGJ_BUSY_TIMEOUT_MS" in err, err


def test_a_good_busy_timeout_is_used(monkeypatch, capsys, ledger):
    monkeypatch.setenv("DJGJ_BUSY_TIMEOUT_MS", "2500")
    from djgj.ledger.db import open_engine

    engine = open_engine(write=False)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    engine.dispose()


# ------------------------------------------------------------------ hostile input files


def test_a_file_rewritten_during_import_is_refused(monkeypatch, capsys, _isolated, tmp_path):
    from djgj.read import files

    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    other = write_xlsx(tmp_path / "b.xlsx", ledger_rows(5)).read_bytes()
    real = files.sha256_of
    calls = []

    def hash_then_rewrite(path):
        digest = real(path)
        calls.append(path)
        if len(calls) == 2:  # read() hashes the file, then Excel saves it again before it is parsed
            Path(path).write_bytes(other)
            os.utime(path, ns=(1, 1))
        return digest

    monkeypatch.setattr(files, "sha256_of", hash_then_rewrite)
    code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    assert code == 1 and "a.xlsx" in err and "导入过程中被改动" in err, err
    assert count(_isolated) == 0


def test_a_csv_rewritten_while_it_is_streamed_is_not_imported_as_a_mix(
    monkeypatch, capsys, _isolated, tmp_path
):
    """Saved again half-way through a streamed import: the rows and the recorded hash must be of one
    and the same file (the streamed pass is abandoned and the file read again, whole)."""
    import hashlib

    from djgj.read import files

    f = write_csv(tmp_path / "a.csv", [["乡镇", *HEADER], *[["城关镇", *unit_row(i)] for i in range(1, 4)]])
    newer = write_csv(
        tmp_path / "b.csv", [["乡镇", *HEADER], *[["城关镇", *unit_row(i)] for i in range(1, 6)]]
    )
    real = files.csv_rows
    saved = []

    def rewrite_midway(stream, sample, name):
        for k, item in enumerate(real(stream, sample, name)):
            if k == 1 and not saved:
                saved.append(True)
                f.write_bytes(newer.read_bytes())  # the township saves its corrected sheet
            yield item

    monkeypatch.setattr(files, "csv_rows", rewrite_midway)
    code, _, err = djgj(
        monkeypatch, capsys, "import", str(f), "--as-of", "2014-12-31", "--kind", "non_public"
    )
    assert saved
    if code == 0:
        from conftest import sql

        final = hashlib.sha256(f.read_bytes()).hexdigest()
        assert sql("SELECT sha256 FROM import_batches WHERE status = 'ok'") == [(final,)]
        assert count(_isolated) == 5
    else:
        assert code == 1 and "导入过程中被改动" in err, err
        assert count(_isolated) == 0


def test_ctrl_c_during_an_import_says_the_ledger_is_unchanged(monkeypatch, capsys, ledger, tmp_path):
    from djgj.ledger import write

    real = write._finish_batch

    def interrupted(*a, **kw):
        real(*a, **kw)
        raise KeyboardInterrupt  # Ctrl-C just before the commit

    monkeypatch.setattr(write, "_finish_batch", interrupted)
    f = write_xlsx(tmp_path / "b.xlsx", [["城关镇（2015年度）"], HEADER, *[unit_row(i) for i in range(1, 6)]])
    code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    assert code == 130 and "已中断，台账未改动" in err and "b.xlsx" in err, err
    assert count(ledger) == 3
    assert count(ledger, "import_batches") == 1


def test_a_real_sigint_in_the_middle_of_a_streamed_import(tmp_path):
    """SIGINT delivered while the second round of a large CSV is being written: one message, exit
    130, nothing of the file in the ledger, and the same file imports afterwards."""
    from test_faults import big_csv

    f = big_csv(tmp_path / "big.csv", 12_000)
    db = tmp_path / "l.db"
    script = textwrap.dedent(
        """
        import os, signal
        from djgj.ledger import write
        real, rounds = write.RecordWriter.write, []
        def interrupted(self, records):
            rounds.append(1)
            if len(rounds) == 2:
                os.kill(os.getpid(), signal.SIGINT)
            return real(self, records)
        write.RecordWriter.write = interrupted
        from djgj.cli import main
        main()
        """
    )
    env = dict(os.environ, DJGJ_DB=str(db))
    args = ["import", str(f), "--as-of", "2014-12-31"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.count("已中断，台账未改动") == 1 and INTERNAL not in done.stderr, done.stderr
    assert count(db) == 0
    again = subprocess.run(
        [sys.executable, "-c", "from djgj.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert count(db) == 12_000


def test_ctrl_c_surfacing_as_a_failed_rollback_says_the_same(monkeypatch, capsys, ledger, tmp_path):
    from sqlalchemy.exc import PendingRollbackError

    from djgj.ledger import write

    def broken(*a, **kw):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")  # noqa: B904

    monkeypatch.setattr(write, "_finish_batch", broken)
    f = write_xlsx(tmp_path / "b.xlsx", ledger_rows(5))
    code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    assert code == 130 and "已中断，台账未改动" in err and "PendingRollbackError" not in err, err
    assert count(ledger) == 3


def test_ctrl_c_in_any_other_command_says_so(monkeypatch, capsys, ledger):
    from djgj.figures import report

    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "build", interrupted)
    code, _, err = djgj(monkeypatch, capsys, "report", "--year", "2014")
    assert code == 130 and "已中断，台账未改动" in err, err


def test_a_fifo_or_a_device_as_input_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "township.csv"
    os.mkfifo(fifo)
    mapping = tmp_path / "map.toml"
    os.mkfifo(mapping)
    good = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    env = dict(os.environ, DJGJ_DB=str(tmp_path / "l.db"))
    cases = [
        ["import", str(fifo)],
        ["import", "--dry-run", str(fifo)],
        ["import", "/dev/zero"],
        ["import", "--mapping", str(mapping), str(good)],
        ["report", "--profile", str(mapping)],
        ["restore", str(fifo)],
    ]
    for args in cases:
        done = subprocess.run(
            [sys.executable, "-c", "from djgj.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,  # a hang fails here instead of blocking the suite
        )
        assert done.returncode in (1, 2), (args, done.stderr)
        assert INTERNAL not in done.stderr and "错误：" in done.stderr, (args, done.stderr)
    assert (
        "不是普通文件"
        in subprocess.run(
            [sys.executable, "-c", "from djgj.cli import main; main()", "import", str(fifo)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        ).stderr
    )


def test_an_unreadable_file_gets_a_chinese_message(monkeypatch, capsys, _isolated, tmp_path):
    import builtins

    from djgj.read import files

    f = write_xlsx(tmp_path / "locked.xlsx", ledger_rows(3))
    if os.geteuid() != 0:
        f.chmod(0)
    else:  # root reads anything: deny it the way the OS would
        real_open = builtins.open

        def denied(path, *a, **kw):
            if Path(str(path)) == f:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **kw)

        monkeypatch.setattr(files, "open", denied, raising=False)
        monkeypatch.setattr(builtins, "open", denied)
    try:
        code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    finally:
        f.chmod(0o644)
    assert code == 1 and "没有权限读取文件" in err and "locked.xlsx" in err, err
    assert "Permission denied" not in err


def _self_closing_rows_xlsx(path: Path, rows: int) -> Path:
    """What xlsxwriter writes for `set_row` on empty rows: `<row r="…" ht="18" …/>`."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(ledger_rows(3)):
        ws.write_row(r, 0, row)
    for r in range(5, rows):
        ws.set_row(r, 18)
    wb.close()
    return path


def test_empty_self_closing_rows_are_scanned_in_linear_time(tmp_path):
    """60,000 empty `<row …/>` rows (a 160 KB file) took 22 s of CPU in the pre-parse scan, which
    searched for the closing `</row>` of every one of them to the end of the chunk. The scan now runs
    in a child limited to 20 s of CPU (it needs well under one); a quadratic scan is killed."""
    f = _self_closing_rows_xlsx(tmp_path / "rows.xlsx", 60_000)
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
        from djgj.read import files
        book = files.read(sys.argv[1])
        print(len(book.sheets[0].rows))
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(f)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.strip() == "5"  # the title, the header and three units: the empty rows hold nothing


def test_duplicate_header_advice_names_the_column_letter(monkeypatch, capsys, _isolated, tmp_path):
    header = [*HEADER[:5], "从业人员数", *HEADER[5:]]
    rows = [[*r[:5], r[4], *r[5:]] for r in (unit_row(1), unit_row(2))]
    f = write_xlsx(tmp_path / "dup.xlsx", [["城关镇（2014年度）"], header, *rows])
    code, _, err = djgj(monkeypatch, capsys, "import", str(f))
    assert code == 1, err
    assert "--map 'F=忽略'" in err, err  # by column letter: the header text would drop both columns
    assert "--map '从业人员数=" not in err


def test_normalisations_of_names_codes_and_numbers_are_counted_and_shown_by_dry_run(
    monkeypatch, capsys, _isolated, tmp_path
):
    code1 = credit_code(1)
    rows = [
        ["乡镇", *HEADER],
        [
            "城关镇",
            *unit_row(
                1,
                企业名称="萬興電子（集團）有限公司",
                统一社会信用代码=f"{code1[:8].lower()} {code1[8:].lower()}",
            ),
        ],
        ["城关镇", *unit_row(2, employees="1,234")],
        ["城关镇", *unit_row(3)],
    ]
    f = write_csv(tmp_path / "a.csv", rows)
    summaries = []
    for args in (["--dry-run"], []):
        code, out, err = djgj(
            monkeypatch, capsys, "import", str(f), "--as-of", "2014-12-31", "--kind", "non_public", *args
        )
        assert code == 0, err
        summaries.append(out)
    for out in summaries:
        assert "单位名称繁体字转简体 1 处" in out, out
        assert "单位名称全角括号转半角" in out, out
        assert "统一社会信用代码转大写或去掉空格 1 处" in out, out
        assert "千位分隔符" in out, out
    assert "试运行" in summaries[0] and "列映射" in summaries[0]
    from conftest import sql

    assert sql("SELECT name, credit_code FROM units WHERE credit_code = :c", c=code1) == [
        ("万兴电子(集团)有限公司", code1)
    ]
    assert sql("SELECT employees FROM snapshots WHERE employees = 1234")


# ------------------------------------------------------------------ the grep


def test_no_input_here_answers_internal_error(monkeypatch, capsys, ledger, tmp_path):
    """Every hostile input of this file once more, through the entry point: a message, never 内部错误."""
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(os.urandom(3000))
    lines = [
        *[[*args, y] for args in YEAR_COMMANDS for y in BAD_YEARS],
        ["targets", "set", "union_rate", "0.9", "--year", "-5"],
        ["targets", "set", "union_rate", "abc", "--year", "2015"],
        ["gaps", "--limit", "-5"],
        ["members", "list", "--limit", "0"],
        ["members", "show", "13800138001"],
        ["report", "-o", str(tmp_path / "none" / "r.md")],
        ["report", "--year", "2014", "-o", str(tmp_path)],
        ["--db", str(tmp_path), "report"],
        ["--db", "postgresql+pg8000://u:pw@h/d", "report"],
        ["import", str(junk)],
        ["import", str(tmp_path / "missing.xlsx")],
        ["import", str(tmp_path)],
        ["backup", str(tmp_path / "none" / "b.db")],
        ["restore", str(junk)],
        ["restore", str(tmp_path)],
        ["merge", str(junk)],
    ]
    for args in lines:
        code, _, err = djgj(monkeypatch, capsys, *args)
        assert code in (1, 2) and err.startswith("错误："), (args, code, err)


def test_years_limits_and_phone_masks_hold_on_both_backends(backend, monkeypatch, capsys, tmp_path):
    from test_checks import ROSTER_HEADER, member

    f = write_xlsx(tmp_path / "a.xlsx", ledger_rows(3))
    assert djgj(monkeypatch, capsys, "import", str(f))[0] == 0
    row = member(1, 1)
    row[ROSTER_HEADER.index("联系电话")] = "13800138001、13900139001"
    roster = write_xlsx(tmp_path / "r.xlsx", [["花名册"], ROSTER_HEADER, row])
    assert djgj(monkeypatch, capsys, "import", str(roster), "--roster")[0] == 0
    assert djgj(monkeypatch, capsys, "targets", "set", "union_rate", "0.9", "--year", "0")[0] == 2
    assert djgj(monkeypatch, capsys, "report", "--year", "10000")[0] == 2
    assert djgj(monkeypatch, capsys, "members", "list", "--limit", "0")[0] == 2
    code, out, _ = djgj(monkeypatch, capsys, "members", "list", "--format", "csv")
    assert code == 0 and "138****8001、139****9001" in out and "13900139001" not in out
    code, _, err = djgj(monkeypatch, capsys, "members", "show", "13900139001")
    assert code == 1 and "13900139001" not in err
    from conftest import sql

    assert sql("SELECT count(*) FROM targets") == [(0,)]
