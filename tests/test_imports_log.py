"""`djgj imports` lists every import; `djgj undo` takes one back exactly; merges recognise a ledger
by its imports, not by its file name, and never merge a ledger into itself."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from builders import ledger_rows, unit_row, write_xlsx
from conftest import import_samples, invoke, sql

pytestmark = pytest.mark.usefixtures("backend")


def figures(runner) -> list[tuple[int, str]]:
    """Everything a meeting reads from the ledger, as JSON text (or the message saying there is none)."""
    out = []
    for args in (
        ("report", "--year", "2014"),
        ("report", "--year", "2013"),
        ("gaps", "--year", "2014"),
        ("members", "list"),
    ):
        r = invoke(runner, *args, "--format", "json")
        out.append((r.exit_code, r.output))
    return out


def _sample_imports(sample_dir, expected) -> list[list[str]]:
    args = []
    for f in expected["files"]:
        a = ["import", str(sample_dir / f["file"])]
        if f["kind"] == "roster":
            a.append("--roster")
        else:
            a += ["--as-of", f["as_of"]] + (["--township", f["township"]] if f.get("township") else [])
        args.append(a)
    return args


# slow (~9 s per backend): run by CI (`.ci/run`), not by `make test`
@pytest.mark.slow
def test_undo_of_each_of_the_last_three_sample_imports_restores_the_figures(runner, sample_dir, expected):
    steps = _sample_imports(sample_dir, expected)
    before: list[list[tuple[int, str]]] = []
    for i, a in enumerate(steps):
        if i >= len(steps) - 3:
            before.append(figures(runner))
        assert invoke(runner, *a).exit_code == 0
    full = figures(runner)
    listed = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert len(listed) == len(steps) and all(i["status"] == "ok" for i in listed)
    for k in (1, 2, 3):
        r = invoke(runner, "undo", str(listed[-k]["id"]))
        assert r.exit_code == 0, r.output
        assert figures(runner) == before[-k], f"undo of {steps[-k][1]}"
    after = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert [i["status"] for i in after[-3:]] == ["undone"] * 3 and len(after) == len(steps)
    # The same files can then be imported again, and the figures are whole again.
    for a in steps[-3:]:
        r = invoke(runner, *a)
        assert r.exit_code == 0 and "未做任何改动" not in r.output, r.output
    assert figures(runner) == full
    assert sql("select count(*) from audit_events where action = 'undo'") == [(3,)]


def test_imports_lists_every_import_in_every_format(runner, tmp_path):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "城关镇.xlsx", ledger_rows(2)))).exit_code == 0
    bad = ledger_rows(2)
    bad[2] = unit_row(1, 从业人员数=-5)
    assert (
        invoke(
            runner, "import", str(write_xlsx(tmp_path / "坏.xlsx", bad)), "--as-of", "2014-12-31"
        ).exit_code
        == 1
    )
    rows = json.loads(invoke(runner, "imports", "--format", "json").stdout)
    assert [(r["file"], r["status"]) for r in rows] == [("城关镇.xlsx", "ok"), ("坏.xlsx", "failed")]
    first = rows[0]
    assert len(first["sha256"]) == 64 and first["user"] and first["imported_at"]
    assert first["as_of"] == "2014-12-31" and first["townships"] == ["城关镇"]
    assert first["rows"] == 2 and first["snapshots_created"] == 2 and first["status_label"] == "有效"
    assert rows[1]["options"]["as_of"] == "2014-12-31" and "负数" in rows[1]["message"]
    table = invoke(runner, "imports").stdout
    assert "城关镇.xlsx" in table and "被拒绝" in table and first["sha256"][:8] in table
    csv_text = invoke(runner, "imports", "--format", "csv").stdout
    assert "内容哈希" in csv_text and first["sha256"] in csv_text and "--as-of 2014-12-31" in csv_text
    assert "| 导入编号 |" in invoke(runner, "imports", "--format", "md").stdout
    out = tmp_path / "导入.xlsx"
    assert invoke(runner, "imports", "--format", "xlsx", "-o", str(out)).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_undo_waits_for_a_later_import_of_the_same_values_and_is_recorded(runner, tmp_path):
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "一.xlsx", ledger_rows(2)))).exit_code == 0
    rows = ledger_rows(3)
    rows[2] = unit_row(1, employees=35)
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "二.xlsx", rows))).exit_code == 0
    first, second = (i["id"] for i in json.loads(invoke(runner, "imports", "--format", "json").stdout))
    r = invoke(runner, "undo", str(first))
    assert r.exit_code == 2 and f"请先撤销 {second}" in r.output
    dry = invoke(runner, "undo", str(second), "--dry-run")
    assert dry.exit_code == 0 and "试运行" in dry.output and sql("select count(*) from units") == [(3,)]
    r = invoke(runner, "undo", str(second))
    assert r.exit_code == 0 and "删除 1" in r.output and "恢复 1" in r.output, r.output
    assert sql("select count(*) from units") == [(2,)]
    assert sql("select employees from snapshots order by id") == [(30,), (30,)]
    assert sql("select count(*) from snapshot_history") == [(0,)]
    assert invoke(runner, "undo", str(second)).exit_code == 2  # already undone
    assert invoke(runner, "undo", "999").exit_code == 2
    assert invoke(runner, "undo", str(first)).exit_code == 0
    assert sql("select count(*) from units") == [(0,)] and sql("select count(*) from snapshots") == [(0,)]
    details = [
        json.loads(d) for (d,) in sql("select detail from audit_events where action = 'undo' order by id")
    ]
    assert [d["batch"] for d in details] == [second, first]


def test_undo_gives_a_unit_back_its_name_and_township(runner, tmp_path):
    rows = ledger_rows(1)
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "一.xlsx", rows))).exit_code == 0
    renamed = ledger_rows(1, title="北关镇非公有制企业党建工建情况（2015年度）")
    renamed[2] = unit_row(1, 企业名称="测试一号集团")
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "二.xlsx", renamed))).exit_code == 0
    assert sql("select u.name, t.name from units u join townships t on t.id = u.township_id") == [
        ("测试一号集团", "北关镇")
    ]
    last = json.loads(invoke(runner, "imports", "--format", "json").stdout)[-1]["id"]
    assert invoke(runner, "undo", str(last)).exit_code == 0
    assert sql(
        "select u.name, u.norm_name, t.name from units u join townships t on t.id = u.township_id"
    ) == [("测试1号有限公司", "测试1号有限公司", "城关镇")]


def test_a_renamed_copy_of_a_county_ledger_merges_without_duplicates(
    runner, tmp_path, sample_dir, monkeypatch
):
    target = os.environ["DJGJ_DB"]
    county = tmp_path / "甲县.db"
    import_samples(sample_dir, county)
    assert invoke(runner, "merge", str(county)).exit_code == 0
    counts = [
        sql(f"select count(*) from {t}")[0][0] for t in ("units", "snapshots", "townships", "import_batches")
    ]
    renamed = tmp_path / "甲县台账（副本）.db"
    shutil.copy(county, renamed)
    r = invoke(runner, "merge", str(renamed))
    assert r.exit_code == 0 and "新建 0" in r.output, r.output
    assert [
        sql(f"select count(*) from {t}")[0][0] for t in ("units", "snapshots", "townships", "import_batches")
    ] == counts
    monkeypatch.setenv("DJGJ_DB", target)


@pytest.mark.parametrize("how", ["dotdot", "symlink", "hardlink"])
def test_merge_into_itself_is_refused_however_the_file_is_named(runner, tmp_path, monkeypatch, how, backend):
    if backend != "sqlite":
        pytest.skip("a file-level guard")
    db = tmp_path / "x.db"
    monkeypatch.setenv("DJGJ_DB", str(db))
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "a.xlsx", ledger_rows(2)))).exit_code == 0
    (tmp_path / "sub").mkdir()
    if how == "dotdot":
        other = str(tmp_path / "sub" / ".." / "x.db")
    elif how == "symlink":
        other = str(tmp_path / "link.db")
        os.symlink(db, other)
    else:
        other = str(tmp_path / "hard.db")
        os.link(db, other)
    r = invoke(runner, "merge", other)
    assert r.exit_code == 2 and "它自己" in r.output
    assert sql("select count(*) from import_batches") == [(1,)]
