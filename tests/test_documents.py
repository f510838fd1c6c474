"""The meeting outputs of the sample county: the HTML report in a real headless Chromium, the Word
summary read back by python-docx, the official-form xlsx read back by openpyxl."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import invoke

PROBE = """<script>
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.blockedURI || e.violatedDirective));
window.addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('figure svg')].map(s => {
    const r = s.getBoundingClientRect();
    return {w: r.width, h: r.height, texts: s.querySelectorAll('text').length, marks: s.querySelectorAll('path, rect, line').length};
  });
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({svgs, resources: performance.getEntriesByType('resource').map(e => e.name),
    violations: window.__violations, fonts: getComputedStyle(document.body).fontFamily});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_browser(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
    ]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def html_report(runner, sample_ledger, tmp_path) -> Path:
    out = tmp_path / "年报.html"
    result = invoke(runner, "report", "--year", "2014", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_html_report_is_self_contained(html_report: Path) -> None:
    page = html_report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "default-src 'none'" in page  # the browser may fetch nothing
    assert not re.search(r"https?://|//cdn|@import|url\((?!#)", page)  # no address anywhere in the file
    assert "<script" not in page
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert len(captions) == page.count("<svg") >= 6
    assert any("建会率" in c and "目标 80%" in c for c in captions)
    assert any("历年" in c and "2013、2014" in c for c in captions)
    assert any("规范化" in c for c in captions) and any("应建未建" in c for c in captions)
    assert "<text" in page and "Noto Sans CJK SC" in page and "Microsoft YaHei" in page  # text, not paths
    assert "@page { size: A4" in page and "break-before: page" in page
    assert "现有" in page and "口径（计算公式）" in page and "目标完成情况" in page and "合计" in page


def test_html_report_draws_every_chart_in_chromium(html_report: Path, tmp_path: Path) -> None:
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (apt-get install chromium; .ci/run installs it)")
    page = html_report.read_text(encoding="utf-8")
    # the probe copy allows only its own inline script: any fetch the page tried would be a violation
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';").replace(
            "<style>", PROBE + "<style>", 1
        ),
        encoding="utf-8",
    )
    dom = run_browser(binary, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    data = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(data["svgs"]) == page.count("<svg") >= 6
    for svg in data["svgs"]:
        assert svg["w"] > 100 and svg["h"] > 50 and svg["texts"] > 3 and svg["marks"] > 3, svg
    assert data["resources"] == [] and data["violations"] == []
    assert "Noto Sans CJK SC" in data["fonts"]
    shot = tmp_path / "年报.png"
    run_browser(
        binary, "--hide-scrollbars", "--window-size=1000,2400", f"--screenshot={shot}", html_report.as_uri()
    )
    assert shot.exists() and shot.stat().st_size > 30_000
    pdf = tmp_path / "年报.pdf"
    run_browser(binary, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_report.as_uri())
    raw = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) >= 2  # the charts start a new A4 page
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", raw)
    assert box and abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2  # A4


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_docx_summary_reads_back(runner, sample_ledger, tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    out = tmp_path / "年度总结.docx"
    result = invoke(
        runner, "report", "--year", "2014", "--kind", "non_public", "--format", "docx", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    title = document.paragraphs[0]
    assert title.style.name == "Heading 1" and title.text.startswith("2014年度 非公有制企业 党建带动工建情况")
    body = next(p for p in document.paragraphs if p.text.startswith("现有非公有制企业"))
    run = body.runs[0]
    assert run.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋" and run.font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == 32
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert all(t.style.name == "Table Grid" for t in document.tables)
    area = next(t for t in document.tables if t.rows[0].cells[0].text == "乡镇")
    cells = [[c.text for c in r.cells] for r in area.rows]
    header, body_rows, total = cells[0], cells[1:-1], cells[-1]
    assert total[0] == "合计" and len(body_rows) == 4
    for col in ("单位数", "从业人员", "建工会", "工会会员"):
        i = header.index(col)
        assert _count(total[i]) == sum(_count(r[i]) for r in body_rows), col
    assert area.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on each page


def _sheet_rows(path: Path, sheet: str | None = None) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list]:
    """The sheet whose name ends with ``sheet`` (a sectioned report prefixes its section), else the first."""
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    ws = next(w for w in wb if w.title.endswith(sheet)) if sheet else wb.active
    return ws, list(ws.iter_rows(values_only=True))


def test_report_official_form_reads_back(runner, sample_ledger, tmp_path: Path) -> None:
    out = tmp_path / "报表.xlsx"
    result = invoke(
        runner, "report", "--year", "2014", "--kind", "non_public", "--format", "xlsx", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    ws, rows = _sheet_rows(out, "分乡镇情况")
    assert rows[0][0].startswith("2014年度非公有制企业党建带动工建情况统计表")
    assert any(
        str(m) == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}1" for m in ws.merged_cells.ranges
    )
    assert rows[1][0].startswith("填报单位") and any(
        str(v).startswith("截止日期：2014-12-31") for v in rows[1] if v
    )
    assert (
        rows[2][0] == "乡镇"
        and "工会组织" in rows[2]
        and "建会率" in rows[3]
        and "A3:A4" in {str(m) for m in ws.merged_cells.ranges}
    )
    body = [r for r in rows[4:] if r[0] and r[0] not in ("合计",) and not str(r[0]).startswith("注")]
    total = next(r for r in rows if r[0] == "合计")
    for name in ("单位数", "从业人员", "建立工会", "会员"):
        i = rows[3].index(name)
        assert total[i] == sum(r[i] for r in body if r[i] is not None), name
    i = rows[3].index("建会率")
    assert 0 <= total[i] <= 1 and all(isinstance(v, str) or v is None or v >= 0 for v in total)
    assert ws.freeze_panes == "B5" and ws.print_title_rows == "$1:$4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 page wide
    assert ws.column_dimensions["A"].width >= 8
    for row in ws.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_gaps_official_form_in_chinese(runner, sample_ledger, tmp_path: Path) -> None:
    out = tmp_path / "应建未建.xlsx"
    result = invoke(
        runner, "gaps", "--year", "2014", "--rule", "union_required", "--format", "xlsx", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    ws, rows = _sheet_rows(out)
    assert "应建未建" in rows[0][0] and rows[2][:3] == ("序号", "乡镇", "单位名称")
    body = [r for r in rows[4:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == list(range(1, len(body) + 1)) and body
    stored = {"union_required", "none", "joint", "committee", "non_public", "branch"}
    assert not stored & {v for r in body for v in r if isinstance(v, str)}
    assert {r[10] for r in body} == {"应建未建工会"} and {r[4] for r in body} == {"非公有制企业"}
    total = next(r for r in rows if r[0] == "合计")
    assert total[2] == f"共 {len(body)} 条，{len(body)} 家单位"
    assert ws.print_title_rows == "$1:$4" and ws.page_setup.orientation == "landscape"
