"""What keeps an import's memory flat: the compact store of units already seen, the bounded caches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from djgj.read import values as V
from djgj.records.seen import Seen

_KEYS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_PACKED = st.tuples(st.integers(0, 2_000_000), st.integers(0, 2**64 - 1)).map(lambda t: (t[0] << 64) | t[1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KEYS, _PACKED), max_size=60), st.lists(_KEYS, max_size=20))
def test_seen_answers_as_the_dict_it_replaces(items: list[tuple[int, int]], probes: list[int]) -> None:
    seen, plain = Seen(capacity=8), {}  # tiny: the table grows several times
    for n, (key, packed) in enumerate(items):
        assert seen.get(key) == plain.get(key)
        if n % 2:
            assert seen.setdefault(key, packed) == plain.setdefault(key, packed)
        else:
            seen[key] = packed
            plain[key] = packed
            assert seen.get(key) == packed
        assert len(seen) == len(plain)
    for key in [k for k, _ in items] + probes:
        assert seen.get(key) == plain.get(key)
    assert len(set(plain)) == len(plain)


def test_seen_many_units_and_repeats() -> None:
    seen, plain = Seen(), {}
    for i in range(20_000):
        key = hash(("code", f"91{i:016d}"))
        seen[key] = plain[key] = (i << 64) | (i * 7919)
    for i in range(0, 20_000, 7):
        key = hash(("code", f"91{i:016d}"))
        assert seen.get(key) == plain[key]
        assert seen.get(hash(("code", f"92{i:016d}"))) is None


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=_USCC_CHARS + "IOSVZ", min_size=9, max_size=9),
    st.sampled_from(["right", "any"]),
    st.sampled_from(_USCC_CHARS + "IZ"),
)
def test_fast_credit_code_check_agrees_with_stdnum(head: str, rest: str, how: str, last: str) -> None:
    from stdnum.cn import uscc

    body = head + rest
    code = body + (uscc.calc_check_digit(body) if how == "right" and set(rest) <= set(_USCC_CHARS) else last)
    if uscc.is_valid(code):
        assert V.credit_code(code) == code
        assert V.credit_code(code.lower()) == code
    else:
        with pytest.raises(V.ValueProblem):
            V.credit_code(code)


_PARTY_WORDS = [
    "无",
    "党支部",
    "联合党支部",
    "党委",
    "有",
    "未建",
    "  ",
    "不详",
    "很多",
    "ＸＹＺ",
    "黨支部",
    "已建立党总支",
]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_PARTY_WORDS), min_size=1, max_size=30))
def test_cached_column_conversions_equal_fresh_ones(tmp_path_factory, words: list[str]) -> None:
    """Each repeated word is converted once per column and read from the cache after: every row still
    gets exactly what the converter says of its cell, and every refused cell is refused on its own row."""
    from builders import HEADER, ledger_rows, unit_row, write_csv
    from djgj.read import files as sources
    from djgj.records import parse as importer

    rows = [ledger_rows(0)[0], HEADER, *[unit_row(i, 党组织形式=w) for i, w in enumerate(words, start=1)]]
    f = write_csv(tmp_path_factory.mktemp("cache") / "城关镇.csv", rows)
    parsed = importer.parse(sources.read(f), importer.Options(skip_bad_rows=True))
    got = {r.row: r.values["party_org"] for r in parsed.records}
    refused = {r["row"] for r in parsed.rejects}
    for line, word in enumerate(words, start=3):
        try:
            want = None if V.is_unknown(word) else V.party_org(word)
        except V.ValueProblem:
            assert line in refused and line not in got
            continue
        assert got[line] == want and line not in refused
