"""Header texts → ledger fields, by composition: the concepts of ``data/lexicon.toml`` and its grammar.

A header is cut into the lexicon's longest words (every character must be read); their concepts
are joined with the subjects of the column's group header(s) and, for a "其中…" column, the subject
of the column on its left; the grammar's first fitting rule names the field. A header that names
two subjects no rule joins, or has a character no word explains, stays UNKNOWN: never a guess.
Every decision keeps the words that made it (`Reading.words`), shown by ``djgj import --dry-run``.

Columns djgj cannot place are sorted here too (`read_header`): a column that says nothing the
ledger keeps (备注, 联系电话, 注册资本, 新增会员数) is ignored with a notice; a column about a field
the sheet does not otherwise carry refuses the file and names that field in Chinese, so an
unread column never becomes a blank figure.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from djgj.errors import InputError, UsageError
from djgj.read.files import col_letters as column_letter
from djgj.read.values import is_answer, is_yes_no, simplify
from djgj.vocab.fields import LABELS

IGNORE = "ignore"
IGNORE_WORDS = ("ignore", "忽略", "不导入", "跳过")
_UNIT_BRACKETS = re.compile(
    r"[（(〔\[［](?:单位[:：]?)?(?:人|个|名|家|户|元|万元|人数|次|年月日|年-月-日)[)）〕\]］]"
)
#: A bracketed part of a header, after NFKC (full-width brackets become ASCII), innermost first.
_BRACKETED = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")
_DROP = re.compile(r"[\s\u3000:：、,，.。;；*＊\"'“”‘’/\\\-—_()（）\[\]【】〔〕<>《》]")
_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")
#: Subjects that are the organisation a column is about, not what it counts.
ORG_SUBJECTS = frozenset({"union", "party_org"})
ROLE_SUBJECTS = frozenset({"chair", "secretary", "instructor"})
#: Subjects whose columns are ignored with a notice when they cannot be placed.
IGNORABLE_SUBJECTS = frozenset({"remark", "phone", "seq"})
#: Attributes that make a text a sub-header even without a subject (总数, 合计, 其中…, 时间, 名称).
_SUBHEADER_ATTRS = frozenset({"count", "total", "of_which", "date", "name"})


def normalise_header(text: object) -> str:
    """The form in which header texts are compared: 從業人員（人） → 从业人员, 其中：农民工 → 其中农民工."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = simplify(s)
    s = _UNIT_BRACKETS.sub("", s)
    return unicodedata.normalize("NFKC", _DROP.sub("", s).lower())


# ----------------------------------------------------------------------------- the lexicon


@dataclass(frozen=True)
class Rule:
    need: frozenset[str]
    may: frozenset[str]
    attrs_any: frozenset[str]
    attrs_not: frozenset[str]
    field: str
    #: The rule does not fit when the header's OWN words name all of these (党员（预备党员）人数).
    own_not: frozenset[str] = frozenset()
    #: A count of people about a unit needs a count word when the unit is the head noun (the last
    #: subject: Chinese puts the head last): 入会机构 and 会员单位 name units, not a number; in
    #: 村工会会员 the head is 会员, and the column counts them.
    counts: bool = False

    def fits(
        self,
        subjects: frozenset[str],
        attrs: frozenset[str],
        own: frozenset[str] = frozenset(),
        unit_head: bool = True,
        counts_units: bool = False,
    ) -> bool:
        """``counts_units``: the header counts units, not people (会员单位数, 党员企业数: its own
        head noun is the unit and a count word follows it), so no count of people fits."""
        if self.counts and counts_units:
            return False
        if not self.need <= subjects or not subjects - self.need <= self.may:
            return False
        if self.attrs_any and not self.attrs_any & attrs:
            return False
        if self.own_not and self.own_not <= own:
            return False
        if self.counts and unit_head and "unit" in subjects and not attrs & {"count", "total"}:
            return False
        return not self.attrs_not & attrs


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, tuple[str, ...]]  # normalised word -> concepts
    subjects: frozenset[str]
    attributes: frozenset[str]
    fillers: frozenset[str]
    qualifiers: frozenset[str]
    idioms: dict[str, str]
    rules: tuple[Rule, ...]
    likely: dict[str, str]
    longest: int

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(r.field for r in self.rules) | frozenset(self.idioms.values())


def _build(doc: dict) -> Lexicon:
    words: dict[str, tuple[str, ...]] = {}
    subjects = frozenset(doc["subject"])
    attributes = frozenset(doc["attribute"])
    for table in ("subject", "attribute"):
        for concept, forms in doc[table].items():
            for w in forms:
                words.setdefault(normalise_header(w), (concept,))
    for w, concepts in doc.get("compound", {}).items():
        words[normalise_header(w)] = tuple(concepts)
    fillers = frozenset(normalise_header(w) for w in doc["filler"]["words"])
    qualifiers = frozenset(normalise_header(w) for w in doc["qualifier"]["words"])
    for w in fillers:
        words.setdefault(w, ())
    for w in qualifiers:
        words[w] = ("qualifier",)
    rules = tuple(
        Rule(
            frozenset(r.get("need", ())),
            frozenset(r.get("may", ())),
            frozenset(r.get("attrs_any", ())),
            frozenset(r.get("attrs_not", ())),
            r["field"],
            frozenset(r.get("own_not", ())),
            bool(r.get("counts", False)),
        )
        for r in doc["rule"]
    )
    idioms = {normalise_header(k): v for k, v in doc.get("idioms", {}).items()}
    return Lexicon(
        words,
        subjects,
        attributes,
        fillers,
        qualifiers,
        idioms,
        rules,
        dict(doc.get("likely", {})),
        max(map(len, words)),
    )


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    text = resources.files("djgj").joinpath("data/lexicon.toml").read_text(encoding="utf-8")
    return _build(tomllib.loads(text))


@dataclass(frozen=True)
class Words:
    """A header text cut into the lexicon's words: each word with its concepts, and what was not read."""

    parts: tuple[tuple[str, tuple[str, ...]], ...]
    unread: str

    @property
    def concepts(self) -> frozenset[str]:
        return frozenset(c for _, cs in self.parts for c in cs)


@lru_cache(maxsize=8192)
def cut(text: str) -> Words:
    """The lexicon's words covering the text with the fewest unread characters, then the fewest
    words: 建会否 → 建会(union, establish) + 否(whether); 已建立 → 已 + 建立, never 已建 + an unread 立."""
    lex = lexicon()
    s = normalise_header(text)
    n = len(s)
    # best[i] = (unread, words, back-pointer) for the prefix s[:i]
    nothing: str | None = None
    best: list[tuple[int, int, int, str | None]] = [(0, 0, 0, nothing)] + [(n + 1, 0, 0, nothing)] * n
    for i in range(n):
        unread, words, _, _ = best[i]
        step = (unread + 1, words, i, nothing)
        if step[:2] < best[i + 1][:2]:
            best[i + 1] = step
        for j in range(i + 1, min(n, i + lex.longest) + 1):
            w = s[i:j]
            if w in lex.words and (unread, words + 1) < best[j][:2]:
                best[j] = (unread, words + 1, i, w)
    parts: list[tuple[str, tuple[str, ...]]] = []
    unread_chars: list[str] = []
    i = n
    while i > 0:
        _, _, prev, word = best[i]
        if word is None:
            unread_chars.append(s[prev])
        else:
            parts.append((word, lex.words[word]))
        i = prev
    return Words(tuple(reversed(parts)), "".join(reversed(unread_chars)))


# ----------------------------------------------------------------------------- the grammar


@dataclass(frozen=True)
class Reading:
    """What a header means: its field (None = unknown), the words that made it, and — when the
    column cannot be placed — the field it most likely means (None: it names nothing the ledger keeps)."""

    field: str | None
    words: str = ""
    likely: str | None = None
    different: bool = False  # the lexicon knows this is not a ledger field (备注, 新增会员数 …)


_SUBJECT_OF_FIELD = {
    "employees": "employee",
    "female_employees": "female",
    "migrant_workers": "migrant",
    "villagers_away": "away",
    "party_members": "party_member",
    "probationary_members": "probationary",
    "union_members": "member",
}


#: The role a column names (工会主席, 党组织书记): a 兼任 header beside it names the other.
_ROLE_OF_FIELD = {"union_chair": "chair", "party_secretary": "secretary"}
_ROLES = frozenset(_ROLE_OF_FIELD.values())


def read_one(
    label: str, groups: Iterable[str] = (), left: str | None = None, *, year: int | None = None
) -> Reading:
    """The field of one header: its own words, its group header(s) above, and the field on its left.
    ``year`` is the year-end the sheet describes, when known: a header naming a year (2014年从业人员,
    从业人员/2015年) is the field only for that year, another period's value otherwise."""
    label, groups = str(label), tuple(groups)
    years = {int(y) for t in (label, *groups) for y in _PERIOD.findall(t)} if year else set()
    got = (
        _read(label, groups, left)
        if year is None or not years
        else _read_period(label, groups, left, years, year)
    )
    if got.field is not None and got.field == left and is_part_of_left(label):
        # 女职工 | 其中已成立工会: a part of the column on its left is never that column again
        return Reading(None, f"{got.words}；“其中”是左列的一部分，不能与左列相同", different=True)
    return got


def is_part_of_left(label: str) -> bool:
    """Whether a header names a part of the column on its left (其中女职工, #农民工)."""
    return "of_which" in cut(label).concepts


#: A year a header names as its period: 2014年, 2014年度, 2014年底, 2014年末.
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?:度|底|末)?")


def _read_period(
    label: str, groups: tuple[str, ...], left: str | None, years: set[int], year: int
) -> Reading:
    """Side-by-side periods (从业人员 over 2014年 | 2015年): the header without its year names the
    field; the column holds it only when its year is the sheet's own."""
    rest = [_PERIOD.sub("", t) for t in (label, *groups)]
    kept = [t for t in rest if normalise_header(t)]
    if not kept:
        return Reading(None)
    plain = _read(kept[0], tuple(kept[1:]), left)
    if plain.field is None or len(years) != 1:
        return plain
    (named,) = years
    if named == year:
        return Reading(plain.field, f"{plain.words}（{named}年：本期）")
    return Reading(None, f"{plain.words}（{named}年：另一期的数值，本次截至 {year} 年底）", different=True)


@lru_cache(maxsize=8192)
def _read(label: str, groups: tuple[str, ...], left: str | None) -> Reading:
    options = _answer_options(label)
    if options:  # 建会情况（已建/未建/联合）: the answers to choose from, not what the column holds
        inner = _read(_BRACKETED.sub("", unicodedata.normalize("NFKC", label)), groups, left)
        said = f"{inner.words}；括注“{options}”是可选的答案，不改变含义"
        return Reading(inner.field, said, inner.likely, inner.different)
    lex = lexicon()
    own_key = normalise_header(label)
    groups = tuple(g for g in groups if normalise_header(g) and normalise_header(g) != own_key)
    if own_key in lex.idioms and not groups:
        return Reading(lex.idioms[own_key], f"习惯说法“{label}”")
    own = cut(label)
    if not own.parts and not own.unread:
        return Reading(None)
    concepts = set(own.concepts)
    shown = [w for w, _ in own.parts]
    for g in groups:
        gw = cut(g)
        if "qualifier" in gw.concepts:  # 年内新增 over 会员数: new members, not members
            concepts.add("qualifier")
            shown.append(f"（上级表头“{g}”）")
        extra = gw.concepts & lex.subjects
        if concepts & ORG_SUBJECTS:
            extra -= ORG_SUBJECTS
        if concepts & ROLE_SUBJECTS:
            extra -= ROLE_SUBJECTS
        if extra:
            concepts |= extra
            shown.append(f"（上级表头“{g}”：{'、'.join(w for w, cs in gw.parts if set(cs) & extra)}）")
    if "of_which" in concepts and left in _SUBJECT_OF_FIELD:
        concepts.add(_SUBJECT_OF_FIELD[left])
        shown.append(f"（左列：{LABELS.get(left, left)}）")
    elif "concurrent" in concepts and left in _ROLE_OF_FIELD and len(concepts & _ROLES) == 1:
        # 工会主席 | 是否由村党组织书记兼任: whose post is held concurrently is the column on its left
        concepts.add(_ROLE_OF_FIELD[left])
        shown.append(f"（左列：{LABELS.get(left, left)}）")
    words = " + ".join(shown)
    if "qualifier" in concepts or "remark" in concepts:
        return Reading(None, words, different=True)
    subjects = frozenset(concepts & lex.subjects)
    attrs = frozenset(concepts & lex.attributes)
    head = _head_subjects(own)
    unit_head = not head or "unit" in head
    counts_units = _counts_units(label, own, head)
    found = next(
        (r.field for r in lex.rules if r.fits(subjects, attrs, own.concepts, unit_head, counts_units)), None
    )
    if own.unread:
        noted = _without_notes(label, groups, left)
        if noted is not None:
            return noted
        if found == "kind" and not subjects:  # (证件类型: the unread words are whose type it is)
            found = None
        return Reading(None, f"{words}；未能读懂“{own.unread}”", likely=found or _likely(subjects))
    if found is None and not subjects and attrs == {"count", "headcount"}:
        # A bare 人数 under a group naming no subject (基本情况/人数): whose people, it does not say.
        return Reading(None, words, likely=lex.likely.get("headcount"))
    if found is None:
        # Every word read, but no rule joins them (工会主席电话, 党员工会会员数): not a ledger field.
        return Reading(None, words, different=True)
    return Reading(found, words)


#: A unit of measure saying a count is of organisations or households: 会员数（家）, 入会（户）.
_ORG_MEASURE = re.compile(r"[（(](?:单位[:：]?)?(?:家|户)[)）]")


def _counts_units(label: str, own: Words, head: frozenset[str]) -> bool:
    """Whether a header counts units, not people: its head noun is the unit, then a count word
    (会员单位数, 入会企业数: units whose people are members), or it is measured in 家 or 户."""
    if _ORG_MEASURE.search(unicodedata.normalize("NFKC", label)):
        return True
    return "unit" in head and bool({"count", "total"} & set(own.concepts)) and "headcount" not in own.concepts


def _head_subjects(words: Words) -> frozenset[str]:
    """The subjects of the header's head noun: its last word that names a subject."""
    subjects = lexicon().subjects
    for _, concepts in reversed(words.parts):
        named = frozenset(concepts) & subjects
        if named:
            return named
    return frozenset()


#: A bracket saying what a count holds (（含预备）, （不包括退休）, （其中女职工）) changes the quantity:
#: 党员人数（含预备） is not 正式党员, whatever words follow 含.
_COMPOSITION = re.compile(r"\s*(?:不?含|不?包括|包含|内含|其中)")


#: How a bracket lists the answers to choose from: 已建/未建/联合, 是、否, 党委或党支部.
_OPTION_BREAK = re.compile(r"[/／、,，|]|或")


def _answer_options(label: str) -> str | None:
    """The bracket of a header that lists the forms its cells may hold (（已建/未建/联合）,
    （党委/党总支/党支部/联合党支部）): two or more answers the value grammar reads, not all of them yes
    or no (（是/否） says the column is a yes/no question: 入会（是/否） is whether one is a member)."""
    for note in _BRACKETED.findall(unicodedata.normalize("NFKC", label)):
        parts = [p.strip() for p in _OPTION_BREAK.split(note)]
        if len(parts) >= 2 and all(p and is_answer(p) for p in parts) and not all(map(is_yes_no, parts)):
            return note
    return None


def _without_notes(label: str, groups: tuple[str, ...], left: str | None) -> Reading | None:
    """A header whose only unread words are in brackets, read without them: （18位）, （截至年底）,
    （请填全称） say how to fill the column in, not what it holds. Only when the text outside the
    brackets names a field by itself, and no bracket names a subject of its own or says what the
    count holds (（含预备党员）, （含预备）: such a header stays unknown, the field outside the brackets
    its likely one, to be confirmed with --map). A qualifier in a bracket (（不含劳务派遣）) has already
    made the column a different quantity before this is asked."""
    text = unicodedata.normalize("NFKC", label)
    notes = _BRACKETED.findall(text)
    outside = _BRACKETED.sub("", text)
    if not notes or outside == text or not normalise_header(outside):
        return None
    plain = _read(outside, groups, left)
    if any(cut(n).concepts & lexicon().subjects or _COMPOSITION.match(n) for n in notes):
        shown = "、".join(f"“{n}”" for n in notes)
        return Reading(None, f"{plain.words}；括注{shown}改变了所计的内容", likely=plain.field)
    if plain.field is None:
        return None
    shown = "、".join(f"“{n}”" for n in notes if n.strip())
    return Reading(plain.field, f"{plain.words}；括注{shown}是填写说明，不改变含义")


def _likely(subjects: frozenset[str]) -> str | None:
    lex = lexicon()
    named = {lex.likely[s] for s in subjects if s in lex.likely}
    return named.pop() if len(named) == 1 else None


# ----------------------------------------------------------------------------- columns of a sheet


@dataclass
class Column:
    """One column of a located table: where it is, what its header says, and the field it maps to."""

    index: int
    group: str
    label: str
    field: str | None = None
    #: The words that made the decision (or "--map", "沿用此前的对应"), shown by --dry-run.
    why: str = ""
    likely: str | None = None
    different: bool = False

    @property
    def header(self) -> str:
        if self.group and self.label and self.group != self.label:
            return f"{self.group}/{self.label}"
        return self.label or self.group

    @property
    def groups(self) -> list[str]:
        return [g for g in self.group.split("/") if g] if self.group else []


def resolve(
    columns: list[Column], overrides: dict[str, str] | None = None, *, year: int | None = None
) -> None:
    """Fill in ``Column.field`` for each column, left to right (a "其中…" column looks at its left);
    ``year``: the sheet's year-end, when known (see `read_one`)."""
    overrides = overrides or {}
    left: str | None = None
    for col in columns:
        given = _override(col, overrides)
        if given is not None:
            col.field, col.why = given, "--map"
        else:
            label = col.label or col.group
            reading = read_one(label, col.groups if col.label else (), left, year=year)
            col.field, col.why = reading.field, reading.words
            col.likely, col.different = reading.likely, reading.different
        if col.field and col.field != IGNORE and not is_part_of_left(col.label or col.group):
            left = col.field  # (从业人员 | 其中女职工 | 其中农民工: both parts are of 从业人员)


def _override(col: Column, overrides: dict[str, str]) -> str | None:
    group, label = normalise_header(col.group), normalise_header(col.label)
    keys = [
        f"列:{column_letter(col.index)}",
        normalise_header(col.header),
        group + label,
        label if group else None,
        group if not label else None,
    ]
    for key in keys:
        if key and key in overrides:
            return overrides[key]
    return None


def header_signature(headers: Iterable[str]) -> str:
    """The key of a sheet's header for remembered mappings: its normalised texts, in order."""
    text = "|".join(normalise_header(h) for h in headers)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def read_header(
    columns: list[Column],
    overrides: dict[str, str],
    remembered: dict[str, dict[str, str]] | None = None,
    *,
    sheet: str = "",
    year: int | None = None,
    then: Callable[[list[Column]], object] | None = None,
) -> list[str]:
    """Place every column (--map first, then a mapping remembered for this very header, then the
    lexicon, then ``then`` — `read.choices`, which places tick columns); return the notices to show. Refuses (InputError) a column that looks like a field the
    sheet does not carry but cannot be placed: it would otherwise become a blank figure."""
    notices: list[str] = []
    sig = header_signature(c.header for c in columns)
    earlier = (remembered or {}).get(sig)
    if earlier and not overrides:
        resolve(columns, earlier, year=year)
        for c in columns:
            if c.why == "--map":
                c.why = "沿用此前的对应"
        shown = "、".join(f"“{k.removeprefix('列:')}”→{field_label(v)}" for k, v in earlier.items())
        notices.append(f"工作表“{sheet}”沿用此前为相同表头指定的对应：{shown}")
    else:
        resolve(columns, overrides, year=year)
    _dates_of_listed_unions(columns)
    if then is not None:
        then(columns)
    placed = {c.field for c in columns if c.field}
    refused: list[str] = []
    ignored: list[str] = []
    for c in columns:
        if c.field is not None:
            continue
        where = f"{column_letter(c.index)}列“{c.header}”"
        if c.likely and c.likely not in placed and not c.different:
            letter = column_letter(c.index)
            # A one-row header is named by its text; under a group, by its column letter.
            key = letter if c.group else c.header
            refused.append(
                f"第{letter}列“{c.header}”看起来是“{field_label(c.likely)}”，但无法确定；"
                f"请用 --map '{key}={field_label(c.likely)}' 指明（不需要可用 --map '{letter}=忽略'）"
            )
        else:
            ignored.append(where)
    if refused:
        raise InputError(f"工作表“{sheet}”有不能确定含义的列，整个文件未导入", details=refused)
    if ignored:
        notices.append(f"工作表“{sheet}”中以下列不是台账字段，已忽略：{'、'.join(ignored)}")
    return notices


def _dates_of_listed_unions(columns: list[Column]) -> None:
    """In a list whose rows are unions (工会名称 and no unit-name column: a federation's 基层工会名录), a
    date column naming no subject of its own (成立日期, 成立时间) is the union's, as under a 工会 group."""
    placed = {c.field for c in columns}
    if "union_name" not in placed or "name" in placed or "union_established_on" in placed:
        return
    for c in columns:
        if c.field is None and not c.groups and c.label:
            got = _read(c.label, ("工会",), None)
            if got.field == "union_established_on":
                c.field, c.why = got.field, f"{got.words}（各行是工会，无主语的日期是工会的）"
                return


def column_rows(columns: list[Column]) -> list[dict[str, str]]:
    """The columns of a sheet as --dry-run shows them: letter, header, field and the words that made it."""
    return [
        {
            "column": column_letter(c.index),
            "header": c.header,
            "field": c.field or "",
            "words": c.why,
        }
        for c in columns
    ]


# ----------------------------------------------------------------------------- --map


def field_label(fld: str) -> str:
    return "忽略" if fld == IGNORE else LABELS.get(fld, fld)


def known_fields() -> frozenset[str]:
    return lexicon().fields | {IGNORE}


def field_from_text(text: str) -> str | None:
    """A field named by its id (union_members), its Chinese label (会员) or words the lexicon reads
    as exactly one field (会员数, 在册会员数); ignore/忽略 → IGNORE."""
    t = text.strip()
    valid = known_fields()
    if t in valid:
        return t
    if t in IGNORE_WORDS:
        return IGNORE
    key = normalise_header(t)
    for fld, label in LABELS.items():
        if fld in valid and normalise_header(label) == key:
            return fld
    got = read_one(t).field
    return got if got in valid else None


def parse_map_options(options: list[str], mapping_file: Path | None = None) -> dict[str, str]:
    """``--map '从业人员合计=employees'`` / ``'在册会员=会员数'`` / ``'E=忽略'`` and a ``--mapping`` TOML
    file → {normalised header, or "列:E" for a column letter: field}."""
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
            raise UsageError(
                f"--map 的写法是 '表头=字段'，例如 --map '职工合计=从业人员' 或 --map 'E=忽略'（收到：{opt}）"
            )
        header, _, fld = opt.rpartition("=")
        pairs.append((header, fld))
    result: dict[str, str] = {}
    for header, text in pairs:
        named = field_from_text(text)
        if named is None:
            names = "、".join(sorted({field_label(f) for f in known_fields()}))
            raise UsageError(f"未知字段“{text.strip()}”（表头“{header}”）。可用字段：{names}")
        h = header.strip()
        key = f"列:{h.upper()}" if _LETTERS.match(h) else normalise_header(h)
        result[key] = named
    return result


# ----------------------------------------------------------------------------- finding the header row


def org_count_field(col: Column) -> str | None:
    """For a column naming an organisation (党组织名称, 工会名称), the count field that organisation's
    own head count would be read into (正式党员, 会员), else None."""
    if col.field not in (None, IGNORE, "union_name"):
        return None
    concepts = cut(col.label or col.group).concepts
    if "name" not in concepts and col.field != "union_name":
        return None
    if "party_org" in concepts and "union" not in concepts:
        return "party_members"
    if "union" in concepts and "party_org" not in concepts:
        return "union_members"
    return None


def is_remark(col: Column) -> bool:
    """Whether a column is a 备注 / 说明 (its cells may say the unit has ceased: `layout.says_ceased`)."""
    return "remark" in cut(col.label or col.group).concepts


def names_a_field(text: str) -> bool:
    """Whether a header text, alone, reads as a field."""
    return read_one(text).field is not None


def names_a_concept(text: str) -> bool:
    """Whether a text is read whole and names a subject or an attribute (总数, 其中农民工, 工会组织情况)."""
    w = cut(text)
    if not w.parts or w.unread or "qualifier" in w.concepts:
        return False
    lex = lexicon()
    return bool(w.concepts & (lex.subjects - IGNORABLE_SUBJECTS) or w.concepts & _SUBHEADER_ATTRS)


def is_group_header(text: str) -> bool:
    """A header naming a subject but no field: a group over sub-headers (工会组织情况, 从业人员)."""
    w = cut(text)
    subjects = w.concepts & (lexicon().subjects - IGNORABLE_SUBJECTS)
    return not w.unread and bool(subjects) and "qualifier" not in w.concepts and read_one(text).field is None


def score_row(cells: list[object]) -> int:
    """How many cells of a row are headers (a field, or a group over sub-headers): finds the header row."""
    n = 0
    for c in cells:
        if isinstance(c, str) and c.strip() and len(c) <= 40 and (names_a_field(c) or is_group_header(c)):
            n += 1
    return n


@dataclass(frozen=True)
class Catalogue:
    """The lexicon seen as the old catalogue's interface (words known alone, context words, groups)."""

    synonyms: frozenset[str] = field(default_factory=frozenset)

    def lookup(self, header: str) -> str | None:
        return read_one(header).field


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    lex = lexicon()
    return Catalogue(frozenset(w for w in lex.words if read_one(w).field))
