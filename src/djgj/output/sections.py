"""Find the tables of a report's plain data, however the report is sectioned.

A report holds, at its top or inside sections (a dict or list of dicts), ``by_township`` /
``by_county`` / ``by_city`` / ``by_kind`` tables (name -> metric dict) next to the ``totals`` they
add up to. The HTML, Word and official-form renderers walk the report with :func:`area_tables`
instead of knowing its layout, so a report split into sections (enterprises, villages) renders
without change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from djgj.vocab.fields import KINDS

LEVELS = {"by_city": "市", "by_county": "县", "by_township": "乡镇", "by_kind": "单位类别"}
_TITLE_KEYS = ("title", "label", "heading", "name")


@dataclass
class AreaTable:
    section: str  # the section's title ("" for the report's top level)
    level: str  # by_township, by_kind, ...
    rows: dict[str, dict[str, Any]]  # area name -> metric dict
    totals: dict[str, Any] | None  # the section's totals (the 合计 row), when the report has them

    @property
    def first_header(self) -> str:
        return LEVELS.get(self.level, "")

    @property
    def title(self) -> str:
        name = f"分{LEVELS.get(self.level, self.level)}情况"
        return f"{self.section} {name}".strip()

    def names(self) -> list[str]:
        """Area names as a reader sees them (kinds in Chinese)."""
        return [KINDS.get(a, a) if self.level == "by_kind" else a for a in self.rows]


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(v, dict) for v in value.values())


def _section_title(node: dict[str, Any], key: str) -> str:
    for k in _TITLE_KEYS:
        if isinstance(node.get(k), str):
            return str(node[k])
    return KINDS.get(key, key)


def area_tables(report: dict[str, Any]) -> list[AreaTable]:
    """Every area table of the report, in the order the report holds them; a table repeated at another
    level of the report (a one-family report's top level repeats its section) is kept once."""
    out: list[AreaTable] = []
    for table in _walk(report, ""):
        if not any(t.level == table.level and t.rows == table.rows for t in out):
            out.append(table)
    return out


def labels(report: dict[str, Any]) -> dict[str, str]:
    """The report's own Chinese labels of its figures (``labels`` wherever they are), first found wins."""
    out: dict[str, str] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in (node.get("labels") or {}).items():
                if isinstance(v, str):
                    out.setdefault(str(k), v)
            for v in node.values():
                if isinstance(v, dict | list):
                    visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(report)
    return out


def _walk(node: dict[str, Any], section: str) -> Iterator[AreaTable]:
    totals = node.get("totals") if isinstance(node.get("totals"), dict) else None
    for key, value in node.items():
        if key in LEVELS and _is_table(value):
            if key in ("by_city", "by_county") and len(value) < 2:
                continue  # one county's own ledger: the county is the total
            yield AreaTable(section, key, value, totals)
        elif key in ("totals", "previous", "changes", "formulas", "targets", "scope"):
            continue
        elif isinstance(value, dict) and ("totals" in value or any(k in value for k in LEVELS)):
            yield from _walk(value, _section_title(value, key))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and ("totals" in item or any(k in item for k in LEVELS)):
                    yield from _walk(item, _section_title(item, key))


def targets(report: dict[str, Any]) -> dict[str, float]:
    """metric -> target value, from the report's target list(s) wherever they are."""
    out: dict[str, float] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for item in node.get("targets") or []:
                if (
                    isinstance(item, dict)
                    and item.get("metric")
                    and isinstance(item.get("target"), float | int)
                ):
                    out.setdefault(str(item["metric"]), float(item["target"]))
            for k, v in node.items():
                if k != "targets" and isinstance(v, dict | list):
                    visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(report)
    return out
