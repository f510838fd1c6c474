"""A long one-sheet xlsx is read in slices of rows (`djgj.read.slices`), each by calamine: the rows,
merged ranges and date system are exactly those of reading the sheet whole, for every kind of cell,
and every refusal and message is the same.

The slices are made tiny here (a few rows each) so that small workbooks cross many slice boundaries;
the memory this saves is measured by `bench/run.py`, never asserted here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import HEADER, ledger_rows, unit_row, write_xlsx
from conftest import invoke
from djgj.read import files as sources
from djgj.read import slices
from test_hostile_files import Raw, ledger_sheet, refused, sheet_xml, write_parts

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every xlsx is read in slices of a few rows; the list counts the sheets so read."""
    monkeypatch.setattr(sources, "CALAMINE_BUDGET_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 300)
    monkeypatch.setattr(slices, "READ_BYTES", 97)
    seen: list[int] = []
    real = slices.rows

    def counted(book: slices.SliceBook) -> Any:
        seen.append(1)
        return real(book)

    monkeypatch.setattr(slices, "rows", counted)
    return seen


def whole_and_sliced(path: Path, monkeypatch: pytest.MonkeyPatch, **knobs: int) -> tuple[Any, Any]:
    """(rows, merged, date system) of `stream_workbook` read whole by calamine and read in slices."""
    out = []
    for budget in (1 << 60, 0):
        monkeypatch.setattr(sources, "CALAMINE_BUDGET_BYTES", budget)
        for name, value in knobs.items():
            monkeypatch.setattr(slices, name, value)
        ss = sources.stream_workbook(path)
        if ss is None:
            out.append(None)
            continue
        rows = list(ss.rows)
        out.append((rows, ss.sheet.merged, ss.sheet.date_1904, ss.sheet.name))
        assert budget or not rows or getattr(ss.rows, "__name__", "") == "_sliced_rows"
    return out[0], out[1]


# ---------------------------------------------------------------- generated workbooks, every cell type

_DATE_FORMATS = [
    "yyyy-mm-dd",
    "hh:mm:ss",
    "[h]:mm",
    "yyyy-mm-dd hh:mm",
    14,
    22,
    "0.00",
    "#,##0",
    '"年"0',
    "@",
]
_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
) | st.sampled_from(
    ["  两头有空格  ", "line\r\nbreak", "x_x0041_y", "a&b<c>", "城关镇", "", "\t", "91520111000000078G"]
)
_number = st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False, width=64)
_moment = st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2099, 12, 31))

_cell = st.one_of(
    st.tuples(st.just("text"), _text),
    st.tuples(st.just("number"), _number),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("date"), st.tuples(_moment, st.sampled_from(_DATE_FORMATS))),
    st.tuples(
        st.just("serial"), st.tuples(st.floats(-5, 80000, allow_nan=False), st.sampled_from(_DATE_FORMATS))
    ),
    st.tuples(st.just("formula"), st.sampled_from([7, 2.5, "文字", True, "#N/A", "#DIV/0!"])),
    st.tuples(st.just("rich"), st.tuples(_text.filter(bool), _text.filter(bool))),
    st.tuples(st.just("blank"), st.sampled_from(_DATE_FORMATS)),
)


@st.composite
def _workbook(draw: st.DrawFn) -> dict[str, Any]:
    top, left = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    n_rows = draw(st.integers(1, 25))
    cells: dict[tuple[int, int], tuple[str, Any]] = {}
    for r in range(top, top + n_rows):
        for c in draw(st.sets(st.integers(left, left + 6), max_size=6)):
            cells[(r, c)] = draw(_cell)
    merged = draw(st.booleans())
    return {"cells": cells, "merged": merged, "inline": draw(st.booleans()), "date_1904": draw(st.booleans())}


def _write(path: Path, spec: dict[str, Any]) -> Path:
    import xlsxwriter

    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    options |= {"constant_memory": spec["inline"], "date_1904": spec["date_1904"]}
    wb = xlsxwriter.Workbook(str(path), options)
    ws = wb.add_worksheet("企业台账")
    formats: dict[Any, Any] = {}

    def fmt(code: Any) -> Any:
        if code not in formats:
            formats[code] = wb.add_format({"num_format": code})
        return formats[code]

    bold = wb.add_format({"bold": True})
    for (r, c), (kind, value) in sorted(spec["cells"].items()):
        if kind == "text":
            ws.write_string(r, c, value)
        elif kind == "number":
            ws.write_number(r, c, value)
        elif kind == "bool":
            ws.write_boolean(r, c, value)
        elif kind == "date":
            ws.write_datetime(r, c, value[0], fmt(value[1]))
        elif kind == "serial":
            ws.write_number(r, c, value[0], fmt(value[1]))
        elif kind == "formula":
            ws.write_formula(r, c, "=A1", None, value)
        elif kind == "rich":
            ws.write_rich_string(r, c, value[0], bold, value[1])
        else:
            ws.write_blank(r, c, None, fmt(value))
    if spec["merged"] and not spec["inline"] and spec["cells"]:
        rows = sorted({r for r, _ in spec["cells"]})
        ws.merge_range(rows[-1] + 2, 0, rows[-1] + 3, 2, "合并")
    wb.close()
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=_workbook(), shared_inline=st.booleans(), spill=st.booleans())
def test_slices_give_calamine_own_rows_for_every_cell_type(
    tmp_path_factory, monkeypatch, spec, shared_inline, spill
):
    """Shared and inline strings, rich text, numbers, booleans, dates under either date system and
    the styles that mark them, durations, times, formulas' cached values and errors, styled blanks,
    merged ranges, empty rows and columns before the table: read in slices of a few rows, the rows
    are calamine's own for the sheet read whole."""
    path = _write(tmp_path_factory.mktemp("wb") / "sheet.xlsx", spec)
    knobs = {"SLICE_BYTES": 150, "READ_BYTES": 61}
    if shared_inline:  # the shared strings put inline in every cell that uses them, kept in a file or not
        knobs |= {"SHARED_BYTES": 0, "MEMORY_BYTES": 0 if spill else 1 << 30}
    whole, cut = whole_and_sliced(path, monkeypatch, **knobs)
    assert whole == cut


# ---------------------------------------------------------------- sheets as other writers spell them


def _sst(*items: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{"".join(items)}</sst>'


_SST = _sst(
    "<si><t>城关镇</t></si>",
    '<si><t xml:space="preserve">  留空格  </t></si>',
    "<si><t>  去空格\n</t></si>",
    "<si><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r><rPh sb='0' eb='1'><t>ふりがな</t></rPh></si>",
    "<si><t>a&amp;b&lt;c&gt;&#20013;&#x6587;_x000D_</t></si>",
    "<si/>",
    "<si><t></t></si>",
    "<si>\n  <t>换行之间</t>\n</si>",
)

SHEETS = {
    "rows and cells without r": (
        '<row><c t="s"><v>0</v></c><c><v>1</v></c></row><row/><row><c r="C3"><v>2</v></c><c><v>3</v></c></row>'
        '<row r="7"><c><v>7</v></c></row><row><c t="b"><v>1</v></c></row>'
    ),
    "every shared string": "".join(
        f'<row r="{i + 1}"><c r="B{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(8)
    ),
    "references spelled otherwise": (
        '<row r="1"><c r=\'A1\' t=\'s\'><v>1</v></c><c r="B1" t = "s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="s" s="0"><v>3</v></c><c r="B2" t="s"><v>04</v></c><c r="C2" t="s"><v></v></c></row>'
        '<row r="3"><c r="A3" t="s"><f>A1</f><v>0</v></c><c r="B3" t="s">\n<v>4</v>\n</c></row>'
    ),
    "other types": (
        '<row r="2"><c r="A2" t="d"><v>2014-03-05</v></c><c r="B2" t="d"><v>2014-03-05T08:30:00</v></c>'
        '<c r="C2" t="d"><v>08:30:00</v></c><c r="D2" t="d"><v>not a date</v></c>'
        '<c r="F2" t="str"><v>a &amp; b</v></c><c r="G2"><v>1E3</v></c>'
        '<c r="H2"><v>0012</v></c><c r="I2"><v>abc</v></c><c r="J2" t="n"><v>-0</v></c>'
        '<c r="K2" t="inlineStr"><is><t>  内联  </t></is></c><c r="L2" t="inlineStr"><v>7</v><is><t>x</t></is></c></row>'
    ),
    "rows far apart": '<row r="3"><c r="D3"><v>1</v></c></row><row r="40"><c r="B40"><v>2</v></c></row>',
}


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("case", list(SHEETS))
@pytest.mark.parametrize("inline", [False, True])
def test_sheets_as_other_writers_spell_them(tmp_path, monkeypatch, case, prefix, inline):
    body = SHEETS[case]
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{body}</sheetData></worksheet>'
    if prefix:
        sheet = (
            sheet.replace("<", "<x:")
            .replace("<x:/", "</x:")
            .replace("<x:?", "<?")
            .replace(f'xmlns="{MAIN_NS}"', f'xmlns:x="{MAIN_NS}"')
        )
    path = write_parts(tmp_path / "a.xlsx", sheet, shared=_SST)
    knobs = {"SLICE_BYTES": 40, "READ_BYTES": 33, "SHARED_BYTES": 0 if inline else 1 << 30, "MEMORY_BYTES": 0}
    whole, cut = whole_and_sliced(path, monkeypatch, **knobs)
    assert whole is not None
    assert whole == cut
    assert sources.read(path).sheets[0].rows == [row for row, _ in cut[0]]


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_sheet_with_an_excel_error_cell_is_never_streamed(tmp_path, prefix):
    """An error value (t="e": #REF!, #N/A) reads as an empty cell: such a sheet is read whole, where
    the importer refuses it naming the cell (`parse._check_errors`), never streamed as blanks."""
    body = '<row r="2"><c r="A2"><v>1</v></c><c r="E2" t="e"><v>#REF!</v></c></row>'
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{body}</sheetData></worksheet>'
    if prefix:
        sheet = sheet.replace("<", "<x:").replace("<x:/", "</x:").replace("<x:?", "<?")
        sheet = sheet.replace(f'xmlns="{MAIN_NS}"', f'xmlns:x="{MAIN_NS}"')
    path = write_parts(tmp_path / "a.xlsx", sheet, shared=_SST)
    assert sources.stream_workbook(path) is None
    assert sources.read(path).sheets[0].errors == {(1, 4): "#REF!"}


def test_a_sheet_that_slices_cannot_take_falls_back_to_the_whole_read(tmp_path, sliced):
    """A comment among the rows (it could hide a `</row>`) or rows written out of order: the slices
    stop with `Unstreamable`, and the importer then reads the file whole (tested below)."""
    for body in (
        '<row r="1"><c r="A1"><v>1</v></c></row><!-- </row> --><row r="2"><c r="A2"><v>2</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        + "".join(f'<row r="{i}"/>' for i in range(2, 60))
        + '<row r="70"><c r="A70"><v>1</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>',
    ):
        path = write_parts(tmp_path / "a.xlsx", sheet_xml([]).replace("<sheetData>", "<sheetData>" + body))
        ss = sources.stream_workbook(path)
        assert ss is not None
        with pytest.raises(sources.Unstreamable):
            list(ss.rows)
        assert sliced
        assert sources.read(path).sheets[0].rows  # the whole read takes it


# ---------------------------------------------------------------- imports: outcomes and refusals


@pytest.mark.parametrize("skip_bad_rows", [True, False])
def test_sliced_import_equals_reading_the_workbook_whole(tmp_path, monkeypatch, skip_bad_rows):
    from djgj.ledger import write as ledger
    from djgj.ledger.db import open_engine
    from djgj.records.parse import Options
    from test_import_streaming import _outcome, _tricky_rows

    f = write_xlsx(tmp_path / "城关镇_2014.xlsx", [[None, None, *r] for r in _tricky_rows()])
    read_whole = sources.read
    outcomes = []
    for cut in (True, False):
        monkeypatch.setattr(ledger, "BATCH_ROWS", 7)
        monkeypatch.setattr(sources, "CALAMINE_BUDGET_BYTES", 0 if cut else 1 << 60)
        monkeypatch.setattr(slices, "SLICE_BYTES", 500)
        if cut and skip_bad_rows:
            monkeypatch.setattr(sources, "read", lambda path: pytest.fail("read whole"))
        else:
            monkeypatch.setattr(sources, "read", read_whole)
        engine = open_engine(str(tmp_path / f"{cut}.db"), write=True)
        outcomes.append(_outcome(engine, f, Options(skip_bad_rows=skip_bad_rows)))
    assert outcomes[0] == outcomes[1]


def _long_cell_sheet() -> str:
    rows = ledger_rows(30)
    rows[20][1] = "长" * (sources.MAX_CELL_CHARS + 1)
    return sheet_xml(rows)


def _mid_sheet(cell: str, at: int = 25) -> str:
    rows = ledger_rows(30)
    rows[at][11] = Raw(cell.replace("REF", f"L{at + 1}"))
    return sheet_xml(rows)


REFUSED = {
    "cell over the character limit": lambda: (_long_cell_sheet(), None),
    "shared string past the table": lambda: (
        _mid_sheet('<c r="REF" t="s"><v>5</v></c>'),
        _sst("<si><t>甲</t></si>"),
    ),
    "a cell type calamine refuses": lambda: (_mid_sheet('<c r="REF" t="x"><v>1</v></c>'), None),
    "formula without a value": lambda: (_mid_sheet('<c r="REF"><f>SUM(A1:A2)</f></c>'), None),
    "data far beyond the columns": lambda: (
        ledger_sheet(30, extra='<row r="40"><c r="ZZ40"><v>1</v></c></row>'),
        None,
    ),
    "entity expansion in shared strings": lambda: (
        ledger_sheet(30),
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        + _sst("<si><t>&b;</t></si>")[21:],
    ),
    "external entity in the sheet": lambda: (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + ledger_sheet(30)[55:],
        None,
    ),
}


#: Refused while the slices are read (the file is then read whole, which refuses it), not before.
MET_IN_SLICES = {
    "cell over the character limit",
    "shared string past the table",
    "a cell type calamine refuses",
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refusals_are_the_same_when_the_sheet_is_sliced(
    runner, tmp_path, monkeypatch, sliced, case, _isolated
):
    """Every refusal of a long sheet, read in slices, is the whole read's: same message, exit 1, no
    traceback, nothing written. The checks before any parser (bombs, entities, extent, formulas
    without values) refuse before a slice is read."""
    sheet, shared = REFUSED[case]()
    path = write_parts(tmp_path / "城关镇_2014.xlsx", sheet, shared=shared)
    messages = []
    for budget in (1 << 60, 0):
        monkeypatch.setattr(sources, "CALAMINE_BUDGET_BYTES", budget)
        monkeypatch.setattr(slices, "SLICE_BYTES", 300)
        monkeypatch.setattr(slices, "SHARED_BYTES", 0)
        messages.append(refused(runner, path))
    assert messages[0] == messages[1]
    assert bool(sliced) == (case in MET_IN_SLICES)
    assert invoke(runner, "units", "list", "--format", "json").output.strip() in ("[]", "")


def test_a_long_sheet_in_slices_is_imported_whole(runner, tmp_path, sliced, _isolated):
    rows = [["城关镇非公有制企业党建工建情况（2014年度）"], HEADER, *[unit_row(i) for i in range(1, 120)]]
    f = write_xlsx(tmp_path / "城关镇_2014.xlsx", rows)
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 0, result.output
    assert "119 行" in result.output and sliced


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="<&\x00"), max_size=8)
    ),
    spill=st.booleans(),
    pread=st.booleans(),
    prefix=st.sampled_from([b"", b"x:"]),
)
def test_shared_strings_come_back_as_written(monkeypatch, texts, spill, pread, prefix):
    """Each string's XML comes back whole, from memory or from the temporary file (with `os.pread`, or
    by seek and read as on Windows), whatever the chunks the part was read in."""
    monkeypatch.setattr(slices, "MEMORY_BYTES", 0 if spill else 1 << 30)
    if not pread:
        monkeypatch.setattr(slices, "_PREAD", None)
    strings = slices.SharedStrings(prefix)
    xml = [b"<" + prefix + b"t>" + t.encode() + b"</" + prefix + b"t>" for t in texts]
    for half in (xml[: len(xml) // 2], xml[len(xml) // 2 :]):
        region = b"".join(strings.start_tag + x + strings.end_tag for x in half)
        if region:
            strings.add_region(region, region.split(strings.end_tag)[:-1])
    strings.flush()
    assert [strings[i] for i in range(len(strings))] == xml
    strings.close()
    assert len(strings) == 0
