"""Open a file and return its sheets as grids of cells.

The real format is detected from the bytes, not the name (townships rename CSV to .xls, other
systems export HTML as .xls). Limits are enforced before any parser sees the file, text is decoded
strictly (UTF-8 with or without BOM, then GB18030; never with replacement characters), and the
result is a list of `Sheet` grids whose cells are str, int, float, bool, date, datetime or None.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FormatError, InputError

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200
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


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read(path: str | Path) -> Workbook:
    """Read any supported file into grids, or raise `FormatError` saying what the file really is."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(8192)
    except FileNotFoundError:
        raise InputError(f"找不到文件：{p}") from None
    except IsADirectoryError:
        raise InputError(f"{p} 是文件夹，不是表格文件") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {p}：{exc.strerror}") from None
    if size == 0:
        raise FormatError(f"{p.name}：文件是空的（0 字节）")
    if size > MAX_FILE_BYTES:
        raise FormatError(
            f"{p.name}：文件过大（{size // 1024 // 1024} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB）"
        )
    kind = sniff(head)
    digest = sha256_of(p)
    if kind == "zip":
        fmt = _check_zip(p)
        return Workbook(p, fmt, digest, _read_calamine(p, fmt))
    if kind == "ole":
        if _is_encrypted_ole(p):
            raise FormatError(
                f"{p.name}：工作簿设有打开密码，无法读取；请在 Excel/WPS 中取消密码后另存再导入"
            )
        return Workbook(p, "xls", digest, _read_calamine(p, "xls"))
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
    data = p.read_bytes()
    text, encoding = decode_text(data, p.name)
    return Workbook(p, "csv", digest, [_parse_csv(text, p.stem)], encoding=encoding)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Strict UTF-8 (BOM stripped), then strict GB18030; never replacement characters."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    raise FormatError(
        f"{name}：文本既不是 UTF-8 也不是 GB18030/GBK 编码，无法可靠读取；请另存为 UTF-8 CSV 或 .xlsx"
    )


def _parse_csv(text: str, name: str) -> Sheet:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FormatError(f"{name}：第{line}行含有空字符（NUL），文件可能已损坏")
    sample = text[:8192]
    delimiter = ","
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    if max(counts.values()) > 0:
        delimiter = max(counts, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[Any]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise FormatError(f"{name}：行数超过上限 {MAX_ROWS}")
            rows.append([c if c != "" else None for c in row])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FormatError(f"{name}：第{reader.line_num}行 CSV 格式错误（{exc}）") from None
    return Sheet(name=name, rows=rows, line_numbers=lines)


def _check_zip(p: Path) -> str:
    """Zip-bomb and format checks on a zip container before any parser opens it."""
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, OSError):
        raise FormatError(f"{p.name}：文件已损坏或不完整（不是完整的 .xlsx/.ods 压缩包）") from None
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise FormatError(
            f"{p.name}：解压后体积异常（{total // 1024 // 1024} MB，压缩比 {total // packed}:1），疑似压缩炸弹，已拒绝"
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    raise FormatError(f"{p.name}：是压缩包，但不是 Excel 或 ODS 表格")


def _is_encrypted_ole(p: Path) -> bool:
    data = p.read_bytes()[:200_000]
    return "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data


def _read_calamine(p: Path, fmt: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as exc:  # calamine raises its own error types for every broken container
        raise FormatError(f"{p.name}：无法读取（文件损坏、不完整或格式不符：{type(exc).__name__}）") from None
    sheets: list[Sheet] = []
    for meta in wb.sheets_metadata:
        visible = str(getattr(meta, "visible", "Visible")).endswith("Visible")
        if str(getattr(meta, "typ", "WorkSheet")).split(".")[-1] not in ("WorkSheet", "Worksheet"):
            continue
        try:
            sh = wb.get_sheet_by_name(meta.name)
            rows = sh.to_python(skip_empty_area=False)
        except Exception as exc:
            raise FormatError(f"{p.name}：工作表“{meta.name}”无法读取（{type(exc).__name__}）") from None
        if len(rows) > MAX_ROWS:
            raise FormatError(f"{p.name}：工作表“{meta.name}”行数超过上限 {MAX_ROWS}")
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
        sheets.append(Sheet(meta.name, [_clean_row(r) for r in rows], merged=merged, visible=visible))
    return sheets


def _clean_row(row: list[Any]) -> list[Any]:
    out: list[Any] = []
    for c in row:
        if c == "" or c is None:
            out.append(None)
        elif isinstance(c, dt.time):
            out.append(str(c))
        else:
            out.append(c)
    while out and out[-1] is None:
        out.pop()
    return out
