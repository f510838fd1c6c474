"""Pure converters from spreadsheet cells to ledger values.

Each converter takes the raw cell (str, int, float, bool, date, datetime or None, as the reader
produced it) and returns the ledger value, or raises `ValueProblem` with a Chinese reason. The
importer adds file, sheet, row and column to that reason. Nothing here touches the database.

Written-down conventions (one place, so every import follows the same rules):
- a blank count cell means 0 when the column is present (township sheets write blank for zero);
- a blank yes/no cell means "no" (√ for yes, blank for no);
- a blank organisation-form cell means "none";
- text is NFKC-normalised (full-width digits and letters become ASCII) and converted from
  Traditional to Simplified characters.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any


class ValueProblem(ValueError):
    """A cell value that cannot be taken into the ledger; the message says why, in Chinese."""


Cell = Any
_SPACES = re.compile(r"[\s\u3000\u00a0]+")


UNKNOWN_WORDS = {"未填", "不详", "未知", "待核实"}

#: The years a ledger can hold or a report can ask for: a typo (0, 20014, -1) is refused, never
#: replaced by the current year or passed on to a date that cannot exist.
MIN_YEAR, MAX_YEAR = 1900, 2100


def check_year(year: int, option: str = "--year") -> int:
    """The year itself, or `UsageError` (exit 2) saying which years are allowed."""
    from djgj.errors import UsageError

    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        shown = str(year) if len(str(year)) <= 12 else str(year)[:12] + "…"
        raise UsageError(f"{option} {shown} 不是有效年度；请写 {MIN_YEAR}–{MAX_YEAR} 之间的四位年份，如 2014")
    return year


def check_limit(limit: int, option: str = "--limit") -> int:
    """A row limit must be a positive whole number (0 would silently mean "all")."""
    from djgj.errors import UsageError

    if not 1 <= limit <= MAX_LIMIT:
        shown = str(limit) if len(str(limit)) <= 12 else str(limit)[:12] + "…"
        raise UsageError(f"{option} {shown} 无效；请写 1 到 {MAX_LIMIT} 之间的正整数，如 {option} 20")
    return limit


#: Larger than any ledger's row count, and than any integer SQLite can bind.
MAX_LIMIT = 100_000_000
#: No unit employs more people than this; a larger threshold is a typo (and overflows SQL integers).
MAX_HEADCOUNT = 10_000_000


#: The texts of Excel's error values (a formula that found nothing, divided by 0, lost its reference):
#: in a CSV export, or pasted as text, they arrive as plain text — never a name, a count or a date.
EXCEL_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


def excel_error(cell: Cell) -> str | None:
    """The Excel error value a text cell holds (``#N/A`` …, spaces and letter case aside), else None."""
    if type(cell) is not str or "#" not in cell:
        return None
    text = unicodedata.normalize("NFKC", cell).strip().upper()
    return text if text in EXCEL_ERRORS else None


def is_unknown(cell: Cell) -> bool:
    """A cell saying the value is not known (未填, 不详, 未统计, 暂不清楚): stored as NULL, never as 0
    or "no". Read by its words (`data/unknown.toml`): a negation before a word of finding out.

    djgj's own export writes 未填 where the ledger has no value, so an export imports back unchanged.
    """
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    if text in UNKNOWN_WORDS:
        return True
    if not text or len(text) > 12 or text.isascii():
        return False
    return (
        _unknown_grammar().fullmatch(_UNKNOWN_DROP.sub("", unicodedata.normalize("NFKC", text))) is not None
    )


_UNKNOWN_DROP = re.compile(r"[\s\u3000\u00a0()\[\]【】“”\"'、,，.。;；:：!！?？]")


@lru_cache(maxsize=1)
def _unknown_grammar() -> re.Pattern[str]:
    import tomllib
    from pathlib import Path

    doc = tomllib.loads((Path(__file__).parents[1] / "data" / "unknown.toml").read_text("utf-8"))

    def alt(words: list[str]) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    said = f"(?:{alt(doc['when'])})?(?:{alt(doc['negation'])})(?:{alt(doc['knowing'])})"
    return re.compile(f"(?:{said}|{alt(doc['whole'])})")


def is_blank(cell: Cell) -> bool:
    # str.isspace() is true for exactly the characters `\s` matches (\u3000 and \xa0 included).
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


#: `simplify`'s answers: sheets repeat the same words (and a row asks again for its name); unique
#: names gain nothing from a larger cache, which only grows (it starts afresh past `SIMPLIFIED_MAX`).
_SIMPLIFIED: dict[str, str] = {}
SIMPLIFIED_MAX = 8192


def simplify(text: str) -> str:
    """Traditional → Simplified (OpenCC), after NFKC (cached)."""
    hit = _SIMPLIFIED.get(text)
    if hit is None:
        hit = unicodedata.normalize("NFKC", text)
        if not hit.isascii():
            hit = str(_t2s().convert(hit))
        if len(_SIMPLIFIED) >= SIMPLIFIED_MAX:
            _SIMPLIFIED.clear()
        _SIMPLIFIED[text] = hit
    return hit


def prepare_simplify(texts: list[str]) -> None:
    """Compute `simplify` of many texts at once (`simplify_many`: one OpenCC call), so that the
    converters that ask for them one by one next find them in its cache."""
    texts = [t for t in dict.fromkeys(texts) if t not in _SIMPLIFIED][:SIMPLIFIED_MAX]
    if len(_SIMPLIFIED) + len(texts) > SIMPLIFIED_MAX:
        _SIMPLIFIED.clear()
    _SIMPLIFIED.update(zip(texts, simplify_many(texts), strict=True))


def simplify_many(texts: list[str]) -> list[str]:
    """`simplify` of each text, column-at-a-time: NFKC one by one (cheap), then one OpenCC call for
    every non-ASCII text of the column, joined by line breaks (OpenCC converts each line on its own;
    a text holding a line break, or a split that does not give the texts back, is converted alone)."""
    nfkc = [unicodedata.normalize("NFKC", t) for t in texts]
    wide = [i for i, t in enumerate(nfkc) if not t.isascii()]
    if not wide:
        return nfkc
    parts = [nfkc[i] for i in wide]
    converted: list[str] | None = None
    if not any("\n" in t for t in parts):
        converted = str(_t2s().convert("\n".join(parts))).split("\n")
    if converted is None or len(converted) != len(parts):
        converted = [str(_t2s().convert(t)) for t in parts]
    for i, t in zip(wide, converted, strict=True):
        nfkc[i] = t
    return nfkc


def clean_text(cell: Cell) -> str | None:
    """A text cell as the ledger keeps it: NFKC, Simplified, trimmed; blank → None."""
    if is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return tidy(simplify(str(cell)))


def tidy(text: str) -> str | None:
    """The end of `clean_text`, after `simplify`: trimmed, runs of spaces and tabs made one space."""
    text = text.strip()
    if " " in text or "\t" in text:
        text = _BLANKS.sub(" ", text)
    return text or None


def clean_texts(cells: list[Cell]) -> list[str | None]:
    """`clean_text` of every cell of a column, with `simplify_many` for its text cells."""
    out: list[str | None] = [None] * len(cells)
    texts = [i for i, c in enumerate(cells) if type(c) is str and c and not c.isspace()]
    for i, t in zip(texts, simplify_many([cells[i] for i in texts]), strict=True):
        out[i] = tidy(t)
    for i, c in enumerate(cells):
        if c is not None and type(c) is not str:
            out[i] = clean_text(c)
    return out


_BLANKS = re.compile(r"[ \t]+")


def person_name(cell: Cell) -> str | None:
    """A person's name: Simplified, inner spaces removed (姓　名 → 姓名)."""
    text = clean_text(cell)
    return _without_spaces(text) if text else None


def _without_spaces(text: str) -> str:
    """Remove every space, then compose again: NFKC turns ¸ into a space and a combining mark,
    and "K ̧" must end as "Ķ" the first time, or normalising twice would differ."""
    return unicodedata.normalize("NFKC", _SPACES.sub("", text))


#: The measures a head count may be written with (25人, 25名, 25位, 25个).
_UNITS = "人名个位"
#: A whole number, its thousands (1,234) set apart by commas every three digits and nowhere else.
_DIGITS = "([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
_COUNT = re.compile(rf"^{_DIGITS}(?:\.0+)?\s*[{_UNITS}]?$")
#: Digits set apart by a comma or a space (1,234, 1 234, 1,23, 12 34): grouped by thousands or not.
_SEPARATED = re.compile(r"[0-9]+(?:[,\s\u3000\u00a0]+[0-9]+)+")
_THOUSANDS_GROUPS = re.compile(r"[0-9]{1,3}(?:(?:,|\s)[0-9]{3})+")
#: A range of counts (20-30人, 20～30, 二十至三十人): no one count.
_RANGE = re.compile(
    r"^[0-9零〇一二两三四五六七八九十百千万]+\s*[人名个位]?\s*(?:-|~|～|—|－|至|到)\s*[0-9零〇一二两三四五六七八九十百千万]+\s*[人名个位]?$"
)
#: Measures of another quantity than people: households and firms (120户, 12家), money, times.
_OTHER_MEASURES = {
    "户": "户数",
    "家": "单位（家）数",
    "元": "金额",
    "万元": "金额",
    "次": "次数",
    "人次": "人次",
}
_OTHER_MEASURE = re.compile(r"^[0-9零〇一二两三四五六七八九十百千万.,]+\s*(万元|人次|[户家元次])$")


#: A count followed by a note on what it holds, in brackets: 120（含劳务派遣20）, 86人（其中女职工30）.
#: The count is the number written; the note says what is in it, never a second figure to add.
_NOTED_COUNT = re.compile(rf"^{_DIGITS}\s*[{_UNITS}]?\((?:其中|含|包含|包括|内含|不含|不包括)[^()]*\)$")
#: A count in Chinese numerals (一百二十, 两千三百) or with 万 (1.2万), read by cn2an; nothing else.
_CHINESE_COUNT = re.compile(rf"^([0-9.零〇一二两三四五六七八九十百千万]+)[{_UNITS}]?$")


#: A count cell that says none at all (无, 没有, 暂无): 0, as a blank is.
NONE_COUNT_WORDS = frozenset({"无", "没有", "暂无", "尚无", "均无", "无人", "没", "并无"})
#: A count cell struck through (—, /, －): the form's "not filled / not applicable", never a number:
#: read as unknown (left out of every figure that needs it, and counted), neither 0 nor refused.
DASH_COUNT_SIGNS = frozenset({"-", "—", "–", "－", "/", "／", "\\", "--", "——", "---", "———", "―", "─"})
#: Words that make a number an estimate (约30, 30左右, 50余人): refused, a guess is not a count.
_ROUGH = re.compile(r"^(?:约|大约|大概|近|估计|预计)|(?:左右|余|多|以上|以下|上下|来)[人名个位]?$")


def _grouped(text: str, cell: Cell) -> str:
    """``text`` when the digits it sets apart (by a comma or a space) are thousands (1,234, 1 234);
    refused when they are not (1,23, 12 34: a decimal comma, a slip, two numbers — no one count)."""
    m = _SEPARATED.search(text)
    if m is not None and not _THOUSANDS_GROUPS.fullmatch(m.group(0)):
        raise ValueProblem(f"“{cell}”中数字间的逗号或空格不是每三位一个的千位分隔符，无法确定人数")
    return text


def count_or_unknown(cell: Cell) -> int | None:
    """A head count as `count` reads it, except a struck-through cell (—, /): None, not known."""
    if type(cell) is str and not cell.isdigit() and _SPACES.sub("", cell) in DASH_COUNT_SIGNS:
        return None
    return count(cell)


#: The mark Excel and WPS put before digits to keep them as text ('45, '9133…, '2019.5), written
#: out by systems that export such cells and by hand: a mark on the cell, no part of its value.
TEXT_MARKS = ("'", "‘", "’", "`")


def without_text_mark(text: str) -> str:
    """``text`` without one leading text mark ('45 → 45), when something follows it and it is the
    only one (a quoted 'word' keeps its quotes, and is read or refused as written)."""
    if len(text) > 1 and text[0] in TEXT_MARKS and not any(m in text[1:] for m in TEXT_MARKS):
        return text[1:]
    return text


def is_dash_count(cell: Cell) -> bool:
    """Whether a count cell is struck through (—, /): `count_or_unknown` reads it as unknown."""
    return type(cell) is str and _SPACES.sub("", cell) in DASH_COUNT_SIGNS


def _chinese_count(text: str, cell: Cell) -> int:
    m = _CHINESE_COUNT.match(text)
    if m and not m.group(1).replace(".", "").isdigit():
        import cn2an  # (only here: a quarter of a second to load, and few sheets need it)

        try:
            got = cn2an.cn2an(m.group(1), "smart")
        except (ValueError, KeyError, IndexError):
            got = None
        if isinstance(got, (int, float)) and got >= 0 and float(got).is_integer():
            return int(got)
    if text in NONE_COUNT_WORDS:
        return 0
    if _RANGE.match(text):
        raise ValueProblem(f"“{cell}”是一个范围，不是确切人数（请填确切人数；不知道可写“不详”，记为未知）")
    if (other := _OTHER_MEASURE.match(text)) is not None:
        raise ValueProblem(f"“{cell}”是{_OTHER_MEASURES[other.group(1)]}，不是人数（请填人数）")
    if _ROUGH.search(text) and any(c.isdigit() or c in "零一二两三四五六七八九十百千万" for c in text):
        raise ValueProblem(f"“{cell}”是约数，不是确切人数（请填确切人数；不知道可写“不详”，记为未知）")
    raise ValueProblem(f"“{cell}”不是人数（应为非负整数，如 25 或 25人）")


def count(cell: Cell) -> int:
    """A head count: 25, 25.0, '25', '２５', '25人', '1,234', blank (→ 0). Refuses negatives and words."""
    if type(cell) is str and cell.isdigit() and cell.isascii():
        return int(cell)  # the usual case: plain ASCII digits
    if type(cell) is int and cell >= 0:
        return cell
    if is_blank(cell):
        return 0
    if isinstance(cell, bool):
        raise ValueProblem(f"“{cell}”不是人数")
    if isinstance(cell, int):
        value = cell
    elif isinstance(cell, float):
        if cell != cell or not cell.is_integer():
            raise ValueProblem(f"“{cell:g}”不是整数人数")
        value = int(cell)
    elif isinstance(cell, (dt.date, dt.datetime)):
        raise ValueProblem(f"“{cell}”是日期，不是人数")
    else:
        text = without_text_mark(_SPACES.sub("", _grouped(unicodedata.normalize("NFKC", str(cell)), cell)))
        if text.startswith("-") and _COUNT.match(text[1:]):
            raise ValueProblem(f"人数不能为负数：“{cell}”")
        m = _COUNT.match(text) or _NOTED_COUNT.match(text)
        value = int(m.group(1).replace(",", "")) if m else _chinese_count(text, cell)
    if value < 0:
        raise ValueProblem(f"人数不能为负数：“{cell}”")
    return value


# Yes/no, organisation forms and grades are read by meaning, from morphemes: a negation before a
# presence verb is absence (尚未建立, 没有), a presence verb or 已 is presence (已组建, 设立, 有),
# and form words name the form (联合/区域/行业 → joint, 组织员 → organizer, 工会联合会 → federation).
# Every character of a value must be read; a value with a word none of these explains is refused.
#: (v and x: the tick and the cross typed on a keyboard without them)
_YES_SIGNS = {"√", "✓", "✔", "○", "●", "☑", "y", "yes", "true", "t", "1", "对", "v"}
_NO_SIGNS = {"×", "✗", "✘", "☒", "n", "no", "false", "f", "0", "-", "—", "/", "--", "——", "－", "x"}
#: Spellings townships use (examples the readers are held to in tests, not a list they look up).
YES_EXAMPLES = (
    "是",
    "有",
    "已建",
    "已建立",
    "建立",
    "已",
    "√",
    "✓",
    "✔",
    "y",
    "yes",
    "true",
    "1",
    "对",
    "○",
    "已选派",
    "已兼任",
    "兼任",
    "已组建",
    "已设立",
    "已建会",
    "有工会",
)
NO_EXAMPLES = (
    "否",
    "无",
    "未建",
    "未建立",
    "没有",
    "未",
    "×",
    "✗",
    "✘",
    "n",
    "no",
    "false",
    "0",
    "不是",
    "-",
    "—",
    "/",
    "未选派",
    "尚未建立",
    "尚未组建",
    "没有建立",
)
_MORPHEMES: dict[str, str] = {
    **dict.fromkeys(
        [
            "尚未",
            "暂未",
            "还未",
            "还没有",
            "没有",
            "未",
            "无",
            "没",
            "不",
            "否",
            "尚无",
            "暂无",
            "均无",
            "非",
        ],
        "neg",
    ),
    # Not yet, only intended or under way (待建, 拟组建, 筹建中, 组建中, 正在筹备): none exists yet.
    **dict.fromkeys(["待", "拟", "计划", "准备", "正在", "筹建", "筹备", "筹", "中"], "neg"),
    **dict.fromkeys(["已经", "已"], "perf"),
    **dict.fromkeys(
        [
            "建立",
            "组建",
            "成立",
            "设立",
            "建",
            "设",
            "有",
            "是",
            "选派",
            "派驻",
            "派",
            "配备",
            "兼任",
            "兼",
            "落实",
            "实行",
            "召开",
            "挂牌",
            "建制",
            "具备",
            "建会",
            "单独建会",
            "独立建会",
            "建有",
        ],
        "verb",
    ),
    **dict.fromkeys(
        [
            "工会组织",
            "工会",
            "会",
            "党组织",
            "组织",
            "职代会",
            "职工代表大会",
            "制度",
            "指导员",
            "党建指导员",
            "党建工作指导员",
            "联络员",
            "党建联络员",
        ],
        "obj",
    ),
    **dict.fromkeys(["了", "的", "之", "由", "管理"], "filler"),
    # Whose joint organisation a unit joined (纳入街道联合工会, 加入镇联合党支部): a place, not a form.
    **dict.fromkeys(
        ["街道", "乡镇", "镇", "乡", "县", "镇级", "乡级", "县级", "街道级", "本镇", "本街道"], "place"
    ),
    # Whose union it is (企业工会, 机关工会, 村工会): the unit's own, unless a joint word says otherwise.
    **dict.fromkeys(
        ["企业", "公司", "机关", "事业单位", "村", "村级", "社区", "居委会", "学校", "医院"], "own"
    ),
    **dict.fromkeys(
        ["独立", "单独", "单建", "独建", "基层工会委员会", "工会委员会", "委员会", "基层工会", "基层"],
        "committee",
    ),
    **dict.fromkeys(
        ["联合", "联建", "区域", "区域性", "行业", "片区", "园区", "楼宇", "村企", "联合基层工会"], "joint"
    ),
    # Covered by another's organisation (已加入区域联合工会, 纳入联合工会, 挂靠, 已覆盖): joint.
    **dict.fromkeys(["加入", "纳入", "覆盖", "挂靠", "隶属", "参加", "属于", "属"], "joint"),
    # A tick or a cross beside the words (√已建, ×未建): the words say it, the mark agrees.
    **dict.fromkeys(["√", "✓", "✔"], "verb"),
    **dict.fromkeys(["×", "✗", "✘"], "neg"),
    **dict.fromkeys(["组织员", "工会组织员"], "organizer"),
    **dict.fromkeys(["联合会", "工会联合会"], "federation"),
    # Party organisation forms
    **dict.fromkeys(["党委", "党委会", "基层党委"], "p_committee"),
    **dict.fromkeys(["党总支", "总支", "党总支部"], "p_general"),
    **dict.fromkeys(["党支部", "支部"], "p_branch"),
    **dict.fromkeys(["党小组"], "p_group"),
    # Standardisation grades
    **dict.fromkeys(["初级"], "g_initial"),
    **dict.fromkeys(["基本", "中级"], "g_basic"),
    **dict.fromkeys(["规范化", "规范"], "g_standard"),
    **dict.fromkeys(["达到", "达标", "标准", "级", "等级", "单位", "建设", "评定", "评级"], "g_filler"),
}
_MORPHEME_MAX = max(map(len, _MORPHEMES))
#: Every character some morpheme holds: a text with any other character has no reading.
_MORPHEME_CHARS = frozenset("".join(_MORPHEMES))
_VALUE_DROP = re.compile(r"[\s\u3000\u00a0()（）\[\]【】<>《》“”\"'、,，.。;；:：!！]")


def _value_text(cell: Cell) -> str:
    return _VALUE_DROP.sub("", simplify(str(cell))).lower()


@lru_cache(maxsize=4096)
def morphemes(text: str) -> tuple[str, ...] | None:
    """The roles of a value's morphemes (fewest words covering all of it), or None when some
    character is not read: 尚未建立 → (neg, verb); 区域工会联合会 → (joint, federation)."""
    if not _MORPHEME_CHARS.issuperset(text):  # (a person's name, say: no need to try every split)
        return None
    n = len(text)
    best: list[tuple[int, tuple[str, ...]] | None] = [(0, ())] + [None] * n
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + _MORPHEME_MAX) + 1):
            role = _MORPHEMES.get(text[i:j])
            if role is None:
                continue
            cand = (here[0] + 1, (*here[1], role))
            there = best[j]
            if there is None or cand[0] < there[0]:
                best[j] = cand
    last = best[n]
    return last[1] if last is not None and n else None


def presence(cell: Cell) -> bool | None:
    """Whether a yes/no cell says yes (True) or no (False); None when it says neither.

    Signs (√ ✓ Y 1 / × N 0 - /) and words composed of morphemes: negation before a presence verb
    is absence (未建, 尚未建立, 没有, 不是), a presence verb or 已 is presence (已组建, 设立, 有, 是)."""
    text = _value_text(cell)
    if text in _YES_SIGNS:
        return True
    if text in _NO_SIGNS:
        return False
    roles = morphemes(text)
    if not roles:
        return None
    if "neg" in roles:
        return False
    if {"perf", "verb"} & set(roles) and set(roles) <= {"perf", "verb", "obj", "filler"}:
        return True
    return None


def is_yes_no(text: str) -> bool:
    """Whether a short text is a plain yes or no (是, 否, 有, 无, √, ×), not a state (已建, 未建)."""
    text = _value_text(text)
    return text in _YES_SIGNS or text in _NO_SIGNS or text in _PLAIN_YES_NO


_PLAIN_YES_NO = frozenset({"是", "否", "有", "无", "没有", "不是", "对", "错"})


def is_answer(text: str) -> bool:
    """Whether a short text is an answer a form cell may hold (是, 否, 已建, 未建, 联合, 党委, 联合党支部,
    √): yes/no or words of organisation forms only."""
    if presence(text) is not None:
        return True
    roles = morphemes(_value_text(text)) or ()
    return bool(roles) and not set(roles) & {"place", "filler", "obj"}


def yes_no(cell: Cell) -> bool:
    """Yes/no in every spelling townships use; blank means no."""
    if is_blank(cell):
        return False
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    got = presence(cell)
    if got is None:
        raise ValueProblem(f"“{cell}”不是是/否（可写 是/否、有/无、已建/未建、√、Y/N）")
    return got


#: Chinese characters of the basic block only: a text NFKC leaves as it is, with no space in it.
_HAN = re.compile("[\u4e00-\u9fff]+")


def plain_person_names(texts: list[str]) -> dict[str, str]:
    """`person_name` of each of ``texts`` that plainly names a person, read in one pass: Chinese
    characters only, no unknown word (`is_unknown`), and not a yes/no word (`looks_yes_no`): not a
    sign, and some character of its Simplified form in no yes/no morpheme. Every other text is left
    out (its converter reads it)."""
    out: dict[str, str] = {}
    for text in texts:
        if _HAN.fullmatch(text) is None or is_unknown(text):
            continue
        simple = simplify(text)  # (`_value_text` of it: nothing to drop, nothing to lower)
        if simple in _YES_SIGNS or simple in _NO_SIGNS or _MORPHEME_CHARS.issuperset(simple):
            continue
        out[text] = unicodedata.normalize("NFKC", simple)
    return out


def looks_yes_no(cell: Cell) -> bool:
    """Whether a cell is a yes/no word rather than, say, a person's name."""
    if is_blank(cell) or isinstance(cell, bool):
        return True
    return presence(cell) is not None


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"), "day"),
    # (a time of midnight after it, as a system's export writes a date: 2019-05-08 00:00:00)
    (re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})(?:[ T]?0?0:00(?::00)?)?$"), "day"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "day"),
    # 2019年5月, 2019年5月份, 2019年5月底; 2019.5, 2019.5月
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*(?:月(?:份|底|末)?)?$"), "month"),
    (re.compile(r"^(\d{4})[./\-](\d{1,2})(?:月份?)?$"), "month"),
    # 2019, 2019年, 2019年度, 2019年底
    (re.compile(r"^(\d{4})\s*(?:年(?:度|底|末)?)?$"), "year"),
]


def date_value(cell: Cell, *, date_1904: bool = False) -> tuple[dt.date, str] | None:
    """A date and its precision ('day', 'month', 'year'); blank → None.

    Real date cells, Excel serial numbers, 2014年3月5日, 2014/3/5, 2014-03-05, 2014.3 (a month),
    2014年3月, 2014. Month and year precision are kept, never padded silently into a day. A serial
    stored as a plain number counts from 1904 in old Mac workbooks (`date_1904`); calamine already
    converts real date cells for either epoch.
    """
    if is_blank(cell):
        return None
    if isinstance(cell, dt.datetime):
        return cell.date(), "day"
    if isinstance(cell, dt.date):
        return cell, "day"
    if isinstance(cell, bool):
        raise ValueProblem(f"“{cell}”不是日期")
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and not cell.is_integer():
            # 2014.1 stored as a number may have been 2014.10: the month is lost, so refuse.
            raise ValueProblem(f"“{cell}”是数字而不是日期，月份可能已丢失；请写成 2014-10 或 2014年10月")
        n = int(cell)
        if 1900 <= n <= 2100:
            return dt.date(n, 1, 1), "year"
        if 20000 <= n <= 80000:
            return (_EXCEL_EPOCH_1904 if date_1904 else _EXCEL_EPOCH) + dt.timedelta(days=n), "day"
        raise ValueProblem(f"“{cell}”不是日期")
    text = without_text_mark(_SPACES.sub("", unicodedata.normalize("NFKC", str(cell))))
    text = _four_digit_year(text.rstrip("。."))  # (2019.5. as typed)
    for pattern, precision in _DATE_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        parts = [int(g) for g in m.groups()]
        year, month, day = parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
        try:
            return dt.date(year, month, day), precision
        except ValueError:
            raise ValueProblem(f"日期不存在：“{cell}”（{_why_impossible(year, month, day)}）") from None
    if _CHINESE_DATE.fullmatch(text) and _CHINESE_DIGIT.search(text):
        import cn2an  # (only here, as for counts)

        digits = cn2an.transform(text, "cn2an")  # 二〇一九年六月 → 2019年6月
        try:
            return date_value(digits, date_1904=date_1904)
        except ValueProblem as exc:
            raise ValueProblem(str(exc).replace(digits, str(cell))) from None
    raise ValueProblem(f"“{cell}”不是可识别的日期（可写 2014-03-05、2014年3月5日、2014.3）")


#: A year written with two digits and its 年 (19年5月, 98年): only with 年, which says it is a year.
TWO_DIGIT_YEAR = re.compile(r"^(\d{2})年(?=$|\d{1,2}月)")


def _four_digit_year(text: str) -> str:
    """19年5月 → 2019年5月, 98年 → 1998年: the century is the latest that is not after this year, as a
    cadre means it (a date in a ledger is never in the future)."""
    m = TWO_DIGIT_YEAR.match(text)
    if m is None:
        return text
    yy = int(m.group(1))
    year = 2000 + yy if 2000 + yy <= dt.date.today().year else 1900 + yy
    return f"{year}{text[2:]}"


#: A date written in Chinese numerals (二〇一九年六月一日), read as digits once cn2an has turned them.
_CHINESE_DIGIT = re.compile("[〇零一二三四五六七八九十]")
_CHINESE_DATE = re.compile(
    r"[0-9〇零一二三四五六七八九十]{2,4}年(?:[0-9〇零一二三四五六七八九十]{1,3}月(?:[0-9〇零一二三四五六七八九十]{1,3}日)?)?"
)


#: What may follow the date in a union cell that gives its founding date (2016年5月建会, 2016.5成立).
_FOUNDED = re.compile(r"(?:已|于)?(.+?)(?:建会|成立|建立|组建|建)?")


def founding_date(cell: Cell) -> tuple[dt.date, str] | None:
    """The date a union (or organisation) cell gives instead of 已建 (2016.5, 2021年3月, 2016年5月建会,
    a real date cell): the union exists and was set up then. None when the cell is no such date
    (a number such as 1 stays a yes/no; a year is read only as four digits in text)."""
    if isinstance(cell, (dt.date, dt.datetime)):
        return date_value(cell)
    if type(cell) is not str or not any(c.isdigit() for c in cell):
        return None
    m = _FOUNDED.fullmatch(_SPACES.sub("", unicodedata.normalize("NFKC", cell)))
    if m is None or not re.match(r"\d{4}", m.group(1)):
        return None
    try:
        got = date_value(m.group(1))
    except ValueProblem:
        return None
    return got if got and MIN_YEAR <= got[0].year <= MAX_YEAR else None


def _why_impossible(year: int, month: int, day: int) -> str:
    """The reason a year/month/day triple is no date, for the user to correct the right part."""
    if not 1 <= year <= 9999:
        return f"年份 {year} 无效"
    if not 1 <= month <= 12:
        return f"没有{month}月"
    return f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天"


#: The words of a Party-building instructor (党建指导员, 联络员): sent from outside, not an organisation.
_INSTRUCTOR_WORDS = ("指导员", "联络员")


def names_instructor(cell: Cell) -> bool:
    """Whether a Party-organisation cell says an instructor covers the unit (选派指导员, 党建指导员)
    rather than an organisation of its own: `party_org` reads it as none, the instructor as present."""
    if is_blank(cell):
        return False
    for part in _CLAUSE_BREAK.split(str(cell)):  # (无（选派指导员）: the note says it)
        text = _value_text(part)
        roles = set(morphemes(text) or ())
        if (
            any(w in text for w in _INSTRUCTOR_WORDS)
            and "neg" not in roles
            and not roles & {"p_committee", "p_general", "p_branch"}  # (联合党支部+指导员: the branch)
        ):
            return True
    return False


def party_org(cell: Cell) -> str:
    """The Party organisation form; a plain "yes" is kept as ``own`` (form not stated)."""
    if is_blank(cell):
        return "none"
    text = _value_text(cell)
    roles = set(morphemes(text) or ())
    got = presence(cell)
    if got is False or "p_group" in roles and not roles & {"p_branch", "p_general", "p_committee"}:
        return "none"
    forms = {"p_committee", "p_general", "p_branch"}
    if roles and not roles & forms and names_instructor(cell):  # 选派指导员: an instructor, no organisation
        return "none"
    if "joint" in roles:  # 挂靠村党支部, 纳入社区党委管理: whose organisation it joined, not its own
        roles.discard("own")
    if "工会" in text and "党" not in text:  # (已纳入联合工会: the union's answer, not the Party's)
        roles.add("union")
    if roles and roles <= {
        "perf",
        "verb",
        "obj",
        "filler",
        "place",
        "committee",
        "joint",
        "p_committee",
        "p_general",
        "p_branch",
    }:
        for role, form in (
            ("joint", "joint_branch"),
            ("p_general", "general_branch"),
            ("p_committee", "committee"),
            ("p_branch", "branch"),
        ):
            if role in roles:
                return form
        if roles & {"verb", "committee"}:  # 单独组建, 已成立, 单建: of its own, form not stated
            return "own"
    if got:
        return "own"
    raise ValueProblem(f"“{cell}”不是可识别的党组织形式（可写 党委/党总支/党支部/联合党支部/无 或 是/否）")


#: Where a form cell's answer ends and its note begins: 否（已纳入联合工会）, 已建，2019年.
_CLAUSE_BREAK = re.compile(r"[()（）\[\]【】,，;；]+")
#: Forms by which another's organisation covers a unit: a note saying one refines a bare "no".
_COVERING = ("joint", "organizer", "federation", "joint_branch")


#: A place named between a joining verb and the organisation joined (纳入桥头镇联合工会): the place
#: is whose organisation it is, not its form; the verb (and a negation before it) is kept.
_PLACE_JOINED = re.compile(
    r"(纳入|加入|参加|属于|挂靠|隶属|覆盖|在|于)[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道|社区|村|园区|工业园|开发区)"
    r"(?=联合|区域|行业|工会|党|总工会)"
)


def read_with_note(read: Callable[[Cell], str], cell: Cell) -> str:
    """`read` (a form reader) of a cell that may carry a note after its answer: the whole cell
    first; a "none" whose note names a covering form (否（已纳入联合工会）) is that form; a cell the
    whole of which cannot be read is its answer's reading when the note is a date (已建（2019年））."""
    if type(cell) is str and (plain := _PLACE_JOINED.sub(r"\1", cell)) != cell:
        try:
            return read_with_note(read, plain)
        except ValueProblem:
            pass  # (refused below, quoting the cell as written)
    try:
        whole: str | None = read(cell)
    except ValueProblem:
        whole = None
    if type(cell) is not str or whole not in (None, "none"):
        return read(cell) if whole is None else whole
    parts = [p for p in _CLAUSE_BREAK.split(cell) if p.strip()]
    if len(parts) < 2:
        return read(cell) if whole is None else whole
    readings: list[str | None] = []
    for part in parts:
        try:
            readings.append(read(part))
        except ValueProblem:
            readings.append(None)
    if whole == "none":
        return next((r for r in readings[1:] if r in _COVERING), "none")
    # An unreadable whole: its answer, when the note it carries is a date or a count (已建（2019年）);
    # any other note (同时打√, 应打√或留空) or several answers (甲、乙) keep the cell refused.
    notes_ok = all(
        r is not None or any(c.isdigit() for c in p) for p, r in zip(parts[1:], readings[1:], strict=True)
    )
    if readings[0] is None or "、" in parts[0] or not notes_ok:
        return read(cell)
    return readings[0]


def union_form(cell: Cell, *, kind: str | None = None) -> str:
    """The union form, by its words: 联合/区域/行业 → joint, 组织员 → organizer, 工会联合会 →
    federation (区域/行业工会联合会 → joint), 独立建会/基层工会/已组建/有 → committee, 尚未建立/无 →
    none. For villages and communities a plain "yes" is a 工会联合会 (docs/domain.md)."""
    if is_blank(cell):
        return "none"
    got = presence(cell)
    if got is False:
        return "none"
    roles = set(morphemes(_value_text(cell)) or ())
    form = None
    if roles and roles <= {
        "perf",
        "verb",
        "obj",
        "filler",
        "place",
        "own",
        "committee",
        "joint",
        "organizer",
        "federation",
    }:
        if "organizer" in roles:
            form = "organizer"
        elif "joint" in roles:
            form = "joint"
        elif "federation" in roles:
            form = "federation"
        elif roles & {"committee", "perf", "verb", "obj"}:
            form = "committee"
    elif got:
        form = "committee"
    if form is None:
        raise ValueProblem(f"“{cell}”不是可识别的工会组建情况（可写 已建/未建/联合工会/组织员 或 是/否、√）")
    if form == "committee" and kind in ("village", "community") and looks_yes_no(cell):
        return "federation"
    return form


def says_no_form(cell: Cell) -> bool:
    """Whether a union cell says only yes or no (是, √, 已建; 否, ×, 未建) or nothing, not a form
    (单独建会, 基层工会委员会, 联合工会): a 备注 may then say which form covers the unit."""
    if is_blank(cell):
        return True
    if presence(cell) is None:
        return False
    text = _value_text(cell)
    return not any(w in text for w in _FORM_WORDS)


#: The words that say a union's form (单独, 委员会, 联合, 组织员, 企业工会 …), wherever they stand.
_FORM_WORDS = tuple(
    w for w, role in _MORPHEMES.items() if role in ("own", "committee", "joint", "organizer", "federation")
)


_GRADES = {"g_initial": "initial", "g_basic": "basic", "g_standard": "standard"}


def grade(cell: Cell) -> str | None:
    """The union's standardisation grade (规范化建设): initial / basic / standard, blank → None.
    达到初级标准 → initial; 未达标, 未评定, 无 → None."""
    if is_blank(cell):
        return None
    text = _value_text(cell)
    if text in _NO_SIGNS:
        return None
    roles = morphemes(text)
    if roles:
        if "neg" in roles and set(roles) <= {"neg", "g_filler", "verb", "perf"}:
            return None
        named = {_GRADES[r] for r in roles if r in _GRADES}
        if len(named) == 1 and set(roles) <= {*_GRADES, "g_filler", "perf", "verb", "obj"}:
            return named.pop()
    raise ValueProblem(f"“{cell}”不是可识别的规范化等级（可写 初级/基本/规范化）")


@lru_cache(maxsize=1)
def credit_code_table() -> dict[str, Any]:
    """data/credit_codes.toml: GB 32100's registration types, their families and the type-cell
    words that say a unit's kind, each with its source."""
    import tomllib
    from pathlib import Path

    return tomllib.loads((Path(__file__).parents[1] / "data" / "credit_codes.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _ownership_words() -> tuple[tuple[str, str], ...]:
    return tuple((w, k) for w, k in credit_code_table()["ownership"]["words"])


def kind_from_ownership(text: str | None) -> str | None:
    """A unit kind from the 企业类型/单位性质 words, or None when they do not say."""
    if not text:
        return None
    for word, kind in _ownership_words():
        if word in text:
            return kind or None  # ("": the words say the kind is none of them, 国有参股)
    return None


def kind_from_name(name: str) -> str | None:
    """村 and 社区 are recognised by their names' endings (docs/domain.md)."""
    if name.endswith(("社区", "居委会")):  # (one call for the endings of a kind)
        return "community"
    if name.endswith(("村", "村委会", "村民委员会")):
        return "village"
    return None


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RT-UW-Y]{10}")


#: Each code character as the base-34 digit of its value: 34 ≡ 3 (mod 31) and GB 32100's weights
#: are 3^i mod 31, so the weighted sum mod 31 is the code's first 17 characters, read backwards as
#: a base-34 number, mod 31 (one `int` call instead of 17 multiplications).
_USCC_DIGITS = str.maketrans({c: "0123456789abcdefghijklmnopqrstu"[v] for c, v in _USCC_VALUE.items()})


def _uscc_ok(code: str) -> bool:
    """GB 32100 check of an 18-character, upper-case, ASCII code (as python-stdnum checks it)."""
    if _USCC.fullmatch(code) is None:
        return False
    total = int(code[16::-1].translate(_USCC_DIGITS), 34)
    return code[17] == _USCC_ALPHABET[(31 - total) % 31]


#: Deletes the code's alphabet from a text (what is left of codes joined by line breaks, when all are
#: in it: the line breaks).
_USCC_DELETE = str.maketrans(dict.fromkeys(_USCC_ALPHABET))


def uscc_ok_many(codes: list[str]) -> list[bool]:
    """`_uscc_ok` of each of ``codes`` (18-character, upper-case, ASCII): when all are in the code's
    alphabet and begin with 8 digits (a look at them joined), their check sums from one translation
    of that text read backwards (each code's first 17 characters, reversed, sit between two line
    breaks there)."""
    if not codes:
        return []
    joined = "\n".join(codes)
    # (each code 18 characters: `_USCC`'s pattern is its first 8 digits, all in the alphabet)
    in_alphabet = joined.translate(_USCC_DELETE) == "\n" * (len(codes) - 1)
    if not in_alphabet or not all(joined[k::19].isdigit() for k in range(8)):
        return list(map(_uscc_ok, codes))
    back = joined.translate(_USCC_DIGITS)[::-1]  # code k: back[19 m + 1 : 19 m + 18], m = n - 1 - k
    totals = [int(back[p + 1 : p + 18], 34) for p in range(19 * (len(codes) - 1), -1, -19)]
    alphabet = _USCC_ALPHABET
    return [code[17] == alphabet[(31 - total) % 31] for code, total in zip(codes, totals, strict=True)]


def credit_codes(cells: list[Cell]) -> list[str | None | ValueProblem]:
    """`credit_code` of every cell of a column: the code, None, or the `ValueProblem` it raises. The
    usual codes (18 ASCII characters) are checked together."""
    out: list[str | None | ValueProblem] = [None] * len(cells)
    usual = [i for i, c in enumerate(cells) if type(c) is str and len(c) == 18 and c.isascii()]
    upper = [cells[i].upper() for i in usual]
    rest = []
    if usual:
        for i, code, ok in zip(usual, upper, uscc_ok_many(upper), strict=True):
            if ok:
                out[i] = code
            else:
                rest.append(i)
    if len(usual) < len(cells):
        rest += [i for i, c in enumerate(cells) if c is not None and out[i] is None]
    for i in rest:
        try:
            out[i] = credit_code(cells[i])
        except ValueProblem as exc:
            out[i] = exc
    return out


#: What a credit-code cell says when the unit has none or it is not known (暂无, 未办理, 个体户无代码).
_NO_CODE_WORDS = ("无", "未", "没有", "不详", "暂缺", "待")


def says_no_code(text: str) -> bool:
    """Whether a credit-code cell says there is no code (暂无, 未办理, 个体户无代码, —, /): no letter
    or digit of a code, and a word of absence, or struck through. The unit is then read without one."""
    if _SPACES.sub("", text) in DASH_COUNT_SIGNS:
        return True
    return not any(c.isascii() and c.isalnum() for c in text) and any(w in text for w in _NO_CODE_WORDS)


def credit_code(cell: Cell) -> str | None:
    """A unified social credit code (GB 32100), normalised and checked (the GB 32100 check digit;
    python-stdnum words the reason when a code is refused)."""
    if type(cell) is str and len(cell) == 18 and cell.isascii():
        code = cell.upper()
        if _uscc_ok(code):
            return code  # the usual case, without NFKC or stdnum's two passes of `clean`
    if is_blank(cell):
        return None
    if isinstance(cell, float):
        raise ValueProblem(
            f"统一社会信用代码被存成了数字（{cell!r}），位数可能已丢失；请将该列设为文本后重填"
        )
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    text = without_text_mark(_SPACES.sub("", unicodedata.normalize("NFKC", str(cell))).upper())
    if says_no_code(text):
        return None
    try:
        return str(uscc.validate(text))
    except ValidationError as exc:
        reason = {
            "InvalidChecksum": "校验位不符",
            "InvalidLength": "长度不是18位",
            "InvalidFormat": "含有不允许的字符",
            "InvalidComponent": "登记管理部门或机构类别代码无效",
        }.get(type(exc).__name__, "格式不符")
        raise ValueProblem(f"统一社会信用代码“{text}”无效：{reason}") from None


#: Invisible format characters (zero-width space and joiners, BOM, soft hyphen, direction marks):
#: pasted from web pages and chat, they must never make a second unit of the same name.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def normalise_name(name: str) -> str:
    """The matching key of a unit name: Simplified, no spaces (of any width), no invisible format
    characters, no brackets' width differences."""
    text = _without_spaces(simplify(_INVISIBLE.sub("", name)))
    return text.replace("(", "（").replace(")", "）")


#: Spaces as `_SPACES` has them, but for the line break that parts the names `normalise_names` joins.
_SPACES_IN_LINE = re.compile(r"[^\S\n]+")


def normalise_names(names: list[str]) -> list[str]:
    """`normalise_name` of every name of a column, as one text: the names joined by line breaks,
    each step (invisible characters, NFKC, OpenCC, spaces, NFKC, brackets) run once over it. No step
    reaches across a line break (NFKC composes nothing with it, OpenCC converts each line on its
    own), so the lines come back as each name alone gives; names holding a line break, or lines that
    do not come back one per name, are normalised one by one."""
    joined = "\n".join(names)
    if names and joined.count("\n") == len(names) - 1:
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", joined))
        if not text.isascii():
            text = str(_t2s().convert(text))
        text = unicodedata.normalize("NFKC", _SPACES_IN_LINE.sub("", text))
        out = text.replace("(", "（").replace(")", "）").split("\n")
        if len(out) == len(names):
            return out
    return [normalise_name(n) for n in names]
