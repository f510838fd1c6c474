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
