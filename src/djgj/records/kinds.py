"""A unit's kind from its own evidence first: credit code, then its type column, then the sheet.

The order (issue 9): the unified social credit code's registration authority and type (GB 32100,
table in data/credit_codes.toml), then the unit's own 单位类别/企业类型 cell, then its name (村, 社区),
then the sheet's title (非公…), then --kind. When two of them disagree, the unit's own evidence wins
and the conflict is counted, so the summary can say it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from djgj.read import values as V
from djgj.vocab.fields import KINDS

ENTERPRISE = "enterprise"

#: The kinds a sheet's title or name may give all of its units (非公企业, 社会组织 …). Villages and
#: communities are told by their names; 机关事业单位 names two kinds, so it gives neither.
_TITLE_KINDS = ("non_public", "social_org", "state_owned", "collective")


def kind_in_titles(texts: list[str]) -> str | None:
    """The one kind the titles (and sheet name) name by its label or an alias (vocabulary.toml);
    None when they name none or several (非公企业和社会组织: the units' own evidence decides)."""
    from djgj.vocab import vocabulary

    named = set()
    for text in texts:
        plain = V.simplify(text)
        for kind in _TITLE_KINDS:
            if any(w in plain for w in (KINDS[kind], *vocabulary.aliases("kinds", kind))):
                named.add(kind)
    return named.pop() if len(named) == 1 else None


@lru_cache(maxsize=1)
def _code_table() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, ...]]]:
    doc = V.credit_code_table()
    codes = {k: (v[0], v[1]) for k, v in doc["codes"].items()}
    return codes, {k: tuple(v) for k, v in doc["families"].items()}


def kind_from_code(code: str | None) -> tuple[str, str] | None:
    """(what GB 32100 calls it, ledger kind or family) for a credit code; None when it says nothing."""
    if not code:
        return None
    got = _code_table()[0].get(code[:2])
    return got if got and got[1] else None


def agrees(kind: str, claim: str) -> bool:
    """Whether a specific `kind` agrees with `claim` (a kind, or a family such as enterprise)."""
    return kind == claim or kind in _code_table()[1].get(claim, ())


@dataclass
class KindNotes:
    """Conflicts between a sheet's units' kind evidence, for the summary."""

    conflicts: list[str] = field(default_factory=list)
    count: int = 0
    #: (code type, kind cell, ownership cell, union type cell, kind by name) → (kind, evidence, against).
    cache: dict[Any, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _kind_spellings() -> dict[str, str]:
    """Every spelling of a kind a 类别 cell may hold: key, label and aliases (vocabulary.toml)."""
    from djgj.vocab import vocabulary

    out: dict[str, str] = {}
    for key, label in KINDS.items():
        for spelling in (key, label, *vocabulary.aliases("kinds", key)):
            out.setdefault(spelling, key)
    return out


def kind_cell(text: str | None) -> str | None:
    """The kind a 类别 cell names (非公企业, 社会组织, 行政村, 私营企业), None when it names none."""
    if not text:
        return None
    return _kind_spellings().get(text) or V.kind_from_ownership(text)


def _declared(clean: Callable[[Any], str | None], get: Callable[[str], Any]) -> str | None:
    declared = clean(get("kind"))
    if declared:
        got = _kind_spellings().get(declared) or V.kind_from_ownership(declared)
        if got:
            return got
    return V.kind_from_ownership(clean(get("ownership"))) or V.kind_from_ownership(clean(get("union_type")))


def kind_of(
    name: str,
    code: str | None,
    get: Callable[[str], Any],
    option: str | None,
    title_hint: str | None,
    clean: Callable[[Any], str | None] = V.clean_text,
    notes: KindNotes | None = None,
) -> str | None:
    """The kind of unit `name`; None when nothing says it (the row is then refused)."""
    from_name = V.kind_from_name(name)
    if option in ("village", "community"):
        return from_name or option
    cache = notes.cache if notes is not None else {}
    kind, evidence, against = decide(code, get, option, title_hint, clean, from_name, cache)
    if notes is not None and against:
        note_conflict(name, kind, evidence, against, notes)
    return kind


Decision = tuple[str | None, list[tuple[str, str]], list[tuple[str, str]]]


def decide(
    code: str | None,
    get: Callable[[str], Any],
    option: str | None,
    title_hint: str | None,
    clean: Callable[[Any], str | None],
    from_name: str | None,
    cache: dict[Any, Any],
) -> Decision:
    """(kind, evidence, evidence against it) of a unit that is not a village or community by
    --kind, from its code's first two characters, its type cells and its name's ending (cached)."""
    # (title_hint in the key: the column reader and `parse_row` share the cache, and only
    # `parse_row` knows a title kind other than 非公)
    key = (
        code[:2] if code else None,
        get("kind"),
        get("ownership"),
        get("union_type"),
        from_name,
        title_hint,
    )
    hit: Decision | None = cache.get(key)
    if hit is None:
        evidence = _evidence(code, clean, get, from_name, title_hint, option)
        kind = _choose(evidence) if evidence else None
        hit = (kind, evidence, _against(kind, evidence))
        if len(cache) < 10_000:
            cache[key] = hit
    return hit


def _evidence(
    code: str | None,
    clean: Callable[[Any], str | None],
    get: Callable[[str], Any],
    from_name: str | None,
    title_hint: str | None,
    option: str | None,
) -> list[tuple[str, str]]:
    """What says the unit's kind, the unit's own evidence first."""
    evidence: list[tuple[str, str]] = []
    from_code = kind_from_code(code)
    if from_code:
        evidence.append((f"统一社会信用代码（{from_code[0]}）", from_code[1]))
    declared = _declared(clean, get)
    if declared:
        evidence.append(("类型列", declared))
    if from_name:
        evidence.append(("名称", from_name))
    if title_hint:
        evidence.append(("标题", title_hint))
    if option:
        evidence.append(("--kind", option))
    return evidence


def _choose(evidence: list[tuple[str, str]]) -> str | None:
    """The first specific kind that agrees with every claim before it (a family narrows, never overrides)."""
    first = evidence[0][1]
    for _, claim in evidence:
        if claim in KINDS and agrees(claim, first):
            return claim
    return first if first in KINDS else None


def _against(kind: str | None, evidence: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if kind is None:
        return []
    return [(src, claim) for src, claim in evidence if not agrees(kind, claim) and not agrees(claim, kind)]


def note_conflict(
    name: str,
    kind: str | None,
    evidence: list[tuple[str, str]],
    against: list[tuple[str, str]],
    notes: KindNotes,
) -> None:
    notes.count += 1
    if len(notes.conflicts) < 5 and kind is not None:
        said = "、".join(f"{src}为{KINDS.get(c, '企业')}" for src, c in against)
        notes.conflicts.append(f"“{name}”按{evidence[0][0]}定为{KINDS[kind]}（{said}）")
