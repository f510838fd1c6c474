"""Hostile and broken spreadsheets (docs/reliability.md, faults and traps): each is built here, in tmp_path.

Every refusal is a Chinese message with exit 1, no traceback, and an unchanged ledger; the bombs are
refused before calamine allocates anything, which the subprocess tests check under a memory cap.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from builders import HEADER, ledger_rows, unit_row, write_csv, write_xlsx
from conftest import invoke
from djgj.errors import FormatError
from djgj.read import files as sources
from test_checks import ROSTER_HEADER, import_ledger, member
from test_import import ledger_counts

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TITLE = "城关镇非公有制企业党建工建情况（2014年度）"

# ---------------------------------------------------------------- a minimal xlsx, part by part


class Raw(str):
    """A cell given as its own XML (formulas, odd cells)."""


def cell_xml(ref: str, value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[Any]], *, dimension: str | None = None, extra: str = "") -> str:
    """A worksheet with inline strings; `extra` is appended inside <sheetData> (far cells, rows)."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            cell_xml(f"{sources.col_letters(c)}{r}", v) for c, v in enumerate(row) if v is not None
        )
        body.append(f'<row r="{r}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}">{dim}<sheetData>{"".join(body)}{extra}</sheetData></worksheet>'
    )


def write_parts(
    path: Path,
    sheet: str | Iterable[bytes],
    *,
    shared: str | None = None,
    workbook_pr: str = "",
    calc_pr: str = "",
) -> Path:
    """An xlsx from its parts; `sheet` may be a stream of chunks (a 300 MB sheet costs no memory)."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared is not None
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            if shared
            else ""
        )
        + "</Relationships>"
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{workbook_pr}'
        f'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>{calc_pr}</workbook>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        if isinstance(sheet, str):
            z.writestr("xl/worksheets/sheet1.xml", sheet)
        else:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                for chunk in sheet:
                    f.write(chunk)
    return path


def huge_cell_sheet(repeat: int, block: bytes = b" " * (1 << 20)) -> Iterable[bytes]:
    """A sheet whose one cell holds `block` `repeat` times: 300 × 1 MB is the 310 KB file that took 1.8 GB."""
    yield sheet_xml([["企业名称", "从业人员数"]]).split("</sheetData>")[0].encode()
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    for _ in range(repeat):
        yield block
    yield b"</t></is></c></row></sheetData></worksheet>"


def ledger_sheet(n: int = 3, **kw: Any) -> str:
    return sheet_xml(ledger_rows(n), **kw)


def read_in_subprocess(path: Path, memory_mb: int = 1500) -> tuple[str, int]:
    """`sources.read` in a child capped at `memory_mb` of address space; (message, peak RSS in MB).

    The cap turns a regression into a quick failure instead of a machine brought to its knees.
    """
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({memory_mb} << 20, {memory_mb} << 20))
        from djgj.read.files import read
        from djgj.errors import FormatError
        try:
            read(sys.argv[1])
            print("READ")
        except FormatError as exc:
            print(exc)
        # ru_maxrss survives fork and exec (it would report the pytest parent's peak); VmHWM is this
        # process's own address space, new at exec.
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
        print(int(hwm[0].split()[1]) // 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    message, peak = done.stdout.strip().rsplit("\n", 1)
    return message, int(peak)


def refused(runner: Any, path: Path, *args: str) -> str:
    result = invoke(runner, "import", str(path), *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if calamine is ever asked to open the file."""

    def boom(*_: Any) -> None:
        raise AssertionError("calamine was reached")

    monkeypatch.setattr(sources, "_read_calamine", boom)


def test_minimal_xlsx_builder_reads(runner, tmp_path, _isolated):
    f = write_parts(tmp_path / "ok.xlsx", ledger_sheet(3))
    assert invoke(runner, "import", str(f)).exit_code == 0
    assert ledger_counts(_isolated) == (3, 3)


# ---------------------------------------------------------------- 1. zip bombs and huge cells


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's declared uncompressed size in both its local and central headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        while at >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + offset, size)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def test_declared_huge_member_is_refused_before_parsing(runner, tmp_path, never_parsed, _isolated):
    f = write_parts(tmp_path / "bomb.xlsx", ledger_sheet(3))
    _declare_size(f, "xl/worksheets/sheet1.xml", 3_000_000_000)
    out = refused(runner, f)
    assert "压缩炸弹" in out and "未解压" in out
    assert ledger_counts(_isolated) == (0, 0)


def test_member_inflating_beyond_its_declared_size_is_refused(tmp_path, never_parsed):
    """A member that lies small: streaming it stops at the declared size and its CRC fails."""
    f = write_parts(tmp_path / "liar.xlsx", ledger_sheet(200))
    _declare_size(f, "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(FormatError, match="损坏"):
        sources.read(f)


def test_300mb_cell_in_a_310kb_file_is_refused_with_memory_bounded(runner, tmp_path):
    f = write_parts(tmp_path / "cell.xlsx", huge_cell_sheet(300))
    assert f.stat().st_size < 400_000
    message, peak_mb = read_in_subprocess(f)
    assert "压缩比" in message and "压缩炸弹" in message
    assert peak_mb < 200, peak_mb  # reading it used to take 1.6–1.8 GB
    assert "压缩炸弹" in refused(runner, f)


def test_long_cell_below_the_ratio_limit_is_refused_while_streaming(tmp_path):
    """5 MB of varied text compresses too poorly for the ratio check; the run-length check catches it."""
    import random

    rng = random.Random(1)
    filler = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯") for _ in range(1 << 18)).encode()
    f = write_parts(tmp_path / "long.xlsx", huge_cell_sheet(7, filler))  # 7 × 768 KB
    message, peak_mb = read_in_subprocess(f)
    assert "超过" in message and str(sources.MAX_CELL_CHARS) in message and "Sheet1" in message
    assert peak_mb < 200


def test_cell_over_the_character_limit_is_refused_naming_it(runner, tmp_path, _isolated):
    rows = ledger_rows(3)
    rows[3][1] = "长" * (sources.MAX_CELL_CHARS + 1)
    out = refused(runner, write_parts(tmp_path / "x.xlsx", sheet_xml(rows)))
    assert "工作表“Sheet1”B4" in out and str(sources.MAX_CELL_CHARS) in out
    csv_rows = [["企业名称", "从业人员数"], ["甲", 1], ["长" * (sources.MAX_CELL_CHARS + 1), 2]]
    out = refused(runner, write_csv(tmp_path / "x.csv", csv_rows), "--as-of", "2014-12-31")
    assert "第3行第1列" in out and "超过上限" in out
    assert ledger_counts(_isolated) == (0, 0)


# ---------------------------------------------------------------- 2. XML entities


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def test_billion_laughs_in_shared_strings_is_refused(runner, tmp_path, never_parsed, _isolated):
    sheet = ledger_sheet(2, extra='<row r="9"><c r="B9" t="s"><v>0</v></c></row>')
    out = refused(runner, write_parts(tmp_path / "bomb.xlsx", sheet, shared=BILLION_LAUGHS))
    assert "DTD" in out and "实体" in out and "lol" not in out
    assert ledger_counts(_isolated) == (0, 0)


def test_external_entity_in_a_sheet_is_refused_without_echoing_the_file(runner, tmp_path, never_parsed):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    sheet = ledger_sheet(2).replace(
        "<worksheet", f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<worksheet', 1
    )
    sheet = sheet.replace("测试1号有限公司", "&xxe;")
    out = refused(runner, write_parts(tmp_path / "xxe.xlsx", sheet))
    assert "DTD" in out and "TOP-SECRET" not in out and str(secret) not in out


# ---------------------------------------------------------------- 3. dimensions, far cells, extent


@pytest.mark.parametrize("dimension", ["A1:XFD2000000", "A1:A1", "A1:L2"])
def test_stale_or_inflated_dimension_neither_drops_rows_nor_allocates(runner, tmp_path, _isolated, dimension):
    f = write_parts(tmp_path / "dim.xlsx", ledger_sheet(5, dimension=dimension))
    wb = sources.read(f)
    assert len(wb.sheets[0].rows) == 7 and max(len(r) for r in wb.sheets[0].rows) == len(HEADER)
    assert invoke(runner, "import", str(f)).exit_code == 0
    assert ledger_counts(_isolated) == (5, 5)


def test_data_beyond_the_column_limit_is_refused_naming_the_cell(runner, tmp_path, never_parsed):
    far = sources.col_letters(sources.MAX_COLUMNS)  # the first column over the limit
    sheet = ledger_sheet(3, extra=f'<row r="6"><c r="{far}6"><v>1</v></c></row>')
    out = refused(runner, write_parts(tmp_path / "wide.xlsx", sheet))
    assert f"{far}6" in out and str(sources.MAX_COLUMNS) in out


def test_formatted_empty_cell_far_right_is_ignored(runner, tmp_path, _isolated):
    sheet = ledger_sheet(3, extra='<row r="6"><c r="XFD6" s="0"/></row>')
    assert invoke(runner, "import", str(write_parts(tmp_path / "styled.xlsx", sheet))).exit_code == 0
    assert ledger_counts(_isolated) == (3, 3)


@pytest.mark.parametrize(
    "extra, words",
    [
        ('<row r="300000"><c r="SF300000"><v>7</v></c></row>', "行 × "),  # 1 KB that took 5.9 GB
        ('<row r="3000000"><c r="A3000000"><v>7</v></c></row>', "行数上限"),
        (
            '<row r="2500000"><c r="B2500000"><v>7</v></c></row><row r="6"><c r="A6"><v>1</v></c></row>',
            "行数上限",
        ),
    ],
)
def test_far_apart_cells_are_refused_before_calamine_allocates_the_grid(tmp_path, extra, words):
    f = write_parts(tmp_path / "sparse.xlsx", ledger_sheet(3, extra=extra))
    message, peak_mb = read_in_subprocess(f)
    assert words in message and "Sheet1" in message
    assert peak_mb < 200


# ---------------------------------------------------------------- 4. formulas without values


def _formula_sheet(cell: str, rows: int = 3) -> str:
    """A ledger sheet whose E4 (从业人员数 of the second unit) is the formula cell given."""
    data = ledger_rows(rows)
    data[3][4] = Raw(cell)
    return sheet_xml(data)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="E4"><f>20+10</f></c>',  # openpyxl and many exporters: no <v>
        '<c r="E4"><f>20+10</f><v></v></c>',
        '<c r="E4"><f t="shared" ref="E4:E5" si="0">20+10</f></c>',
        '<c r="E4" t="str"><f>"30"</f></c>',
    ],
)
def test_formula_without_cached_value_is_refused_naming_the_cell(runner, tmp_path, _isolated, cell):
    out = refused(runner, write_parts(tmp_path / "f.xlsx", _formula_sheet(cell)))
    assert "工作表“Sheet1”E4 是公式但没有计算结果" in out and "公式未计算" in out and "保存后再导入" in out
    assert ledger_counts(_isolated) == (0, 0)


def test_xlsxwriter_formula_placeholder_is_refused_and_a_given_value_is_kept(runner, tmp_path, _isolated):
    """xlsxwriter stores 0 and asks Excel to recalculate on load (fullCalcOnLoad): 0 is no result."""
    import xlsxwriter

    def book(path: Path, value: int | None) -> Path:
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet()
        for r, row in enumerate(ledger_rows(3)):
            ws.write_row(r, 0, row)
        if value is None:
            ws.write_formula(3, 4, "=20+10")  # xlsxwriter stores 0
        else:
            ws.write_formula(3, 4, "=20+10", None, value)
        wb.close()
        return path

    out = refused(runner, book(tmp_path / "placeholder.xlsx", None))
    assert "E4 是公式但没有计算结果" in out
    assert invoke(runner, "import", str(book(tmp_path / "valued.xlsx", 30))).exit_code == 0
    assert sqlite3.connect(_isolated).execute("select employees from snapshots order by id").fetchall()[
        1
    ] == (30,)


def test_openpyxl_formula_is_refused(runner, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ledger_rows(3):
        ws.append(row)
    ws["E4"] = "=20+10"
    wb.save(tmp_path / "o.xlsx")
    assert "E4 是公式但没有计算结果" in refused(runner, tmp_path / "o.xlsx")


def test_formulas_outside_mapped_columns_or_in_totals_do_not_refuse(runner, tmp_path, _isolated):
    rows = ledger_rows(2)
    rows[1] = [*rows[1], "备注"]
    rows[2] = [*rows[2], Raw('<c r="M3"><f>A1</f></c>')]  # an unknown column: ignored anyway
    rows.append([None, "合计", None, None, Raw('<c r="E5"><f>SUM(E3:E4)</f></c>')])
    rows.append([Raw('<c r="A7"><f>NOW()</f></c>')])  # below the table, no unit
    result = invoke(runner, "import", str(write_parts(tmp_path / "ok.xlsx", sheet_xml(rows))))
    assert result.exit_code == 0, result.output
    assert "合计行是公式但没有计算结果，未核对" in result.output
    assert ledger_counts(_isolated) == (2, 2)


def test_a_row_made_only_of_formulas_is_not_skipped_as_empty(runner, tmp_path, _isolated):
    rows = ledger_rows(2)
    rows.append([Raw(f'<c r="{sources.col_letters(c)}5"><f>Sheet2!A{c}</f></c>') for c in range(len(HEADER))])
    out = refused(runner, write_parts(tmp_path / "f.xlsx", sheet_xml(rows)))
    assert "B5" in out and "公式未计算" in out


# ---------------------------------------------------------------- 5. disguised and protected files


@pytest.mark.parametrize(
    "content, words",
    [
        (
            "<html><head><meta charset='utf-8'></head><body><table><tr><td>企业名称</td></tr></table></body></html>",
            "网页（HTML）",
        ),
        (
            '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
            'xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"/></Workbook>',
            "Excel 2003 XML",
        ),
    ],
)
def test_html_and_xml_2003_saved_as_xls_say_what_they_are(runner, tmp_path, content, words):
    f = tmp_path / "导出.xls"
    f.write_text(content, encoding="utf-8")
    out = refused(runner, f, "--as-of", "2014-12-31")
    assert words in out and "另存为 .xlsx" in out


def compound_file(streams: list[str]) -> bytes:
    """A minimal OLE compound file (CFB v3) whose directory names the given empty streams."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)
    fat = struct.pack("<128I", fat_sect, end, *[free] * 126)

    def entry(name: str, kind: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return struct.pack(
            "<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, nostream, right, child, b"", 0, 0, 0, end, 0
        )

    entries = [entry("Root Entry", 5, 1, nostream)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, nostream, i + 1 if i < len(streams) else nostream))
    directory = b"".join(entries).ljust(512, b"\0")
    return bytes(header) + fat + directory


def test_password_protected_workbook_says_so(runner, tmp_path, never_parsed):
    f = tmp_path / "加密.xlsx"
    f.write_bytes(compound_file(["EncryptionInfo", "EncryptedPackage"]))
    out = refused(runner, f, "--as-of", "2014-12-31")
    assert "密码" in out and "取消密码" in out


def test_password_marker_far_into_a_large_ole_file_is_found(tmp_path):
    """The directory of an encrypted package may follow megabytes of EncryptedPackage data."""
    data = compound_file(["Workbook"])
    f = tmp_path / "late.xls"
    f.write_bytes(data + b"\0" * (3 << 20) + "EncryptionInfo".encode("utf-16-le"))
    with pytest.raises(FormatError, match="密码"):
        sources.read(f)


# ---------------------------------------------------------------- 6–7. numbers stored as numbers; text kept


ROSTER_TITLE = "工会会员花名册"


def roster_file(tmp_path: Path, rows: list[list[Any]]) -> Path:
    return write_xlsx(tmp_path / "roster.xlsx", [[ROSTER_TITLE], ROSTER_HEADER, *rows])


def test_id_number_stored_as_a_number_refuses_the_roster(runner, tmp_path, _isolated):
    import_ledger(runner, tmp_path, [unit_row(1)])
    bad = member(2, 1)
    bad[3] = 1.10105194912310e17
    out = refused(runner, roster_file(tmp_path, [member(1, 1), bad]), "--roster")
    assert "第4行" in out and "身份证号被存成了数字" in out and "丢失" in out
    assert sqlite3.connect(_isolated).execute("select count(*) from people").fetchone() == (0,)


@pytest.mark.parametrize("shown", ["1.10105E+17", "1.10105e17", "1.10105194912E+17", "1E+17"])
def test_id_number_saved_to_csv_as_excel_showed_it_refuses_the_roster(runner, tmp_path, _isolated, shown):
    """A CSV saved from Excel keeps the ID as it was displayed (1.10105E+17): its digits are lost,
    as in an xlsx number cell, never a person to import under a number that is no one's."""
    from builders import write_csv

    import_ledger(runner, tmp_path, [unit_row(1)])
    bad = member(2, 1)
    bad[3] = shown
    f = write_csv(tmp_path / "roster.csv", [[ROSTER_TITLE], ROSTER_HEADER, member(1, 1), bad])
    out = refused(runner, f, "--roster")
    assert "身份证号被存成了数字" in out and "丢失" in out
    assert sqlite3.connect(_isolated).execute("select count(*) from people").fetchone() == (0,)


def test_credit_code_stored_as_a_number_is_refused(runner, tmp_path, _isolated):
    rows = ledger_rows(2)
    rows[3] = unit_row(2, 统一社会信用代码=9.11399e17)
    out = refused(runner, write_xlsx(tmp_path / "code.xlsx", rows))
    assert "第4行" in out and "C列“统一社会信用代码”" in out and "存成了数字" in out
    assert ledger_counts(_isolated) == (0, 0)


def test_phones_keep_plus86_leading_zeros_and_lose_float_tails(runner, tmp_path, _isolated):
    import_ledger(runner, tmp_path, [unit_row(1)])
    rows = [member(1, 1), member(2, 1), member(3, 1)]
    rows[0][8], rows[1][8], rows[2][8] = "+8613800138000", "0313-5003333", 13800138000.0
    result = invoke(runner, "import", str(roster_file(tmp_path, rows)), "--roster")
    assert result.exit_code == 0, result.output
    phones = sqlite3.connect(_isolated).execute("select phone from people order by name").fetchall()
    assert phones == [("+8613800138000",), ("0313-5003333",), ("13800138000",)]


# ---------------------------------------------------------------- 8. dates


def test_1904_workbook_dates_and_serials(runner, tmp_path, _isolated):
    import xlsxwriter

    path = tmp_path / "mac.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(ledger_rows(2)):
        ws.write_row(r, 0, row)
    ws.write_datetime(2, 11, dt.datetime(2014, 3, 5), fmt)  # a real date cell
    ws.write_number(3, 11, 40241)  # a serial typed as a plain number, counted from 1904
    wb.close()
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 0, result.output
    got = (
        sqlite3.connect(_isolated)
        .execute("select union_established_on from snapshots order by id")
        .fetchall()
    )
    assert got == [("2014-03-05",), ("2014-03-05",)]


@pytest.mark.parametrize(
    "value, reason",
    [("2014-02-30", "2014年2月只有28天"), ("2014-13-45", "没有13月"), ("2016年2月30日", "2016年2月只有29天")],
)
def test_impossible_dates_are_refused_with_a_reason(runner, tmp_path, value, reason):
    rows = ledger_rows(2)
    rows[3] = unit_row(2, 建会时间=value)
    out = refused(runner, write_xlsx(tmp_path / "d.xlsx", rows))
    assert "日期不存在" in out and reason in out and "L列“建会时间”" in out


def test_serial_typed_as_a_plain_number_is_a_date(runner, tmp_path, _isolated):
    rows = ledger_rows(1)
    rows[2] = unit_row(1, 建会时间=41703)
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "s.xlsx", rows))).exit_code == 0
    assert sqlite3.connect(_isolated).execute("select union_established_on from snapshots").fetchone() == (
        "2014-03-05",
    )


# ---------------------------------------------------------------- 9. header spellings


def test_headers_with_full_width_and_inner_spaces_are_mapped(runner, tmp_path, _isolated):
    rows = [[TITLE], ["序　号", "企 业 名 称", "从业人员数", "是否建立工会"], [1, "甲公司", 30, "是"]]
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "h.xlsx", rows)), "--kind", "non_public")
    assert result.exit_code == 0, result.output
    assert "未识别" not in result.output
    header = ["姓　名", "性 别", "身份证号", "所在单位"]
    person = member(1, 1)
    roster = write_xlsx(tmp_path / "r.xlsx", [header, [person[1], person[2], person[3], "甲公司"]])
    result = invoke(runner, "import", str(roster), "--roster")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(_isolated).execute("select name from people").fetchone() == ("会员1",)


# ---------------------------------------------------------------- 10. encodings


def test_gb18030_only_characters_are_stored_intact(runner, tmp_path, _isolated):
    names = ["䶮记饭店", "\U00020000号有限公司", "𪚥商行"]
    rows = [["企业名称", "从业人员数", "是否建立工会"], *[[n, 5, "否"] for n in names]]
    f = write_csv(tmp_path / "城关镇.csv", rows, encoding="gb18030")
    result = invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--kind", "non_public")
    assert result.exit_code == 0, result.output
    stored = [r[0] for r in sqlite3.connect(_isolated).execute("select name from units order by id")]
    assert stored == names


def test_utf8_with_bom_is_read_as_utf8(runner, tmp_path, _isolated):
    rows = [["企业名称", "从业人员数", "是否建立工会"], ["张三饭店", 5, "否"]]
    f = write_csv(tmp_path / "城关镇.csv", rows, encoding="utf-8-sig")
    assert f.read_bytes().startswith(b"\xef\xbb\xbf")
    wb = sources.read(f)
    assert wb.encoding == "utf-8" and wb.sheets[0].rows[0][0] == "企业名称"
    result = invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--kind", "non_public")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(_isolated).execute("select name from units").fetchone() == ("张三饭店",)


# ---------------------------------------------------------------- 11. names that look like markup or formulas


HOSTILE_NAMES = ["[red]x[/red]", "<script>alert(1)</script>", "=cmd|' /C calc'!A0"]


def test_markup_and_formula_names_round_trip_literally(runner, tmp_path, _isolated):
    rows = [[TITLE], HEADER]
    for i, name in enumerate(HOSTILE_NAMES, start=1):
        rows.append(unit_row(i, employees=80, members=0, union="未建", 企业名称=name, 农民工会员数=0))
    result = invoke(runner, "import", str(write_xlsx(tmp_path / "evil.xlsx", rows)))
    assert result.exit_code == 0, result.output
    stored = [r[0] for r in sqlite3.connect(_isolated).execute("select name from units order by id")]
    assert stored == HOSTILE_NAMES
    from djgj.cli import app

    table = runner.invoke(app, ["gaps", "--year", "2014"], env={"COLUMNS": "250"})
    assert table.exit_code == 0
    for name in HOSTILE_NAMES:
        assert name in table.output, name
    csv_out = invoke(runner, "gaps", "--year", "2014", "--format", "csv").stdout
    assert "'=cmd|' /C calc'!A0" in csv_out and "[red]x[/red]" in csv_out
    xlsx = tmp_path / "gaps.xlsx"
    assert invoke(runner, "gaps", "--year", "2014", "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
    assert "<f>" not in sheet and "=cmd|" in strings + sheet


# ---------------------------------------------------------------- 12. every limit enforced


def test_limits_are_checked_on_csv_too(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_COLUMNS", 3)
    f = write_csv(
        tmp_path / "x.csv", [["企业名称", "从业人员数", "是否建立工会", "多余"], ["甲", 1, "是", 2]]
    )
    assert "超过列数上限 3" in refused(runner, f, "--as-of", "2014-12-31")
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 10)
    assert "文件过大" in refused(runner, f, "--as-of", "2014-12-31")


def write_ods_content(path: Path, table: str) -> Path:
    """A minimal ODS whose one table is the XML given (rows with repeat counts)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1">{table}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    return path


def ods_row(values: list[Any], repeat: int = 1, pad: int = 0) -> str:
    cells = "".join(
        f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        if isinstance(v, int)
        else f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
        for v in values
    )
    if pad:
        cells += f'<table:table-cell table:number-columns-repeated="{pad}"/>'
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>{cells}</table:table-row>"


def test_ods_repeated_data_row_is_refused_before_calamine_expands_it(tmp_path):
    """A 1 KB ODS whose one row of 500 numbers repeats 200,000 times took 11 GB to read."""
    cell = (
        '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="500"/>'
    )
    f = write_ods_content(
        tmp_path / "rep.ods", f'<table:table-row table:number-rows-repeated="200000">{cell}</table:table-row>'
    )
    message, peak_mb = read_in_subprocess(f)
    assert "重复" in message and "已拒绝" in message and peak_mb < 200
    wide = cell.replace('"500"', '"16384"')
    with pytest.raises(FormatError, match="列数上限"):
        sources.read(write_ods_content(tmp_path / "wide.ods", f"<table:table-row>{wide}</table:table-row>"))


def test_ods_padding_that_libreoffice_writes_is_harmless(runner, tmp_path, _isolated):
    rows = [ods_row(r, pad=1012) for r in ledger_rows(3)]
    rows.append(ods_row([], repeat=1048570, pad=1024))
    f = write_ods_content(tmp_path / "城关镇.ods", "".join(rows))
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 0, result.output
    assert ledger_counts(_isolated) == (3, 3)
