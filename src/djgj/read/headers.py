"""Header names → ledger fields, through the synonym catalogue in ``data/headers.toml``.

Township spreadsheets name their columns differently; djgj recognises the common names and the
group context of two-row headers, and for the rest says exactly which column it did not understand
and how to map it (``--map 'HEADER=field'``). It never guesses from column order.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from djgj.errors import UsageError
from djgj.read.values import simplify

IGNORE = "ignore"
_UNIT_BRACKETS = re.compile(r"[（(](?:单位[:：]?)?(?:人|个|名|家|户|元|万元|人数|次|年月日|年-月-日)[)）]")
_DROP = re.compile(r"[\s\u3000:：、,，.。;；*＊\"'“”‘’/\\\-—_()（）\[\]【】<>《》]")


def normalise_header(text: object) -> str:
    """The form in which header texts are compared: 從業人員（人） → 从业人员, 其中：农民工 → 其中农民工."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = simplify(s)
    s = _UNIT_BRACKETS.sub("", s)
    return unicodedata.normalize("NFKC", _DROP.sub("", s).lower())


@dataclass(frozen=True)
class Catalogue:
    synonyms: dict[str, str]  # normalised header -> field
    context: dict[str, dict[str, str]]  # context field -> normalised sub-header -> field
    groups: dict[str, str]  # normalised group header -> group name
    fields: frozenset[str] = field(default_factory=frozenset)

    def lookup(self, header: str) -> str | None:
        return self.synonyms.get(normalise_header(header))


def _build(doc: dict) -> Catalogue:
    synonyms: dict[str, str] = {}
    for fld, words in doc.get("fields", {}).items():
        for w in words:
            synonyms.setdefault(normalise_header(w), fld)
    context = {
        ctx: {normalise_header(k): v for k, v in table.items()}
        for ctx, table in doc.get("context", {}).items()
    }
    groups = {normalise_header(w): g for g, words in doc.get("groups", {}).items() for w in words}
    return Catalogue(synonyms, context, groups, frozenset(doc.get("fields", {})))


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    text = resources.files("djgj").joinpath("data/headers.toml").read_text(encoding="utf-8")
    return _build(tomllib.loads(text))


def known_fields() -> frozenset[str]:
    return catalogue().fields | {IGNORE}


def parse_map_options(options: list[str], mapping_file: Path | None = None) -> dict[str, str]:
    """``--map '从业人员合计=employees'`` options and a ``--mapping`` TOML file → {normalised header: field}."""
    pairs: list[tuple[str, str]] = []
    if mapping_file is not None:
        from djgj.read.files import check_regular

        check_regular(Path(mapping_file))  # a FIFO or device would hang
        try:
            doc = tomllib.loads(Path(mapping_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"无法读取映射文件 {mapping_file}：{exc}") from None
        table = doc.get("map", doc)
        pairs += [(str(k), str(v)) for k, v in table.items()]
    for opt in options:
        if "=" not in opt:
            raise UsageError(f"--map 的写法是 '表头=字段'，例如 --map '职工合计=employees'（收到：{opt}）")
        header, _, fld = opt.rpartition("=")
        pairs.append((header, fld))
    result: dict[str, str] = {}
    valid = known_fields()
    for header, fld in pairs:
        fld = fld.strip()
        if fld not in valid:
            raise UsageError(f"未知字段“{fld}”（表头“{header}”）。可用字段：{', '.join(sorted(valid))}")
        result[normalise_header(header)] = fld
    return result


@dataclass
class Column:
    """One column of a located table: where it is, what its header says, and the field it maps to."""

    index: int
    group: str
    label: str
    field: str | None = None

    @property
    def header(self) -> str:
        if self.group and self.label and self.group != self.label:
            return f"{self.group}/{self.label}"
        return self.label or self.group


def resolve(columns: list[Column], overrides: dict[str, str] | None = None) -> None:
    """Fill in ``Column.field`` for each column, left to right (a "其中…" column looks at its left)."""
    cat = catalogue()
    overrides = overrides or {}
    left: str | None = None
    for col in columns:
        col.field = _resolve_one(cat, col, left, overrides)
        if col.field and col.field != IGNORE:
            left = col.field


def _resolve_one(cat: Catalogue, col: Column, left: str | None, overrides: dict[str, str]) -> str | None:
    group, label = normalise_header(col.group), normalise_header(col.label)
    for key in (
        normalise_header(col.header),
        group + label,
        label if group else None,
        group if not label else None,
    ):
        if key and key in overrides:
            return overrides[key]
    if not label:
        return cat.synonyms.get(group)
    if group and group != label:
        ctx = cat.synonyms.get(group)
        if ctx and label in cat.context.get(ctx, {}):
            return cat.context[ctx][label]
        if label in cat.synonyms:
            return cat.synonyms[label]
        if group + label in cat.synonyms:
            return cat.synonyms[group + label]
        return None
    if label.startswith("其中") and left and label in cat.context.get(left, {}):
        return cat.context[left][label]
    return cat.synonyms.get(label)


def score_row(cells: list[object]) -> int:
    """How many cells of a row are known headers (or known group headers): finds the header row."""
    cat = catalogue()
    n = 0
    for c in cells:
        if isinstance(c, str) and c.strip():
            key = normalise_header(c)
            if key in cat.synonyms or key in cat.groups:
                n += 1
    return n
