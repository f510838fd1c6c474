"""A long worksheet read in slices of whole rows, each slice by calamine: memory stays flat.

python-calamine (0.9) parses a whole sheet into a dense grid before it gives back any row, about
40 bytes a cell plus the cell's text, even through `iter_rows`: a 500,000-row sheet would take
gigabytes. Here the sheet's XML is streamed from the zip and cut after whole rows (`</row>`) into
slices of about `SLICE_BYTES`; each slice is written, with the parts calamine opens besides the
sheet (relationships, workbook, styles), into a small workbook in memory that calamine reads like
any other. Every value is therefore calamine's own: numbers, dates under the workbook's date system
and the cell styles that mark them, booleans, errors, formulas' cached values, inline and rich
text, whitespace and `_xHHHH_` escapes. Memory is that of one slice, whatever the sheet's length.

The shared-strings part is the one a slice cannot do without. A small one (`SHARED_BYTES`) goes into
every slice as it is. A larger one is kept as `SharedStrings` (each string's raw XML, compact) and
every cell that refers to one is rewritten as an inline string holding that same XML, which calamine
reads with the same code. A slice holding a reference this cannot rewrite with certainty gets the
whole part instead: slower, never different.

What this cannot take with certainty (comments or CDATA among the rows, a row longer than
`MAX_PENDING_BYTES`, rows written out of order, a slice calamine refuses) raises `SliceError`; the
caller then reads the file whole, as before, and says what calamine says.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from operator import methodcaller
from pathlib import Path
from typing import Any

#: XML bytes of rows per slice: ~400 rows of 14 columns. calamine and the rows it gives take ~20× that.
SLICE_BYTES = 256 << 10
#: A shared-strings part up to this size goes into every slice as it is (calamine re-reads it per
#: slice: cheap); a larger one is kept compact and its strings put inline where cells use them.
SHARED_BYTES = 1 << 20
#: No row of a real sheet comes near this (500 columns of long text); a longer one is not sliced.
MAX_PENDING_BYTES = 16 << 20
#: The sheet's XML before `<sheetData>` (views, column widths), and the parts copied into every slice.
MAX_HEAD_BYTES = 4 << 20
MAX_KEPT_BYTES = 32 << 20
#: Shared strings kept in memory up to this; a larger table is written to a temporary file.
MEMORY_BYTES = 8 << 20
#: Rewritten cells remembered (the same township or type over and over), then forgotten at once.
CACHE_STRINGS = 20_000

#: Bytes inflated from the zip at a time.
READ_BYTES = 64 << 10
_ATTR = rb"""\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>/]")
_SST_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst[\s>/]")
_BAD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_ANY_R = re.compile(rb"\sr\s*=")
_T_SPACED = re.compile(rb"""t(?:\s+=\s*|=\s+)["']s["']""")


_PREAD = getattr(os, "pread", None)


class SliceError(Exception):
    """The sheet cannot be read in slices with certainty: read it whole instead."""


class SharedStrings:
    """The workbook's shared strings as their raw XML: string i is what lies between the (i-1)th and
    the ith `</si>` (its `<si>` start tag included), all in one buffer with an array of end offsets,
    never a Python object per string. Up to `MEMORY_BYTES` the buffer is in memory; beyond, it is
    written to a temporary file (deleted when closed) and strings are read back as cells use them, so
    memory stays ~4 bytes a string whatever the part's size (itself at most `files.MAX_UNZIPPED_BYTES`)."""

    def __init__(self, prefix: bytes) -> None:
        self.start_tag = b"<" + prefix + b"si>"
        self.end_tag = b"</" + prefix + b"si>"
        self.blob = bytearray()
        self.ends = array("I")
        self.file: Any = None
        self.size = 0

    def add_region(self, region: bytes, pieces: list[bytes]) -> None:
        """`region` holds whole strings, each piece of it (split at `</si>`) one string's XML."""
        ends = accumulate(map(len(self.end_tag).__add__, map(len, pieces)), initial=self.size)
        next(ends)
        self.ends.extend(ends)
        self.size += len(region)
        if self.file is None and len(self.blob) + len(region) > MEMORY_BYTES:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the table; `close`
            self.file.write(self.blob)
            self.blob = bytearray()
        if self.file is not None:
            self.file.write(region)
        else:
            self.blob += region

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        """Forget the strings (a cell referring to one afterwards is left for calamine to refuse)."""
        if self.file is not None:
            self.file.close()
            self.file = None
        self.blob, self.ends = bytearray(), array("I")

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        """String i's XML inside its `<si>` element."""
        start = self.ends[i - 1] if i else 0
        stop = self.ends[i] - len(self.end_tag)
        if self.file is None:
            piece = bytes(self.blob[start:stop])
        elif _PREAD is not None:
            piece = _PREAD(self.file.fileno(), stop - start, start)
        else:  # Windows
            self.file.seek(start)
            piece = self.file.read(stop - start)
        return piece[piece.index(self.start_tag) + len(self.start_tag) :]


@dataclass
class SliceBook:
    """A one-sheet xlsx prepared to be read in slices."""

    path: Path
    name: str
    part: str  # the worksheet's member in the zip
    merges: bytes  # the sheet's first `<mergeCells>` element, raw
    prefix: bytes = b""  # the sheet's namespace prefix ("x:" or "")
    head: bytes = b""  # the sheet's XML up to and including the `<sheetData …>` start tag
    kept: dict[str, bytes] = field(default_factory=dict)  # members every slice carries
    shared_part: str | None = None  # the shared-strings member
    strings: SharedStrings | None = None  # when cells' strings are put inline


def open_book(path: Path, name: str, part: str, merges: bytes) -> SliceBook:
    """The parts of `path` a slice needs besides its rows; `SliceError` when it cannot be sliced."""
    book = SliceBook(path, name, part, merges)
    try:
        with zipfile.ZipFile(path) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            shared = [i for i in infos if _norm(i.filename).endswith("sharedstrings.xml")]
            if len(shared) > 1 or (shared and _norm(shared[0].filename) != "xl/sharedstrings.xml"):
                raise SliceError("shared strings where calamine would not look")
            _read_head(z, book)
            for info in infos:
                if info.filename != part and info not in shared and _kept(info.filename):
                    book.kept[info.filename] = z.read(info)
            if shared:
                book.shared_part = shared[0].filename
                if shared[0].file_size > SHARED_BYTES:
                    book.strings = _shared_strings(z, shared[0])
                if book.strings is None:
                    book.kept[shared[0].filename] = z.read(shared[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError) as exc:
        raise SliceError(str(exc)) from None
    if sum(map(len, book.kept.values())) > MAX_KEPT_BYTES:
        raise SliceError("parts too large to copy into every slice")
    return book


def _norm(name: str) -> str:
    return name.replace("\\", "/").lower()


def _kept(name: str) -> bool:
    """The members calamine opens besides sheets and shared strings (it finds them by these names)."""
    n = _norm(name)
    return n.endswith((".rels", "workbook.xml", "styles.xml")) or n == "[content_types].xml"


def _read_head(z: zipfile.ZipFile, book: SliceBook) -> None:
    with z.open(book.part) as f:
        buf = b""
        while len(buf) <= MAX_HEAD_BYTES:
            chunk = f.read(READ_BYTES)
            buf += chunk
            root = _ROOT.search(buf)
            if root is not None:
                book.prefix = root.group(1) or b""
                m = re.search(rb"<" + re.escape(book.prefix) + rb"sheetData(?:\s[^>]*)?>", buf)
                if m is not None:
                    if m.group(0).endswith(b"/>"):
                        raise SliceError("empty sheet")
                    book.head = buf[: m.end()]
                    return
            if not chunk:
                break
    raise SliceError("no <sheetData> near the start of the sheet")


def _shared_strings(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> SharedStrings | None:
    """The part's strings, in order; None when it holds anything that makes this uncertain (comments,
    CDATA, unknown entities, bytes that are not UTF-8, no `<sst>`, an `<si>` written otherwise than
    `<si>…</si>`): it then goes into every slice as it is, and calamine reads it there."""
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    out: SharedStrings | None = None
    carry = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(READ_BYTES)
            try:
                utf8.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                return None
            buf = carry + chunk
            if out is None:
                root = _SST_ROOT.search(buf)
                if root is None:
                    if not chunk or len(buf) > MAX_HEAD_BYTES:
                        return None
                    carry = buf
                    continue
                tag_end = buf.find(b">", root.start())
                if tag_end < 0:
                    carry = buf
                    continue
                out = SharedStrings(root.group(1) or b"")
                buf = buf[tag_end + 1 :]
            cut = buf.rfind(out.end_tag) + len(out.end_tag) if out.end_tag in buf else 0
            region, carry = buf[:cut], buf[cut:]
            if region and not _add_strings(out, region):
                return None
            if not chunk:
                break
            if len(carry) > MAX_PENDING_BYTES:
                return None
    if out is None or b"<!" in carry or b"<?" in carry or out.start_tag[:-1] in carry:
        return None  # an unfinished <si>: calamine would refuse the part
    out.flush()
    return out


def _add_strings(out: SharedStrings, region: bytes) -> bool:
    """Whole `<si>…</si>` elements, checked at C speed: each piece holds exactly one plain `<si>`."""
    if b"<!" in region or b"<?" in region or _BAD_ENTITY.search(region):
        return False
    open_any = out.start_tag[:-1]
    if region.count(open_any) != region.count(out.start_tag) or region.count(
        out.end_tag[:-1]
    ) != region.count(out.end_tag):
        return False  # <si/>, <si attr>, </si > or an element whose name starts with "si"
    pieces = region.split(out.end_tag)[:-1]
    counts = list(map(methodcaller("count", out.start_tag), pieces))
    if min(counts) != 1 or max(counts) != 1:
        return False
    out.add_region(region, pieces)
    return True


def probe(book: SliceBook) -> tuple[list[Any], list[Any]]:
    """calamine's metadata of the book's sheets and the merged ranges of its sheet, from a slice
    without rows (its `<mergeCells>` only)."""
    pre = book.prefix
    xml = book.head + b"</" + pre + b"sheetData>" + book.merges + b"</" + pre + b"worksheet>"
    wb = _calamine(book, xml, False)
    try:
        metas = list(wb.sheets_metadata)
        sh = wb.get_sheet_by_name(book.name)
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
    except Exception as exc:  # noqa: BLE001 - calamine's own errors: the whole read words them
        raise SliceError(type(exc).__name__) from None
    return metas, merged


def rows(book: SliceBook) -> Iterator[tuple[int, int, list[Any]]]:
    """Each row calamine reads, slice by slice, as (0-based row index, its first column, its values
    from that column on), in the sheet's order; `SliceError` when a slice cannot be read or its rows
    come before rows already given (the sheet is then read whole)."""
    try:
        yield from _slice_rows(book)
    finally:
        if book.strings is not None:
            book.strings.close()


def _slice_rows(book: SliceBook) -> Iterator[tuple[int, int, list[Any]]]:
    pre = book.prefix
    tail = b"</" + pre + b"sheetData></" + pre + b"worksheet>"
    index = 0  # calamine's row counter where the slice starts (for rows without r="…")
    cache: dict[bytes, bytes] = {}
    done = 0  # rows given so far
    for body in _bodies(book):
        lead = b"<" + pre + b'row r="%d"/>' % index if index else b""
        index_after = _index_after(body, pre, index)
        whole_shared = False
        if book.strings is not None:
            body, whole_shared = _inline(body, pre, book.strings, cache)
        wb = _calamine(book, book.head + lead + body + tail, whole_shared)
        try:
            sh = wb.get_sheet_by_name(book.name)
            start = sh.start
            grid = sh.to_python(skip_empty_area=True) if start is not None else []
        except Exception as exc:  # noqa: BLE001 - calamine's own errors: the whole read words them
            raise SliceError(type(exc).__name__) from None
        index = index_after
        if start is None:
            continue
        r0, c0 = int(start[0]), int(start[1])
        if r0 < done:
            raise SliceError("rows out of order")
        for i, values in enumerate(grid):
            yield r0 + i, c0, values
        done = r0 + len(grid)


def _bodies(book: SliceBook) -> Iterator[bytes]:
    """The XML inside `<sheetData>`, in pieces of whole rows of about `SLICE_BYTES`."""
    pre = book.prefix
    close_data = b"</" + pre + b"sheetData"
    with zipfile.ZipFile(book.path) as z, z.open(book.part) as f:
        f.read(len(book.head))
        buf = b""
        final = False
        while not final:
            chunk = f.read(READ_BYTES)
            old = len(buf)
            buf += chunk
            end = buf.find(close_data, max(0, old - len(close_data)))
            if end >= 0:
                buf, final = buf[:end], True
            elif not chunk:
                raise SliceError("the sheet ends inside <sheetData>")
            while len(buf) >= SLICE_BYTES:
                cut = _row_end_near(buf, pre, SLICE_BYTES)
                if cut <= 0:
                    break
                yield _checked(buf[:cut])
                buf = buf[cut:]
            if len(buf) > MAX_PENDING_BYTES:
                raise SliceError("a row longer than any real one")
        if buf.strip():
            yield _checked(buf)


def _checked(body: bytes) -> bytes:
    """A comment, CDATA section or processing instruction could hide a `</row>` that is not one."""
    if b"<!" in body or b"<?" in body:
        raise SliceError("comments or CDATA among the rows")
    return body


def _row_end_near(buf: bytes, pre: bytes, at: int) -> int:
    """Just after the last `</row>` before `at`, else after the first one beyond; 0 when none."""
    tok = b"</" + pre + b"row"
    pos = buf.rfind(tok, 0, at)
    while pos >= 0 and not _is_row_end(buf, pos + len(tok)):
        pos = buf.rfind(tok, 0, pos)
    if pos < 0:
        pos = buf.find(tok, at)
        while pos >= 0 and not _is_row_end(buf, pos + len(tok)):
            pos = buf.find(tok, pos + 1)
    close = buf.find(b">", pos) if pos >= 0 else -1
    return close + 1


def _is_row_end(buf: bytes, after: int) -> bool:
    nxt = buf[after : after + 1]
    return nxt == b">" or nxt.isspace()


def _last_row_start(body: bytes, pre: bytes) -> int:
    tok = b"<" + pre + b"row"
    at = body.rfind(tok)
    while at >= 0:
        nxt = body[at + len(tok) : at + len(tok) + 1]
        if nxt in (b">", b"/") or nxt.isspace():
            return at
        at = body.rfind(tok, 0, at)
    return -1


_ROW_TAGS: dict[bytes, re.Pattern[bytes]] = {}


def _row_tags(pre: bytes) -> re.Pattern[bytes]:
    """Row start, end and empty tags, with their attributes."""
    tags = _ROW_TAGS.get(pre)
    if tags is None:
        tags = re.compile(rb"<(/?)" + re.escape(pre) + rb"row((?:" + _ATTR + rb")*)\s*(/?)>")
        _ROW_TAGS[pre] = tags
    return tags


def _index_after(body: bytes, pre: bytes, index: int) -> int:
    """calamine's row counter after `body`: `<row r="N">` sets it to N - 1 and every row's end adds
    one. Rows carry r="…" in every writer we know of: then the last row's number is the answer."""
    last = _last_row_start(body, pre)
    if last >= 0:
        m = _R_ATTR.search(body, last, body.find(b">", last))
        if m is not None:
            return int(m.group(1))
    for tag in _row_tags(pre).finditer(body):
        closing, attrs, empty = tag.groups()
        if closing:
            index += 1
            continue
        if _ANY_R.search(attrs):
            r = _R_ATTR.search(attrs)
            if r is None:
                raise SliceError("a row number calamine reads otherwise")
            index = int(r.group(1)) - 1
        if empty:
            index += 1
    return index


_INLINE: dict[bytes, re.Pattern[bytes]] = {}


def _inline(body: bytes, pre: bytes, strings: SharedStrings, cache: dict[bytes, bytes]) -> tuple[bytes, bool]:
    """`body` with every `… t="s"><v>i</v>` (how Excel, WPS and LibreOffice write a shared-string
    cell) rewritten as `… t="inlineStr"><is>…</is>` holding shared string i's own XML; and whether
    anything like a reference is left that this did not rewrite (another spelling, an index past the
    table): that slice then carries the whole shared-strings part, and calamine reads it there."""
    pat = _INLINE.get(pre)
    if pat is None:
        pat = re.compile(
            rb' t="s"><' + re.escape(pre) + rb"v>(0|[1-9][0-9]{0,9})</" + re.escape(pre) + rb"v>"
        )
        _INLINE[pre] = pat
    parts = pat.split(body)
    if len(parts) > 1:
        n = len(strings)
        is_open, is_close = b' t="inlineStr"><' + pre + b"is>", b"</" + pre + b"is>"

        def put(i: bytes) -> bytes:
            k = int(i)
            if k >= n:  # calamine refuses the sheet: left for it to say so
                return b' t="s"><' + pre + b"v>" + i + b"</" + pre + b"v>"
            if len(cache) >= CACHE_STRINGS:
                cache.clear()
            xml = cache[i] = is_open + strings[k] + is_close
            return xml

        get = cache.get
        parts[1::2] = [get(i) or put(i) for i in parts[1::2]]
        body = b"".join(parts)
    left = b't="s"' in body or b"t='s'" in body or _T_SPACED.search(body) is not None
    return body, left


def _calamine(book: SliceBook, sheet_xml: bytes, whole_shared: bool) -> Any:
    """calamine's workbook over the kept parts and this sheet XML (and, when asked, the whole
    shared-strings part, read again from the file)."""
    from python_calamine import CalamineWorkbook

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in book.kept.items():
            z.writestr(name, data)
        if whole_shared and book.shared_part is not None:
            with zipfile.ZipFile(book.path) as src:
                z.writestr(book.shared_part, src.read(book.shared_part))
        z.writestr(book.part, sheet_xml)
    buf.seek(0)
    try:
        return CalamineWorkbook.from_filelike(buf)
    except Exception as exc:  # noqa: BLE001 - calamine's own errors: the whole read words them
        raise SliceError(type(exc).__name__) from None
