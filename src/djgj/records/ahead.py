"""A long CSV read ahead in a second process while this one writes the ledger.

Reading a province-sized CSV (every row classified, normalised and checked by the row pipeline)
and writing it (units matched, snapshots merged, indexes kept) each take a large part of the
import, one after the other on one core. A machine with two cores can do both at once: a child
process (``python -m djgj.records.ahead``) runs `parse.stream_csv` on the same file with the same
options — the same pipeline, so the same records, warnings, normalisation counts, rejects and
refusals — and sends each round's records through a pipe, while this process writes the rounds
already read. At the end the child sends what its pipeline said (warnings, counts, townships,
rejected rows), which is added to this process's reading of the header exactly where the pipeline
would have added it here.

The child can be started before this process knows what to read with (`Early`): the import
command starts it on a long file first thing, and it loads its modules and checks the file while
this process loads the ledger's; the command line's options follow, and it reads with them, its
rounds queued in its own memory. `read_ahead` takes it when the import reads that file with those
options (the ledger remembers no header mapping that changes them); otherwise it is stopped and a
child is started with the import's own options, as always.

Nothing is read two ways. A file under `READ_AHEAD_ROWS` lines, a roster, or a child that cannot
be started or says nothing, leaves the rounds to this process as always; a child that fails after
some rounds raises `parse.Fallback` (the file is then read whole, as any streamed file the
pipeline gives up on), and a refusal met by the child is raised here as it was raised there.
"""

from __future__ import annotations

import gc
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # (imported where used: `Early.start` runs before the importer's modules load)
    from djgj.read.files import TextFile
    from djgj.records.parse import Options, Stream
    from djgj.records.record import Parsed, Record

#: Lines a CSV must have before it is read in a second process (starting one costs ~0.5 s of the
#: other core; below this the file is read here).
READ_AHEAD_ROWS = 20_000
#: Bytes a file must have for the import command to start its child before knowing its options
#: (a CSV of `READ_AHEAD_ROWS` lines has several MB; a smaller file is never worth a process).
EARLY_BYTES = 1 << 20
#: Rounds a child keeps in its memory, pickled, while this process is not reading them yet (an
#: early child reads before this process asks; a few MB each).
QUEUED_ROUNDS = 8
#: The child's young-generation collection threshold (as `ledger.write.few_collections` sets it
#: for this process: each round's rows allocate a few objects that live only for the round).
CHILD_GC_YOUNG = 100_000

Packed = tuple[list[tuple[str, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[int]]

#: A record's fields but its values.
_AROUND = attrgetter("name", "norm_name", "township", "kind", "credit_code", "sheet", "row", "blank")


def pack(records: list[Record]) -> Packed:
    """A round's records as plain tuples (pickled several times faster than the records), read
    column by column in C: the fields around their values, the values alone, and the field names
    of the values given once per order met (each record's order as its index)."""
    values = [r.values for r in records]
    keys = list(map(tuple, values))
    orders = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    return (
        list(orders),
        list(map(_AROUND, records)),
        list(map(tuple, map(dict.values, values))),
        list(map(orders.__getitem__, keys)),
    )


def unpack(packed: Packed) -> list[Record]:
    """The records `pack` packed, equal to them field for field: built column by column (the
    usual round has one order of fields: its dicts made by `map` in C)."""
    from djgj.records.record import Record

    orders, around, values, order_of = packed
    if not around:
        return []
    if len(orders) == 1:
        dicts = list(map(dict, map(zip, repeat(orders[0]), values)))
    else:
        dicts = [dict(zip(orders[o], vals, strict=True)) for vals, o in zip(values, order_of, strict=True)]
    name, norm, town, kind, code, sheet, row, blank = zip(*around, strict=True)
    return list(map(Record, name, norm, town, kind, code, dicts, sheet, row, blank))


def command() -> list[str]:
    """How the child is started: this Python, this module."""
    return [sys.executable, "-m", "djgj.records.ahead"]


def read_ahead(
    stream: Stream, tf: TextFile, sha256: str, options: Options, batch_rows: int, early: Early | None = None
) -> Stream:
    """``stream`` (a CSV opened by `parse.stream_csv`) with its rounds read by a child process when
    the file is long enough (``early``'s, when it reads this file with these options); ``stream``
    itself for anything else."""
    if stream.roster is not None or stream.estimate < READ_AHEAD_ROWS or not sys.executable:
        if early is not None:
            early.close()
        return stream
    job = (tf, sha256, options, batch_rows)
    return replace(stream, rounds=_rounds(job, stream.parsed, stream.rounds, early))


def as_read(options: Options, parsed: Parsed) -> Options:
    """``options`` as they bear on reading the file ``parsed`` describes: without the ledger's
    remembered mappings when none is for its header (the command line's options alone, which an
    early child reads with, then read it the same)."""
    from djgj.read.headers import header_signature

    sigs = {header_signature(c["header"] for c in cols) for cols in parsed.columns.values()}
    return options if sigs & options.remembered.keys() else replace(options, remembered={})


def _rounds(
    job: tuple[Any, ...], parsed: Parsed, here: Iterator[list[Record]], early: Early | None
) -> Iterator[list[Record]]:
    """The child's rounds as they come, then what its pipeline said merged into ``parsed``; the
    rounds read ``here`` when no child could start. The child is taken from ``early`` or started
    at the first round asked for, and stopped when these rounds are closed (read to the end, or
    given up by the writer)."""
    proc = early.take(job, as_read(job[2], parsed)) if early is not None else None
    if proc is None:
        proc = _start(job)
    if proc is None:
        yield from here
        return
    try:
        assert proc.stdout is not None
        first = _message(proc.stdout)
        if first is None:  # the child could not start or read the file: read here
            yield from here
            return
        message: tuple[Any, ...] | None = first
        while message is not None and message[0] == "round":
            yield unpack(message[1])
            message = _message(proc.stdout)
        _end(message, parsed)
    finally:
        _stop(proc)


def _start(job: tuple[Any, ...]) -> subprocess.Popen[bytes] | None:
    """A child given ``job``; None when none could be started or told."""
    proc = _popen()
    if proc is None:
        return None
    try:
        assert proc.stdin is not None
        pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
    except OSError:
        _stop(proc)
        return None
    return proc


def _popen() -> subprocess.Popen[bytes] | None:
    """A child (`command`) talking through pipes; None when none could be started."""
    try:
        return subprocess.Popen(
            command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError:
        return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


class Early:
    """A child started on a file before the import's options are known (see the module's
    docstring): `start` it, tell it the command line's options (`speculate`), and let `read_ahead`
    `take` it; `close` stops it if nothing took it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc: subprocess.Popen[bytes] | None = proc
        self.told: tuple[Any, ...] | None = None

    @classmethod
    def start(cls, path: Path) -> Early | None:
        """A child on ``path`` if it may be a long CSV (a regular file of `EARLY_BYTES` or more, not
        a zip or OLE workbook); None otherwise, or when no child could be started."""
        try:
            if path.stat().st_size < EARLY_BYTES or not path.is_file():
                return None
            with open(path, "rb") as f:
                if f.read(4) in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
                    return None
        except OSError:
            return None
        if not sys.executable:
            return None
        proc = _popen()
        if proc is None:
            return None
        early = cls(proc)
        early._tell(("early", str(path)))
        return early

    def speculate(self, options: Options, batch_rows: int) -> None:
        """Read the file with ``options`` in rounds of ``batch_rows`` (the import's own, unless the
        ledger remembers a mapping for its header)."""
        self.told = (options, batch_rows)
        self._tell(self.told)
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()

    def take(self, job: tuple[Any, ...], options: Options) -> subprocess.Popen[bytes] | None:
        """The child, when it read ``job``'s file with ``options`` (``job``'s as they bear on it,
        `as_read`) and ``job``'s round size, and found the file as ``job`` says (its first message);
        None, and the child stopped, otherwise."""
        tf, _, _, batch_rows = job
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if self.told != (options, batch_rows) or proc.stdout is None:
            _stop(proc)
            return None
        said = _message(proc.stdout)
        if said is None or said[0] != "file" or not _same_file(said[1], tf):
            _stop(proc)
            return None
        return proc

    def close(self) -> None:
        """Stop the child if `read_ahead` did not take it."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _stop(proc)

    def _tell(self, message: Any) -> None:
        proc = self.proc
        try:
            assert proc is not None and proc.stdin is not None
            pickle.dump(message, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
        except (OSError, ValueError, AssertionError):
            self.close()


def _same_file(a: Any, b: TextFile) -> bool:
    """Whether the child's look at the file (``a``, `files.text_file_guess`: its line count an
    estimate) found it as this process's whole check did (``b``): the same codec, the same file."""
    from djgj.read.files import TextFile

    if not isinstance(a, TextFile) or (a.codec, a.encoding) != (b.codec, b.encoding):
        return False
    if a.status is None or b.status is None:
        return a.status is b.status
    keys = ("st_dev", "st_ino", "st_size", "st_mtime_ns")
    return all(getattr(a.status, k) == getattr(b.status, k) for k in keys)


def _message(pipe: IO[bytes]) -> tuple[Any, ...] | None:
    """The child's next message, or None when it ended without one."""
    try:
        got: tuple[Any, ...] = pickle.load(pipe)
    except (EOFError, OSError, pickle.UnpicklingError):
        return None
    return got


def _end(message: tuple[Any, ...] | None, parsed: Parsed) -> None:
    """The child's last message: what its pipeline said, added to ``parsed``; or its refusal,
    raised here; or nothing (it died): the file is read again whole."""
    from djgj.records.parse import Fallback

    if message is None or message[0] != "end":
        error = message[1] if message is not None else None
        if isinstance(error, BaseException):
            raise error
        raise Fallback
    _, warnings, rejects, normalised, townships = message
    parsed.warnings += warnings
    parsed.rejects += rejects
    parsed.normalised.clear()
    parsed.normalised.update(normalised)
    parsed.townships.clear()
    parsed.townships.update(townships)


def child(source: IO[bytes], sink: IO[bytes]) -> None:
    """The child's work: the job from ``source`` (or, for an early child, the file's path, then the
    options); each round, then the pipeline's sayings (or the exception that stopped it), to ``sink``
    through `Outbox`."""
    gc.freeze()
    gc.set_threshold(CHILD_GC_YOUNG, *gc.get_threshold()[1:])
    from djgj.records.parse import stream_csv

    try:
        job = _job(source)
    except (EOFError, OSError, pickle.UnpicklingError):
        return  # the command stopped before saying what to read
    out = Outbox(sink)
    try:
        if job[0] == "file":  # an early child: the file as it found it, first
            out.put(job[:2])
            job = job[2:]
        tf, sha256, options, batch_rows = job
        if tf is None:
            return
        stream = stream_csv(tf, sha256, options, batch_rows)
        parsed = stream.parsed
        said, rejected = len(parsed.warnings), len(parsed.rejects)
        for records in stream.rounds:
            out.put(("round", pack(records)))
        out.put(
            ("end", parsed.warnings[said:], parsed.rejects[rejected:], parsed.normalised, parsed.townships)
        )
    except BrokenPipeError:
        return  # the writer gave up (its own refusal, or an interruption)
    except Exception as exc:  # noqa: BLE001 - every failure goes to the writer, which decides
        _say_error(out, exc)
    finally:
        out.close()


def _say_error(out: Outbox, exc: Exception) -> None:
    try:
        out.put(("error", exc))
    except BrokenPipeError:
        pass  # (the writer gave up)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: read the file again
        out.put(("error", None))


def _job(source: IO[bytes]) -> tuple[Any, ...]:
    """What to read: the job as sent, or an early child's ("file", its check of the file, then the job)."""
    job: tuple[Any, ...] = pickle.load(source)
    if job[0] != "early":
        return job
    from djgj.read.files import text_file_guess

    tf = text_file_guess(job[1])  # (while the command loads its modules and checks the file whole)
    options, batch_rows = pickle.load(source)
    return ("file", tf, tf, "", options, batch_rows)


class Outbox:
    """The child's messages, pickled here and written by a thread: up to `QUEUED_ROUNDS` wait in
    memory while the writer is not reading yet, so the pipeline never waits on the pipe's few KB."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.queue: queue.Queue[bytes | None] = queue.Queue(QUEUED_ROUNDS)
        self.broken = False
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def put(self, message: tuple[Any, ...]) -> None:
        if self.broken:
            raise BrokenPipeError
        self.queue.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()

    def _write(self) -> None:
        while (blob := self.queue.get()) is not None:
            if self.broken:
                continue
            try:
                self.sink.write(blob)
                self.sink.flush()
            except OSError:
                self.broken = True  # (the writer gave up: the rest is dropped)


if __name__ == "__main__":
    child(sys.stdin.buffer, sys.stdout.buffer)


__all__ = [
    "EARLY_BYTES",
    "QUEUED_ROUNDS",
    "READ_AHEAD_ROWS",
    "Early",
    "Outbox",
    "child",
    "command",
    "pack",
    "read_ahead",
    "unpack",
]
