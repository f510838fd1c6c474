"""Profiles: named sets of rules, thresholds and default targets, kept as TOML data.

Thresholds differ by place (25 employees for a union committee nationally, 10 in 镇宁), so they
are data a county can copy and change, each rule citing the law or document it rests on. A profile
may extend another; its rules are added to (or replace, by id) the parent's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djgj.errors import UsageError

DEFAULT = "national"
#: The profiles shipped with djgj, read beside the package as the vocabulary is (`importlib.resources`
#: and its zip readers cost a repeated answer more than reading the file).
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "profiles"


@dataclass
class Rule:
    id: str
    severity: str
    title: str
    source: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Profile:
    name: str
    title: str
    union_threshold: int
    party_threshold: int
    rules: list[Rule]
    targets: dict[str, float]
    targets_source: str
    path: str

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def user_profile_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("djgj", appauthor=False)) / "profiles"


def _find(name: str) -> tuple[str, str]:
    p = Path(name)
    if p.suffix == ".toml" and p.is_file():  # is_file: a FIFO named .toml would hang
        return p.read_text(encoding="utf-8"), str(p)
    user = user_profile_dir() / f"{name}.toml"
    if user.exists():
        return user.read_text(encoding="utf-8"), str(user)
    res = SHIPPED / f"{name}.toml"
    if res.is_file():
        return res.read_text(encoding="utf-8"), f"djgj:{name}"
    raise UsageError(f"找不到规则配置“{name}”；可用：{'、'.join(available())}，或给出 .toml 文件路径")


def fingerprint(name: str | None = None) -> str | None:
    """What a profile's answers depend on, without building it: the text of the profile and of
    every profile it extends (None when one of them cannot be read; loading it will say why)."""
    import hashlib

    h = hashlib.sha256()
    seen: set[str] = set()
    current: str | None = name or DEFAULT
    try:
        while current is not None and current not in seen:
            seen.add(current)
            text, path = _find(current)
            h.update(f"{path}\x1f{text}\x1f".encode())
            parent = tomllib.loads(text).get("extends")
            current = str(parent) if parent else None
    except (UsageError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return h.hexdigest()


def available() -> list[str]:
    names = {p.name[:-5] for p in SHIPPED.iterdir() if p.name.endswith(".toml")}
    if user_profile_dir().is_dir():
        names |= {p.stem for p in user_profile_dir().glob("*.toml")}
    return sorted(names)


def load(name: str | None = None, *, union_threshold: int | None = None, _depth: int = 0) -> Profile:
    text, path = _find(name or DEFAULT)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"规则配置 {path} 格式错误：{exc}") from None
    parent = None
    if doc.get("extends") and _depth < 5:
        parent = load(doc["extends"], _depth=_depth + 1)
    rules = {r.id: r for r in (parent.rules if parent else [])}
    for raw in doc.get("rules", []):
        raw = dict(raw)
        try:
            rule = Rule(
                raw.pop("id"), raw.pop("severity", "requirement"), raw.pop("title"), raw.pop("source"), raw
            )
        except KeyError as exc:
            raise UsageError(f"规则配置 {path}：规则缺少字段 {exc}") from None
        rules[rule.id] = rule
    thresholds = {
        **(
            {"union_employees": parent.union_threshold, "party_members": parent.party_threshold}
            if parent
            else {}
        ),
        **doc.get("thresholds", {}),
    }
    targets_doc = dict(doc.get("targets", {}))
    source = str(targets_doc.pop("source", parent.targets_source if parent else ""))
    targets = {
        **(parent.targets if parent else {}),
        **{k: _number(path, f"[targets] {k}", v, float) for k, v in targets_doc.items()},
    }
    from djgj.rules import registry  # the rules' SQL: imported only when a profile is used

    registry.validate([r.id for r in rules.values()], path)
    profile = Profile(
        name=str(doc.get("name", name)),
        title=str(doc.get("title", name)),
        union_threshold=_number(
            path, "[thresholds] union_employees", thresholds.get("union_employees", 25), int
        ),
        party_threshold=_number(path, "[thresholds] party_members", thresholds.get("party_members", 3), int),
        rules=list(rules.values()),
        targets=targets,
        targets_source=source,
        path=path,
    )
    if union_threshold is not None:
        from djgj.read.values import MAX_HEADCOUNT

        if not 1 <= union_threshold <= MAX_HEADCOUNT:
            raise UsageError(f"--union-threshold 必须是 1 到 {MAX_HEADCOUNT} 之间的正整数，如 25")
        profile.union_threshold = union_threshold
    return profile


def _number(path: str, key: str, value: Any, kind: type[int] | type[float]) -> Any:
    """A threshold (whole number ≥ 1) or a target (0–1) from a profile, or `UsageError` naming it."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and kind is int:
        from djgj.read.values import MAX_HEADCOUNT

        ok = float(value).is_integer() and 1 <= value <= MAX_HEADCOUNT
    elif ok:
        ok = 0 < value <= 1
    if not ok:
        want = "正整数（如 25）" if kind is int else "0 到 1 之间的小数（如 0.8）"
        raise UsageError(f"规则配置 {path}：{key} = {value!r} 无效，应为{want}；请修改该文件")
    return kind(value)
