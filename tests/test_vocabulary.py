"""The one vocabulary table: every id djgj produces has a Chinese name, and every name leads back to one id."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import djgj
from djgj.errors import UsageError
from djgj.rules.registry import ids as rule_ids
from djgj.vocab.vocabulary import aliases, label_row, localise_row, name, resolve, table


def test_every_rule_and_check_has_a_chinese_name():
    assert set(rule_ids()) <= set(table()["rules"])
    source = (Path(djgj.__file__).parent / "figures" / "checks.py").read_text(encoding="utf-8")
    codes = {
        n.args[0].value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
        and getattr(n.func, "id", "") == "Problem"
        and n.args
        and isinstance(n.args[0], ast.Constant)
    }
    codes |= {"members_above_employees", "union_without_members", "union_after_snapshot"}
    assert codes and codes <= set(table()["problems"])


@pytest.mark.parametrize("category", ["rules", "metrics", "kinds", "fields", "problems", "depths"])
def test_every_name_alias_and_id_resolves_to_its_own_id(category):
    names = table()[category]
    seen: dict[str, str] = {}
    for key, label in names.items():
        assert resolve(category, key) == key
        assert resolve(category, key.upper()) == key
        for spelling in (label, *aliases(category, key)):
            got = resolve(category, spelling)
            seen.setdefault(spelling, got)
            assert got == seen[spelling]
        assert (
            all("\u4e00" <= ch <= "\u9fff" or ch in "（）≥0123456789·/、" for ch in label.replace(" ", ""))
            or category == "formats"
        )


@given(st.text(max_size=8))
def test_anything_else_is_refused_with_the_choices(text):
    try:
        key = resolve("kinds", text)
    except UsageError as exc:
        assert "非公有制企业（non_public）" in str(exc)
    else:
        assert key in table()["kinds"]


def test_rows_for_people_and_for_scripts():
    row = {
        "rule": "union_required",
        "severity": "requirement",
        "union_form": "none",
        "party_org": "joint_branch",
        "employees": 30,
    }
    assert localise_row(row) == {
        "rule": "应建工会",
        "severity": "应建",
        "union_form": "未建",
        "party_org": "联合党支部",
        "employees": 30,
    }
    labelled = label_row(row)
    assert labelled["rule"] == "union_required" and labelled["rule_label"] == "应建工会"
    assert "employees_label" not in labelled
    assert name("kinds", "somewhere_new") == "somewhere_new" and name("kinds", None) is None
