"""Export → import changes nothing; --skip-bad-rows keeps a reject report; merged ledgers add up."""

from __future__ import annotations

import csv
import json

import pytest

from builders import ledger_rows, unit_row, write_xlsx
from conftest import import_samples, invoke, sql

pytestmark = pytest.mark.usefixtures("backend")


def figures(runner, *extra: str) -> tuple[str, str]:
    report = invoke(runner, "report", "--year", "2014", "--format", "json", *extra)
    gap_args = [a for a in extra if a not in ("--depth", "city", "county", "township")]
    gaps = invoke(runner, "gaps", "--year", "2014", "--format", "json", *gap_args)
    assert report.exit_code == 0 and gaps.exit_code == 0, report.output + gaps.output
    return report.stdout, gaps.stdout


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_import_export_import_changes_nothing(runner, tmp_path, monkeypatch, sample_dir, expected, fmt):
    for f in expected["files"]:
        if f["year"] == 2014 and f["kind"] != "roster":
            args = ["import", str(sample_dir / f["file"]), "--as-of", "2014-12-31"]
            assert invoke(runner, *args).exit_code == 0
    before = figures(runner)
    out = tmp_path / f"export.{fmt}"
    assert invoke(runner, "export", "--year", "2014", "--format", fmt, "--output", str(out)).exit_code == 0
    monkeypatch.setenv("DJGJ_DB", str(tmp_path / "again.db"))
    r = invoke(runner, "import", str(out), "--as-of", "2014-12-31")
    assert r.exit_code == 0, r.output
    assert figures(runner) == before
    again = tmp_path / f"again.{fmt}"
    assert invoke(runner, "export", "--year", "2014", "--format", fmt, "--output", str(again)).exit_code == 0
    if fmt == "csv":
        assert again.read_text(encoding="utf-8-sig") == out.read_text(encoding="utf-8-sig")


def test_skip_bad_rows_imports_the_rest_and_writes_a_reject_report(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = ledger_rows(4)
    rows[2] = unit_row(1, 从业人员数=-5)
    rows[4] = unit_row(3, 会员数="很多")
    f = write_xlsx(tmp_path / "bad.xlsx", rows)
    assert invoke(runner, "import", str(f)).exit_code == 1
    r = invoke(runner, "import", str(f), "--skip-bad-rows")
    assert r.exit_code == 0, r.output
    assert "拒收报告" in r.output and "2 行" in r.output
    assert sql("select count(*) from units")[0][0] == 2
    with open(tmp_path / "bad.rejects.csv", encoding="utf-8-sig", newline="") as fh:
        report = list(csv.DictReader(fh))
    assert [int(x["行"]) for x in report] == [3, 5]
    assert "负数" in report[0]["问题"] and report[1]["会员数"] == "很多"


def test_merging_two_county_ledgers_reports_the_sum_and_remerge_adds_nothing(
    runner, tmp_path, monkeypatch, sample_dir
):
    from djgj.samplegen import generate

    other = tmp_path / "other"
    generate(other, seed=7)
    counties = {"甲县": sample_dir, "乙县": other}
    sums: dict[str, int] = {}
    for county, samples in counties.items():
        path = tmp_path / f"{county}.db"
        import_samples(samples, path)
        monkeypatch.setenv("DJGJ_DB", str(path))
        totals = json.loads(figures(runner, "--kind", "non_public")[0])["totals"]
        for k in ("orgs", "employees", "unions", "union_members", "party_orgs", "new_unions"):
            sums[k] = sums.get(k, 0) + totals[k]
    # back to this test's own city ledger (monkeypatch.undo() would also undo the autouse isolation
    # and merge into the user's real ledger)
    monkeypatch.setenv("DJGJ_DB", str(tmp_path / "ledger.db"))
    r = invoke(runner, "merge", *(str(tmp_path / f"{c}.db") for c in counties), "--city", "某市")
    assert r.exit_code == 0, r.output
    doc = json.loads(figures(runner, "--kind", "non_public", "--depth", "city")[0])
    assert {k: doc["totals"][k] for k in sums} == sums
    assert set(doc["by_county"]) == {"甲县", "乙县"} and set(doc["by_city"]) == {"某市"}
    assert "甲县/城关镇" in doc["by_township"] and "乙县/城关镇" in doc["by_township"]
    assert json.loads(figures(runner, "--township", "乙县/城关镇")[0])["totals"]["orgs"] > 0
    counts = [sql(f"select count(*) from {t}")[0][0] for t in ("units", "snapshots", "people", "memberships")]
    r = invoke(runner, "merge", str(tmp_path / "甲县.db"), "--city", "某市")
    assert r.exit_code == 0 and "新建 0" in r.output
    assert [
        sql(f"select count(*) from {t}")[0][0] for t in ("units", "snapshots", "people", "memberships")
    ] == counts
    table = invoke(runner, "report", "--year", "2014", "--depth", "county").stdout
    assert "分县情况" in table and "乙县" in table


def test_merge_refuses_itself_and_missing_files(runner, tmp_path):
    assert invoke(runner, "merge", str(tmp_path / "nope.db")).exit_code == 2


def test_import_county_option_keeps_same_named_townships_apart(runner, tmp_path):
    for county, n in (("甲县", 2), ("乙县", 3)):
        rows = ledger_rows(n)
        rows[1:] = [rows[1], *[unit_row(i + (100 if county == "乙县" else 0)) for i in range(1, n + 1)]]
        f = write_xlsx(tmp_path / f"{county}.xlsx", rows)
        assert invoke(runner, "import", str(f), "--county", county).exit_code == 0
    doc = json.loads(figures(runner, "--depth", "county")[0])
    assert {k: v["orgs"] for k, v in doc["by_county"].items()} == {"甲县": 2, "乙县": 3}
