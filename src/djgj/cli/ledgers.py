"""`djgj export`, `backup`, `restore` and `merge`: the ledger as a whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from djgj.cli.app import app, engine, state
from djgj.cli.options import (
    Fmt,
    Kind,
    Output,
    Town,
    Year,
    busy,
    check_kind,
    render_rows_to,
)
from djgj.errors import UsageError


@app.command()
def export(
    year: Year = None,
    kind: Kind = None,
    township: Town = None,
    fmt: Fmt = "xlsx",
    output: Output = None,
) -> None:
    """导出台账：每个单位一行（该年底的最新数据），列名与取值都可由 djgj import 重新导入。

    例：djgj export --year 2014 -o 2014台账.xlsx
    """
    from djgj.figures.export import COLUMNS, rows

    check_kind(kind)
    y = year or dt.date.today().year
    with busy("正在导出…"):
        with engine(write=False).connect() as conn:
            data = rows(conn, y, kind=kind, township=township)
        title = f"台账导出（截至{y}年12月31日）"
        render_rows_to(data, fmt, output, columns=COLUMNS, title=title)


@app.command()
def backup(
    dest: Annotated[
        Path | None, typer.Argument(help="备份文件或文件夹（默认在台账旁边，带时间戳）", metavar="备份位置")
    ] = None,
) -> None:
    """备份台账（SQLite 在线备份，导入进行中也能得到一致的副本）。

    例：djgj backup /mnt/u盘/台账备份.db
    """
    from djgj.ledger.backup import backup as do_backup

    typer.echo(f"已备份到 {do_backup(state.db, dest)}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="djgj backup 生成的备份文件", metavar="备份文件")],
) -> None:
    """从备份恢复台账；只接受完整的 djgj 台账文件，被替换的台账会先另存一份。

    例：djgj restore 台账备份.db
    """
    from djgj.ledger.backup import restore as do_restore

    kept = do_restore(state.db, source)
    typer.echo(f"已从 {source} 恢复台账" + (f"；原台账另存为 {kept}" if kept else ""))


@app.command()
def merge(
    ledgers: Annotated[
        list[str],
        typer.Argument(help="县级台账：SQLite 文件或数据库 URL", show_default=False, metavar="台账"),
    ],
    county: Annotated[
        str | None, typer.Option("--county", help="来源台账所属的县（只合并一个台账时可用；默认取文件名）")
    ] = None,
    city: Annotated[str, typer.Option("--city", help="来源台账所属的市")] = "",
) -> None:
    """把县级台账合并进当前（市级、省级）台账：按信用代码、乡镇+名称去重，保留来源。

    例：djgj merge 甲县.db 乙县.db --city 某市 --db 某市.db && djgj report --year 2014 --depth 县 --db 某市.db
    """
    from djgj.ledger.db import display_url
    from djgj.ledger.merge import merge as do_merge

    if county and len(ledgers) > 1:
        raise UsageError("--county 只能在合并一个台账时使用；多个台账按各自的文件名或台账中的县名区分")
    eng = engine()
    for source in ledgers:
        r = do_merge(eng, source, county=county, city=city)
        typer.echo(
            f"{display_url(source)} → {r.county}：乡镇 {r.townships:,}，单位 新建 {r.units_created:,}、已有 {r.units_matched:,}；"
            f"快照 新增 {r.snapshots_created:,}、更新 {r.snapshots_updated:,}、未变 {r.snapshots_unchanged:,}；"
            f"人员 {r.people:,}，会籍 {r.memberships:,}"
            + (f"；改动已有值 {r.conflicts:,} 处（原值保留在单位的历史中）" if r.conflicts else "")
        )
