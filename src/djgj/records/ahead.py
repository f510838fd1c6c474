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

Nothing is read two ways. A file under `READ_AHEAD_ROWS` lines, a roster, or a child that cannot
be started or says nothing, leaves the rounds to this process as always; a child that fails after
some rounds raises `parse.Fallback` (the file is then read whole, as any streamed file the
pipeline gives up on), and a refusal met by the child is raised here as it was raised there.
"""

from __future__ import annotations

import gc
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import IO, Any

from djgj.read.files import TextFile
from djgj.records.parse import Fallback, Options, Stream, stream_csv
from djgj.records.record import Parsed, Record

#: Lines a CSV must have before it is read in a second process (starting one costs ~0.5 s of the
#: other core; below this the file is read here).
READ_AHEAD_ROWS = 20_000
#: The child's young-generation collection threshold (as `ledger.write.few_collections` sets it
#: for this process: each round's rows allocate a few objects that live only for the round).
CHILD_GC_YOUNG = 100_000

Packed = tuple[list[tuple[str, ...]], list[tuple[Any, ...]]]


def pack(records: list[Record]) -> Packed:
    """A round's records as plain tuples (pickled several times faster than the records), the
    field names of their values given once per order met."""
    orders: dict[tuple[str, ...], int] = {}
    rows = []
    for r in records:
        values = r.values
        order = orders.setdefault(tuple(values), len(orders))
        rows.append(
            (
                r.name,
                r.norm_name,
                r.township,
                r.kind,
                r.credit_code,
                tuple(values.values()),
                order,
                r.sheet,
                r.row,
                r.blank,
            )
        )
    return list(orders), rows


def unpack(packed: Packed) -> list[Record]:
    """The records `pack` packed, equal to them field for field."""
    orders, rows = packed
    return [
        Record(name, norm, town, kind, code, dict(zip(orders[o], values, strict=True)), sheet, row, blank)
        for name, norm, town, kind, code, values, o, sheet, row, blank in rows
    ]


def command() -> list[str]:
    """How the child is started: this Python, this module."""
    return [sys.executable, "-m", "djgj.records.ahead"]


def read_ahead(stream: Stream, tf: TextFile, sha256: str, options: Options, batch_rows: int) -> Stream:
    """``stream`` (a CSV opened by `parse.stream_csv`) with its rounds read by a child process when
    the file is long enough; ``stream`` itself for anything else."""
    if stream.roster is not None or stream.estimate < READ_AHEAD_ROWS or not sys.executable:
        return stream
    job = (tf, sha256, options, batch_rows)
    return replace(stream, rounds=_rounds(job, stream.parsed, stream.rounds))


def _rounds(job: tuple[Any, ...], parsed: Parsed, here: Iterator[list[Record]]) -> Iterator[list[Record]]:
    """The child's rounds as they come, then what its pipeline said merged into ``parsed``; the
    rounds read ``here`` when no child could start. The child is started at the first round asked
    for, and stopped when these rounds are closed (read to the end, or given up by the writer)."""
    try:
        proc = subprocess.Popen(
            command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        yield from here
        return
    try:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
            first = _message(proc.stdout)
        except OSError:
            first = None
        if first is None:  # the child could not start or read the file: read here
            yield from here
            return
        message: tuple[Any, ...] | None = first
        while message is not None and message[0] == "round":
            yield unpack(message[1])
            message = _message(proc.stdout)
        _end(message, parsed)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


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
    """The child's work: the job from ``source``; each round, then the pipeline's sayings (or the
    exception that stopped it), to ``sink``."""
    gc.freeze()
    gc.set_threshold(CHILD_GC_YOUNG, *gc.get_threshold()[1:])
    tf, sha256, options, batch_rows = pickle.load(source)
    try:
        stream = stream_csv(tf, sha256, options, batch_rows)
        parsed = stream.parsed
        said, rejected = len(parsed.warnings), len(parsed.rejects)
        for records in stream.rounds:
            pickle.dump(("round", pack(records)), sink, protocol=pickle.HIGHEST_PROTOCOL)
        end = ("end", parsed.warnings[said:], parsed.rejects[rejected:], parsed.normalised, parsed.townships)
        pickle.dump(end, sink, protocol=pickle.HIGHEST_PROTOCOL)
    except BrokenPipeError:
        return  # the writer gave up (its own refusal, or an interruption)
    except Exception as exc:  # noqa: BLE001 - every failure goes to the writer, which decides
        try:
            blob = pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: read the file again
            blob = pickle.dumps(("error", None))
        sink.write(blob)
    sink.flush()


if __name__ == "__main__":
    child(sys.stdin.buffer, sys.stdout.buffer)


__all__ = ["READ_AHEAD_ROWS", "child", "command", "pack", "read_ahead", "unpack"]
