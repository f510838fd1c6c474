"""`djgj import`: township sheets and rosters into the ledger, one transaction per file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from djgj.cli.app import app, engine
from djgj.cli.options import (
    parse_date,
)
from djgj.errors import DjgjError, UsageError


@app.command("import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="乡镇报表或会员花名册：.xlsx、.xls、.ods、.csv", show_default=False)
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="数据截至日期，如 2014-12-31（默认从标题读取）")
    ] = None,
    township: Annotated[
        str | None, typer.Option("--township", help="乡镇（表中没有乡镇列、标题也未写明时）")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="单位类别：agency institution state_owned collective non_public social_org village community",
        ),
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="表头映射 '表头=字段'，可多次使用；=ignore 忽略该列")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help='表头映射文件（TOML，[map] 表头 = "字段"）')
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="只导入这个工作表")] = None,
    roster: Annotated[bool, typer.Option("--roster", help="按会员花名册导入（通常可自动识别）")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只检查、显示将做的改动和所有规范化，不写入台账")
    ] = False,
    skip_bad_rows: Annotated[
        bool,
        typer.Option("--skip-bad-rows", help="跳过有问题的行（默认整个文件拒收），被跳过的行写入拒收报告"),
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="拒收报告文件（CSV；默认为 当前目录/文件名.rejects.csv）")
    ] = None,
    county: Annotated[
        str, typer.Option("--county", help="乡镇所属的县（市级、省级合并台账中区分同名乡镇）")
    ] = "",
) -> None:
    """导入乡镇报表（每个文件要么全部导入，要么全部拒绝）。

    例：djgj import 2014_北关镇_企业台账.xls --as-of 2014-12-31 --township 北关镇
    """
    from djgj.read.headers import parse_map_options
    from djgj.records.parse import Options
    from djgj.vocab.fields import KINDS

    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{'、'.join(KINDS)}")
    options = Options(
        as_of=parse_date(as_of, "--as-of"),
        township=township,
        kind=kind,
        overrides=parse_map_options(map_ or [], mapping),
        sheet=sheet,
        roster=roster,
        skip_bad_rows=skip_bad_rows,
        county=county,
    )
    from djgj.cli.app import interrupted, say_error, say_interrupted
    from djgj.ledger.privacy import mask_text
    from djgj.ledger.write import import_file

    eng = engine()
    failed = 0
    done: list[str] = []
    for f in files:
        try:
            with _progress(f.name) as progress:
                result = import_file(eng, f, options, dry_run=dry_run, progress=progress)
        except UsageError:
            raise
        except DjgjError as exc:
            failed += 1
            say_error(f"{f.name}：{exc}" if f.name not in str(exc) else exc)
            continue
        except BaseException as exc:
            if not interrupted(exc):
                raise
            before = f"；此前已完成的文件保留：{'、'.join(done)}" if done else ""
            say_interrupted(f"已中断，台账未改动：{f.name} 未导入（已整体回滚）{before}")
            raise typer.Exit(130) from None
        done.append(f.name)
        typer.echo(mask_text(_describe(result)))
        if result.rejects:
            _write_rejects(result.rejects, rejects or Path(f"{f.stem}.rejects.csv"))
    if failed:
        raise typer.Exit(1)


def _write_rejects(rows: list[dict[str, Any]], path: Path) -> None:
    """The reject report of --skip-bad-rows: every refused row with its reasons and raw cells."""
    from djgj.ledger.privacy import mask_reject
    from djgj.output.files import write_atomic
    from djgj.output.render import render_rows

    safe = [mask_reject(r) for r in rows]
    keys = list(dict.fromkeys(k for r in safe for k in r))
    labels = {"sheet": "工作表", "row": "行", "problems": "问题"}
    content = render_rows(safe, "csv", columns=[(k, labels.get(k, k)) for k in keys])
    # Owner-only: even masked, a refused roster row names people.
    write_atomic(path, str(content).encode("utf-8-sig"), private=True)
    typer.echo(f"  拒收报告：{path}（{len(rows)} 行）")


class _progress:
    """A rich progress bar on stderr for long files, only when stderr is a terminal."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        return self._update

    def _update(self, done: int, total: int) -> None:
        if total < 2000:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"导入 {self.name}", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _describe(r: Any) -> str:
    name = Path(r.file).name
    if r.status == "already":
        return f"{name}：{r.warnings[0]}"
    head = "（试运行，未写入）" if r.status == "dry_run" else ""
    lines = [f"{name}{head}：{r.format}，{r.rows} 行"]
    if r.as_of:
        lines[0] += f"，截至 {r.as_of.isoformat()}"
    if r.townships:
        lines[0] += f"，乡镇：{'、'.join(r.townships)}"
    if r.snapshots_created + r.snapshots_updated + r.snapshots_unchanged:
        lines.append(
            f"  单位：新建 {r.units_created}，更新 {r.units_updated}；快照：新增 {r.snapshots_created}，"
            f"更新 {r.snapshots_updated}，未变 {r.snapshots_unchanged}"
        )
    if r.people or r.memberships:
        lines.append(f"  花名册：人员 {r.people}，会籍 {r.memberships}")
    if r.normalised:
        lines.append("  规范化：" + "；".join(f"{k} {v} 处" for k, v in sorted(r.normalised.items())))
    if r.status == "dry_run":
        for sheet, cols in r.columns.items():
            mapped = "，".join(f"{c['column']}“{c['header']}”→{c['field'] or '未识别'}" for c in cols)
            lines.append(f"  列映射（{sheet}）：{mapped}")
    lines += [f"  提示：{w}" for w in r.warnings]
    return "\n".join(lines)
