"""djgj benchmarks: each measurement beside a floor measured on the same machine in the same run.

    .venv/bin/python bench/run.py                      # full run (200k / 1M units), writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick              # smoke run (5k / 20k), writes build/bench/RESULTS-quick.md
    .venv/bin/python bench/run.py --units 100000 --big 500000 --repeat 5 --out /tmp/r.md

Every command runs in a fresh subprocess under ``/usr/bin/time`` (wall time measured here, peak RSS
the larger of time's "%M" and the process tree's summed resident sets, sampled); timings are medians of ``--repeat`` runs. Data and ledgers live under
``build/bench/`` (git-ignored) and are regenerated only when missing (the generator is deterministic).
See bench/README.md for what each line means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import province  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
DJGJ = str(VENV_BIN / "djgj") if (VENV_BIN / "djgj").exists() else shutil.which("djgj") or "djgj"
SQLITE = shutil.which("sqlite3")
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
YEAR = 2014
AS_OF = "2014-12-31"
SQL_COLUMNS = [
    "township",
    "name",
    "credit_code",
    "ownership",
    "employees",
    "migrant_workers",
    "party_members",
    "party_org",
    "union_form",
    "union_members",
    "migrant_union_members",
    "union_established_on",
    "instructor",
    "standardization",
]
SQL_TYPES = [
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "INTEGER",
    "INTEGER",
    "INTEGER",
    "TEXT",
    "TEXT",
    "INTEGER",
    "INTEGER",
    "TEXT",
    "TEXT",
    "TEXT",
]


#: Extra environment for every process that imports djgj: PYTHONPATH to a frozen copy of the code
#: (set by `freeze_code`), so edits made in src/ while the benchmark runs do not leak into it.
CODE_ENV: dict[str, str] = {}


def freeze_code(workdir: Path, mode: str) -> str:
    """Measure the committed HEAD (default: a `git archive` copy of src/) or the live working tree."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    if mode == "worktree" or not head:
        subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
        return f"the working tree at `{head}`" + (
            f" with uncommitted changes in {len(dirty.splitlines())} files "
            "under src/ (these may have changed during the run)"
            if dirty
            else ""
        )
    dest = workdir / "code" / head
    if not (dest / "src" / "djgj").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD", "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    CODE_ENV["PYTHONPATH"] = str(dest / "src")
    # Compiled as `pip install` leaves an installed djgj: start-up is then measured as a user meets
    # it, not with every module compiled again in each run (PYTHONDONTWRITEBYTECODE in a shell).
    subprocess.run([PY, "-m", "compileall", "-q", str(dest / "src")], check=True)
    where = subprocess.run(
        [PY, "-c", "import djgj; print(djgj.__file__)"],
        env={**os.environ, **CODE_ENV},
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not where.startswith(str(dest)):
        sys.exit(f"could not point djgj at the frozen copy {dest} (got {where})")
    return (
        f"committed HEAD `{head}` (a frozen `git archive` copy of src/"
        + (
            f"; {len(dirty.splitlines())} files with uncommitted changes under src/ were not measured"
            if dirty
            else ""
        )
        + ")"
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- running and measuring


@dataclass
class Run:
    seconds: float
    peak_mb: float | None
    rc: int
    timed_out: bool = False
    stderr: str = ""


def measure(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    stdout: Path | None = None,
    timeout: float | None = None,
) -> Run:
    """Run ``cmd`` once in a fresh process; wall time and peak RSS: of the whole process tree (its
    members' resident sets summed, sampled every 20 ms: an import reading ahead runs two processes),
    or of its largest member under ``/usr/bin/time`` when that is larger."""
    full_env = {**os.environ, **CODE_ENV, **(env or {})}
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    wrapped = [TIME, "-f", "%M", "-o", time_file, *cmd] if TIME else cmd
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed in finally
    err_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finally
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            wrapped,
            env=full_env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err_file,
            start_new_session=True,
        )
        # A timer kills the group on timeout; the wait itself blocks in waitpid. (Popen's own timeout
        # polls with sleeps of up to 50 ms, which added up to 50 ms to every short command.)
        fired: list[bool] = []

        def kill() -> None:
            fired.append(True)
            os.killpg(p.pid, signal.SIGKILL)  # only the group this call started

        killer = threading.Timer(timeout, kill) if timeout else None
        if killer is not None:
            killer.start()
        tree = TreeMemory(p.pid)
        try:
            p.communicate(stdin.encode() if stdin is not None else None)
        finally:
            tree.stop()
            if killer is not None:
                killer.cancel()
        seconds = time.perf_counter() - t0
        timed_out = bool(fired)
        err_file.seek(0)
        stderr = err_file.read().decode("utf-8", "replace")
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
        err_file.close()
    peak = None
    try:
        text = Path(time_file).read_text().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].strip().isdigit() else None
    except OSError:
        pass
    finally:
        Path(time_file).unlink(missing_ok=True)
    if tree.peak:
        peak = max(peak or 0.0, tree.peak / 2**20)
    rc = -9 if timed_out else p.returncode
    if rc != 0 and not timed_out:
        log(f"  ! exit {rc}: {' '.join(cmd)[:200]}\n{stderr[-2000:]}")
    return Run(seconds, peak, rc, timed_out, stderr)


class TreeMemory:
    """The largest sum of the resident sets of a process group's members, sampled every 20 ms by a
    thread (Linux /proc; nothing elsewhere): the memory a command's processes hold together."""

    def __init__(self, group: int) -> None:
        self.group, self.peak = group, 0
        self.done = threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self.thread = threading.Thread(target=self._watch, daemon=True)
        if Path("/proc/self/stat").exists():
            self.thread.start()

    def _members_rss(self) -> int:
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == self.group:  # (the group's leader is /usr/bin/time)
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                if int(stat[stat.rfind(")") + 2 :].split()[2]) != self.group:
                    continue
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.page
            except (OSError, ValueError, IndexError):
                continue
        return total

    def _watch(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, self._members_rss())

    def stop(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.rc == 0 for r in self.runs)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float | None:
        peaks = [r.peak_mb for r in self.runs if r.peak_mb is not None]
        return max(peaks) if peaks else None

    @property
    def timed_out(self) -> bool:
        return any(r.timed_out for r in self.runs)


def series(
    n: int, make_cmd: Any, *, before: Any = None, stop_on_timeout: bool = True, budget: float = 150, **kw: Any
) -> Series:
    """Up to ``n`` runs; stop repeating once ``budget`` seconds are spent (a slow command runs fewer times)."""
    s = Series()
    for i in range(n):
        if i and sum(r.seconds for r in s.runs) > budget:
            log(f"  (stopped after {i} runs: over the {budget:.0f} s budget of this measurement)")
            break
        if before:
            before(i)
        cmd = make_cmd(i) if callable(make_cmd) else make_cmd
        r = measure(cmd, **kw)
        s.runs.append(r)
        if r.timed_out and stop_on_timeout:
            break
    return s


# ---------------------------------------------------------------- data


def ensure(path: Path, build: Any) -> Path:
    """Build ``path`` through a temporary name unless it already exists (deterministic data)."""
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".part")
    t0 = time.perf_counter()
    build(tmp)
    tmp.rename(path)
    log(f"  wrote {path} in {time.perf_counter() - t0:.1f} s")
    return path


def write_chunks(data: Path, big: int, chunk: int, skip_first: bool) -> list[Path]:
    """The big province as CSV files of ``chunk`` rows each (the units of ``province.units(big)``)."""
    names = [data / f"province_{big}_part{k + 1}.csv" for k in range((big + chunk - 1) // chunk)]
    wanted = names[1:] if skip_first else names
    if all(p.exists() for p in wanted):
        return names
    t0 = time.perf_counter()
    import csv

    it = province.units(big)
    for _k, p in enumerate(names):
        rows = (province.row_of(u) for _, u in zip(range(chunk), it, strict=False))
        if p not in wanted:
            for _ in rows:
                pass
            continue
        tmp = p.with_name(p.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(province.HEADER)
            w.writerows(rows)
        tmp.rename(p)
    log(f"  wrote {len(wanted)} chunk files of {chunk} rows in {time.perf_counter() - t0:.1f} s")
    return names


def fresh_ledger(path: Path) -> None:
    """A new djgj ledger with its schema at the head (migrations run here, outside any timing)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    subprocess.run(
        [PY, "-c", "import sys; from djgj.ledger.db import open_engine; open_engine(sys.argv[1])", str(path)],
        check=True,
        env={**os.environ, **CODE_ENV},
    )


def copy_db(src: Path, dest: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    s, d = sqlite3.connect(f"file:{src}?mode=ro", uri=True), sqlite3.connect(dest)
    with d:
        s.backup(d)
    s.close()
    d.execute("PRAGMA journal_mode=WAL")
    d.close()


def bulk_load(db: Path, n: int) -> None:
    """Write ``province.units(n)`` straight into djgj's schema (units, townships, snapshots, one batch)
    with stdlib executemany, storing exactly what `djgj import` stores for the same CSV."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    name = f"province_{n}_bulk"
    cur = conn.execute(
        "INSERT INTO import_batches (file_name, sha256, format, kind, as_of, imported_at, status, rows, units_created,"
        " units_updated, snapshots_written, warnings) VALUES (?, ?, 'csv', 'ledger', ?, ?, 'ok', ?, ?, 0, ?, '[]')",
        (name + ".csv", f"bulk-{n}", AS_OF, dt.datetime.now().isoformat(" "), n, n, n),
    )
    batch = cur.lastrowid
    towns = province.townships()
    conn.executemany("INSERT INTO townships (name) VALUES (?)", [(t,) for t in towns])
    tid = dict(conn.execute("SELECT name, id FROM townships"))
    max_unit = conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]
    units = list(province.units(n))
    conn.executemany(
        "INSERT INTO units (id, kind, name, norm_name, credit_code, township_id, batch_id) VALUES (?,?,?,?,?,?,?)",
        (
            (max_unit + i + 1, u.kind, u.name, u.name, u.credit_code, tid[u.township], batch)
            for i, u in enumerate(units)
        ),
    )
    conn.executemany(
        "INSERT INTO snapshots (unit_id, as_of, employees, migrant_workers, party_members, party_org, has_instructor,"
        " instructor, union_form, union_established_on, union_established_precision, union_members,"
        ' migrant_union_members, standardization, ownership, batch_id, sheet, "row")'
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                max_unit + i + 1,
                AS_OF,
                u.employees,
                u.migrant_workers,
                u.party_members,
                u.party_org,
                1 if u.instructor else 0,
                u.instructor,
                u.union_form,
                u.union_established_on.isoformat() if u.union_established_on else None,
                "day" if u.union_established_on else None,
                u.union_members,
                u.migrant_union_members,
                u.standardization,
                u.ownership,
                batch,
                name,
                i + 2,
            )
            for i, u in enumerate(units)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


def same_figures(a: Path, b: Path) -> tuple[bool, str]:
    """Whether two ledgers give the same report and gap counts (through bench/direct.py)."""
    outs = []
    for db in (a, b):
        r = subprocess.run(
            [PY, str(HERE / "direct.py"), "report", str(db), str(YEAR)], capture_output=True, check=True
        )
        g = subprocess.run(
            [PY, str(HERE / "direct.py"), "gaps", str(db), str(YEAR)], capture_output=True, check=True
        )
        rep = json.loads(r.stdout)
        outs.append((rep["totals"], rep["by_township"], Counter(x["rule"] for x in json.loads(g.stdout))))
    if outs[0] == outs[1]:
        return True, "identical report figures and gap counts"
    return False, "DIFFERENT figures: the bulk loader does not store what djgj import stores"


# ---------------------------------------------------------------- checks of djgj's output against the baseline


def compare_gaps(djgj_out: Path, direct_out: Path) -> str:
    try:
        a, b = json.loads(djgj_out.read_text()), json.loads(direct_out.read_text())
    except (OSError, ValueError) as exc:
        return f"could not compare ({exc})"
    ca, cb = Counter(x["rule"] for x in a), Counter(x["rule"] for x in b)
    if ca == cb and [x["name"] for x in a] == [x["name"] for x in b]:
        return f"same {len(a):,} gap rows, same order"
    return f"MISMATCH: djgj {len(a):,} rows {dict(ca)}, direct {len(b):,} rows {dict(cb)}"


def compare_report(djgj_out: Path, direct_out: Path) -> str:
    try:
        a, b = json.loads(djgj_out.read_text()), json.loads(direct_out.read_text())
    except (OSError, ValueError) as exc:
        return f"could not compare ({exc})"
    bad = [k for k, v in b["totals"].items() if k in a["totals"] and a["totals"][k] != v]
    towns_bad = [
        t
        for t, f in b["by_township"].items()
        if a["by_township"].get(t, {}).get("union_rate") != f["union_rate"]
    ]
    if not bad and not towns_bad and len(a["by_township"]) == len(b["by_township"]):
        return f"same totals and {len(a['by_township'])} townships"
    return f"MISMATCH in totals {bad[:5]} / townships {towns_bad[:5]}"


# ---------------------------------------------------------------- profiling


PROFILE_DRIVER = """
import cProfile, os, sys
out, db, args = sys.argv[1], sys.argv[2], sys.argv[3:]
os.environ["DJGJ_DB"] = db
sys.argv = ["djgj", *args]
from djgj.cli import main
prof = cProfile.Profile()
prof.enable()
try:
    main()
except SystemExit:
    pass
prof.disable()
prof.dump_stats(out)
"""


def profile_command(
    prof_path: Path, db: Path, args: list[str], stdout: Path
) -> tuple[list[str], dict[str, float]]:
    """cProfile one djgj command in a fresh process (imports included); a summary by cumulative and own time."""
    import pstats

    with open(stdout, "wb") as f:
        subprocess.run(
            [PY, "-c", PROFILE_DRIVER, str(prof_path), str(db), *args],
            stdout=f,
            check=False,
            env={**os.environ, **CODE_ENV},
        )
    st = pstats.Stats(str(prof_path))
    total = st.total_tt  # type: ignore[attr-defined]
    entries = st.stats  # type: ignore[attr-defined]

    def label(key: tuple[str, int, str]) -> str:
        file, line, func = key
        if file == "~":
            return func
        p = Path(file)
        parts = p.parts
        if "djgj" in parts:
            mod = "djgj/" + "/".join(parts[parts.index("djgj") + 1 :])
        elif "site-packages" in parts:
            mod = "/".join(parts[parts.index("site-packages") + 1 :])
        else:
            mod = p.name
        return f"{mod}:{line} {func}"

    lines = [
        f"total {total:.2f} s under cProfile (profiling inflates call-heavy code; read shares, not seconds)",
        "",
        "by cumulative time (djgj functions, then the heaviest library calls):",
    ]
    by_cum = sorted(entries.items(), key=lambda kv: -kv[1][3])
    djgj_rows = [kv for kv in by_cum if "djgj" in kv[0][0] and "cli.py" not in kv[0][0]][:18]
    for key, (_cc, nc, _tt, ct, _) in djgj_rows:
        lines.append(f"  {ct:7.2f} s {100 * ct / total:5.1f}%  {nc:>9,} calls  {label(key)}")
    lines.append("")
    lines.append("heaviest library calls by cumulative time:")
    libs = [
        kv
        for kv in by_cum
        if "site-packages" in kv[0][0]
        and not kv[0][2].startswith("<")
        and "/typer/" not in kv[0][0]
        and "/click/" not in kv[0][0]
    ][:10]
    for key, (_cc, nc, _tt, ct, _) in libs:
        lines.append(f"  {ct:7.2f} s {100 * ct / total:5.1f}%  {nc:>9,} calls  {label(key)}")
    lines.append("")
    lines.append("by own time (where the CPU actually goes):")
    for key, (_cc, nc, tt, _ct, _) in sorted(entries.items(), key=lambda kv: -kv[1][2])[:18]:
        lines.append(f"  {tt:7.2f} s {100 * tt / total:5.1f}%  {nc:>9,} calls  {label(key)}")
    # Shares of named phases (cumulative time of the first matching function, in % of the whole process).
    shares: dict[str, float] = {}
    for name, (file_part, func) in PHASES.items():
        cts = [v[3] for k, v in entries.items() if file_part in k[0] and k[2] == func]
        if cts:
            shares[name] = 100 * max(cts) / total
    imports = sum(
        v[2]
        for k, v in entries.items()
        if k[2]
        in (
            "<built-in method marshal.loads>",
            "<built-in method builtins.compile>",
            "<built-in method builtins.__build_class__>",
        )
    )
    shares["module loading (marshal, compile, class creation; own time)"] = 100 * imports / total
    return lines, shares


#: Phases worth naming in "What limits it": label -> (file path part, function name).
PHASES = {
    "sources.read (open, sha256, decode, csv → grid)": ("djgj/sources.py", "read"),
    "layout.locate (header search, row classification)": ("djgj/layout.py", "locate"),
    "importer.parse (all cells converted and checked)": ("djgj/importer.py", "parse"),
    "importer._parse_row": ("djgj/importer.py", "_parse_row"),
    "importer._note_normalisation": ("djgj/importer.py", "_note_normalisation"),
    "values.credit_code (stdnum validate)": ("djgj/values.py", "credit_code"),
    "values.simplify (NFKC + OpenCC)": ("djgj/values.py", "simplify"),
    "ledger._write_records (all database writes)": ("djgj/ledger.py", "_write_records"),
    "ledger._upsert_snapshot": ("djgj/ledger.py", "_upsert_snapshot"),
    "SQLAlchemy Connection.execute": ("sqlalchemy/engine/base.py", "execute"),
    "sqlite3 Cursor.execute (the database itself)": ("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    "metrics.gaps": ("djgj/metrics.py", "gaps"),
    "metrics.figures": ("djgj/metrics.py", "figures"),
    "report.build": ("djgj/report.py", "build"),
    "render.render_rows": ("djgj/render.py", "render_rows"),
    "render.render_report": ("djgj/render.py", "render_report"),
    "render._jsonable": ("djgj/render.py", "_jsonable"),
    "json encoding": ("json/encoder.py", "encode"),
}


# ---------------------------------------------------------------- the benchmark


@dataclass
class Row:
    what: str
    djgj: Series | None
    base: Series | None
    target: str
    ratio_limit: float | None = None  # met when djgj/base <= this
    abs_limit: float | None = None  # met when djgj seconds < this
    note: str = ""
    base_label: str = ""
    mem_limit: float | None = None  # met when djgj's peak MB < this

    def ratio(self) -> float | None:
        if self.djgj and self.base and self.djgj.runs and self.base.runs and self.base.seconds > 0:
            return self.djgj.seconds / self.base.seconds
        return None

    def met(self) -> str:
        if self.djgj is None or not self.djgj.runs:
            return "—"
        if self.djgj.timed_out or not self.djgj.ok:
            return "**no**"
        r = self.ratio()
        if self.mem_limit is not None:
            peak = self.djgj.peak_mb
            return "yes" if peak is not None and peak < self.mem_limit else "**no**"
        if self.ratio_limit is not None:
            return "yes" if r is not None and r <= self.ratio_limit else "**no**"
        if self.abs_limit is not None:
            return "yes" if self.djgj.seconds < self.abs_limit else "**no**"
        return "—"


def fmt_s(s: Series | None) -> str:
    if s is None or not s.runs:
        return "—"
    if s.timed_out:
        return f"> {max(r.seconds for r in s.runs):.0f} (timeout)"
    if not s.ok:
        return f"failed ({s.runs[-1].rc})"
    v = s.seconds
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}"


def fmt_mb(s: Series | None) -> str:
    return "—" if s is None or s.peak_mb is None else f"{s.peak_mb:,.0f}"


def machine() -> dict[str, str]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = subprocess.run(
        [PY, "-c", "import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)"],
        capture_output=True,
        text=True,
    ).stdout.split()
    cli = (
        subprocess.run([SQLITE, "--version"], capture_output=True, text=True).stdout.split()[:1]
        if SQLITE
        else ["—"]
    )
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": py[0] if py else "?",
        "sqlite_py": py[1] if len(py) > 1 else "?",
        "sqlite_cli": cli[0] if cli else "?",
        "os": platform.platform(),
        "git": git or "?",
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


# ---------------------------------------------------------------- issue 13: targets, every --help, PostgreSQL

RULE = "union_required"
HELP_LIST = """
import typer.main
from djgj.cli import app
root = typer.main.get_command(app)
for name, cmd in root.commands.items():
    print(name)
    for sub in getattr(cmd, "commands", {}):
        print(name, sub)
"""


def help_rows(a: Any, rows: list[Row], notes: list[str]) -> None:
    """`--help` of djgj and of every command and subcommand, each in fresh processes."""
    listing = subprocess.run(
        [PY, "-c", HELP_LIST], capture_output=True, text=True, env={**os.environ, **CODE_ENV}
    )
    commands = [[], *[line.split() for line in listing.stdout.splitlines() if line.strip()]]
    passes = series(a.help_runs, [PY, "-c", "pass"], timeout=60)
    # An empty page cache (djgj.cli.helppage): each page's first run is Typer's (which keeps the
    # page), the others print the kept page, as a user meets them after installing djgj.
    cache = a.workdir / "help-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {"XDG_CACHE_HOME": str(cache)}
    runs = {" ".join(c): series(a.help_runs, [DJGJ, *c, "--help"], env=env, timeout=60) for c in commands}
    worst = max(runs, key=lambda k: runs[k].seconds)
    rows.append(
        Row(
            f"every `--help` ({len(runs)}: djgj and each command); slowest `djgj {worst} --help`".replace(
                "djgj  --help", "djgj --help"
            ),
            runs[worst],
            passes,
            "≤ 0.2 s each",
            abs_limit=0.2001,
            base_label="`python -c pass`",
        )
    )
    notes.append(
        "`--help` medians: "
        + ", ".join(f"`{k or 'djgj'}` {v.seconds:.3f} s" for k, v in sorted(runs.items()))
    )
    firsts = sorted(v.runs[0].seconds for v in runs.values() if v.runs)
    if firsts:
        notes.append(
            f"`--help` first runs (no page kept yet: Typer prints and keeps it): median "
            f"{statistics.median(firsts):.3f} s, slowest {firsts[-1]:.3f} s"
        )


def sqlite_floor(db: Path) -> list[str]:
    return [PY, str(HERE / "direct.py"), "gaps-csv", str(db), str(YEAR), RULE]


def target_rows(
    a: Any, where: str, env: dict[str, str], floor: list[str], rows: list[Row], outs: Path
) -> None:
    """The issue's targets on one ledger: gaps --format csv against the same SQL, gaps --limit 10, report."""
    tag = where.split(",")[0].lower()
    log(f"{where}: gaps --rule {RULE} --format csv, --limit 10, report")
    d_out, b_out = outs / f"{tag}_gaps_{RULE}.csv", outs / f"{tag}_direct_{RULE}.csv"
    dj = series(
        a.repeat,
        [DJGJ, "gaps", "--year", str(YEAR), "--rule", RULE, "--format", "csv"],
        env=env,
        stdout=d_out,
    )
    base = series(a.repeat, floor, stdout=b_out, timeout=a.timeout)
    n_dj = max(0, len(d_out.read_text(encoding="utf-8-sig").splitlines()) - 1) if dj.ok else -1
    n_b = max(0, len(b_out.read_text(encoding="utf-8").splitlines()) - 1) if base.ok else -1
    rows.append(
        Row(
            f"`djgj gaps --rule {RULE} --format csv`, {where}",
            dj,
            base,
            "≤ 5× same SQL",
            ratio_limit=5,
            note=f"djgj {n_dj:,} rows, the same SQL {n_b:,} rows" + ("" if n_dj == n_b else " — MISMATCH"),
            base_label="the same SQL run directly" + (" (psql \\copy)" if "Postgre" in where else ""),
        )
    )
    top_cmd = [DJGJ, "gaps", "--year", str(YEAR), "--rule", RULE, "--limit", "10"]
    first_top = series(a.repeat, top_cmd, env=env, before=lambda _: _forget_figures(env))
    rows.append(
        Row(
            f"`djgj gaps --rule {RULE} --limit 10`, first after a write (kept figures cleared), {where}",
            first_top,
            None,
            "— (computes and keeps)",
        )
    )
    # The last cleared run kept its answer: every run below asks an unchanged ledger.
    top = series(a.repeat, top_cmd, env=env)
    rows.append(
        Row(
            f"`djgj gaps --rule {RULE} --limit 10`, unchanged ledger, {where}",
            top,
            None,
            "≤ 0.5 s",
            abs_limit=0.5001,
        )
    )
    report_cmd = [DJGJ, "report", "--year", str(YEAR), "--format", "json"]
    first = series(a.repeat, report_cmd, env=env, before=lambda _: _forget_figures(env))
    rows.append(
        Row(
            f"`djgj report --year {YEAR}`, first after a write (kept figures cleared), {where}",
            first,
            None,
            "— (computes and keeps)",
        )
    )
    rep = series(a.repeat, report_cmd, env=env)
    rows.append(
        Row(f"`djgj report --year {YEAR}`, unchanged ledger, {where}", rep, None, "≤ 0.6 s", abs_limit=0.6001)
    )


def _forget_figures(env: dict[str, str]) -> None:
    """Empty the ledger's figure cache, as any write makes it stale (the next report computes again)."""
    url = env["DJGJ_DB"]
    if "://" not in url:
        with sqlite3.connect(url) as conn:
            conn.execute("DELETE FROM figure_cache")
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM figure_cache")
    engine.dispose()


def xlsx_import_row(a: Any, xlsxs: list[tuple[int, Path, str]], dbs: Path, rows: list[Row]) -> None:
    """Peak memory (the child's VmHWM, GNU time's %M) of xlsx imports of two lengths: a sheet longer
    than calamine's budget is read in slices of rows (djgj.read.slices), so the peak stays flat."""
    for n, xlsx, how in xlsxs:
        log(f"import memory: djgj import of the {n:,}-row xlsx ({how})")
        db = dbs / f"ledger_xlsx_{n}.db"
        s = series(
            1,
            [DJGJ, "import", str(xlsx), "--as-of", AS_OF],
            before=lambda _, db=db: fresh_ledger(db),
            env={"DJGJ_DB": str(db)},
            timeout=a.import_timeout,
        )
        rows.append(
            Row(
                f"`djgj import` {n:,}-row xlsx, {how} (peak MB is the target: < 200)",
                s,
                None,
                "< 200 MB",
                mem_limit=200,
            )
        )


def _pg_server() -> Any:
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import PgServer  # the tests' server start (initdb + pg_ctl, unix socket, fsync off)

    return PgServer()


def _psql(server: Any, db: str, script: str | None = None, stdout: Path | None = None) -> list[str]:
    """psql on the bench's server: ``script`` with -c, else the script comes on standard input."""
    return [
        str(server.bin / "psql"),
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(server.dir),
        "-p",
        str(server.port),
        "-U",
        "djgj",
        "-d",
        db,
        *(["-c", script] if script is not None else []),
    ]


def pg_section(
    a: Any, data: Path, csv_n: Path, small_db: Path, rows: list[Row], notes: list[str], outs: Path
) -> None:
    """The province case on a PostgreSQL server started here; roll-up (merge, report --depth county);
    and, with --national-units, a national-shaped ledger with member rosters."""
    N = a.units
    try:
        server = _pg_server()
    except Exception as exc:  # noqa: BLE001
        notes.append(f"PostgreSQL rows skipped: the server could not start ({exc})")
        return
    try:
        server.admin("CREATE DATABASE template_djgj")
        subprocess.run(
            [
                PY,
                "-c",
                "import sys; from djgj.ledger.db import open_engine; open_engine(sys.argv[1])",
                server.url("template_djgj"),
            ],
            check=True,
            env={**os.environ, **CODE_ENV},
        )
        counter = iter(range(10_000))

        def fresh(_: int = 0) -> None:
            name = f"p{next(counter)}"
            server.admin(f"CREATE DATABASE {name} TEMPLATE template_djgj")
            state["db"] = name

        state: dict[str, str] = {}
        cols = ", ".join(f"{c} {t}" for c, t in zip(SQL_COLUMNS, SQL_TYPES, strict=True))
        floor_sql = f"DROP TABLE IF EXISTS f; CREATE TABLE f ({cols}); \\copy f FROM '{csv_n}' CSV HEADER\n"
        log(f"PostgreSQL: import {N:,} rows (psql \\copy floor, then djgj import)")
        server.admin("CREATE DATABASE floor")
        floor = series(
            a.repeat,
            _psql(server, "floor"),
            stdin=floor_sql + "CREATE UNIQUE INDEX f_code ON f (credit_code);\n",
            timeout=a.timeout,
        )
        imp = series(
            a.repeat,
            lambda _: [DJGJ, "--db", server.url(state["db"]), "import", str(csv_n), "--as-of", AS_OF],
            before=fresh,
            timeout=a.import_timeout,
        )
        rows.append(
            Row(
                f"`djgj import` {N:,}-unit CSV, PostgreSQL",
                imp,
                floor,
                "≤ 8× floor",
                ratio_limit=8,
                base_label="psql `\\copy` + UNIQUE index",
            )
        )
        env = {"DJGJ_DB": server.url(state["db"])}
        from direct import rule_sql

        floor_q = _psql(server, state["db"], f"\\copy ({rule_sql(YEAR, RULE)}) TO STDOUT CSV HEADER")
        if imp.ok and not imp.timed_out:
            target_rows(a, f"PostgreSQL, {N:,} units", env, floor_q, rows, outs)
        else:  # the questions on an empty ledger would measure nothing (and report refuses an empty year)
            notes.append(
                "PostgreSQL gaps/report rows skipped: the import did not finish, the ledger is empty"
            )
        log("PostgreSQL: roll-up (merge a county ledger, report --depth county)")
        fresh()
        city = server.url(state["db"])
        mg = series(
            1,
            [DJGJ, "--db", city, "merge", str(small_db), "--county", "甲县", "--city", "某市"],
            timeout=a.import_timeout,
        )
        rows.append(Row(f"`djgj merge` {a.mem_small:,}-unit county ledger into PostgreSQL", mg, None, "—"))
        dep = series(
            a.repeat,
            [DJGJ, "--db", city, "report", "--year", str(YEAR), "--depth", "county", "--format", "json"],
            timeout=a.timeout,
        )
        rows.append(Row("`djgj report --depth county` after the merge, PostgreSQL", dep, None, "—"))
        if a.national_units > N:
            national(a, data, server, state, rows, notes, outs)
    finally:
        server.stop()


def national(
    a: Any, data: Path, server: Any, state: dict[str, str], rows: list[Row], notes: list[str], outs: Path
) -> None:
    """Grow a PostgreSQL ledger to --national-units through `djgj import` in --units chunks, import
    member rosters of --national-roster-units units, and ask the same questions; each load against
    psql \\copy of the same files (the floor), the roll-up (`report --depth county`) too."""
    big, N = a.national_units, a.units
    server.admin("CREATE DATABASE national TEMPLATE template_djgj")
    url = server.url("national")
    names = write_chunks(data, big, N, skip_first=False)
    cols = ", ".join(f"{c} {t}" for c, t in zip(SQL_COLUMNS, SQL_TYPES, strict=True))
    server.admin("CREATE DATABASE national_floor")
    copies = "".join(f"\\copy f FROM '{p}' CSV HEADER\n" for p in names)
    floor = series(
        1,
        _psql(server, "national_floor"),
        stdin=f"CREATE TABLE f ({cols}); {copies}CREATE UNIQUE INDEX f_code ON f (credit_code);\n",
        timeout=a.timeout,
    )
    load = Series()
    for p in names:
        log(f"national: djgj import {p.name}")
        r = measure([DJGJ, "--db", url, "import", str(p), "--as-of", AS_OF], timeout=a.import_timeout)
        load.runs.append(r)
        if r.rc != 0:
            notes.append(f"national case stopped: {p.name} failed or timed out")
            return
    total = Run(sum(r.seconds for r in load.runs), max((r.peak_mb or 0) for r in load.runs), 0)
    rows.append(
        Row(
            f"`djgj import` {big:,} units in {len(names)} files of {N:,}, PostgreSQL national",
            Series([total]),
            floor,
            "≤ 8× floor",
            ratio_limit=8,
            base_label="psql `\\copy` of the same files + UNIQUE index",
        )
    )
    ru = a.national_roster_units
    every = province.write_roster_files(data, ru, a.national_roster_members, a.national_roster_file_members)
    files = every[: a.national_roster_files] if a.national_roster_files else every
    members = sum(_lines(p) - 1 for p in files)
    if len(files) < len(every):
        notes.append(
            f"national rosters: the first {len(files)} of {len(every)} files generated "
            f"({a.national_roster_members:,} members) imported (--national-roster-files)"
        )
    rcols = ", ".join(f"c{i} TEXT" for i in range(len(province.ROSTER_HEADER)))
    rcopies = "".join(f"\\copy r FROM '{p}' CSV HEADER\n" for p in files)
    r_floor = series(
        1,
        _psql(server, "national_floor"),
        stdin=f"CREATE TABLE r ({rcols}); {rcopies}CREATE INDEX r_id ON r (c2);\n",
        timeout=a.timeout,
    )
    roster = Series()
    for p in files:
        log(f"national: djgj import {p.name} --roster")
        r = measure([DJGJ, "--db", url, "import", str(p), "--roster"], timeout=a.import_timeout)
        roster.runs.append(r)
        if r.rc != 0:
            notes.append(f"national roster import stopped: {p.name} failed or timed out")
            break
    done = sum(1 for r in roster.runs if r.rc == 0)
    rows.append(
        Row(
            f"`djgj import --roster` {members:,} members (rosters of up to {ru:,} units) in {len(files)} files"
            f"{'' if done == len(files) else f' (only {done} imported)'}, PostgreSQL national",
            Series(
                [
                    Run(
                        sum(r.seconds for r in roster.runs),
                        max((r.peak_mb or 0) for r in roster.runs),
                        0 if done == len(files) else 1,
                    )
                ]
            ),
            r_floor,
            "—",
            base_label="psql `\\copy` of the same files + index",
        )
    )
    per_file = ", ".join(f"{r.seconds:.1f}" for r in roster.runs)
    notes.append(
        f"national roster import, seconds per file of {a.national_roster_file_members:,} members: {per_file}"
    )
    from direct import rule_sql

    target_rows(
        a,
        f"PostgreSQL national, {big:,} units",
        {"DJGJ_DB": url},
        _psql(server, "national", f"\\copy ({rule_sql(YEAR, RULE)}) TO STDOUT CSV HEADER"),
        rows,
        outs,
    )
    dep = series(
        a.repeat,
        [DJGJ, "--db", url, "report", "--year", str(YEAR), "--depth", "county", "--format", "json"],
        timeout=a.timeout,
    )
    rows.append(Row(f"`djgj report --depth county`, PostgreSQL national, {big:,} units", dep, None, "—"))


def _lines(path: Path) -> int:
    """Line breaks in a file, read in blocks."""
    n = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            n += block.count(b"\n")
    return n


def pg_only(a: Any, info: dict[str, str], data: Path, dbs: Path, outs: Path) -> int:
    """`--pg-only`: the PostgreSQL rows alone (the SQLite rows of a full run are not repeated)."""
    started = time.perf_counter()
    csv_n = ensure(data / f"province_{a.units}.csv", lambda p: province.write_csv(p, a.units))
    csv_small = ensure(data / f"province_{a.mem_small}.csv", lambda p: province.write_csv(p, a.mem_small))
    small_db = dbs / f"ledger_{a.mem_small}.db"
    fresh_ledger(small_db)
    subprocess.run(
        [DJGJ, "import", str(csv_small), "--as-of", AS_OF],
        env={**os.environ, **CODE_ENV, "DJGJ_DB": str(small_db)},
        check=True,
        capture_output=True,
    )
    rows: list[Row] = []
    notes: list[str] = []
    pg_section(a, data, csv_n, small_db, rows, notes, outs)
    L = [
        f"PostgreSQL rows, {info['date']}, {info['code']}; {info['nproc']} CPUs ({info['cpu']}); "
        f"{(time.perf_counter() - started) / 60:.1f} min",
        "",
        "| what | djgj s | baseline | baseline s | ratio | target | met? | peak MB djgj / baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r.ratio()
        L.append(
            f"| {r.what} | {fmt_s(r.djgj)} | {r.base_label} | {fmt_s(r.base)} | "
            f"{'—' if ratio is None else f'{ratio:.2f}×'} | {r.target} | {r.met()} | "
            f"{fmt_mb(r.djgj)} / {fmt_mb(r.base)} |"
        )
    L += ["", *[f"- {r.what}: {r.note}" for r in rows if r.note], *[f"- {n}" for n in notes]]
    print("\n".join(L))
    if a.out:
        a.out.write_text("\n".join(L) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="djgj benchmarks against floors measured in the same run")
    ap.add_argument("--units", type=int, default=200_000, help="units in the import / query benchmark")
    ap.add_argument("--big", type=int, default=1_000_000, help="units in the big ledger for gaps/report")
    ap.add_argument("--xlsx", type=int, default=100_000, help="rows in the xlsx reading benchmark")
    ap.add_argument(
        "--xlsx-big",
        type=int,
        default=300_000,
        help="rows of the long xlsx (shared strings) for import memory",
    )
    ap.add_argument(
        "--mem-small", type=int, default=50_000, help="rows of the smaller import (memory vs length)"
    )
    ap.add_argument("--profile-rows", type=int, default=20_000, help="rows of the profiled import")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--help-runs", type=int, default=7, help="runs of --help and python -c pass")
    ap.add_argument(
        "--import-timeout", type=float, default=300, help="seconds before a djgj import is cut off"
    )
    ap.add_argument("--timeout", type=float, default=600, help="seconds before any other command is cut off")
    ap.add_argument(
        "--big-load",
        choices=["djgj", "bulk"],
        default="djgj",
        help="build the big ledger by djgj import in --units chunks (falls back to bulk on timeout) "
        "or by bulk insert straight into djgj's schema",
    )
    ap.add_argument(
        "--code",
        choices=["head", "worktree"],
        default="head",
        help="measure the committed HEAD (a frozen copy of src/, default) or the live working tree",
    )
    ap.add_argument(
        "--pg", choices=["on", "off"], default="on", help="also run the province case on a PostgreSQL server"
    )
    ap.add_argument(
        "--national-units",
        type=int,
        default=0,
        help="PostgreSQL national-shaped case: units in the ledger (the issue asks 1,000,000; 0 = skip)",
    )
    ap.add_argument(
        "--national-roster-units",
        type=int,
        default=2_000,
        help="units whose member rosters the national case imports, every member of each (the ~387,000 "
        "units with their own union among 1,000,000 have ~10,040,000 members)",
    )
    ap.add_argument(
        "--national-roster-members",
        type=int,
        default=10_000_000,
        help="at most this many members in the national rosters",
    )
    ap.add_argument(
        "--national-roster-files",
        type=int,
        default=0,
        help="import only the first N national roster files (0 = all): a shorter run on a busy machine",
    )
    ap.add_argument(
        "--national-roster-file-members",
        type=int,
        default=1_000_000,
        help="members per national roster file (djgj takes files of at most 200 MB and 2,000,000 rows)",
    )
    ap.add_argument(
        "--pg-only",
        action="store_true",
        help="only the PostgreSQL rows (printed, and written to --out if given)",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 5k/20k units, one run each, < 1 min")
    ap.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument(
        "--out", type=Path, default=None, help="results file (default bench/RESULTS.md, quick: build/)"
    )
    a = ap.parse_args(argv)
    if a.quick:
        a.units, a.big, a.xlsx, a.mem_small, a.profile_rows, a.repeat, a.help_runs = (
            5000,
            20000,
            5000,
            2000,
            2000,
            1,
            5,
        )
        a.xlsx_big = 20000
    out_md = a.out or (a.workdir / "RESULTS-quick.md" if a.quick else HERE / "RESULTS.md")
    if not SQLITE:
        sys.exit("sqlite3 CLI not found (apt-get install sqlite3): it is the import floor")
    started = time.perf_counter()
    data = a.workdir / "data"
    dbs = a.workdir / "db"
    outs = a.workdir / "out"
    for d in (data, dbs, outs):
        d.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["code"] = freeze_code(a.workdir, a.code)
    if a.pg_only:
        return pg_only(a, info, data, dbs, outs)
    log(
        f"djgj bench: units={a.units:,} big={a.big:,} xlsx={a.xlsx:,} repeat={a.repeat}; measuring {info['code']}"
    )

    # ---- data
    log("generating data")
    province.self_check()
    N, SMALL, PROF = a.units, a.mem_small, a.profile_rows
    csv_n = ensure(data / f"province_{N}.csv", lambda p: province.write_csv(p, N))
    csv_small = ensure(data / f"province_{SMALL}.csv", lambda p: province.write_csv(p, SMALL))
    csv_prof = ensure(data / f"province_{PROF}.csv", lambda p: province.write_csv(p, PROF))
    xlsx = ensure(data / f"province_{a.xlsx}.xlsx", lambda p: province.write_xlsx(p, a.xlsx))
    xlsx_big = ensure(
        data / f"province_shared_{a.xlsx_big}.xlsx", lambda p: province.write_xlsx_shared(p, a.xlsx_big)
    )

    # ---- start-up, first: on a machine not yet busy with the loads below (a database server's
    # checkpoint or the page cache's write-back after them adds tens of ms to a 0.15 s command)
    log("start-up: every --help vs python -c pass")
    rows: list[Row] = []
    notes: list[str] = []
    help_rows(a, rows, notes)
    roster_units = 20 if a.quick else 200
    if not (data / f"roster_{roster_units}units.xlsx").exists():
        province.write_roster(data, roster_units)
    profiles: dict[str, tuple[list[str], dict[str, float]]] = {}

    # ---- import vs sqlite3 .import
    log(f"import {N:,} rows: sqlite3 .import floor")
    floor_db = dbs / "floor.db"
    floor_script = (
        "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
        f"CREATE TABLE units ({', '.join(f'{c} {t}' for c, t in zip(SQL_COLUMNS, SQL_TYPES, strict=True))});\n"
        f".import --csv --skip 1 {csv_n} units\n"
        "CREATE UNIQUE INDEX ix_units_credit_code ON units (credit_code);\n"
    )

    def clear_floor(_: int) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(floor_db) + suffix).unlink(missing_ok=True)

    floor = series(
        a.repeat, [SQLITE, str(floor_db)], before=clear_floor, stdin=floor_script, timeout=a.timeout
    )
    n_floor = sqlite3.connect(floor_db).execute("SELECT count(*) FROM units").fetchone()[0]
    if n_floor != N:
        notes.append(f"sqlite3 .import loaded {n_floor:,} rows, expected {N:,}")

    log(f"import {N:,} rows: djgj import (timeout {a.import_timeout:.0f} s)")
    ledger_n = dbs / f"ledger_{N}.db"

    def djgj_import_cmd(path: Path) -> list[str]:
        return [DJGJ, "import", str(path), "--as-of", AS_OF]

    imp = series(
        a.repeat,
        djgj_import_cmd(csv_n),
        before=lambda _: fresh_ledger(ledger_n),
        env={"DJGJ_DB": str(ledger_n)},
        timeout=a.import_timeout,
    )
    import_ok = imp.ok and not imp.timed_out
    rows.append(
        Row(
            f"`djgj import` {N:,}-unit CSV (fresh ledger)",
            imp,
            floor,
            "≤ 8× floor",
            ratio_limit=8,
            base_label="sqlite3 `.import` + UNIQUE index",
        )
    )
    if not import_ok:
        log("  djgj import did not finish: bulk-loading the ledger for the query benchmarks")
        fresh_ledger(ledger_n)
        bulk_load(ledger_n, N)
        notes.append(
            f"`djgj import` of {N:,} rows did not finish within {a.import_timeout:.0f} s; the {N:,}-unit "
            "ledger for gaps/report was bulk-loaded into djgj's schema instead."
        )

    log(f"import memory: djgj import of {SMALL:,} rows")
    small_db = dbs / f"ledger_{SMALL}.db"
    imp_small = series(
        1,
        djgj_import_cmd(csv_small),
        before=lambda _: fresh_ledger(small_db),
        env={"DJGJ_DB": str(small_db)},
        timeout=a.import_timeout,
    )
    mem_row = Row(f"import peak memory, {SMALL:,} vs {N:,} rows", None, None, "flat (≤ 1.25×)")
    rows_mem = (imp_small, imp)

    # ---- xlsx reading
    log(f"xlsx {a.xlsx:,} rows: djgj reader, python-calamine, openpyxl read-only")
    read_djgj = (
        "import sys; from djgj.read.files import read; wb = read(sys.argv[1]); "
        "print(sum(len(s.rows) for s in wb.sheets))"
    )
    read_cal = (
        "import sys; from python_calamine import CalamineWorkbook; "
        "rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(); print(len(rows))"
    )
    read_opx = (
        "import sys, openpyxl; wb = openpyxl.load_workbook(sys.argv[1], read_only=True); "
        "print(sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True)))"
    )
    x_djgj = series(a.repeat, [PY, "-c", read_djgj, str(xlsx)], timeout=a.timeout)
    x_cal = series(a.repeat, [PY, "-c", read_cal, str(xlsx)], timeout=a.timeout)
    x_opx = series(1, [PY, "-c", read_opx, str(xlsx)], timeout=a.timeout)
    rows.append(
        Row(
            f"read {a.xlsx:,}-row xlsx: `djgj.read.files.read`",
            x_djgj,
            x_cal,
            "— (reference)",
            base_label="python-calamine `to_python()`",
        )
    )
    rows.append(
        Row(
            f"read {a.xlsx:,}-row xlsx: openpyxl read-only (streamed)",
            x_opx,
            x_cal,
            "— (reference)",
            base_label="python-calamine `to_python()`",
        )
    )

    # ---- gaps and report
    def queries(db: Path, n: int, repeat: int) -> None:
        env = {"DJGJ_DB": str(db)}
        for what in ("gaps", "report"):
            log(f"{what} on {n:,} units: djgj vs direct SQL")
            d_out, b_out = outs / f"djgj_{what}_{n}.json", outs / f"direct_{what}_{n}.json"
            dj = series(
                repeat,
                [DJGJ, what, "--year", str(YEAR), "--format", "json"],
                env=env,
                stdout=d_out,
                timeout=a.timeout,
            )
            base = series(
                repeat,
                [PY, str(HERE / "direct.py"), what, str(db), str(YEAR)],
                stdout=b_out,
                timeout=a.timeout,
            )
            check = (
                (compare_gaps if what == "gaps" else compare_report)(d_out, b_out) if dj.ok else "djgj failed"
            )
            rows.append(
                Row(
                    f"`djgj {what} --year {YEAR} --format json`, {n:,} units",
                    dj,
                    base,
                    "≤ 3× direct SQL",
                    ratio_limit=3,
                    note=check,
                    base_label="same SQL by hand, stdlib sqlite3 + json",
                )
            )

    queries(ledger_n, N, a.repeat)
    target_rows(a, f"SQLite, {N:,} units", {"DJGJ_DB": str(ledger_n)}, sqlite_floor(ledger_n), rows, outs)
    xlsx_import_row(
        a,
        [(a.xlsx, xlsx, "inline strings"), (a.xlsx_big, xlsx_big, "shared strings as Excel saves them")],
        dbs,
        rows,
    )
    if a.pg == "on":
        pg_section(a, data, csv_n, small_db, rows, notes, outs)

    # ---- the big ledger
    big_db = dbs / f"ledger_{a.big}.db"
    big_how = ""
    if a.big > N:
        t0 = time.perf_counter()
        chunked_ok = False
        if a.big_load == "djgj" and import_ok:
            same_prefix = (
                max(a.big, N) <= 100**3
            )  # province.units(n) share a prefix while the brand length is 3
            names = write_chunks(data, a.big, N, skip_first=same_prefix)
            if same_prefix:
                copy_db(ledger_n, big_db)
                todo = names[1:]
            else:
                fresh_ledger(big_db)
                todo = names
            chunk_times = []
            chunked_ok = True
            for _k, p in enumerate(todo):
                log(f"big ledger: djgj import {p.name}")
                r = measure(djgj_import_cmd(p), env={"DJGJ_DB": str(big_db)}, timeout=a.import_timeout)
                if r.rc != 0:
                    chunked_ok = False
                    break
                chunk_times.append((p.name, r.seconds, r.peak_mb))
            if chunked_ok:
                big_how = (
                    f"built through `djgj import` in {N:,}-row chunks ("
                    + ("the first chunk is the " + f"{N:,}-unit ledger above; " if same_prefix else "")
                    + "; ".join(f"{nm}: {s:.1f} s, {mb or 0:,.0f} MB" for nm, s, mb in chunk_times)
                    + ")"
                )
        if not chunked_ok:
            log(f"big ledger: bulk insert of {a.big:,} units into djgj's schema")
            fresh_ledger(big_db)
            bulk_load(big_db, a.big)
            why = "" if a.big_load == "bulk" else " (a chunked `djgj import` failed or timed out)"
            big_how = f"bulk-inserted straight into djgj's schema with stdlib executemany{why}"
            # The bulk loader must store what djgj import stores: compare on the N-unit ledger.
            if import_ok:
                check_db = dbs / f"bulkcheck_{N}.db"
                fresh_ledger(check_db)
                bulk_load(check_db, N)
                same, text = same_figures(ledger_n, check_db)
                big_how += f"; bulk loader vs `djgj import` on {N:,} units: {text}"
        big_how += f" — {time.perf_counter() - t0:.0f} s in all"
        log(f"big ledger ready: {big_how}")
        queries(big_db, a.big, a.repeat)

    # Quick mode also proves the bulk loader equivalent (cheap at this size).
    if a.quick and import_ok and "bulk" not in big_how:
        check_db = dbs / f"bulkcheck_{N}.db"
        fresh_ledger(check_db)
        bulk_load(check_db, N)
        same, text = same_figures(ledger_n, check_db)
        notes.append(f"bulk loader vs `djgj import` on {N:,} units: {text}")

    # ---- memory row
    s_small, s_big = rows_mem
    mem_ratio = (s_big.peak_mb / s_small.peak_mb) if s_big.peak_mb and s_small.peak_mb else None
    mem_met = "yes" if mem_ratio is not None and mem_ratio <= 1.25 else "**no**"

    # ---- profiles
    log(f"profiling djgj import of {PROF:,} rows")
    prof_db = dbs / f"profile_{PROF}.db"
    fresh_ledger(prof_db)
    profiles[f"djgj import, {PROF:,} rows"] = profile_command(
        outs / f"import_{PROF}.prof",
        prof_db,
        ["import", str(csv_prof), "--as-of", AS_OF],
        outs / "profile_import.txt",
    )
    for r in rows:
        if (
            r.met() == "**no**"
            and r.what.startswith("`djgj gaps --year")
            and f"{N:,} units" in r.what
            and "SQLite" not in r.what
        ):
            log("profiling djgj gaps")
            profiles[f"djgj gaps, {N:,} units"] = profile_command(
                outs / f"gaps_{N}.prof",
                ledger_n,
                ["gaps", "--year", str(YEAR), "--format", "json"],
                outs / "profile_gaps.json",
            )
        if (
            r.met() == "**no**"
            and r.what.startswith("`djgj report --year")
            and f"{N:,} units" in r.what
            and "SQLite" not in r.what
        ):
            log("profiling djgj report")
            profiles[f"djgj report, {N:,} units"] = profile_command(
                outs / f"report_{N}.prof",
                ledger_n,
                ["report", "--year", str(YEAR), "--format", "json"],
                outs / "profile_report.json",
            )

    elapsed = time.perf_counter() - started
    log(f"done in {elapsed / 60:.1f} min; writing {out_md}")
    write_results(
        out_md,
        a,
        info,
        rows,
        (s_small, s_big, mem_ratio, mem_met, mem_row),
        notes,
        profiles,
        big_how,
        elapsed,
    )
    for line in out_md.read_text().split("## Results")[1].split("##")[0].strip().splitlines():
        print(line)
    return 0


def write_results(
    path: Path,
    a: Any,
    info: dict[str, str],
    rows: list[Row],
    mem: Any,
    notes: list[str],
    profiles: dict[str, tuple[list[str], dict[str, float]]],
    big_how: str,
    elapsed: float,
) -> None:
    s_small, s_big, mem_ratio, mem_met, mem_row = mem
    L = [
        "# djgj benchmark results",
        "",
        f"Generated by `bench/run.py{' --quick' if a.quick else ''}` (`make bench`) on {info['date']}, "
        f"measuring {info['code']}; the whole run took {elapsed / 60:.1f} min.",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}; "
        f"Python {info['python']} (sqlite {info['sqlite_py']}), sqlite3 CLI {info['sqlite_cli']}.",
        "",
        f"Data: a synthetic province from `bench/province.py` (400 townships, log-normal employees, ~42% own "
        f"unions); {a.units:,}-unit CSV ({(a.workdir / 'data' / f'province_{a.units}.csv').stat().st_size / 1e6:.0f} MB), "
        f"{a.xlsx:,}-row xlsx, big ledger {a.big:,} units. Times are medians of {a.repeat} fresh processes "
        "(wall clock, start-up included); peak memory is the largest sum of the resident sets of the command's processes (an import reading ahead runs two), sampled every 20 ms, or the maximum under `/usr/bin/time` when larger.",
        "",
        "## Results",
        "",
        "| what | djgj s | baseline | baseline s | ratio | target | met? | peak MB djgj / baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r.ratio()
        ratio_s = "—" if ratio is None or (r.djgj and r.djgj.timed_out) else f"{ratio:.2f}×"
        if r.djgj and r.djgj.timed_out and r.base and r.base.runs:
            ratio_s = f"> {max(x.seconds for x in r.djgj.runs) / r.base.seconds:.0f}×"
        L.append(
            f"| {r.what} | {fmt_s(r.djgj)} | {r.base_label} | {fmt_s(r.base)} | {ratio_s} | {r.target} | "
            f"{r.met()} | {fmt_mb(r.djgj)} / {fmt_mb(r.base)} |"
        )
    L.append(
        f"| {mem_row.what} | {fmt_mb(s_big)} MB at {a.units:,} | same, {a.mem_small:,} rows | "
        f"{fmt_mb(s_small)} MB | {'—' if mem_ratio is None else f'{mem_ratio:.2f}×'} | {mem_row.target} | "
        f"{mem_met} | {fmt_mb(s_small)} / {fmt_mb(s_big)} |"
    )
    L += ["", "Checks of djgj's output against the baseline's:", ""]
    for r in rows:
        if r.note:
            L.append(f"- {r.what}: {r.note}")
    if big_how:
        L.append(f"- the {a.big:,}-unit ledger was {big_how}")
    for n in notes:
        L.append(f"- {n}")
    L += [
        "",
        "## Profiles",
        "",
        "`cProfile` of a fresh process per command (raw dumps and text in `build/bench/out/`; open with "
        "`python -m pstats`).",
        "",
    ]
    for name, (lines, _) in profiles.items():
        L += [f"### {name}", "", "```", *lines, "```", ""]
    L += ["## What limits it", "", "Targets missed in this run:", ""]
    missed = [r for r in rows if r.met() == "**no**"]
    for r in missed:
        ratio = r.ratio()
        L.append(
            f"- {r.what}: {fmt_s(r.djgj)} s vs {fmt_s(r.base)} s"
            + (f" ({ratio:.1f}×, target {r.target})" if ratio is not None else "")
        )
    if mem_met != "yes":
        L.append(
            f"- import memory grows with file length: {fmt_mb(s_small)} MB at {a.mem_small:,} rows, "
            f"{fmt_mb(s_big)} MB at {a.units:,} rows"
        )
    if not missed and mem_met == "yes":
        L.append("- none")
    L += [
        "",
        "Where the time goes (cumulative share of the whole process under cProfile, module loading included):",
        "",
    ]
    for name, (_, shares) in profiles.items():
        parts = "; ".join(f"{k} {v:.0f}%" for k, v in shares.items() if v >= 0.5)
        L.append(f"- {name}: {parts}")
    L.append("")
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
