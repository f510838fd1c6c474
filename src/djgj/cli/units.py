"""`djgj units`, `unit`, `set`, `info` and `fields`: one unit found, seen and corrected; the ledger in view."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from djgj.cli.app import app, engine, ledger_name, state
from djgj.cli.options import Fmt, Kind, Output, Town, emit, parse_date, render_rows_to, vocab_parser

UnitKey = Annotated[
    str, typer.Argument(help="单位名称（全称）或统一社会信用代码", metavar="单位", show_default=False)
]

UNIT_COLUMNS = [
    ("name", "单位名称"),
    ("credit_code", "统一社会信用代码"),
    ("township", "乡镇"),
    ("kind", "单位类别"),
    ("as_of", "最新数据截至"),
    ("employees", "从业人员"),
    ("party_org", "党组织"),
    ("union_form", "工会"),
]


@app.command()
def units(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="名称或信用代码的任意部分（可写多个，都要包含）", metavar="关键词"),
    ] = None,
    township: Town = None,
    kind: Kind = None,
    limit: Annotated[int, typer.Option("--limit", help="最多显示多少个")] = 200,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """查找单位：按名称或统一社会信用代码的任意部分，可限定乡镇和类别。

    例：djgj units 食品 --township 城关镇 --kind 非公有制企业
    """
    from djgj.figures.units import search

    with engine(write=False).connect() as conn:
        found = search(conn, words or [], township=township, kind=kind, limit=limit)
    title = f"找到 {len(found)} 个单位" + (f"（只显示前 {limit} 个）" if len(found) == limit else "")
    render_rows_to(found, fmt, output, columns=UNIT_COLUMNS, title=title)


def _value_text(field: str, value: Any) -> Any:
    from djgj.vocab.vocabulary import name

    category = {"party_org": "party_org_forms", "union_form": "union_forms", "standardization": "grades"}
    return name(category[field], value) if field in category else value


def _source_text(field: str, source: dict[str, Any]) -> str:
    fix = source.get("correction")
    if fix:
        return f"更正：{fix['user']} {fix['at']:%Y-%m-%d %H:%M}，原因：{fix['reason']}（原值 {_value_text(field, fix['old']) if fix['old'] is not None else '未填'}）"
    parts = [source.get("file") or "（来源未记录）"]
    if source.get("sheet"):
        parts.append(f"工作表“{source['sheet']}”")
    if source.get("row"):
        parts.append(f"第{source['row']}行")
    if source.get("copied_from"):
        parts.append(f"（沿用 {source['copied_from']} 的快照）")
    return " ".join(parts)


@app.command()
def unit(
    key: UnitKey,
    township: Town = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """查看一个单位：基本信息、每个日期的快照，以及每个数值来自哪个文件、工作表、哪一行（或哪次更正）。

    例：djgj unit 万兴食品有限公司
    """
    import json

    from djgj.figures.units import show
    from djgj.vocab.vocabulary import name

    with engine(write=False).connect() as conn:
        doc = show(conn, key, township)
    if fmt == "json":
        emit(json.dumps(_json(doc), ensure_ascii=False, indent=2, default=str), output, fmt)
        return
    u = doc["unit"]
    rows = [
        {
            "as_of": s["as_of"],
            "field": f,
            "value": _value_text(f, v["value"]),
            "source": _source_text(f, v["source"]),
        }
        for s in doc["snapshots"]
        for f, v in s["values"].items()
    ]
    title = "，".join(
        p
        for p in (
            u["name"],
            u["credit_code"],
            u["township"],
            name("kinds", u["kind"]),
            f"快照 {len(doc['snapshots'])} 个",
        )
        if p
    )
    columns = [("as_of", "截至日期"), ("field", "项目"), ("value", "数值"), ("source", "来源")]
    render_rows_to(rows, fmt, output, columns=columns, title=title)


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    """The unit as JSON: ids kept, the Chinese name beside each field and kind as ``label``."""
    from djgj.vocab.vocabulary import name

    doc["unit"]["kind_label"] = name("kinds", doc["unit"]["kind"])
    for s in doc["snapshots"]:
        for f, v in s["values"].items():
            v["label"] = name("fields", f)
    return doc


def _settable() -> tuple[str, ...]:
    """The fields `djgj set` corrects: a snapshot's values (a unit's name, code, township and kind
    come from its files; a roster's columns are people's)."""
    from djgj.vocab.fields import SNAPSHOT_FIELDS

    return tuple(SNAPSHOT_FIELDS)


@app.command("set")
def set_(
    key: UnitKey,
    field: Annotated[
        str,
        typer.Argument(
            help="字段：中文名或代码，如 从业人员、会员、工会、党组织（djgj fields 列出全部）",
            parser=vocab_parser("fields", allowed=_settable),
            metavar="字段",
            show_default=False,
        ),
    ],
    value: Annotated[
        str, typer.Argument(help="新值，写法同报表：25、√、联合工会、2014.3；未填 表示清除", metavar="值")
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="改哪个日期的数据，如 2014-12-31")],
    reason: Annotated[str, typer.Option("--reason", help="更正的原因（必填，记入台账）")],
    township: Town = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示 原值 → 新值，不写入")] = False,
) -> None:
    """更正一个单位的一个数值，记下谁、何时、为什么；在 djgj unit 的历史中可见。

    例：djgj set 万兴食品有限公司 从业人员 120 --as-of 2014-12-31 --reason 乡镇来电更正
    """
    from djgj.ledger.corrections import set_value
    from djgj.vocab.vocabulary import name

    day = parse_date(as_of, "--as-of")
    assert day is not None
    eng = engine(write=not dry_run)
    with eng.begin() as conn:
        r = set_value(conn, key, field, value, as_of=day, reason=reason, township=township, dry_run=dry_run)

    def show(v: Any) -> str:
        v = _value_text(field, v)
        return "未填" if v is None else ("是" if v else "否") if isinstance(v, bool) else str(v)

    head = "（试运行，未写入）" if dry_run else "已更正"
    new_snapshot = f"；新建 {day} 的快照（其余数值沿用 {r.based_on}）" if r.created and r.based_on else ""
    typer.echo(f"{head}：{r.unit} {day} {name('fields', field)}：{show(r.old)} → {show(r.new)}{new_snapshot}")


@app.command()
def info(fmt: Fmt = "table", output: Output = None) -> None:
    """显示正在使用哪个台账：来自哪里（--db、DJGJ_DB 或默认位置）、大小、乡镇、年度、最近一次导入。

    例：djgj info
    """
    from djgj.errors import LedgerError
    from djgj.figures.units import summary
    from djgj.ledger.db import resolve_url, sqlite_path

    origin = "--db 选项" if state.db else ("环境变量 DJGJ_DB" if os.environ.get("DJGJ_DB") else "默认位置")
    path = sqlite_path(resolve_url(state.db))
    doc: dict[str, Any] = {"ledger": ledger_name(), "origin": origin, "exists": True}
    if path is not None:
        doc["exists"] = path.exists()
        doc["size_bytes"] = sum(
            p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
    try:
        with engine(write=False).connect() as conn:
            doc |= summary(conn)
    except LedgerError as exc:
        doc["problem"] = exc.message
    if fmt == "json":
        import json

        emit(json.dumps(doc, ensure_ascii=False, indent=2, default=str), output, fmt)
        return
    render_rows_to(_info_rows(doc), fmt, output, columns=[("item", "项目"), ("text", "内容")], title="台账")


def _info_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    def size(n: int) -> str:
        return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"

    towns = doc.get("townships") or []
    shown = "、".join(towns[:8]) + (f" 等 {len(towns)} 个" if len(towns) > 8 else f"（{len(towns)} 个）")
    last = doc.get("last_import")
    items = [
        ("台账", doc["ledger"]),
        ("来自", doc["origin"]),
        ("大小", size(doc["size_bytes"]) if doc.get("size_bytes") is not None and doc["exists"] else None),
        ("状态", doc.get("problem")),
        ("单位", f"{doc['units']:,} 个" if "units" in doc else None),
        ("快照", f"{doc['snapshots']:,} 个" if "snapshots" in doc else None),
        ("乡镇", shown if towns else None),
        ("年度", "、".join(str(y) for y in doc.get("years") or []) or None),
        ("导入", f"{doc['imports']:,} 次" if "imports" in doc else None),
        ("更正", f"{doc['corrections']:,} 处" if doc.get("corrections") else None),
        (
            "最近导入",
            f"{last['file_name']}（{last['imported_at']:%Y-%m-%d %H:%M}，截至 {last['as_of'] or '—'}）"
            if last
            else None,
        ),
    ]
    return [{"item": k, "text": v} for k, v in items if v is not None]


@app.command()
def fields(fmt: Fmt = "table", output: Output = None) -> None:
    """列出所有字段：中文名、代码和示例值（--map、djgj set 都可以写中文名）。

    例：djgj fields --format xlsx -o 字段.xlsx
    """
    from djgj.vocab.vocabulary import aliases, example, field_names

    rows = [
        {"label": label, "id": key, "aliases": "、".join(aliases("fields", key)), "examples": example(key)}
        for key, label in field_names().items()
    ]
    columns = [("label", "字段"), ("id", "代码"), ("aliases", "也可写"), ("examples", "示例")]
    render_rows_to(
        rows, fmt, output, columns=columns if fmt != "json" else None, title=f"字段 {len(rows)} 个"
    )
