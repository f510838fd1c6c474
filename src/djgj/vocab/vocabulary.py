"""One table of names: every id djgj keeps (rules, metrics, kinds, fields, forms, problems, severities)
with the Chinese name a cadre reads and types.

Ids stay for scripts and JSON keys; everything a person reads shows :func:`name`, and every option
that takes a rule, metric, kind or field goes through :func:`resolve`, which accepts the Chinese name,
an alias or the id (ids case-insensitively). The names of kinds, forms, grades, fields and metrics
live in :mod:`djgj.vocab.fields`; the rest, the aliases and the examples in ``data/vocabulary.toml``.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from djgj.errors import UsageError
from djgj.vocab import fields as f

#: Categories an option can take, with the word used in messages.
CATEGORY_NAMES = {
    "rules": "规则",
    "metrics": "指标",
    "kinds": "单位类别",
    "fields": "字段",
    "problems": "检查项",
    "severities": "性质",
    "party_org_forms": "党组织形式",
    "union_forms": "工会形式",
    "grades": "规范化等级",
    "depths": "汇总层级",
    "formats": "输出格式",
}

#: Which category the values of a row's column belong to (what render translates in cells).
COLUMN_CATEGORY = {
    "rule": "rules",
    "severity": "severities",
    "kind": "kinds",
    "code": "problems",
    "metric": "metrics",
    "field": "fields",
    "party_org": "party_org_forms",
    "union_form": "union_forms",
    "standardization": "grades",
}


@cache
def _data() -> dict[str, Any]:
    """Read beside the package rather than through `importlib.resources`: every `--help` reads the
    vocabulary, and that module's own imports (tempfile, random) were a twentieth of a help page."""
    text = (Path(__file__).parents[1] / "data" / "vocabulary.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def table() -> dict[str, dict[str, str]]:
    """category → {id: Chinese name}: the one table every output and option reads."""
    d = _data()
    return {
        "rules": dict(d["rules"]),
        "metrics": {k: v[0] for k, v in f.METRICS.items()},
        "kinds": dict(f.KINDS),
        "fields": field_names(),
        "problems": dict(d["problems"]),
        "severities": dict(d["severities"]),
        "party_org_forms": dict(f.PARTY_ORG_FORMS),
        "union_forms": dict(f.UNION_FORMS),
        "grades": dict(f.GRADES),
        "depths": dict(d["depths"]),
        "formats": dict(d["formats"]),
    }


def field_names() -> dict[str, str]:
    """Every field a sheet column can map to (unit identity, snapshot, roster), with its Chinese name."""
    return {
        **f.UNIT_FIELDS,
        **{k: label for k, (_, label) in f.SNAPSHOT_FIELDS.items()},
        **f.ROSTER_FIELDS,
        "seq": f.LABELS["seq"],
    }


def name(category: str, key: Any) -> Any:
    """The Chinese name of ``key`` in ``category``; anything unknown (or not a string) unchanged."""
    if not isinstance(key, str):
        return key
    return table()[category].get(key, key)


def example(field: str) -> str:
    return str(_data().get("examples", {}).get(field, ""))


def aliases(category: str, key: str) -> list[str]:
    return list(_data().get("aliases", {}).get(category, {}).get(key, []))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")


@cache
def _lookup(category: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, label in table()[category].items():
        for spelling in (label, *aliases(category, key)):
            out.setdefault(normalise(spelling), key)
        if category == "metrics" and "（" in label:
            out.setdefault(normalise(label.split("（")[0]), key)
    for key in table()[category]:  # ids last, so a Chinese name is never shadowed
        out[normalise(key)] = key
    return out


def resolve(category: str, text: str, *, allowed: list[str] | tuple[str, ...] | None = None) -> str:
    """The id for a Chinese name, alias or id (case-insensitive); `UsageError` naming the choices."""
    key = _lookup(category).get(normalise(text))
    choices = list(allowed) if allowed is not None else list(table()[category])
    if key is None or key not in choices:
        what = (
            f"未知的{CATEGORY_NAMES[category]}“{text}”"
            if key is None
            else f"{CATEGORY_NAMES[category]}“{text}”在这里不可用"
        )
        raise UsageError(f"{what}；可用：{choices_text(category, choices)}")
    return key


def choices_text(category: str, keys: list[str] | None = None) -> str:
    names = table()[category]
    return "、".join(f"{names.get(k, k)}（{k}）" for k in (keys if keys is not None else names))


def label_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row for JSON: ids kept, and beside every coded value its Chinese name as ``<key>_label``."""
    out = dict(row)
    for key, value in row.items():
        category = COLUMN_CATEGORY.get(key)
        if category and isinstance(value, str) and value in table()[category]:
            out[f"{key}_label"] = table()[category][value]
    return out


def localise_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row for a person: every coded value (rule, kind, form, severity …) as its Chinese name."""
    return {k: name(COLUMN_CATEGORY[k], v) if k in COLUMN_CATEGORY else v for k, v in row.items()}


def localise_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`localise_row` of every row, each category's names looked up once (a province's listing)."""
    present, tables = set().union(*rows), table()  # the coded columns these rows have, looked up once
    names = [(k, tables[c]) for k, c in COLUMN_CATEGORY.items() if k in present]
    out = []
    for row in rows:
        local = dict(row)
        for key, known in names:
            value = local.get(key)
            if isinstance(value, str):
                local[key] = known.get(value, value)
        out.append(local)
    return out
