"""Small spreadsheets written by the tests themselves (no fixture depends on ../shared)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "农民工人数",
    "党员人数",
    "党组织形式",
    "是否建立工会",
    "会员数",
    "农民工会员数",
    "建会时间",
]


#: A short ledger header with a township column: what most generated test files need.
TOWN_HEADER = [
    "乡镇",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "从业人员数",
    "党员人数",
    "是否建立工会",
    "会员数",
]


#: The roster columns of a 会员花名册, as the sample county writes them.
ROSTER_HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "政治面貌",
    "所在单位",
    "是否农民工",
    "入会时间",
    "联系电话",
]


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body, x = "", n + 7919
    for _ in range(7):
        x, r = divmod(x, len(alphabet))
        body += alphabet[r]
    base = "91139901MA" + body
    return base + uscc.calc_check_digit(base)


def unit_row(i: int, employees: int = 30, members: int = 20, union: str = "已建", **over: Any) -> list[Any]:
    row = [
        i,
        f"测试{i}号有限公司",
        credit_code(i),
        "私营企业",
        employees,
        5,
        2,
        "无",
        union,
        members,
        3,
        "2014-03-05",
    ]
    for k, v in over.items():
        row[HEADER.index(k)] = v
    return row


def ledger_rows(n: int = 3, title: str = "城关镇非公有制企业党建工建情况（2014年度）") -> list[list[Any]]:
    return [[title], HEADER, *[unit_row(i) for i in range(1, n + 1)]]


def write_xlsx(
    path: Path,
    rows: list[list[Any]],
    *,
    sheets: dict[str, list[list[Any]]] | None = None,
    merged: list[tuple[int, int, int, int, str]] | None = None,
    hidden: set[str] | None = None,
) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for name, data in (sheets or {"Sheet1": rows}).items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(data):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for r0, c0, r1, c1, text in merged or []:
            ws.merge_range(r0, c0, r1, c1, text)
        if hidden and name in hidden:
            ws.hide()
    wb.close()
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xls(
    path: Path, rows: list[list[Any]], errors: dict[tuple[int, int], int | str] | None = None
) -> Path:
    """A legacy .xls of ``rows``; ``errors``: (row, column) → an Excel error (its text, #DIV/0!, or its code, 0x2A)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    for (r, c), code in (errors or {}).items():
        ws.row(r).set_cell_error(c, code)
    wb.save(str(path))
    return path


def write_ods(path: Path, rows: list[list[Any]]) -> Path:
    import pandas as pd

    width = max(len(r) for r in rows)
    frame = pd.DataFrame([[*r, *[None] * (width - len(r))] for r in rows])
    frame.to_excel(path, engine="odf", header=False, index=False)
    return path


def command_paths() -> list[list[str]]:
    """Every command path of the app, groups' subcommands included (`["members", "list"]`)."""
    from typer.main import get_command

    from djgj.cli import app

    out: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            out.append(path)

    walk(get_command(app), [])
    return out
