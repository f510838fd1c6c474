"""The import's cheaper steps answer exactly as the plain ones they replace (issue 13's import row).

Each test holds a step to a reference written out here as the plain rule it shortens. Functional,
not timed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from djgj.read.layout import RowClassifier
from djgj.records.seen import Seen

#: Cells that matter to the classifier: blanks of every kind, totals and footer words, header texts,
#: numbers, long text.
_CELLS = st.sampled_from(
    [None, "", " ", "\u3000", "合计", "小计", "总数", "青山镇小计", "填表人：张三", "说明", "企业名称", "乡镇",
     "甲公司", "城关镇", "12", 12, 0, 3.5, True, "一段很长的说明文字超过十五个字符的单独一格内容",
     "组织名称", " 单位全称\u3000", "名称 ", "\x1f", "甲\x1f", "\x1f名称", "党组织书记", "乙厂",
     "Total", " sum", "合计 Total", "Totalink", "Sunny五金店", "\x1fTotal", "其中：规上企业", "人均", "入会率",
     "填表人：", "单位负责人", "审核人", "联系电话：13800138000", "钟表店"]
)  # fmt: skip
_HEADER = ["乡镇", "企业名称", "从业人员数", "会员数", "是否建立工会"]


class _FullScan(RowClassifier):
    """The classifier as it was: every cell of the row counted before deciding."""

    def __call__(self, row: list[Any]) -> str:
        import re

        hint_chars = re.compile("[总数數總計计\uf969均率比其填審审負负簽签蓋盖表話话期]")
        filled_n = 0
        hint = False
        for j, c in enumerate(row):
            if c is None:
                continue
            if isinstance(c, str):
                if not c or c.isspace():
                    continue
                latin = c.isascii() and c.lstrip()[:1].isalpha()  # (Total, Sum: a bilingual form's label)
                if j < 4 and not hint and (hint_chars.search(c) or latin):
                    hint = True
            filled_n += 1
        if not filled_n:
            return "empty"
        if self.marks and not self.in_footer and self._repeats_header(row):
            return "header"
        if filled_n > 3 and not hint and not self.in_footer:
            return self.data_or_table(row)
        return self._slow(row)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELLS, max_size=8), max_size=12), st.booleans())
def test_row_classifier_stopping_at_four_filled_cells_equals_a_full_scan(rows, with_header) -> None:
    header = [_HEADER] if with_header else None
    fast, plain = RowClassifier(5, header), _FullScan(5, header)
    for row in rows + ([_HEADER] if with_header else []):
        assert fast(row) == plain(row), row
        assert fast.in_footer == plain.in_footer


#: Cells for whole rounds: the same, with text that ends as a name header does across cell edges,
#: blank text, line breaks, and plain data text.
_ROUND_CELLS = st.one_of(
    _CELLS,
    st.sampled_from(
        ["甲有限公司", "城关镇", "91530100MA6K1234X5", "私营企业", "名\n", "名称\n甲", " 名 ", "\n", "\t"]
    ),
    st.text(alphabet="甲乙名称计率 \t\n", max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ROUND_CELLS, min_size=0, max_size=7), max_size=20), st.booleans())
def test_a_round_classified_at_once_equals_its_rows_one_by_one(rows, with_header) -> None:
    header = [_HEADER] if with_header else None
    together, alone = RowClassifier(5, header), RowClassifier(5, header)
    rows = rows + ([_HEADER] if with_header else []) + rows
    half = len(rows) // 2
    for part in (rows[:half], rows[half:]):  # (two rounds: a footer met in the first holds for the second)
        assert together.many(part) == [alone(row) for row in part], part
        assert together.in_footer == alone.in_footer


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 5000), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=200))
def test_seen_sized_for_its_units_answers_as_a_dict_and_never_grows(expected, keys) -> None:
    seen, plain = Seen.for_units(expected), {}
    assert seen.mask < 8  # nothing allocated before a unit comes (a file read by another process)
    slots = seen.wanted
    assert slots >= expected / 0.7
    for n, key in enumerate(keys):
        assert seen.setdefault(key, n) == plain.setdefault(key, n)
    assert len(seen) == len(plain)
    if plain and len(plain) <= expected:
        assert seen.mask + 1 == slots  # sized once: no rehash while the expected units come
    for key in keys:
        assert seen.get(key) == plain.get(key)


def _page_size(path: Any) -> int:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA page_size").fetchone()[0])
    finally:
        con.close()


def test_a_new_ledger_has_larger_pages_and_an_older_one_keeps_its_own(tmp_path, monkeypatch) -> None:
    import sqlite3

    from djgj.ledger import db

    new = tmp_path / "new.db"
    db.open_engine(str(new)).dispose()
    assert _page_size(new) == db.PAGE_SIZE == 16384
    # A ledger written by an earlier djgj (SQLite's 4 KiB pages) is opened and written as it is.
    old = tmp_path / "old.db"
    monkeypatch.setattr(db, "PAGE_SIZE", 4096)
    engine = db.open_engine(str(old))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES ('城关镇')")
    engine.dispose()
    monkeypatch.undo()
    engine = db.open_engine(str(old))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES ('白水镇')")
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    assert _page_size(old) == 4096
    con = sqlite3.connect(old)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sorted(n for (n,) in con.execute("SELECT name FROM townships")) == ["城关镇", "白水镇"]
    con.close()


def _ledger(path: Any, town: str) -> None:
    from djgj.ledger import db

    engine = db.open_engine(str(path))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO townships (name) VALUES (?)", (town,))
    engine.dispose()


def _towns(path: Any) -> list[str]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return sorted(n for (n,) in con.execute("SELECT name FROM townships"))
    finally:
        con.close()


def test_a_backup_restores_into_a_ledger_of_other_pages(tmp_path, monkeypatch) -> None:
    """A backup of an earlier djgj's ledger (4 KiB pages) restores into a new ledger (16 KiB) and
    the other way round; the ledger is then written as usual."""
    from djgj.ledger import backup, db

    monkeypatch.setattr(db, "PAGE_SIZE", 4096)
    _ledger(tmp_path / "old.db", "城关镇")
    monkeypatch.undo()
    _ledger(tmp_path / "new.db", "白水镇")
    db.backup_sqlite(tmp_path / "old.db", tmp_path / "old-backup.db")
    db.backup_sqlite(tmp_path / "new.db", tmp_path / "new-backup.db")
    for ledger, source, town in (
        ("new.db", "old-backup.db", "城关镇"),
        ("old.db", "new-backup.db", "白水镇"),
    ):
        backup.restore(str(tmp_path / ledger), tmp_path / source)
        assert _towns(tmp_path / ledger) == [town]
        _ledger(tmp_path / ledger, "青山镇")
        assert _towns(tmp_path / ledger) == sorted([town, "青山镇"])
        assert _page_size(tmp_path / ledger) == _page_size(tmp_path / source)


_NAMES = st.one_of(
    st.none(),
    st.integers(0, 9),
    st.sampled_from(
        [
            "甲有限公司",
            "乙有限公司（城关）",
            "丙有限公司(城关)",
            "機關",
            "ＡＢＣ公司",
            "★丁公司",
            " 戊公司 ",
            "己公司*",
            "\u3000",
            "abc",
        ]
    ),
    st.text(alphabet="甲機（）()Ａ★* \u3000a", max_size=5),
)
_CODES = st.sampled_from([None, "", " ", "91530100MA6K1234X5", "91530100ma6k1234x5", "暂无", 9.1e17])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAMES, _CODES, st.booleans()), max_size=15))
def test_identity_notes_of_a_round_equal_its_rows_counted_one_by_one(rows) -> None:
    """`note_identities` (the round at once) counts what `note_identity` counts row by row, and
    adds the notes in the order row-by-row counting first meets them."""
    from collections import Counter

    from djgj.records.rows import note_identities, note_identity

    raw_names = [n for n, _, _ in rows]
    raw_codes = [c for _, c, _ in rows]
    codes = [c.strip().upper() if isinstance(c, str) and c.strip() and keep else None for _, c, keep in rows]
    together, alone = Counter(), Counter()
    note_identities(raw_names, raw_codes, codes, together)
    for n, c, code in zip(raw_names, raw_codes, codes, strict=True):
        note_identity(n, c, code, alone)
    assert together == alone
    assert list(together) == list(alone)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ", min_size=18, max_size=18),
            st.integers(0, 10**17 - 1).map(lambda n: "9153" + f"{n:014d}"),
        ),
        max_size=12,
    )
)
def test_credit_codes_checked_together_answer_as_each_alone(codes) -> None:
    from stdnum.cn import uscc

    from djgj.read import values as V

    # (some valid ones: each code's own check character put last)
    codes = codes + [
        c[:17] + uscc.calc_check_digit(c[:17])
        for c in codes
        if c[:8].isdigit()
        and "I" not in c
        and "O" not in c
        and "S" not in c
        and "V" not in c
        and "Z" not in c
    ]
    assert V.uscc_ok_many(codes) == [V._uscc_ok(c) for c in codes]
    valid = [c[:17] + uscc.calc_check_digit(c[:17]) for c in ("915301000000123456", "91530100MA6K1234X5")]
    assert V.uscc_ok_many(valid + codes)[:2] == [True, True]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="张劉王機有无是否已未建对错不详填知立设党工会组", min_size=1, max_size=4),
            st.sampled_from(
                ["未填", "不详", "有", "无", "是", "否", "已建", "未建", "对", "张三", "劉德華", "欧阳娜娜"]
            ),
            st.text(max_size=3),
        ),
        max_size=20,
    )
)
def test_plain_names_of_people_read_at_once_as_each_alone(texts) -> None:
    """A person column's plain names read together (`ColumnPlan.convert_plain`) give what reading
    each alone gives (`ColumnPlan.convert`): value and notes; none that is a yes/no or unknown word."""
    from djgj.read.headers import Column
    from djgj.records.rows import ColumnPlan

    plan = ColumnPlan("instructor", "person", Column(0, "", "党建指导员", "instructor"), False)
    fast = plan.convert_plain(texts)
    assert set(fast) <= set(texts)
    for raw, hit in fast.items():
        assert hit == plan.convert(raw, None, False), raw
        assert dict(hit[0])["has_instructor"] is True
    assert "张三" not in texts or "张三" in fast
    assert not {"未填", "不详", "有", "无", "是", "否", "已建", "未建", "对"} & set(fast)


#: Unit names' hard characters: Traditional and Simplified, spaces of every width and line breaks,
#: invisible format characters, brackets of both widths, compatibility forms NFKC changes (ｆ, ①,
#: ㈱, ﬁ), combining marks that compose once a space between them goes, ASCII.
_NAME_CHARS = (
    "臺灣電機發展有限公司乾坤後面裏里干鬆松甲乙 \u3000\u00a0\t\r\n\x1c\x85\u2028\u200b\ufeff\u00ad"
    "()（）ｆ①㈱ﬁK\u0327e\u0301 a-Z.&"
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=_NAME_CHARS, max_size=12), max_size=15))
def test_names_normalised_as_one_text_equal_each_alone(names) -> None:
    """A column's names normalised joined by line breaks (`normalise_names`) give what each name
    alone gives (`normalise_name`), whatever spaces, marks or line breaks they hold."""
    from djgj.read.values import normalise_name, normalise_names

    assert normalise_names(names) == [normalise_name(n) for n in names]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 300),
    st.lists(
        st.lists(
            st.tuples(
                st.one_of(st.integers(-40, 40), st.integers(-(2**64), 2**64)),
                st.integers(1, 10**6),
                st.integers(0, 2**64 - 1),
            ),
            max_size=60,
        ),
        max_size=6,
    ),
)
def test_seen_answers_a_round_of_keys_as_one_by_one(expected, rounds) -> None:
    """`Seen.setdefault_many` over rounds of keys (repeats within a round and across rounds, a
    table that must grow) answers as `setdefault` of each in turn."""
    many, plain = Seen.for_units(expected), Seen.for_units(expected)
    for batch in rounds:
        hits = many.setdefault_many(
            [k for k, _, _ in batch], [r for _, r, _ in batch], [d for _, _, d in batch]
        )
        want = []
        for pos, (key, row, digest) in enumerate(batch):
            there = plain.get(key) is not None
            got = plain.setdefault(key, (row << 64) | digest)
            if there:
                want.append((pos, got >> 64, got & ((1 << 64) - 1)))
        assert hits == want
        assert len(many) == len(plain)
    for key, _, _ in (kv for batch in rounds for kv in batch):
        assert many.get(key) == plain.get(key)


def _csv_rows_plain(text: str, limit: int) -> list[Any]:
    """The CSV reader's rows as the rule says: every cell measured, blanks as None, each row with
    the line it starts on; a cell over ``limit`` characters ends the reading (its row and column)."""
    import csv
    import io

    out: list[Any] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    for row in reader:
        long = [i for i, c in enumerate(row) if len(c) > limit]
        if long:
            return [*out, ("too long", start, long[0] + 1)]
        out.append(([c or None for c in row], start))
        start = reader.line_num + 1
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab,\n\r"甲 ', max_size=9), min_size=1, max_size=4),
        max_size=8,
    ),
    st.integers(2, 8),
    st.booleans(),
)
@example([["abc"]], 2, False)  # (the last line a cell over the limit, no line break after it)
def test_csv_cells_measured_only_where_a_line_could_hold_a_long_one(rows, limit, last_ended) -> None:
    """`files.csv_rows` measures a row's cells only after a line longer than a cell may be, or for
    a row over several lines: it answers as measuring every cell (rows, lines, the cell refused)."""
    import csv
    import io

    import djgj.read.files as files
    from djgj.errors import FormatError

    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    text = buf.getvalue()
    if not last_ended and text.endswith("\r\n"):  # (a file's last line without its line break)
        text = text[:-2]
    want = _csv_rows_plain(text, limit)
    got: list[Any] = []
    old = files.MAX_CELL_CHARS
    files.MAX_CELL_CHARS = limit
    try:
        for row in files.csv_rows(io.StringIO(text, newline=""), ",", "x"):
            got.append(row)
    except FormatError as exc:
        cut = str(exc).split("第", 1)[1]
        got.append(("too long", int(cut.split("行")[0]), int(cut.split("行第")[1].split("列")[0])))
    finally:
        files.MAX_CELL_CHARS = old
    assert got == want
