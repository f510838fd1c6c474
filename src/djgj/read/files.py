"""Open a file and return its sheets as grids of cells.

The real format is detected from the bytes, not the name (townships rename CSV to .xls, other
systems export HTML as .xls). Limits are enforced before any parser sees the file, text is decoded
strictly (UTF-8 with or without BOM, then GB18030; never with replacement characters), and the
result is a list of `Sheet` grids whose cells are str, int, float, bool, date, datetime or None.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from djgj.errors import DjgjError, FormatError, InputError

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
MAX_CELL_CHARS = 32_767


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    visible: bool = True
    #: For CSV, the physical line on which each row starts (quoted newlines make them differ).
    line_numbers: list[int] | None = None
    #: xlsx formula cells without a computed value, (row, column) 0-based; they read as empty or 0.
    uncomputed: list[tuple[int, int]] = field(default_factory=list)
    #: xlsx cells holding an Excel error value (#N/A, #DIV/0! …): (row, column) 0-based → the error as
    #: written. calamine gives them as empty cells, so they must never be read at all.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    #: Whether plain-number date serials count from 1904 (old Mac workbooks); date cells are converted.
    date_1904: bool = False
    #: xlsx columns set hidden (``<col hidden="1">``), 0-based: read like any other, and said.
    hidden_cols: frozenset[int] = frozenset()

    def row_label(self, index: int) -> str:
        """How the user finds a row: the spreadsheet's row number, or the CSV line."""
        if self.line_numbers is not None:
            return f"第{self.line_numbers[index]}行"
        return f"第{index + 1}行"


@dataclass
class Workbook:
    path: Path
    format: str
    sha256: str
    sheets: list[Sheet]
    encoding: str | None = None


_PASSWORD = "工作簿设有打开密码（已加密），无法读取；请在 Excel/WPS 中取消密码后另存再导入"


def sniff(data: bytes) -> str:
    """The real format of a file from its first bytes."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        return "html"
    if stripped.startswith(b"<?xml"):
        return "html" if b"<html" in stripped else "xml"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def file_error(p: Path, exc: OSError) -> InputError:
    """An `OSError` on an input file, in Chinese, naming the file and what to do."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"找不到文件：{p}；请检查文件名和路径")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{p} 是文件夹，不是表格文件；请给出其中的文件")
    if isinstance(exc, PermissionError):
        return InputError(f"没有权限读取文件 {p}；请在文件属性中允许读取，或复制一份到自己的文件夹再导入")
    return InputError(f"无法读取文件 {p}（{exc.strerror or type(exc).__name__}）；请检查文件或磁盘后重试")


def check_regular(p: Path) -> os.stat_result:
    """The file's status, refusing anything but a regular file (a folder, a FIFO, a device or a
    socket would hang or stream forever) before it is opened."""
    try:
        st = p.stat()
    except OSError as exc:
        raise file_error(p, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise file_error(p, IsADirectoryError())
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{p} 不是普通文件（管道、设备或套接字），不能导入；请先把数据保存为表格文件")
    return st


def _same_file(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ino) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ino,
    )


class FileChanged(InputError):
    """The file was rewritten while it was read: refused, never read again in another way."""


def check_unchanged(p: Path, before: os.stat_result) -> None:
    """Refuse a file that was rewritten while it was being read (its hash would not match its rows)."""
    try:
        after = p.stat()
    except OSError as exc:
        raise file_error(p, exc) from None
    if not _same_file(before, after):
        raise FileChanged(
            f"{p.name}：文件在导入过程中被改动或替换（大小或修改时间变了），本次未导入；"
            "请等文件保存完毕（关闭 Excel/WPS）后重新导入"
        )


def sha256_of(path: Path) -> str:
    check_regular(Path(path))
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise file_error(Path(path), exc) from None
    return h.hexdigest()


def read(path: str | Path) -> Workbook:
    """Read any supported file into grids, or raise `FormatError` saying what the file really is.
    A file rewritten while it is read (between its hash and its rows) is refused."""
    p = Path(path)
    before = check_regular(p)
    book = _read(p, before.st_size)
    check_unchanged(p, before)
    return book


def _read(p: Path, size: int) -> Workbook:
    try:
        with open(p, "rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise file_error(p, exc) from None
    if size == 0:
        raise FormatError(f"{p.name}：文件是空的（0 字节）")
    if size > MAX_FILE_BYTES:
        raise FormatError(
            f"{p.name}：文件过大（{size // 1024 // 1024} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB）"
        )
    kind = sniff(head)
    digest = sha256_of(p)
    if kind == "zip":
        facts = _check_zip(p)
        sheets = _read_calamine(p, facts.format)
        for sheet in sheets:
            scan = facts.sheets.get(sheet.name)
            sheet.uncomputed = scan.uncomputed if scan else []
            sheet.errors = scan.errors if scan else {}
            sheet.hidden_cols = scan.hidden_cols if scan else frozenset()
            sheet.date_1904 = facts.date_1904
        return Workbook(p, facts.format, digest, sheets)
    if kind == "ole":
        if _is_encrypted_ole(p):
            raise FormatError(f"{p.name}：{_PASSWORD}")
        sheets = _read_calamine(p, "xls")
        xls = _xls_facts(p)
        for sheet in sheets:
            sheet.errors = xls.errors.get(sheet.name, {})
            sheet.hidden_cols = xls.hidden_cols.get(sheet.name, frozenset())
        return Workbook(p, "xls", digest, sheets)
    if kind == "html":
        raise FormatError(
            f"{p.name}：这是网页（HTML）表格，只是扩展名为 {p.suffix}；请在 Excel/WPS 中打开后另存为 .xlsx 再导入"
        )
    if kind == "xml":
        raise FormatError(
            f"{p.name}：这是 XML 格式（Excel 2003 XML 或其他系统导出），不是真正的 {p.suffix} 文件；"
            "请在 Excel/WPS 中打开后另存为 .xlsx 再导入"
        )
    if kind == "binary":
        raise FormatError(f"{p.name}：不是可识别的表格文件（支持 .xlsx、.xls、.ods、.csv）")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise file_error(p, exc) from None
    text, encoding = decode_text(data, p.name)
    return Workbook(p, "csv", digest, [_parse_csv(text, p.stem)], encoding=encoding)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Strict UTF-8 (BOM stripped), then strict GB18030; UTF-16 when the text starts with its byte
    order mark (Excel's and WPS's "Unicode 文本" save); never replacement characters."""
    for enc in text_codecs(data[:2]):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    raise FormatError(
        f"{name}：文本既不是 UTF-8、UTF-16 也不是 GB18030/GBK 编码，无法可靠读取；请另存为 UTF-8 CSV 或 .xlsx"
    )


def text_codecs(head: bytes) -> tuple[str, ...]:
    """The codecs to try, in order, for text starting with ``head``: a UTF-16 byte order mark
    decides alone (UTF-16 text is never valid UTF-8 or GB18030 once it holds a Chinese character)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ("utf-16",)
    return ("utf-8-sig", "gb18030")


def _parse_csv(text: str, name: str) -> Sheet:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FormatError(f"{name}：第{line}行含有空字符（NUL），文件可能已损坏")
    rows: list[list[Any]] = []
    lines: list[int] = []
    for row, start in csv_rows(io.StringIO(text, newline=""), text[:8192], name):
        rows.append(row)
        lines.append(start)
    return Sheet(name=name, rows=rows, line_numbers=lines)


def csv_rows(stream: Iterable[str], sample: str, name: str) -> Iterator[tuple[list[Any], int]]:
    """The rows of CSV text (blank fields as None), each with the physical line it starts on.

    The delimiter is found by `delimiter_of`; the row,
    column and cell-length limits are enforced row by row as the rows are read.
    """
    long_line = [False]

    def lines() -> Iterator[str]:
        # A row on one line no longer than a cell may be has no cell too long: only a row after
        # such a line, or over several lines, has its cells measured.
        for line in stream:
            if len(line) > MAX_CELL_CHARS:
                long_line[0] = True
            yield line

    reader = csv.reader(lines(), delimiter=delimiter_of(sample), strict=True)
    n = 0
    start = 1
    try:
        for row in reader:
            if n >= MAX_ROWS:
                raise FormatError(f"{name}：行数超过上限 {MAX_ROWS}")
            if len(row) > MAX_COLUMNS:
                raise FormatError(f"{name}：第{start}行有 {len(row)} 列，超过列数上限 {MAX_COLUMNS}")
            end = reader.line_num
            if (long_line[0] or end != start) and row and max(map(len, row)) > MAX_CELL_CHARS:
                col = next(i for i, c in enumerate(row) if len(c) > MAX_CELL_CHARS)
                raise FormatError(_too_long(name, f"第{start}行第{col + 1}列", len(row[col])))
            # (a blank field is None; csv gives text only)
            yield (row if "" not in row else [c or None for c in row]), start
            n += 1
            start = end + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FormatError(_too_long(name, f"第{reader.line_num}行附近", None)) from None
        raise FormatError(f"{name}：第{reader.line_num}行 CSV 格式错误（{exc}）") from None


def delimiter_of(sample: str) -> str:
    """Comma, tab or semicolon: the one on most of the sample's first lines, then the commonest.
    A title line above the table often has none (Excel's "Unicode 文本" writes a lone title), so
    the first line alone does not decide."""
    lines = sample.splitlines()[:_DELIMITER_LINES]
    score = {d: (sum(d in line for line in lines), sample.count(d)) for d in (",", "\t", ";")}
    best = max(score, key=lambda d: score[d])
    return best if score[best][0] else ","


#: How many of a text's first lines decide its delimiter.
_DELIMITER_LINES = 20


@dataclass
class TextFile:
    """A CSV file checked for streaming: its Python codec and its count of line breaks."""

    path: Path
    codec: str
    encoding: str
    newlines: int
    #: The file's status when it was checked: a file rewritten while streaming is refused.
    status: os.stat_result | None = None


def text_file(path: str | Path) -> TextFile | None:
    """A file `read` would parse as CSV, checked in bounded memory: decodable (strictly, as
    `decode_text`) and without NUL. None for any other file, and for one `read` would refuse."""
    p = Path(path)
    opened = _text_head(p, 8192)
    if opened is None:
        return None
    st, head = opened
    for codec in text_codecs(head):
        decoder = codecs.getincrementaldecoder(codec)("strict")
        newlines = 0
        try:
            with open(p, "rb") as f:
                while chunk := f.read(1 << 20):
                    text = decoder.decode(chunk)
                    if "\x00" in text:
                        return None
                    newlines += text.count("\n")
                text = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        return TextFile(p, codec, _encoding(codec), newlines + text.count("\n"), st)
    return None


def _text_head(p: Path, n: int) -> tuple[os.stat_result, bytes] | None:
    """A regular file's status and first ``n`` bytes, when it may be text `read` would take (not
    empty, not too large, its first 8 KB sniffed as text); None otherwise."""
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            return None  # `read` refuses it by name; opening a FIFO would wait forever
        with open(p, "rb") as f:
            head = f.read(n)
    except OSError:
        return None
    if not head or st.st_size > MAX_FILE_BYTES or sniff(head[:8192]) != "text":
        return None
    return st, head


def _encoding(codec: str) -> str:
    """The encoding a codec names (a byte order mark is no part of it)."""
    return "utf-8" if codec == "utf-8-sig" else codec


#: Bytes of a file `text_file_guess` judges it by.
GUESS_BYTES = 1 << 20


def text_file_guess(path: str | Path) -> TextFile | None:
    """`text_file` judged from the file's first `GUESS_BYTES` only: the first codec that decodes
    them, and their line breaks scaled to the file's size (exact for a shorter file). For a reader
    that starts before the import has checked the file (`records.ahead.Early`): the import compares
    its own, whole check with this one and reads with it only when they agree."""
    p = Path(path)
    opened = _text_head(p, GUESS_BYTES)
    if opened is None:
        return None
    st, head = opened
    for codec in text_codecs(head):
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(head, final=len(head) == st.st_size)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        newlines = text.count("\n") * st.st_size // len(head)
        return TextFile(p, codec, _encoding(codec), newlines, st)
    return None


def stream_csv(tf: TextFile) -> Iterator[tuple[list[Any], int]]:
    """The rows of a checked CSV file, read lazily (as `read` would return them, one at a time)."""
    with open(tf.path, encoding=tf.codec, newline="") as f:
        sample = f.read(8192)
        f.seek(0)
        yield from csv_rows(f, sample, tf.path.stem)
    if tf.status is not None:
        check_unchanged(tf.path, tf.status)


@dataclass
class SheetScan:
    """What a pre-parse pass over one worksheet's XML found (xlsx only)."""

    #: Formula cells with no computed value, as (row, column), 0-based; (-1, -1) when the cell has no
    #: reference. Excel writes a cached value; other tools often do not, and then the cell reads empty.
    uncomputed: list[tuple[int, int]] = field(default_factory=list)
    #: Cells holding an Excel error value (t="e"), (row, column) 0-based → its text (#N/A …).
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    #: The sheet's first `<mergeCells>` element as written (what calamine reads the merged ranges
    #: from); None when it was larger than `MAX_MERGES_BYTES`.
    merges: bytes | None = b""
    #: Columns the sheet hides (its `<cols>` element, before the cells), 0-based.
    hidden_cols: frozenset[int] = frozenset()


@dataclass
class ZipFacts:
    format: str
    sheets: dict[str, SheetScan] = field(default_factory=dict)
    date_1904: bool = False
    #: Sheet name → its worksheet member in the zip.
    parts: dict[str, str] = field(default_factory=dict)
    #: The shared-strings part's uncompressed size (0 without one).
    shared_bytes: int = 0


_XML_CHUNK = 1 << 20
#: No cell element or text run in a real workbook comes near this: 32,767 characters written as
#: character references are at most ~330 KB. A longer run is refused before calamine holds it.
MAX_RUN_BYTES = 4 << 20
#: A member larger than this must also compress less than `MAX_ZIP_RATIO`; small members may be
#: extremely compressible (empty styles, repeated blank cells) without any danger.
RATIO_FLOOR_BYTES = 10 << 20
#: calamine holds a sheet as a dense grid of max_row × max_col cells (~40 bytes each, measured): a
#: 1 KB file with cells at A1 and SF300000 took 5.9 GB. Sheets whose extent exceeds this are refused.
MAX_CELLS = 40_000_000
#: A sheet's merged ranges are kept for reading it in slices up to this much XML (~250,000 ranges).
MAX_MERGES_BYTES = 8 << 20


def _too_long(name: str, place: str, length: int | None) -> str:
    got = f"有 {length} 个字符" if length is not None else "过长"
    return f"{name}：{place}的单元格{got}，超过上限 {MAX_CELL_CHARS} 个字符（Excel 单元格的上限），文件可能已损坏"


def _check_zip(p: Path) -> ZipFacts:
    """Zip-bomb, XML-entity and extent checks on a zip container before any parser opens it.

    Declared sizes and ratios are checked from the central directory; then every member is
    streamed once (bounded memory): a member whose real data disagrees with its declared size fails
    its CRC here, so calamine never inflates more than was declared.
    """
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            _check_sizes(p, infos)
            names = {i.filename for i in infos}
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
            if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                facts = ZipFacts("ods")
            elif "xl/workbook.xml" in names:
                facts = ZipFacts("xlsx")
            elif "xl/workbook.bin" in names:
                facts = ZipFacts("xlsb")
            else:
                raise FormatError(f"{p.name}：是压缩包，但不是 Excel 或 ODS 表格")
            sheet_parts: dict[str, str] = {}
            full_calc = False
            if facts.format == "xlsx":
                sheet_parts, full_calc, facts.date_1904 = _workbook_facts(p, z)
            for info in infos:
                if info.is_dir():
                    continue
                sheet = sheet_parts.get(info.filename)
                scan = _scan_member(p, z, info, sheet, full_calc)
                if sheet is not None and scan is not None:
                    facts.sheets[sheet] = scan
                    facts.parts[sheet] = info.filename
                elif info.filename.lower().endswith("sharedstrings.xml"):
                    facts.shared_bytes += info.file_size
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, NotImplementedError):
        raise FormatError(f"{p.name}：文件已损坏或不完整（不是完整的 .xlsx/.ods 压缩包）") from None
    if facts.format == "xlsx":
        for sheet, scan in facts.sheets.items():
            _check_extent(p, sheet, scan)
    return facts


def _check_sizes(p: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Declared sizes: the total, and each large member's compression ratio."""
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise FormatError(
            f"{p.name}：解压后体积 {total // 1024 // 1024} MB，超过上限 {MAX_UNZIPPED_BYTES // 1024 // 1024} MB，"
            "疑似压缩炸弹，已拒绝（未解压）"
        )
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > RATIO_FLOOR_BYTES and ratio > MAX_ZIP_RATIO:
            raise FormatError(
                f"{p.name}：其中一个部件解压后 {i.file_size // 1024 // 1024} MB、压缩比 {int(ratio)}:1"
                f"（上限 {MAX_ZIP_RATIO}:1），疑似压缩炸弹或含有超长单元格，已拒绝（未解压）"
            )


def _workbook_facts(p: Path, z: zipfile.ZipFile) -> tuple[dict[str, str], bool, bool]:
    """Worksheet part → sheet name, and whether formulas' cached values and dates need care."""
    from defusedxml.ElementTree import fromstring

    book = _small_xml(p, z, "xl/workbook.xml")
    rels_xml = _small_xml(p, z, "xl/_rels/workbook.xml.rels")
    try:
        root = fromstring(book, forbid_dtd=True)
        rels = fromstring(rels_xml, forbid_dtd=True) if rels_xml else None
    except Exception:  # noqa: BLE001 - defusedxml and expat errors alike: calamine will name the damage
        return {}, False, False
    targets = {}
    for rel in rels if rels is not None else []:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[rel.get("Id")] = target
    parts: dict[str, str] = {}
    full_calc = date_1904 = False
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets and el.get("name"):
                parts[targets[rid]] = str(el.get("name"))
        elif tag == "calcPr":
            full_calc = el.get("fullCalcOnLoad") in ("1", "true")
        elif tag == "workbookPr":
            date_1904 = el.get("date1904") in ("1", "true")
    return parts, full_calc, date_1904


def _small_xml(p: Path, z: zipfile.ZipFile, name: str) -> bytes:
    """A small XML part, read only after its prolog passed the entity check."""
    try:
        info = z.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > 50 << 20:
        raise FormatError(f"{p.name}：工作簿结构部件 {name} 异常庞大，已拒绝")
    _scan_member(p, z, info, None, False)
    return z.read(name)


class _PrologDone(Exception):
    """Raised by the prolog target at the first element: the DTD, if any, is behind us."""


class _PrologTarget:
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _PrologDone(tag)

    def end(self, tag: str) -> None:
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


class _Prolog:
    """Feeds a member's first bytes to defusedxml until its root element: any DTD or entity refuses.

    Office and ODS parts never carry a DTD; one in a spreadsheet is an entity-expansion ("billion
    laughs") or external-entity (XXE) attack. Nothing of the declaration is echoed to the user.
    """

    def __init__(self, p: Path) -> None:
        from defusedxml.ElementTree import DefusedXMLParser

        self.p = p
        self.parser: Any = DefusedXMLParser(target=_PrologTarget(), forbid_dtd=True)
        self.done = False
        self.is_xml = True

    def feed(self, chunk: bytes) -> None:
        from defusedxml import DefusedXmlException

        if self.done:
            return
        try:
            self.parser.feed(chunk)
        except _PrologDone:
            self.done = True
        except DefusedXmlException:
            raise FormatError(
                f"{self.p.name}：文件内部的 XML 含有 DTD 或实体声明（可用于“实体膨胀”或读取本机文件的攻击），"
                "正常的 Excel/WPS/ODS 文件不会有；已拒绝，未读取其内容"
            ) from None
        except Exception:  # noqa: BLE001 - not XML (an image) or malformed: not this check's business
            self.done, self.is_xml = True, False


def _scan_member(
    p: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None, full_calc: bool
) -> SheetScan | None:
    """Stream one member: entity check on its prolog, CRC, text-run length, and for a worksheet
    the cells that matter before calamine allocates: extent and formulas without values."""
    prolog = _Prolog(p)
    scanner: _SheetScanner | _OdsScanner | None = None
    if sheet is not None:
        scanner = _SheetScanner(p, sheet, full_calc)
    elif info.filename == "content.xml":
        scanner = _OdsScanner(p)
    carry = b""
    with z.open(info) as f:
        while chunk := f.read(_XML_CHUNK):
            prolog.feed(chunk)
            buf = carry + chunk
            cut = buf.rfind(b">") + 1
            if scanner is not None:
                cut = scanner.safe_cut(buf, cut)
                scanner.feed(buf[:cut])
            carry = buf[cut:]
            if not (prolog.is_xml or scanner or info.filename.endswith((".xml", ".rels"))):
                carry = b""  # an image or other binary part: only its CRC matters
            elif len(carry) > MAX_RUN_BYTES:
                raise FormatError(
                    f"{p.name}：{'工作表“' + sheet + '”中' if sheet else ''}有单元格内容超过 "
                    f"{MAX_CELL_CHARS} 个字符的上限（单个单元格数 MB），已拒绝"
                )
    if scanner is not None:
        scanner.feed(carry)
        return scanner.result if isinstance(scanner, _SheetScanner) else None
    return None


def col_index(letters: str) -> int:
    """0-based column index of column letters (A → 0, AA → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    """Column letters of a 0-based column index."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


@lru_cache(maxsize=1024)
def _refs_beyond(count: int) -> re.Pattern[bytes]:
    """Cell references whose column lies beyond the first `count` columns (A..), by regex alone.

    Searching only for references wider than what was seen keeps the pass at C speed: an ordinary
    sheet matches nothing after its first row.
    """
    if count <= 0:
        return re.compile(rb' r="([A-Z]+)([0-9]+)"')
    last = col_letters(count - 1)
    alts = [f"[A-Z]{{{len(last) + 1},}}"]
    for i, ch in enumerate(last):
        if ch != "Z":
            alts.append(f"{last[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{len(last) - i - 1}}}")
    return re.compile(f' r="((?:{"|".join(alts)}))([0-9]+)"'.encode())


@lru_cache(maxsize=64)
def _rows_with_digits(digits: int, prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"<" + re.escape(prefix) + rb"row\b[^>]*? r=\"([0-9]{%d,})\"" % digits)


_ROW_R = re.compile(rb' r="([0-9]+)"')
_CELL_R = re.compile(rb' r="([A-Z]+)([0-9]+)"')


class _SheetScanner:
    """Finds a worksheet's real extent and its uncomputed formulas from the raw XML, fast.

    Everything is `bytes.find` or a regex with a literal prefix, so a 100k-row sheet costs a few
    tenths of a second; no tree is built and nothing of the sheet is kept.
    """

    def __init__(self, p: Path, sheet: str, full_calc: bool) -> None:
        self.p, self.sheet, self.full_calc = p, sheet, full_calc
        self.result = SheetScan()
        self.prefix: bytes | None = None
        self.merging: bytearray | None = None  # the <mergeCells> element being read
        self.in_cells = False  # (once <sheetData> began, no <cols> element follows)

    def _tokens(self, buf: bytes) -> bytes:
        if self.prefix is None:
            m = re.search(rb"<(\w+:)?worksheet\b", buf)
            if m is None:
                return b""
            self.prefix = m.group(1) or b""
        return self.prefix

    def safe_cut(self, buf: bytes, cut: int) -> int:
        """Move a chunk boundary back so that no cell is split between two chunks."""
        pre = self._tokens(buf)
        start = _cell_start(buf, pre, cut, window=len(buf))
        if start < 0:
            return cut
        end = buf.find(b">", start, cut)
        if end < 0:
            return start
        if buf[end - 1 : end] == b"/" or buf.find(b"</" + pre + b"c>", end, cut) >= 0:
            return cut
        return start

    def feed(self, part: bytes) -> None:
        if not part:
            return
        pre = self._tokens(part)
        if not self.in_cells:
            self._hidden_columns(part, pre)
        self._track_rows(part, pre)
        self._track_columns(part, pre)
        if b"<" + pre + b"f" in part:
            self._formulas(part, pre)
        if b' t="e"' in part:
            self._errors(part, pre)
        if self.merging is not None or (b"mergeCells" in part and self.result.merges == b""):
            self._merges(part, pre)

    def _hidden_columns(self, part: bytes, pre: bytes) -> None:
        """The columns ``<cols>`` sets hidden (``<col min="4" max="4" hidden="1"/>``), read from the
        part before ``<sheetData>`` (where the element stands)."""
        cells = part.find(b"<" + pre + b"sheetData")
        head = part if cells < 0 else part[:cells]
        self.in_cells = cells >= 0
        hidden = set(self.result.hidden_cols)
        for m in re.finditer(rb"<" + re.escape(pre) + rb"col\b([^>]*)>", head):
            attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
            if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"min", b"").isdigit():
                lo = int(attrs[b"min"])
                hi = min(int(attrs.get(b"max", b"").decode() or lo), lo + MAX_COLUMNS)
                hidden.update(range(lo - 1, min(hi, MAX_COLUMNS)))
        self.result.hidden_cols = frozenset(hidden)

    def _merges(self, part: bytes, pre: bytes) -> None:
        """Keep the first `<mergeCells>` element whole, across parts."""
        if self.merging is None:
            m = re.search(rb"<" + re.escape(pre) + rb"mergeCells[\s>/]", part)
            if m is None:
                return
            self.merging = bytearray(part[m.start() :])
        else:
            self.merging += part
        buf = self.merging
        tag_end = buf.find(b">")
        if tag_end >= 0 and buf[tag_end - 1 : tag_end] == b"/":
            end = tag_end + 1
        else:
            close = buf.find(b"</" + pre + b"mergeCells")
            end = buf.find(b">", close) + 1 if close >= 0 else 0
        if end > 0:
            self.result.merges, self.merging = bytes(buf[:end]), None
        elif len(buf) > MAX_MERGES_BYTES:
            self.result.merges, self.merging = None, None

    def _track_rows(self, part: bytes, pre: bytes) -> None:
        """The last row with data in this part (rows are written in order), and any row further
        down with more digits than the maximum so far (in case they are not)."""
        res = self.result
        last = max(part.rfind(b"<" + pre + b"v>"), part.rfind(b"<" + pre + b"is>"))
        if last >= 0:
            start = _cell_start(part, pre, last)
            ref = _CELL_R.search(part, start, part.find(b">", start) + 1) if start >= 0 else None
            if ref is not None:
                res.max_row = max(res.max_row, int(ref.group(2)))
            else:
                row = part.rfind(b"<" + pre + b"row ", 0, last)
                m = _ROW_R.search(part, row, part.find(b">", row) + 1) if row >= 0 else None
                if m is not None:
                    res.max_row = max(res.max_row, int(m.group(1)))
        for m in _rows_with_digits(len(str(res.max_row)) + 1, pre).finditer(part):
            tag_end = part.find(b">", m.end())
            if tag_end < 0 or part[tag_end - 1 : tag_end] == b"/":
                continue  # <row …/>: an empty row (xlsxwriter's set_row); never search past it
            row_end = part.find(b"</" + pre + b"row>", tag_end)
            if row_end < 0:
                row_end = len(part)
            if int(m.group(1)) > res.max_row and _body_has_data(part[tag_end:row_end], pre):
                res.max_row = int(m.group(1))

    def _track_columns(self, part: bytes, pre: bytes) -> None:
        res = self.result
        pos = 0
        while m := _refs_beyond(res.max_col).search(part, pos):
            pos = m.end()
            if not _has_data(part, m.end(), pre):
                continue  # a formatted but empty cell: calamine ignores it
            col = col_index(m.group(1).decode())
            if col >= MAX_COLUMNS:
                raise FormatError(
                    f"{self.p.name}：工作表“{self.sheet}”的 {m.group(1).decode()}{int(m.group(2))} 单元格有数据，"
                    f"超出列数上限 {MAX_COLUMNS} 列（到 {col_letters(MAX_COLUMNS - 1)} 列为止）；"
                    "请删除多余的列后再导入"
                )
            res.max_col = col + 1
            res.max_row = max(res.max_row, int(m.group(2)))

    def _formulas(self, part: bytes, pre: bytes) -> None:
        f_tok, close = b"<" + pre + b"f", b"</" + pre + b"c>"
        pos = part.find(f_tok)
        while pos >= 0:
            nxt = part[pos + len(f_tok) : pos + len(f_tok) + 1]
            start = _cell_start(part, pre, pos)
            end = part.find(close, pos)
            if nxt in (b" ", b">", b"/") and start >= 0 and end >= 0:
                cell = part[start:end]
                if not self._computed(cell, pre):
                    ref = _CELL_R.search(cell, 0, cell.find(b">"))
                    self.result.uncomputed.append(
                        (int(ref.group(2)) - 1, col_index(ref.group(1).decode())) if ref else (-1, -1)
                    )
            pos = part.find(f_tok, max(end, pos + 1))

    def _errors(self, part: bytes, pre: bytes) -> None:
        """Cells typed as an Excel error (``<c r="D3" t="e"><v>#N/A</v></c>``): where, and which."""
        close = b"</" + pre + b"c>"
        pos = part.find(b' t="e"')
        while pos >= 0:
            start = _cell_start(part, pre, pos)
            tag_end = part.find(b">", start) if start >= 0 else -1
            if start >= 0 and pos < tag_end:  # (the attribute of a cell's own tag)
                end = part.find(close, tag_end)
                cell = part[start : end if end >= 0 else tag_end + 1]
                ref = _CELL_R.search(cell, 0, cell.find(b">"))
                value = re.search(rb"<" + re.escape(pre) + rb"v>([^<]*)<", cell)
                if ref is not None:
                    where = (int(ref.group(2)) - 1, col_index(ref.group(1).decode()))
                    self.result.errors[where] = (
                        value.group(1).decode("utf-8", "replace") if value else "#错误"
                    )
            pos = part.find(b' t="e"', pos + 1)

    def _computed(self, cell: bytes, pre: bytes) -> bool:
        m = re.search(rb"<" + re.escape(pre) + rb"v>([^<]*)<", cell)
        if m is None or not m.group(1):
            return False
        # xlsxwriter and similar writers store 0 as a placeholder and ask Excel to recalculate.
        return not (self.full_calc and m.group(1) == b"0")


def _cell_start(part: bytes, pre: bytes, before: int, window: int = 1 << 16) -> int:
    """Where the cell holding position `before` starts, looking back at most `window` bytes (a cell's
    value or formula follows its start closely); one backward search per cell keeps it linear."""
    lo, tok = max(0, before - window), b"<" + pre + b"c"
    at = part.rfind(tok, lo, before)
    while at >= 0 and part[at + len(tok) : at + len(tok) + 1] not in (b" ", b">"):
        at = part.rfind(tok, lo, at)  # <col>, <color>, <charset> inside rich text
    return at


def _body_has_data(body: bytes, pre: bytes) -> bool:
    """Whether cell XML holds a value, an inline string or a formula (calamine skips the rest)."""
    if b"<" + pre + b"f" in body or b"<" + pre + b"is>" in body:
        return True
    v = body.find(b"<" + pre + b"v>")
    return v >= 0 and body[v + len(pre) + 3 : v + len(pre) + 4] not in (b"<", b"")


def _has_data(part: bytes, at: int, pre: bytes) -> bool:
    """Whether the cell whose reference ends at `at` has content (not a self-closing styled cell)."""
    end = part.find(b">", at)
    if end < 0 or part[end - 1 : end] == b"/":
        return False
    close = part.find(b"</" + pre + b"c>", end)
    return _body_has_data(part[end + 1 : close if close >= 0 else len(part)], pre)


_ODS_ROW_END = b"</table:table-row>"
_ODS_REPEATED_ROW = re.compile(rb'<table:table-row\b[^>]*?table:number-rows-repeated="([0-9]{4,})"[^>]*>')
_ODS_REPEATED_CELL = re.compile(
    rb'<table:(?:covered-)?table-cell\b[^>]*?table:number-columns-repeated="([0-9]{3,})"[^>]*>'
)
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*)>")


class _OdsScanner:
    """ODS writes identical neighbours once with a repeat count, and calamine expands every repeat
    that holds a value: a 1 KB file whose one row of 500 numbers says "repeat 200,000 times" took
    11 GB. Empty repeats (LibreOffice pads every sheet with them) cost nothing and are let through."""

    def __init__(self, p: Path) -> None:
        self.p = p
        self.cells = 0

    def safe_cut(self, buf: bytes, cut: int) -> int:
        """Keep an unfinished row for the next chunk; everything else may be cut anywhere."""
        end = buf.rfind(_ODS_ROW_END, 0, cut)
        lo = end + len(_ODS_ROW_END) if end >= 0 else 0
        start = buf.find(b"<table:table-row", lo, cut)
        while start >= 0 and buf[start + 16 : start + 17] not in (b" ", b">"):
            start = buf.find(b"<table:table-row", start + 1, cut)  # <table:table-rows>, -row-group
        return start if start >= 0 else cut

    def feed(self, part: bytes) -> None:
        for m in _ODS_REPEATED_CELL.finditer(part):
            if b"office:value-type" in m.group(0) and int(m.group(1)) > MAX_COLUMNS:
                raise FormatError(
                    f"{self.p.name}：有单元格的值被重复 {int(m.group(1))} 列，超过列数上限 {MAX_COLUMNS}，已拒绝"
                )
        for m in _ODS_REPEATED_ROW.finditer(part):
            if m.group(0).endswith(b"/>"):
                continue
            end = part.find(_ODS_ROW_END, m.end())
            width = _ods_row_width(part[m.end() : end if end >= 0 else len(part)])
            repeat = int(m.group(1))
            if width and repeat > MAX_ROWS:
                raise FormatError(
                    f"{self.p.name}：有一行数据被重复 {repeat} 次，超过行数上限 {MAX_ROWS}，已拒绝"
                )
            self.cells += repeat * width
            if self.cells > MAX_CELLS:
                raise FormatError(
                    f"{self.p.name}：重复的行展开后超过 {MAX_CELLS} 个单元格（可能是恶意构造的文件），已拒绝"
                )


def _ods_row_width(body: bytes) -> int:
    """Columns up to the last cell holding a value in one ODS row; 0 when it holds none."""
    width = last = 0
    for m in _ODS_CELL.finditer(body):
        rep = re.search(rb'number-columns-repeated="([0-9]+)"', m.group(1))
        width += int(rep.group(1)) if rep else 1
        if b"office:value-type" in m.group(1):
            last = width
    return last


def _check_extent(p: Path, sheet: str, scan: SheetScan) -> None:
    """A sheet whose cells lie far apart would make calamine allocate the whole grid between them."""
    if scan.max_row > MAX_ROWS:
        raise FormatError(
            f"{p.name}：工作表“{sheet}”有数据写在第 {scan.max_row} 行，超过行数上限 {MAX_ROWS}；"
            "请删除多余的行后再导入"
        )
    if scan.max_row * max(scan.max_col, 1) > MAX_CELLS:
        raise FormatError(
            f"{p.name}：工作表“{sheet}”的数据范围达 {scan.max_row} 行 × {scan.max_col} 列，超过上限 "
            f"{MAX_CELLS} 个单元格；请删除远离表格的零散单元格后再导入"
        )


#: A BIFF record that may hold an Excel error value: a BOOLERR (0x0205, 8 bytes) whose last byte
#: says "error", or a FORMULA (0x0006) whose cached result is an error (its first byte 2, its last two
#: 0xFFFF). A cheap look over the file's bytes: only a file where one may be is read again by xlrd.
_XLS_ERROR_HINT = re.compile(rb"\x05\x02\x08\x00.{7}\x01|\x06\x00.{8}\x02.{5}\xff\xff", re.DOTALL)
#: A COLINFO record (0x007D, 12 bytes): columns first..last, their options' lowest bit "hidden".
_XLS_COLINFO = b"\x7d\x00\x0c\x00"


@dataclass
class XlsFacts:
    """What calamine does not say of an .xls file's sheets: error cells and hidden columns."""

    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    hidden_cols: dict[str, frozenset[int]] = field(default_factory=dict)


def _xls_facts(p: Path) -> XlsFacts:
    """An .xls file's cells holding an Excel error value (#DIV/0!, #N/A …), by sheet: (row, column)
    0-based → the error as Excel shows it, and its hidden columns. calamine gives an error cell as an
    empty one (a count would read 0) and says nothing of hidden columns, so they are found here, with
    xlrd, as the scan finds them in an xlsx — only when the file's bytes show one may be there."""
    with open(p, "rb") as f:
        data = f.read(MAX_FILE_BYTES)
    errors = _XLS_ERROR_HINT.search(data) is not None
    hidden = any(data[i + 12 : i + 13] and data[i + 12] & 1 for i in _find_all(data, _XLS_COLINFO))
    if not (errors or hidden):
        return XlsFacts()
    import xlrd  # (only here: most .xls files hold neither)

    try:
        book = xlrd.open_workbook(str(p), on_demand=True, logfile=io.StringIO(), formatting_info=hidden)
    except Exception:  # noqa: BLE001 - xlrd's own errors: calamine read the file; nothing more to find
        return XlsFacts()
    try:
        return _xls_sheet_facts(book, errors)
    finally:
        book.release_resources()  # (the file is not left open: Windows would keep it locked)


def _xls_sheet_facts(book: Any, errors: bool) -> XlsFacts:
    import xlrd

    out = XlsFacts()
    for sh in (book.sheet_by_index(i) for i in range(book.nsheets)):
        cols = frozenset(c for c, info in getattr(sh, "colinfo_map", {}).items() if info.hidden)
        if cols:
            out.hidden_cols[sh.name] = cols
        for r in range(sh.nrows if errors else 0):
            for c, ctype in enumerate(sh.row_types(r)):
                if ctype == xlrd.XL_CELL_ERROR:
                    code = sh.cell_value(r, c)
                    out.errors.setdefault(sh.name, {})[(r, c)] = xlrd.error_text_from_code.get(code, "#错误")
    return out


def _find_all(data: bytes, token: bytes) -> Iterator[int]:
    at = data.find(token)
    while at >= 0:
        yield at
        at = data.find(token, at + 1)


def _is_encrypted_ole(p: Path) -> bool:
    """An OLE file holding an `EncryptionInfo`/`EncryptedPackage` stream is a password-protected
    xlsx; the names sit in the directory, which may be anywhere in the file, so scan all of it."""
    markers = ["EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le")]
    tail = b""
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            buf = tail + chunk
            if any(m in buf for m in markers):
                return True
            tail = buf[-64:]
    return False


def _read_calamine(p: Path, fmt: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as exc:  # calamine raises its own error types for every broken container
        if any(w in str(exc).lower() for w in ("password", "encrypt")):
            raise FormatError(f"{p.name}：{_PASSWORD}") from None
        raise FormatError(f"{p.name}：无法读取（文件损坏、不完整或格式不符：{type(exc).__name__}）") from None
    sheets: list[Sheet] = []
    for meta in wb.sheets_metadata:
        visible = str(getattr(meta, "visible", "Visible")).endswith("Visible")
        if str(getattr(meta, "typ", "WorkSheet")).split(".")[-1] not in ("WorkSheet", "Worksheet"):
            continue
        try:
            sh = wb.get_sheet_by_name(meta.name)
        except Exception as exc:
            if any(w in str(exc).lower() for w in ("password", "encrypt")):
                raise FormatError(f"{p.name}：{_PASSWORD}") from None
            raise FormatError(f"{p.name}：工作表“{meta.name}”无法读取（{type(exc).__name__}）") from None
        if sh.height > MAX_ROWS:
            raise FormatError(f"{p.name}：工作表“{meta.name}”行数超过上限 {MAX_ROWS}")
        if sh.width > MAX_COLUMNS:
            raise FormatError(
                f"{p.name}：工作表“{meta.name}”有 {sh.width} 列，超过列数上限 {MAX_COLUMNS}；请删除多余的列后再导入"
            )
        try:
            rows = sh.to_python(skip_empty_area=False)
        except Exception as exc:
            raise FormatError(f"{p.name}：工作表“{meta.name}”无法读取（{type(exc).__name__}）") from None
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
        sheets.append(Sheet(meta.name, _clean_rows(p, meta.name, rows), merged=merged, visible=visible))
    return sheets


@dataclass
class SheetStream:
    """The one worksheet of an xlsx file, its rows read one at a time (as `read` gives them, cleaned):
    the rows are never all held in Python, whatever the sheet's length."""

    path: Path
    format: str
    sha256: str
    sheet: Sheet  # its name, merged ranges and date system; `rows` stays empty
    #: (row's cells, its row number as the spreadsheet shows it), lazily; raises `Unstreamable`.
    rows: Iterator[tuple[list[Any], int]]
    height: int


class Unstreamable(Exception):
    """A file `stream_workbook` leaves to `read`, which then reads it whole and says what it says."""


def stream_workbook(path: str | Path) -> SheetStream | None:
    """An xlsx file with exactly one worksheet, visible and without formulas lacking their values,
    read row by row; None for anything else (`read` then reads the file whole: every refusal and
    every warning is its own). The same checks as `read` run first (zip bomb, extent, encryption).
    A sheet calamine would hold in more than `CALAMINE_BUDGET_BYTES` is read in slices of rows
    (`read.slices`): memory then stays flat whatever the sheet's length."""
    p = Path(path)
    try:
        before = check_regular(p)
        with open(p, "rb") as f:
            head = f.read(8192)
        if not 0 < before.st_size <= MAX_FILE_BYTES or sniff(head) != "zip":
            return None
        facts = _check_zip(p)
    except (DjgjError, OSError):
        return None
    if facts.format != "xlsx" or len(facts.sheets) != 1:
        return None
    name, scan = next(iter(facts.sheets.items()))
    if scan.uncomputed or scan.errors:  # (refused by `parse`, naming the cells)
        return None
    if calamine_bytes(scan, facts) > CALAMINE_BUDGET_BYTES and scan.merges is not None:
        sliced = _sliced_stream(p, before, facts, name, scan.merges)
        if sliced is not None:
            return sliced
    return _calamine_stream(p, before, facts)


#: Above this (`calamine_bytes`), a one-sheet xlsx is read in slices rather than whole by calamine.
CALAMINE_BUDGET_BYTES = 32 << 20


def calamine_bytes(scan: SheetScan, facts: ZipFacts) -> int:
    """What calamine would hold to read the sheet whole: its grid (`MAX_CELLS`' 40 bytes a cell)
    and its shared strings."""
    return scan.max_row * max(scan.max_col, 1) * 40 + facts.shared_bytes


def _sheet_usable(meta: Any) -> bool:
    visible = str(getattr(meta, "visible", "Visible")).endswith("Visible")
    return visible and str(getattr(meta, "typ", "WorkSheet")).split(".")[-1] in ("WorkSheet", "Worksheet")


def _sliced_stream(
    p: Path, before: os.stat_result, facts: ZipFacts, name: str, merges: bytes
) -> SheetStream | None:
    from djgj.read import slices

    try:
        book = slices.open_book(p, name, facts.parts[name], merges)
        metas, merged = slices.probe(book)
    except slices.SliceError:
        return None
    if len(metas) != 1 or metas[0].name != name or not _sheet_usable(metas[0]):
        return None
    scan = facts.sheets[name]
    sheet = Sheet(name, [], merged=merged, date_1904=facts.date_1904, hidden_cols=scan.hidden_cols)
    height = scan.max_row
    return SheetStream(p, "xlsx", sha256_of(p), sheet, _sliced_rows(p, book, before), height)


def _sliced_rows(p: Path, book: Any, before: os.stat_result) -> Iterator[tuple[list[Any], int]]:
    """Rows as `_sheet_rows` gives them (from row 1 and column A, empty rows between included), read
    slice by slice; anything a slice cannot take with certainty raises `Unstreamable`."""
    from djgj.read import slices

    nxt = 0
    try:
        for r, c0, values in slices.rows(book):
            if r < nxt or r >= MAX_ROWS or len(values) > MAX_COLUMNS:
                raise Unstreamable
            while nxt < r:
                nxt += 1
                yield [], nxt
            yield _clean_row([""] * c0 + values if c0 else values), r + 1
            nxt = r + 1
    except (slices.SliceError, _TooLong):
        raise Unstreamable from None
    check_unchanged(p, before)


def _calamine_stream(p: Path, before: os.stat_result, facts: ZipFacts) -> SheetStream | None:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
        metas = list(wb.sheets_metadata)
        if len(metas) != 1 or not _sheet_usable(metas[0]):
            return None
        name = metas[0].name
        scan = facts.sheets.get(name)
        if scan is None or scan.uncomputed or scan.errors:
            return None
        sh = wb.get_sheet_by_name(name)
        if sh.height > MAX_ROWS or sh.width > MAX_COLUMNS:
            return None
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
    except Exception:  # noqa: BLE001 - calamine's own errors: `read` words them
        return None
    sheet = Sheet(name, [], merged=merged, date_1904=facts.date_1904, hidden_cols=scan.hidden_cols)
    return SheetStream(p, "xlsx", sha256_of(p), sheet, _sheet_rows(p, sh, before), int(sh.height))


def _sheet_rows(p: Path, sh: Any, before: os.stat_result) -> Iterator[tuple[list[Any], int]]:
    """Rows as `to_python(skip_empty_area=False)` gives them: `iter_rows` starts at row 1 but at the
    range's first column, so the empty columns before it are put back."""
    start = getattr(sh, "start", None)
    pad = [""] * int(start[1]) if start else []
    for r, row in enumerate(sh.iter_rows()):
        try:
            yield _clean_row(pad + row if pad else row), r + 1
        except _TooLong:
            raise Unstreamable from None
    check_unchanged(p, before)


def _clean_rows(p: Path, sheet: str, rows: list[list[Any]]) -> list[list[Any]]:
    out = []
    for r, row in enumerate(rows):
        try:
            out.append(_clean_row(row))
        except _TooLong as exc:
            place = f"工作表“{sheet}”{col_letters(exc.col)}{r + 1}"
            raise FormatError(_too_long(p.name, place, exc.length)) from None
    return out


class _TooLong(Exception):
    def __init__(self, col: int, length: int) -> None:
        self.col, self.length = col, length


def _clean_row(row: list[Any]) -> list[Any]:
    """Blank → None, times → text, and every text within `MAX_CELL_CHARS` (Excel's own limit)."""
    out: list[Any] = []
    for i, c in enumerate(row):
        if c == "" or c is None:
            out.append(None)
        elif isinstance(c, str):
            if len(c) > MAX_CELL_CHARS:
                raise _TooLong(i, len(c))
            out.append(c)
        elif isinstance(c, dt.time):
            out.append(str(c))
        else:
            out.append(c)
    while out and out[-1] is None:
        out.pop()
    return out
