"""`djgj imports` and `djgj undo`: every import as a record, and taking one back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from djgj.cli.app import app, engine
from djgj.cli.options import Fmt, Output, render_rows_to

#: Columns of `djgj imports` (tables, csv, xlsx, md); JSON keeps every key, with the options as a dict.
COLUMNS = [
    ("id", "导入编号"),
    ("file", "文件"),
    ("sha256", "内容哈希"),
    ("imported_at", "导入时间"),
    ("user", "操作人"),
    ("kind_label", "类型"),
    ("as_of", "截至日期"),
    ("townships_text", "乡镇"),
    ("options_text", "选项"),
    ("rows", "行数"),
    ("units_created", "新建单位"),
    ("snapshots_created", "新增快照"),
    ("snapshots_updated", "更新快照"),
    ("conflicts", "改动已有值"),
    ("blanks_kept", "空白未覆盖"),
    ("status_label", "状态"),
    ("undone_at", "撤销时间"),
]
#: A terminal table keeps to what identifies an import and what it did; every format has the hash.
TABLE_COLUMNS = [
    ("id", "编号"),
    ("file", "文件"),
    ("sha256", "哈希"),
    ("imported_at", "导入时间"),
    ("user", "操作人"),
    ("as_of", "截至日期"),
    ("townships_text", "乡镇"),
    ("options_text", "选项"),
    ("rows", "行数"),
    ("snapshots_text", "快照 新增/更新"),
    ("conflicts", "改动已有值"),
    ("status_label", "状态"),
]
_KINDS = {"ledger": "台账", "roster": "花名册"}


def _for_table(row: dict[str, Any], fmt: str) -> dict[str, Any]:
    from djgj.ledger.batches import options_text

    out = dict(row)
    out["kind_label"] = _KINDS.get(row["kind"], row["kind"])
    out["townships_text"] = "、".join(row["townships"])
    out["options_text"] = options_text(row["options"])
    if fmt == "table":
        out["id"] = str(row["id"])
        out["sha256"] = row["sha256"][:8]
        out["imported_at"] = (row["imported_at"] or "").replace("T", " ")[:16]
        towns = row["townships"]
        out["townships_text"] = "、".join(towns) if len(towns) <= 2 else f"{towns[0]}等 {len(towns)} 个"
        out["snapshots_text"] = f"{row['snapshots_created']}/{row['snapshots_updated']}"
        if row["kind"] == "roster":
            out["snapshots_text"] = "（花名册）"
    elif row["status"] == "failed" and row["message"]:
        out["status_label"] = f"{row['status_label']}：{row['message']}"
    return out


@app.command("imports")
def imports(fmt: Fmt = "table", output: Output = None) -> None:
    """列出每一次导入：文件、内容哈希、时间、操作人、选项、写入数量、乡镇、截至日期、状态（有效、已撤销、被拒绝）。

    导入编号用于 djgj undo。

    例：djgj imports
    例：djgj imports --format json
    """
    from djgj.ledger.batches import list_imports

    rows = list_imports(engine(write=False))
    if fmt != "json":
        rows = [_for_table(r, fmt) for r in rows]
    if not rows and fmt == "table":
        typer.echo("台账中还没有任何导入；用 djgj import 导入乡镇报表")
        return
    columns = TABLE_COLUMNS if fmt == "table" else COLUMNS
    render_rows_to(rows, fmt, output, columns=columns, title="导入记录（djgj undo 编号 可撤销一次导入）")


@app.command("undo")
def undo(
    import_id: Annotated[
        int,
        typer.Argument(help="要撤销的导入编号（见 djgj imports）", show_default=False, metavar="导入编号"),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示将撤销的内容，不改动台账")] = False,
) -> None:
    """撤销一次导入：删除它新增的快照，把它改动过的快照恢复为导入前的数值，删除只由它建立的单位；
    在一个事务中完成并记入审计日志。撤销后该导入仍在 djgj imports 中列出（状态“已撤销”），同一文件可以重新导入。

    例：djgj undo 12

    例：djgj undo 12 --dry-run
    """
    from djgj.ledger.batches import undo as do_undo

    r = do_undo(engine(), import_id, dry_run=dry_run)
    head = "（试运行，未改动台账）" if dry_run else ""
    typer.echo(
        f"{'将撤销' if dry_run else '已撤销'}导入 {r.batch_id}（{r.file}）{head}：快照 删除 {r.snapshots_removed}、"
        f"恢复 {r.snapshots_restored}；单位 删除 {r.units_removed}、恢复名称/类别/乡镇 {r.units_restored}；"
        f"会籍 删除 {r.memberships_removed}，人员 删除 {r.people_removed}"
    )
