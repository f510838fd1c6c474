"""The rules registry: one function per rule id, giving the SQL condition under which a unit breaks
the rule, the kinds of unit it applies to, and the message a gap carries.

A rule is this function plus one ``[[rules]]`` entry of a profile (TOML in ``data/profiles``): the
entry gives its severity, title, source and parameters; the function gives its meaning. A profile
naming an id that is not registered here is refused with a Chinese message (`validate`).
A value the ledger does not know (NULL) never breaks a rule: every condition is written so that
NULL compares false.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_

from djgj.errors import UsageError
from djgj.ledger.models import Snapshot
from djgj.vocab.fields import ENTERPRISE_KINDS, OWN_PARTY_ORGS, VILLAGE_KINDS


@dataclass(frozen=True)
class Params:
    """What a rule's function may read: the profile's thresholds and the rule entry's own parameters."""

    union_threshold: int = 25
    party_threshold: int = 3
    params: dict[str, Any] = field(default_factory=dict)

    def int(self, name: str, default: int) -> int:
        return int(self.params.get(name, default))


Condition = tuple[ColumnElement[bool], str]


@dataclass(frozen=True)
class Entry:
    id: str
    kinds: tuple[str, ...]
    build: Callable[[Params], Condition]


REGISTRY: dict[str, Entry] = {}


def rule(rule_id: str, kinds: tuple[str, ...] = ENTERPRISE_KINDS) -> Callable[..., Any]:
    """Register the function that gives rule ``rule_id`` its condition and message."""

    def register(fn: Callable[[Params], Condition]) -> Callable[[Params], Condition]:
        REGISTRY[rule_id] = Entry(rule_id, kinds, fn)
        return fn

    return register


def ids() -> tuple[str, ...]:
    return tuple(REGISTRY)


def condition(rule_id: str, p: Params) -> tuple[ColumnElement[bool], tuple[str, ...], str]:
    """The SQL condition under which a unit breaks the rule, the kinds it applies to, and its message."""
    entry = REGISTRY.get(rule_id)
    if entry is None:
        raise UsageError(f"未知规则“{rule_id}”；可用：{'、'.join(REGISTRY)}")
    cond, message = entry.build(p)
    return cond, entry.kinds, message


def validate(rule_ids: list[str], where: str) -> None:
    """Refuse a profile that names a rule this version of djgj does not know."""
    unknown = [r for r in rule_ids if r not in REGISTRY]
    if unknown:
        raise UsageError(
            f"规则配置 {where}：未知规则 {'、'.join(unknown)}（本版本 djgj 没有这些规则的判断方法）；"
            f"可用：{'、'.join(REGISTRY)}"
        )


S = Snapshot
_OWN_PARTY = S.party_org.in_(OWN_PARTY_ORGS)
_NO_INSTRUCTOR = or_(S.has_instructor.is_(None), S.has_instructor == false())


@rule("party_org_required")
def party_org_required(p: Params) -> Condition:
    n = p.party_threshold
    cond = and_(S.party_members >= n, S.party_org.is_not(None), not_(_OWN_PARTY))
    return cond, f"正式党员≥{n}人，未单独建立党组织"


@rule("party_coverage")
def party_coverage(p: Params) -> Condition:
    n = p.party_threshold
    cond = and_(
        S.party_members < n,
        S.party_org.is_not(None),
        not_(_OWN_PARTY),
        S.party_org != "joint_branch",
        _NO_INSTRUCTOR,
    )
    # (an instructor the ledger does not know counts as none here, as the county's own lists count
    # it: the message says what the ledger holds, not that the unit has none)
    return cond, f"正式党员不足{n}人，未参加联合党支部，台账中也没有其党建指导员"


@rule("party_org_form")
def party_org_form(p: Params) -> Condition:
    g, c = p.int("general_branch_from", 50), p.int("committee_from", 100)
    cond = or_(
        and_(S.party_members >= c, S.party_org.in_(("branch", "general_branch"))),
        and_(S.party_members >= g, S.party_members < c, S.party_org == "branch"),
    )
    return cond, f"党员≥{g}人宜设党总支、≥{c}人宜设党委，现为党支部或党总支"


@rule("union_required")
def union_required(p: Params) -> Condition:
    n = p.union_threshold
    cond = and_(S.employees >= n, S.union_form.is_not(None), S.union_form != "committee")
    return cond, f"从业人员≥{n}人，未建立基层工会委员会"


@rule("union_coverage")
def union_coverage(p: Params) -> Condition:
    n = p.union_threshold
    return and_(S.employees < n, S.union_form == "none"), f"从业人员不足{n}人，未被联合工会或工会组织员覆盖"


@rule("village_union", kinds=VILLAGE_KINDS)
def village_union(p: Params) -> Condition:
    return S.union_form == "none", "未建立村（社区）工会组织"


@rule("chair_cross")
def chair_cross(p: Params) -> Condition:
    cond = and_(_OWN_PARTY, S.union_form == "committee", S.chair_is_secretary == false())
    return cond, "已建党组织和工会，工会主席未由党组织书记兼任"


@rule("focus_party_members")
def focus_party_members(p: Params) -> Condition:
    m = p.int("min_employees", 30)
    return and_(S.employees >= m, S.party_members == 0), f"从业人员≥{m}人，没有党员"


@rule("focus_party_org")
def focus_party_org(p: Params) -> Condition:
    m = p.int("min_employees", 80)
    cond = and_(S.employees >= m, S.party_org.is_not(None), not_(_OWN_PARTY))
    return cond, f"从业人员≥{m}人，没有党组织"


@rule("focus_instructor", kinds=("non_public",))
def focus_instructor(p: Params) -> Condition:
    return and_(S.has_instructor == false(), not_(_OWN_PARTY)), "非公有制企业未选派党建指导员"
