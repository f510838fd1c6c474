"""The `djgj` command line: parse options, call one library function, render, exit.

Heavy modules (SQLAlchemy's ORM, pandas, rich, the importer) are imported inside the commands so
that `djgj --help` stays fast. Every `DjgjError` is printed once, in Chinese, to stderr with exit
code 1 (2 for usage errors); no traceback reaches a user unless DJGJ_DEBUG is set.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .errors import DjgjError, UsageError


class _Group(TyperGroup):
    """Translate every `DjgjError` once, for the installed command and for tests alike."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DjgjError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                from .db import translate

                typer.echo(f"错误：{translate(exc)}", err=True)
                raise typer.Exit(1) from None
            raise


app = typer.Typer(
    cls=_Group,
    name="djgj",
    help="党建带动工建台账：导入乡镇报表、查找应建未建、生成年度报告。\n\n"
    "例：djgj import 2014_城关镇_统计表.xlsx --as-of 2014-12-31 && djgj report --year 2014",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FORMAT_HELP = "输出格式：table、csv、json、xlsx、md"
Fmt = Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（xlsx 必须指定）")]


class State:
    db: str | None = None


state = State()


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="台账数据库：文件路径或 SQLAlchemy URL（默认读 DJGJ_DB，再默认用户数据目录）"
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="显示版本")] = False,
) -> None:
    if version:
        from . import __version__

        typer.echo(f"djgj {__version__}")
        raise typer.Exit()
    state.db = db


def engine(write: bool = True) -> Any:
    from .db import open_engine

    return open_engine(state.db, write=write)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    from .values import ValueProblem, date_value

    try:
        got = date_value(value)
    except ValueProblem as exc:
        raise UsageError(f"{option} {value}：{exc}") from None
    if got is None:
        return None
    day, precision = got
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision != "day":
        raise UsageError(f"{option} 需要具体日期，例如 2014-12-31（收到：{value}）")
    return day


def emit(content: str | bytes, output: Path | None, fmt: str) -> None:
    """Write rendered output to a file or stdout; xlsx needs a file."""
    if output is not None:
        if isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        typer.echo(f"已写入 {output}", err=True)
        return
    if isinstance(content, bytes):
        if sys.stdout.isatty():
            raise UsageError("xlsx 是二进制格式，请用 --output 文件名.xlsx 指定输出文件")
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    typer.echo(content.rstrip("\n"))


# ---------------------------------------------------------------- import


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
    from .fields import KINDS
    from .headers import parse_map_options
    from .importer import Options

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
    from .ledger import import_file

    eng = engine()
    failed = 0
    for f in files:
        try:
            with _progress(f.name) as progress:
                result = import_file(eng, f, options, dry_run=dry_run, progress=progress)
        except UsageError:
            raise
        except DjgjError as exc:
            failed += 1
            typer.echo(f"错误：{f.name}：{exc}" if f.name not in str(exc) else f"错误：{exc}", err=True)
            continue
        typer.echo(_describe(result))
        if result.rejects:
            _write_rejects(result.rejects, rejects or Path(f"{f.stem}.rejects.csv"))
    if failed:
        raise typer.Exit(1)


def _write_rejects(rows: list[dict[str, Any]], path: Path) -> None:
    """The reject report of --skip-bad-rows: every refused row with its reasons and raw cells."""
    from .privacy import mask_text
    from .render import render_rows

    safe = [{k: mask_text(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]
    keys = list(dict.fromkeys(k for r in safe for k in r))
    labels = {"sheet": "工作表", "row": "行", "problems": "问题"}
    content = render_rows(safe, "csv", columns=[(k, labels.get(k, k)) for k in keys])
    path.write_text(str(content), encoding="utf-8-sig")
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
    if r.rows:
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


# ---------------------------------------------------------------- rules, gaps, report, targets

Year = Annotated[
    int | None, typer.Option("--year", "-y", help="年度（取该年12月31日及以前的最新数据；默认今年）")
]
Kind = Annotated[str | None, typer.Option("--kind", help="只看某类单位，如 non_public、village、community")]
Town = Annotated[str | None, typer.Option("--township", help="只看某个乡镇")]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="规则配置：national（默认）、report3、zhenning 或 .toml 文件")
]
Threshold = Annotated[
    int | None, typer.Option("--union-threshold", help="应建工会的从业人员数（覆盖规则配置，如 10 或 25）")
]


def _profile(name: str | None, threshold: int | None) -> Any:
    from .profiles import load

    return load(name, union_threshold=threshold)


def _check_kind(kind: str | None) -> None:
    from .fields import KINDS

    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind} 无效；可用：{'、'.join(KINDS)}")


def _render_rows(
    rows: list[dict[str, Any]], fmt: str, output: Path | None, columns: Any = None, title: str | None = None
) -> None:
    from .render import render_rows

    emit(render_rows(rows, fmt, columns=columns, title=title), output, fmt)


@app.command()
def rules(
    profile: ProfileOpt = None, union_threshold: Threshold = None, fmt: Fmt = "table", output: Output = None
) -> None:
    """显示当前规则配置中的每条规则、阈值和依据。

    例：djgj rules --profile zhenning
    """
    p = _profile(profile, union_threshold)
    rows = [
        {
            "rule": r.id,
            "severity": {"requirement": "应建", "advice": "建议", "focus": "重点"}.get(
                r.severity, r.severity
            ),
            "message": r.title,
            "source": r.source,
        }
        for r in p.rules
    ]
    title = f"规则配置 {p.name}（{p.title}）：应建工会 从业人员≥{p.union_threshold}人；应建党组织 正式党员≥{p.party_threshold}人"
    _render_rows(rows, fmt, output, title=title)


GAP_COLUMNS = [
    ("rule", "规则"),
    ("name", "单位名称"),
    ("township", "乡镇"),
    ("credit_code", "统一社会信用代码"),
    ("employees", "从业人员"),
    ("party_members", "正式党员"),
    ("union_members", "会员"),
    ("message", "说明"),
]


@app.command()
def gaps(
    year: Year = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", help="只看某条规则（可多次使用），见 djgj rules")
    ] = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行")] = None,
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """列出应建未建：每个违反规则的单位一行，从业人员多的在前。

    例：djgj gaps --year 2014 --kind non_public --rule union_required --format xlsx -o 应建未建.xlsx
    """
    from .metrics import gaps as find_gaps

    _check_kind(kind)
    p = _profile(profile, union_threshold)
    known = [r.id for r in p.rules]
    for r in rule or []:
        if r not in known:
            raise UsageError(f"规则配置 {p.name} 中没有规则“{r}”；可用：{'、'.join(known)}")
    y = year or dt.date.today().year
    with engine(write=False).connect() as conn:
        found = find_gaps(conn, y, p, rules=rule, kind=kind, township=township)
    rows = [g.as_dict() for g in found][: limit or None]
    title = f"{y}年底 应建未建（规则配置 {p.name}，应建工会≥{p.union_threshold}人）：共 {len(found)} 条"
    _render_rows(rows, fmt, output, columns=GAP_COLUMNS if fmt in ("table", "md") else None, title=title)


@app.command()
def report(
    year: Year = None,
    kind: Kind = None,
    township: Town = None,
    profile: ProfileOpt = None,
    union_threshold: Threshold = None,
    depth: Annotated[
        str, typer.Option("--depth", help="汇总到哪一级：city（市）、county（县）、township（乡镇，默认）")
    ] = "township",
    fmt: Fmt = "table",
    output: Output = None,
) -> None:
    """年度报告：各项指标、与上年比较、分乡镇和分类别情况、目标差距（每个比率注明口径）。

    例：djgj report --year 2014 --kind non_public --format md -o 2014年度总结.md
    """
    from .render import render_report
    from .report import build

    _check_kind(kind)
    p = _profile(profile, union_threshold)
    y = year or dt.date.today().year
    with engine(write=False).connect() as conn:
        if depth not in ("city", "county", "township"):
            raise UsageError(f"--depth {depth} 无效；可用：city、county、township")
        doc = build(conn, y, p, kind=kind, township=township, depth=depth)
    emit(render_report(doc, fmt), output, fmt)


targets_app = typer.Typer(help="目标任务：按年度和范围（全县或乡镇）设定、查看。", no_args_is_help=True)
app.add_typer(targets_app, name="targets")


@targets_app.command("set")
def targets_set(
    metric: Annotated[
        str, typer.Argument(help="指标：union_rate、member_rate、migrant_member_rate、party_org_rate 等")
    ],
    value: Annotated[float, typer.Argument(help="目标值：0.8 或 80%")],
    year: Annotated[int, typer.Option("--year", "-y", help="年度")],
    township: Town = None,
    source: Annotated[str, typer.Option("--source", help="目标出处，如 市总工会〔2014〕5号")] = "",
) -> None:
    """设定某年度的目标。

    例：djgj targets set union_rate 0.9 --year 2015 --source 市总下达
    """
    from .targets import set_target

    with engine().begin() as conn:
        set_target(conn, year, metric, value, township or "", source)
    typer.echo(f"已设定 {year} 年{township or '全县'} {metric} 目标为 {value:.0%}")


@targets_app.command("list")
def targets_list(
    year: Year = None, profile: ProfileOpt = None, fmt: Fmt = "table", output: Output = None
) -> None:
    """列出已设定的目标和规则配置中的默认目标。

    例：djgj targets list --year 2015
    """
    from .targets import listing

    p = _profile(profile, None)
    with engine(write=False).connect() as conn:
        rows = listing(conn, year, p)
    _render_rows(rows, fmt, output)


# ---------------------------------------------------------------- check, members (personal information)

ShowPii = Annotated[bool, typer.Option("--show-pii", help="显示完整身份证号和电话（每次使用都记入审计日志）")]


def _private(ctx: typer.Context, rows: list[dict[str, Any]], show_pii: bool) -> list[dict[str, Any]]:
    """The one place personal information leaves masked, or, with --show-pii, is audited first.

    No unmasked view without its record: if the audit cannot be written (a read-only ledger), the
    command fails before printing anything.
    """
    from .privacy import audit, mask_row

    if not show_pii:
        return [mask_row(r) for r in rows]
    shown = " ".join(f"{k}={v}" for k, v in ctx.params.items() if v not in (None, False, [], ()))
    with engine().begin() as conn:
        audit(conn, "show_pii", f"{ctx.command_path} {shown}".strip())
    return rows


CHECK_COLUMNS = [
    ("severity", "性质"),
    ("code", "检查项"),
    ("unit", "单位名称"),
    ("township", "乡镇"),
    ("credit_code", "统一社会信用代码"),
    ("as_of", "截至日期"),
    ("person", "姓名"),
    ("id_number", "公民身份号码"),
    ("message", "说明"),
    ("numbers", "数字"),
    ("file", "来源文件"),
    ("sheet", "工作表"),
    ("row", "行"),
]
SEVERITY = {"error": "错误", "warning": "警告"}


@app.command()
def check(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="只查各单位该年12月31日的最新数据（默认查所有快照）")
    ] = None,
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """检查台账本身：数字自相矛盾、花名册与填报会员数不符、身份证号无效、一人在两个花名册上、数据库完整性。

    没有问题时什么也不输出，退出码 0；有问题时逐条列出，退出码 1。

    例：djgj check --year 2014 --format xlsx -o 台账检查.xlsx
    """
    from .checks import run

    with engine(write=False).connect() as conn:
        problems = run(conn, year)
    if not problems and output is None:
        return
    rows = _private(ctx, [p.as_dict() | {"location": p.location()} for p in problems], show_pii)
    errors = sum(p.severity == "error" for p in problems)
    title = f"台账检查（{f'{year}年底' if year else '所有快照'}）：错误 {errors} 个，警告 {len(problems) - errors} 个"
    columns = CHECK_COLUMNS
    if fmt in ("table", "md"):
        rows = [r | {"severity": SEVERITY.get(r["severity"], r["severity"])} for r in rows]
        hidden = {"credit_code", "as_of", "numbers", "file", "sheet", "row"} | (
            set() if show_pii else {"id_number"}
        )
        keep = [c for c in CHECK_COLUMNS if c[0] not in hidden] + [("location", "位置")]
        columns = [c for c in keep if any(r.get(c[0]) not in (None, "", {}) for r in rows)]
    _render_rows(rows, fmt, output, columns=columns, title=title)
    if problems:
        raise typer.Exit(1)


members_app = typer.Typer(
    help="会员花名册中的人员：列出、查看（身份证号和电话默认打码）。", no_args_is_help=True
)
app.add_typer(members_app, name="members")

MEMBER_COLUMNS = [
    ("person_name", "姓名"),
    ("sex", "性别"),
    ("id_number", "公民身份号码"),
    ("id_valid", "身份证号有效"),
    ("birth_date", "出生日期"),
    ("politics", "政治面貌"),
    ("is_migrant", "是否农民工"),
    ("phone", "联系电话"),
    ("unit_name", "所在单位"),
    ("credit_code", "统一社会信用代码"),
    ("township", "乡镇"),
    ("joined_on", "入会时间"),
    ("left_on", "离会时间"),
    ("file", "来源文件"),
    ("sheet", "工作表"),
    ("row", "行"),
]
_MEMBER_TABLE = (
    "person_name",
    "sex",
    "id_number",
    "politics",
    "is_migrant",
    "phone",
    "unit_name",
    "township",
    "joined_on",
)


@members_app.command("list")
def members_list(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="单位名称或统一社会信用代码")] = None,
    township: Town = None,
    migrant: Annotated[
        bool | None, typer.Option("--migrant/--no-migrant", help="只看农民工 / 非农民工")
    ] = None,
    politics: Annotated[
        str | None, typer.Option("--politics", help="政治面貌包含此词，如 党员、群众")
    ] = None,
    joined_year: Annotated[int | None, typer.Option("--joined-year", help="某年入会")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="只显示前 N 行")] = None,
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """列出花名册上的会员（每个会籍一行；同时在两个单位的人出现两次）。

    例：djgj members list --unit 万兴食品有限公司 --politics 党员
    """
    from .members import listing

    with engine(write=False).connect() as conn:
        found = listing(
            conn,
            unit=unit,
            township=township,
            migrant=migrant,
            politics=politics,
            joined_year=joined_year,
            limit=limit,
        )
    rows = _private(ctx, found, show_pii)
    columns = (
        MEMBER_COLUMNS if fmt not in ("table", "md") else [c for c in MEMBER_COLUMNS if c[0] in _MEMBER_TABLE]
    )
    _render_rows(rows, fmt, output, columns=columns, title=f"会员 {len(rows)} 人次")


@members_app.command("show")
def members_show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="身份证号或姓名", show_default=False)],
    fmt: Fmt = "table",
    output: Output = None,
    show_pii: ShowPii = False,
) -> None:
    """查看一名会员和他（她）的全部会籍。

    例：djgj members show 张三
    """
    import json

    from .members import show

    with engine(write=False).connect() as conn:
        person = _private(ctx, [show(conn, key)], show_pii)[0]
    if fmt == "json":
        emit(json.dumps(person, ensure_ascii=False, indent=2, default=str), output, fmt)
        return
    memberships = person.pop("memberships")
    if fmt in ("csv", "xlsx"):
        rows = [person | m for m in memberships] or [person]
        _render_rows(rows, fmt, output, columns=MEMBER_COLUMNS)
        return
    from .fields import LABELS

    def text(k: str) -> str:
        v = person.get(k)
        return "" if v is None else ("是" if v else "否") if isinstance(v, bool) else str(v)

    facts = [f"{LABELS.get(k, label)} {text(k)}" for k, label in MEMBER_COLUMNS[:8] if text(k)]
    cols = [c for c in MEMBER_COLUMNS[8:] if any(m.get(c[0]) is not None for m in memberships)]
    _render_rows(memberships, fmt, output, columns=cols or MEMBER_COLUMNS[8:11], title="，".join(facts))


# ---------------------------------------------------------------- export, backup, restore


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
    from .export import COLUMNS, rows

    _check_kind(kind)
    y = year or dt.date.today().year
    with engine(write=False).connect() as conn:
        data = rows(conn, y, kind=kind, township=township)
    title = f"台账导出（截至{y}年12月31日）"
    _render_rows(data, fmt, output, columns=COLUMNS, title=title)


@app.command()
def backup(
    dest: Annotated[Path | None, typer.Argument(help="备份文件或文件夹（默认在台账旁边，带时间戳）")] = None,
) -> None:
    """备份台账（SQLite 在线备份，导入进行中也能得到一致的副本）。

    例：djgj backup /mnt/u盘/台账备份.db
    """
    from .backup import backup as do_backup

    typer.echo(f"已备份到 {do_backup(state.db, dest)}")


@app.command()
def restore(source: Annotated[Path, typer.Argument(help="djgj backup 生成的备份文件")]) -> None:
    """从备份恢复台账；只接受完整的 djgj 台账文件，被替换的台账会先另存一份。

    例：djgj restore 台账备份.db
    """
    from .backup import restore as do_restore

    kept = do_restore(state.db, source)
    typer.echo(f"已从 {source} 恢复台账" + (f"；原台账另存为 {kept}" if kept else ""))


@app.command()
def merge(
    ledgers: Annotated[
        list[str], typer.Argument(help="县级台账：SQLite 文件或数据库 URL", show_default=False)
    ],
    county: Annotated[
        str | None, typer.Option("--county", help="来源台账所属的县（只合并一个台账时可用；默认取文件名）")
    ] = None,
    city: Annotated[str, typer.Option("--city", help="来源台账所属的市")] = "",
) -> None:
    """把县级台账合并进当前（市级、省级）台账：按信用代码、乡镇+名称去重，保留来源。

    例：djgj --db 某市.db merge 甲县.db 乙县.db --city 某市 && djgj --db 某市.db report --year 2014 --depth county
    """
    from .merge import merge as do_merge

    if county and len(ledgers) > 1:
        raise UsageError("--county 只能在合并一个台账时使用；多个台账按各自的文件名或台账中的县名区分")
    eng = engine()
    for source in ledgers:
        r = do_merge(eng, source, county=county, city=city)
        typer.echo(
            f"{source} → {r.county}：乡镇 {r.townships}，单位 新建 {r.units_created}、已有 {r.units_matched}；"
            f"快照 新增 {r.snapshots_created}、更新 {r.snapshots_updated}、未变 {r.snapshots_unchanged}；"
            f"人员 {r.people}，会籍 {r.memberships}"
        )


def main() -> None:
    """Entry point: run the app (Typer handles usage errors: exit 2) and translate every error once."""
    try:
        app()
    except DjgjError as exc:
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("已中断；正在进行的导入已回滚", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("DJGJ_DEBUG"):
            raise
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            from .db import translate

            typer.echo(f"错误：{translate(exc)}", err=True)
            sys.exit(1)
        typer.echo(
            f"内部错误（{type(exc).__name__}: {exc}）。请设置 DJGJ_DEBUG=1 重试并报告此问题。", err=True
        )
        sys.exit(1)
