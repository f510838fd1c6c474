"""`djgj import`: township sheets and rosters into the ledger, one transaction per file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from djgj.cli.app import app, engine
from djgj.cli.options import (
    Kind,
    Quiet,
    parse_date,
)
from djgj.errors import DjgjError, RowsRefused, UsageError


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="乡镇报表或会员花名册：.xlsx、.xls、.ods、.csv", show_default=False, metavar="文件"
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="数据截至日期，如 2014-12-31（默认从标题读取）")
    ] = None,
    township: Annotated[
        str | None, typer.Option("--township", help="乡镇（表中没有乡镇列、标题也未写明时）")
    ] = None,
    kind: Kind = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="表头映射 '表头=字段'（字段可写中文名，如 '在册会员=会员数'；表头可写列字母，如 'E=忽略'），可多次使用",
            metavar="表头=字段",
        ),
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="有自相矛盾的行（如会员多于从业人员）时拒收整个文件（默认按原样导入并标记）"
        ),
    ] = False,
    quiet: Quiet = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="摘要格式：table（几行中文，默认）或 json（给脚本用）",
            parser=_summary_format,
        ),
    ] = "table",
) -> None:
    """导入乡镇报表（每个文件要么全部导入，要么全部拒绝）。

    例：djgj import 2014_北关镇_企业台账.xls --as-of 2014-12-31 --township 北关镇
    """
    from djgj.records.ahead import Early

    # A long CSV's reader starts now, while this process loads the importer (`records.ahead`).
    early = Early.start(files[0]) if files else None
    try:
        from djgj.read.headers import parse_map_options
        from djgj.records.parse import Options
        from djgj.records.record import ROUND_RECORDS

        map_ = [_field_id(m) for m in map_ or []]
        options = Options(
            as_of=parse_date(as_of, "--as-of"),
            township=township,
            kind=kind,
            overrides=parse_map_options(map_ or [], mapping),
            sheet=sheet,
            roster=roster,
            skip_bad_rows=skip_bad_rows,
            county=county,
            strict=strict,
        )
        if early is not None:
            early.speculate(options, ROUND_RECORDS)
        results, failed = _import_all(files, options, early, dry_run, skip_bad_rows, rejects, quiet, fmt)
    finally:
        if early is not None:
            early.close()
    if fmt == "json":
        import json

        typer.echo(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    if failed:
        raise typer.Exit(1)


def _import_all(
    files: list[Path],
    options: Any,
    early: Any,
    dry_run: bool,
    skip_bad_rows: bool,
    rejects: Path | None,
    quiet: bool,
    fmt: str,
) -> tuple[list[dict[str, Any]], int]:
    """Import each file in its own transaction, saying what each did: the entries for --format json
    and the count of files refused. ``early``: the first file's early reader (`records.ahead.Early`)."""
    from djgj.cli.app import interrupted, say_interrupted
    from djgj.ledger.privacy import mask_text
    from djgj.ledger.write import import_file
    from djgj.records.ahead import Early
    from djgj.records.plausible import NOTE as FLAGGED  # (rows marked: listed after the summary)
    from djgj.records.record import ROUND_RECORDS

    eng = engine()
    failed = 0
    results: list[dict[str, Any]] = []
    done: list[str] = []
    for i, f in enumerate(files):
        if i and (early := Early.start(f)) is not None:
            early.speculate(options, ROUND_RECORDS)
        try:
            with _progress(f.name) as progress:
                result = import_file(eng, f, options, dry_run=dry_run, progress=progress, early=early)
        except UsageError:
            raise
        except DjgjError as exc:
            failed += 1
            results.append(_refused(f, exc, skip_bad_rows))
            continue
        except BaseException as exc:
            if not interrupted(exc):
                raise
            before = f"；此前已完成的文件保留：{'、'.join(done)}" if done else ""
            say_interrupted(f"已中断，台账未改动：{f.name} 未导入（已整体回滚）{before}")
            raise typer.Exit(130) from None
        finally:
            if early is not None:
                early.close()
        done.append(f.name)
        if fmt == "json":
            results.append(_as_json(result))
        elif not quiet:
            typer.echo(mask_text(_describe(result)))
            if result.batch_id is not None and result.normalised.get(FLAGGED):
                _list_flagged(eng, result.batch_id)
        if result.rejects:
            _write_rejects(result.rejects, rejects or Path(f"{f.stem}.rejects.csv"), quiet or fmt == "json")
    return results, failed


def _refused(f: Path, exc: DjgjError, skip_bad_rows: bool) -> dict[str, Any]:
    """Say why a file was refused (and, for rows refused for their values, how to import the
    others); its entry for --format json."""
    from djgj.cli.app import say_error, say_hint
    from djgj.ledger.privacy import mask_text

    say_error(f"{f.name}：{exc}" if f.name not in str(exc) else exc)
    if isinstance(exc, RowsRefused) and not skip_bad_rows:
        say_hint("改正这些行后重新导入；或加 --skip-bad-rows 只导入其余的行（跳过的行及原因写入拒收报告）")
    return {"file": str(f), "status": "failed", "error": mask_text(str(exc))}


def _list_flagged(eng: Any, batch_id: int, shown: int = 20) -> None:
    """The rows this import kept as written but marked: they contradict themselves."""
    from djgj.figures.checks import flagged

    with eng.connect() as conn:
        rows = flagged(conn, batch_id)
    if not rows:
        return
    typer.echo(
        f"  标记：{len(rows)} 行自相矛盾，已按原样导入，不计入相关指标（djgj check 可查看；--strict 则拒收）"
    )
    for p in rows[:shown]:
        typer.echo(f"    {p.location()} {p.unit}：{p.message}")
    if len(rows) > shown:
        typer.echo(f"    ……另有 {len(rows) - shown} 行")


def _summary_format(value: str) -> str:
    if value.strip().lower() in ("table", "表格"):
        return "table"
    if value.strip().lower() == "json":
        return "json"
    raise typer.BadParameter(f"导入摘要只有 table 和 json 两种格式（收到：{value}）")


def _field_id(option: str) -> str:
    """`--map '会员人数=会员数'`: the field side by its Chinese name, alias or id."""
    header, sep, name = option.rpartition("=")
    if not sep or name.strip().lower() in ("ignore", "忽略"):
        return option
    from djgj.vocab.vocabulary import resolve

    try:
        return f"{header}={resolve('fields', name)}"
    except UsageError:
        return option  # the importer names the unknown field and lists the valid ones


def _as_json(r: Any) -> dict[str, Any]:
    """One import's result for scripts: counts, townships, warnings; no rejected rows' raw cells."""
    import dataclasses

    d = dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(vars(r))
    d.pop("rejects", None)
    d["rejected_rows"] = len(r.rejects or [])
    return d


def _write_rejects(rows: list[dict[str, Any]], path: Path, quiet: bool = False) -> None:
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
    if not quiet:
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
    lines = [f"{name}{head}：{r.format}，{r.rows:,} 行"]
    if r.as_of:
        lines[0] += f"，截至 {r.as_of.isoformat()}"
    if r.townships:
        lines[0] += f"，乡镇：{_few(r.townships, '个乡镇')}"
    if r.snapshots_created + r.snapshots_updated + r.snapshots_unchanged:
        lines.append(
            f"  单位：新建 {r.units_created:,}，更新 {r.units_updated:,}；快照：新增 {r.snapshots_created:,}，"
            f"更新 {r.snapshots_updated:,}，未变 {r.snapshots_unchanged:,}"
        )
    if r.people or r.memberships:
        lines.append(f"  花名册：人员 {r.people:,}，会籍 {r.memberships:,}")
    if r.normalised:
        lines.append("  规范化：" + "；".join(f"{k} {v:,} 处" for k, v in sorted(r.normalised.items())))
    if r.status == "dry_run":
        from djgj.read.headers import field_label

        for sheet, cols in r.columns.items():
            lines.append(f"  列映射（{sheet}）：")
            for c in cols:
                fld = f"{field_label(c['field'])}（{c['field']}）" if c["field"] else "未识别"
                why = f"  依据：{c['words']}" if c.get("words") else ""
                lines.append(f"    {c['column']}“{c['header']}” → {fld}{why}")
    lines += [f"  提示：{w}" for w in r.warnings[:MAX_WARNINGS]]
    if len(r.warnings) > MAX_WARNINGS:
        lines.append(f"  另有 {len(r.warnings) - MAX_WARNINGS} 条提示未列出（--format json 给出全部）")
    lines += _changes(r)
    return "\n".join(lines)


#: Changed values and kept blanks listed under an import's summary (all are counted).
CHANGES_SHOWN = 20


def _changes(r: Any) -> list[str]:
    """Known values this file changed (old → new, both files) and blanks that left a value as it was."""
    from djgj.vocab.fields import LABELS

    def value(v: Any) -> str:
        return "空白" if v is None else ("是" if v is True else "否" if v is False else str(v))

    lines = []
    if r.conflicts_listed:
        lines.append(f"  改动已有值（共 {r.conflicts} 处，旧 → 新）：")
        for c in r.conflicts_listed[:CHANGES_SHOWN]:
            lines.append(
                f"    {c['unit']} {LABELS.get(c['field'], c['field'])}：{value(c['old'])}（{c['old_file']}）"
                f" → {value(c['new'])}（{c['new_file']} 第{c['row']}行）"
            )
    if r.blanks_listed:
        lines.append(f"  空白未覆盖已有值（共 {r.blanks_kept} 处）：")
        for c in r.blanks_listed[:CHANGES_SHOWN]:
            lines.append(
                f"    {c['unit']} {LABELS.get(c['field'], c['field'])}：保留 {value(c['old'])}"
                f"（{c['old_file']}），本文件第{c['row']}行为空白"
            )
    more = max(r.conflicts, r.blanks_kept) > CHANGES_SHOWN
    if more:
        lines.append(f"  （只列出前 {CHANGES_SHOWN} 处；全部原值保留在单位的历史中）")
    return lines


MAX_WARNINGS = 8


def _few(names: list[str], unit: str, shown: int = 5) -> str:
    """A list that stays one short line at any size: all of a few, else "400 个乡镇：甲、乙、丙…"."""
    if len(names) <= shown:
        return "、".join(names)
    return f"{len(names):,} {unit}：{'、'.join(names[:shown])}等"
