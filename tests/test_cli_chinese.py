"""djgj in the county office's language: Chinese help and errors, Chinese names in every option and
every output, and the conventions of a command line (--version, -o -, --db anywhere, choices refused
with exit 2 before the ledger is opened)."""

from __future__ import annotations

import io
import json
import re

import pytest
from typer.testing import CliRunner

from builders import command_paths, credit_code, ledger_rows, write_xlsx
from conftest import invoke
from djgj.vocab.vocabulary import resolve, table

COMMANDS = command_paths()


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_help_is_chinese_with_an_example(runner, path, _isolated):
    result = invoke(runner, *path, "--help")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "用法：" in text and "例：djgj" in text
    for english in ("Usage:", "Show this message", "Options:", "Arguments:", "[default:", "[required]"):
        assert english not in text
    assert not _isolated.exists()  # help never opens (or creates) the ledger
    # Arguments are named in Chinese, in the usage line and in the errors that name them
    # (缺少参数 目标值, not "value"; 导入编号 的值无效, not "import_id").
    usage = next(line for line in text.splitlines() if line.startswith("用法："))
    assert not re.search(r"\b[a-z_]{2,}[0-9]*\b", usage.split("[选项]")[-1]), usage
    # A line of Chinese is wrapped between characters, never inside an id or a bracketed id
    # (非公有制企业（non_p / ublic）had been printed so, and could not be copied).
    for width in ("50", "64", "80"):
        page = invoke(CliRunner(env={"COLUMNS": width}), *path, "--help").output
        assert not re.search(r"[（(][A-Za-z0-9_]*\n", page), page
        assert not re.search(r"[A-Za-z0-9_]\n *[A-Za-z0-9_]*[）)]", page), page


def test_top_level_help_version_and_missing_command(runner):
    assert "命令：" in invoke(runner, "--help").output
    from importlib.metadata import version

    v = invoke(runner, "--version")
    assert v.exit_code == 0 and v.output.strip() == f"djgj {version('djgj')}"
    none = invoke(runner)
    assert none.exit_code == 2 and "用法：" in none.output and "Missing" not in none.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["report", "--kind", "外星企业"], ["--kind 的值无效", "非公有制企业（non_public）"]),
        (["report", "--format", "pdf"], ["输出格式", "table"]),
        (["report", "--depth", "省"], ["汇总层级", "乡镇（township）"]),
        (["gaps", "--rule", "没有的规则"], ["未知的规则", "应建工会（union_required）"]),
        (["targets", "set", "没有的指标", "80%", "--year", "2015"], ["未知的指标"]),
        (["report", "--yeer", "2014"], ["没有选项 --yeer"]),
        (["report", "--year", "二〇一四"], ["--year", "应为整数"]),
        (["reprt"], ["没有命令“reprt”"]),
        (["import"], ["缺少参数"]),
        (["set", "某公司", "从业人员", "5"], ["缺少选项"]),
        (["export", "台账.xlsx"], ["多余的参数：台账.xlsx"]),  # (export writes where -o says)
        (["report", "2014", "2015"], ["多余的参数：2014 2015"]),
    ],
)
def test_usage_errors_are_chinese_exit_2_and_never_open_the_ledger(runner, _isolated, args, words):
    result = invoke(runner, *args)
    assert result.exit_code == 2, result.output
    for w in words:
        assert w in result.output
    assert "Error:" not in result.output and "Usage:" not in result.output and "Got " not in result.output
    assert "运行 djgj" in result.output and "--help" in result.output
    assert not _isolated.exists()


def test_db_is_accepted_anywhere_on_the_line(runner, sample_ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("DJGJ_DB", str(tmp_path / "另一个台账.db"))
    before = invoke(runner, "--db", str(sample_ledger), "gaps", "--year", "2014", "--format", "json")
    after = invoke(runner, "gaps", "--year", "2014", "--db", str(sample_ledger), "--format", "json")
    equals = invoke(runner, "gaps", "--year", "2014", f"--db={sample_ledger}", "--format", "json")
    assert before.exit_code == after.exit_code == equals.exit_code == 0, after.output
    assert json.loads(before.output) == json.loads(after.output) == json.loads(equals.output)
    assert not (tmp_path / "另一个台账.db").exists()


def test_output_dash_is_stdout(runner, sample_ledger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "gaps", "--year", "2014", "--format", "csv", "-o", "-")
    assert result.exit_code == 0
    assert result.output.startswith("规则,")
    assert not (tmp_path / "-").exists()


# ------------------------------------------------------------- Chinese name and id: the same result

SAME = [
    (
        ["gaps", "--year", "2014", "--kind", "{}"],
        "kinds",
        "non_public",
        ["非公有制企业", "非公企业", "NON_PUBLIC"],
    ),
    (["gaps", "--year", "2014", "--rule", "{}"], "rules", "union_required", ["应建工会", "Union_Required"]),
    (["report", "--year", "2014", "--kind", "{}"], "kinds", "village", ["村", "VILLAGE"]),
    (["report", "--year", "2014", "--depth", "{}"], "depths", "township", ["乡镇", "TownShip"]),
    (["export", "--year", "2014", "--kind", "{}"], "kinds", "community", ["社区"]),
    (["units", "--kind", "{}"], "kinds", "non_public", ["非公有制企业"]),
]


@pytest.mark.parametrize(("template", "category", "ident", "names"), SAME)
def test_chinese_name_and_id_give_the_same_result(runner, sample_ledger, template, category, ident, names):
    def run(value: str) -> object:
        args = [a.replace("{}", value) for a in template]
        result = invoke(runner, *args, "--format", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    expected = run(ident)
    assert expected  # something to compare
    for n in names:
        assert resolve(category, n) == ident
        assert run(n) == expected


def test_targets_set_by_chinese_name_and_list_in_chinese(runner, sample_ledger):
    assert invoke(runner, "targets", "set", "建会率", "80%", "--year", "2015").exit_code == 0
    by_id = invoke(runner, "targets", "set", "union_rate", "0.8", "--year", "2016")
    assert by_id.exit_code == 0 and "建会率" in by_id.output
    rows = json.loads(invoke(runner, "targets", "list", "--format", "json").output)
    assert {(r["year"], r["metric"], r["value"]) for r in rows if r["year"] != "默认"} == {
        (2015, "union_rate", 0.8),
        (2016, "union_rate", 0.8),
    }
    text = invoke(runner, "targets", "list").output
    assert "2015" in text and "2,015" not in text
    assert "年度" in text and "指标" in text and "建会率" in text and "union_rate" not in text


def test_map_takes_the_field_chinese_name(runner, tmp_path, _isolated):
    rows = [["城关镇（2014年度）"], ["单位全名称", "从业人员数", "是否建立工会"], ["甲公司", 30, "是"]]
    f = write_xlsx(tmp_path / "甲.xlsx", rows)
    by_name = invoke(
        runner, "import", str(f), "--kind", "非公有制企业", "--map", "单位全名称=单位名称", "--dry-run"
    )
    by_id = invoke(runner, "import", str(f), "--kind", "non_public", "--map", "单位全名称=name", "--dry-run")
    assert by_name.exit_code == by_id.exit_code == 0, by_name.output
    assert by_name.output == by_id.output
    assert "→ 单位名称" in by_name.output


# ------------------------------------------------------------- no English id in what a person reads

#: Ids a cadre must never read: rules, kinds, forms, grades, problems, severities, metrics.
_IDS = sorted(
    {
        k
        for c in (
            "rules",
            "kinds",
            "party_org_forms",
            "union_forms",
            "grades",
            "problems",
            "severities",
            "metrics",
        )
        for k in table()[c]
    }
    | {"requirement", "joint_branch", "non_public"},
    key=len,
    reverse=True,
)
_ID_WORD = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, _IDS)) + r")(?![A-Za-z0-9_])")


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        " ".join(str(v) for v in row if v is not None)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


LISTINGS = [
    ["gaps", "--year", "2014"],
    ["report", "--year", "2014"],
    ["check", "--year", "2014"],
    ["export", "--year", "2014"],
    ["targets", "list"],
    ["units"],
    ["unit", "{unit}"],
    ["info"],
    ["members", "list"],
]


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: a[0] if a[0] != "targets" else "targets list")
@pytest.mark.parametrize("fmt", ["table", "csv", "md", "xlsx"])
def test_outputs_speak_chinese(runner, sample_ledger, tmp_path, args, fmt):
    name = _a_unit(runner)
    out = tmp_path / f"输出.{fmt}"
    args = [a.replace("{unit}", name) for a in args]
    result = invoke(runner, *args, "--format", fmt, "-o", str(out))
    assert result.exit_code in (0, 1), result.output  # check exits 1 when it finds problems
    text = _xlsx_text(out.read_bytes()) if fmt == "xlsx" else out.read_text(encoding="utf-8-sig")
    assert text.strip()
    found = sorted(set(_ID_WORD.findall(text)))
    assert found == [], f"English ids in {' '.join(args)} --format {fmt}: {found}"


def test_json_keeps_ids_and_adds_chinese_labels(runner, sample_ledger):
    gaps = json.loads(invoke(runner, "gaps", "--year", "2014", "--format", "json").output)
    g = gaps[0]
    assert g["rule"] in table()["rules"] and g["rule_label"] == table()["rules"][g["rule"]]
    assert g["kind_label"] == table()["kinds"][g["kind"]]
    report = json.loads(invoke(runner, "report", "--year", "2014", "--format", "json").output)
    assert report["labels"]["union_rate"] == "建会率" and "union_rate" in report["totals"]


def test_csv_for_excel_has_a_bom_and_chinese_paths_work(runner, sample_ledger, tmp_path):
    folder = tmp_path / "县总工会" / "二〇一四年"
    folder.mkdir(parents=True)
    out = folder / "应建未建（城关镇）.csv"
    result = invoke(runner, "gaps", "--year", "2014", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel and WPS open it without mojibake
    assert data[3:].decode("utf-8").startswith("规则,")


def test_import_from_and_into_chinese_paths(runner, tmp_path, monkeypatch):
    folder = tmp_path / "乡镇报表" / "城关镇"
    folder.mkdir(parents=True)
    db = tmp_path / "台账（县总工会）" / "党建工建台账.db"
    db.parent.mkdir()
    f = write_xlsx(folder / "2014年 城关镇 统计表.xlsx", ledger_rows(3))
    result = invoke(
        runner, "--db", str(db), "import", str(f), "--as-of", "2014-12-31", "--township", "城关镇"
    )
    assert result.exit_code == 0, result.output
    assert "3 行" in result.output
    info = invoke(runner, "info", "--db", str(db))
    assert str(db) in info.output and "--db 选项" in info.output


def test_import_json_and_quiet(runner, tmp_path):
    f = write_xlsx(tmp_path / "甲.xlsx", ledger_rows(2))
    quiet = invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--township", "城关镇", "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    g = write_xlsx(tmp_path / "乙.xlsx", ledger_rows(4))
    out = invoke(
        runner, "import", str(g), "--as-of", "2015-12-31", "--township", "城关镇", "--format", "json"
    )
    assert out.exit_code == 0, out.output
    [r] = json.loads(out.output)
    assert r["status"] == "imported" and r["rows"] == 4 and r["townships"] == ["城关镇"]


def test_import_summary_stays_short_with_many_townships(runner, tmp_path):
    header = ["乡镇", "企业名称", "统一社会信用代码", "从业人员数", "是否建立工会", "会员数"]
    rows = [["全县非公有制企业（2014年度）"], header]
    rows += [[f"第{i}镇", f"测试{i}号有限公司", credit_code(i), 30, "是", 10] for i in range(60)]
    f = write_xlsx(tmp_path / "全县.xlsx", rows)
    result = invoke(runner, "import", str(f), "--as-of", "2014-12-31", "--kind", "非公有制企业")
    assert result.exit_code == 0, result.output
    assert "60 个乡镇" in result.output
    assert len(result.output.splitlines()) <= 6
    assert "第59镇" not in result.output


def _a_unit(runner) -> str:
    return json.loads(invoke(runner, "units", "有限公司", "--format", "json").output)[0]["name"]


def test_paragraph_wrap_never_splits_a_number_or_code():
    from djgj.output.render import wrap_paragraph

    text = "现有非公有制企业1,234家，从业人员56,789人，其中农民工12,345人；统一社会信用代码91139901MA6GR6DHRA的单位于2014-12-31前建会，占80.5%。"
    for width in range(12, 60):
        lines = wrap_paragraph(text, width).splitlines()
        assert "".join(lines) == text
        for a, b in zip(lines, lines[1:], strict=False):
            assert not (
                a[-1].isalnum() and a[-1].isascii() and b[0].isascii() and (b[0].isalnum() or b[0] in ",.%-")
            )


def test_table_width_follows_the_terminal(monkeypatch):
    from djgj.output.render import render_rows

    rows = [{"name": "某某有限公司" * 8, "message": "说明" * 40}]
    narrow = render_rows(rows, "table", width=60)
    assert max(len(line) for line in str(narrow).splitlines()) <= 60
    monkeypatch.setenv("COLUMNS", "90")
    wide = render_rows(rows, "table")
    assert max(len(line) for line in str(wide).splitlines()) <= 90


def test_fields_and_rules_list_chinese_names_with_ids(runner, _isolated):
    fields = json.loads(invoke(runner, "fields", "--format", "json").output)
    by_id = {f["id"]: f for f in fields}
    assert by_id["union_members"]["label"] == "会员" and "会员数" in by_id["union_members"]["aliases"]
    assert all(f["examples"] for f in fields if f["id"] != "seq")
    text = invoke(runner, "rules").output
    assert "应建工会" in text and "union_required" in text and "应建" in text


def test_completion_is_installable(runner):
    result = invoke(runner, "--help")
    assert "--install-completion" in result.output and "--show-completion" in result.output


def test_xlsx_to_stdout_with_dash(runner, sample_ledger):
    result = runner.invoke(
        __import__("djgj.cli", fromlist=["app"]).app, ["gaps", "--year", "2014", "-f", "xlsx", "-o", "-"]
    )
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK")  # the workbook itself, not a file named "-"


def test_spinner_stays_silent_off_a_terminal(capsys):
    import time

    from djgj.cli.options import busy

    with busy("正在导出…", delay=0.01):
        time.sleep(0.05)
    assert capsys.readouterr().err == ""


def test_the_entry_point_builds_only_the_command_it_runs(monkeypatch, capsys) -> None:
    """`djgj undo --help` builds `undo` alone (start-up); the root help and a typo still see every command,
    and the app is whole again afterwards."""
    from djgj.cli.app import app, main, only_invoked

    everything = len(app.registered_commands) + len(app.registered_groups)
    with only_invoked(["--db", "x.db", "undo", "--help"]):
        assert [c.callback.__name__ for c in app.registered_commands] == ["undo"]
        assert app.registered_groups == []
    with only_invoked(["members", "list"]):
        assert [g.name for g in app.registered_groups] == ["members"] and app.registered_commands == []
    for line in (["--help"], ["reprot"], ["--version"]):
        with only_invoked(line):
            assert len(app.registered_commands) + len(app.registered_groups) == everything
    monkeypatch.setattr("sys.argv", ["djgj", "undo", "--help"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert "撤销" in capsys.readouterr().out
    assert len(app.registered_commands) + len(app.registered_groups) == everything
    monkeypatch.setattr("sys.argv", ["djgj", "--help"])
    with pytest.raises(SystemExit):
        main()
    out = capsys.readouterr().out
    assert "undo" in out and "report" in out and "members" in out


def test_the_root_help_lists_every_command_without_reading_their_options(runner, monkeypatch) -> None:
    """`djgj --help` builds each command from its name and help alone (start-up): the same page as
    the app built whole, no command's signature read, every callback put back afterwards."""
    import typer.main

    from djgj.cli.app import app, only_invoked

    whole = invoke(runner, "--help").output
    before = [c.callback for c in app.registered_commands]
    read: list[str] = []
    real = typer.main.get_params_from_function

    def reading(func):
        params = real(func)
        if params:  # a signature actually read (a listed command has none)
            read.append(func.__name__)
        return params

    monkeypatch.setattr(typer.main, "get_params_from_function", reading)
    for line in (["--help"], ["--db", "x.db", "--help"], ["reprot"]):
        read.clear()
        with only_invoked(line):
            listed = invoke(runner, *line)
        assert set(read) <= {"_root", "_show_version", "install_callback", "show_callback"}, read
        if line[-1] == "--help":
            assert listed.output == whole
        else:
            assert listed.exit_code == 2
    assert [c.callback for c in app.registered_commands] == before
    read.clear()
    with only_invoked(["report", "--help"]):
        assert "--depth" in invoke(runner, "report", "--help").output
    assert "report" in read
