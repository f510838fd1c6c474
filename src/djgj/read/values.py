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


def is_unknown(cell: Cell) -> bool:
    """A cell saying the value is not known (未填, 不详): stored as NULL, never as 0 or "no".

    djgj's own export writes 未填 where the ledger has no value, so an export imports back unchanged.
    """
    return isinstance(cell, str) and cell.strip() in UNKNOWN_WORDS


def is_blank(cell: Cell) -> bool:
    # str.isspace() is true for exactly the characters `\s` matches (\u3000 and \xa0 included).
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def simplify(text: str) -> str:
    """Traditional → Simplified (OpenCC), after NFKC. Cached: sheets repeat the same words."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return str(_t2s().convert(text))


def clean_text(cell: Cell) -> str | None:
    """A text cell as the ledger keeps it: NFKC, Simplified, trimmed; blank → None."""
    if is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = simplify(str(cell)).strip()
    if " " in text or "\t" in text:
        text = _BLANKS.sub(" ", text)
    return text or None


_BLANKS = re.compile(r"[ \t]+")


def person_name(cell: Cell) -> str | None:
    """A person's name: Simplified, inner spaces removed (姓　名 → 姓名)."""
    text = clean_text(cell)
    return _without_spaces(text) if text else None


def _without_spaces(text: str) -> str:
    """Remove every space, then compose again: NFKC turns ¸ into a space and a combining mark,
    and "K ̧" must end as "Ķ" the first time, or normalising twice would differ."""
    return unicodedata.normalize("NFKC", _SPACES.sub("", text))


_UNITS = "人名个家户位元次"
_COUNT = re.compile(rf"^([0-9][0-9,]*)(?:\.0+)?\s*[{_UNITS}]?$")


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
        text = _SPACES.sub("", unicodedata.normalize("NFKC", str(cell)))
        if text.startswith("-") and _COUNT.match(text[1:]):
            raise ValueProblem(f"人数不能为负数：“{cell}”")
        m = _COUNT.match(text)
        if not m:
            raise ValueProblem(f"“{cell}”不是人数（应为非负整数，如 25 或 25人）")
        value = int(m.group(1).replace(",", ""))
    if value < 0:
        raise ValueProblem(f"人数不能为负数：“{cell}”")
    return value


_YES = {
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
}
_NO = {
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
}


def yes_no(cell: Cell) -> bool:
    """Yes/no in every spelling townships use; blank means no."""
    if is_blank(cell):
        return False
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    text = _SPACES.sub("", simplify(str(cell))).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueProblem(f"“{cell}”不是是/否（可写 是/否、有/无、√、Y/N）")


def looks_yes_no(cell: Cell) -> bool:
    """Whether a cell is a yes/no word rather than, say, a person's name."""
    if is_blank(cell) or isinstance(cell, bool):
        return True
    text = _SPACES.sub("", simplify(str(cell))).lower()
    return text in _YES or text in _NO


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"), "day"),
    (re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})(?:[ T]0?0:00(?::00)?)?$"), "day"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月?$"), "month"),
    (re.compile(r"^(\d{4})[./\-](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})\s*年?$"), "year"),
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
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(cell)))
    text = text.rstrip("。")
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
    raise ValueProblem(f"“{cell}”不是可识别的日期（可写 2014-03-05、2014年3月5日、2014.3）")


def _why_impossible(year: int, month: int, day: int) -> str:
    """The reason a year/month/day triple is no date, for the user to correct the right part."""
    if not 1 <= year <= 9999:
        return f"年份 {year} 无效"
    if not 1 <= month <= 12:
        return f"没有{month}月"
    return f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天"


def _lookup(cell: Cell, table: dict[str, str], what: str, hint: str) -> str:
    text = _SPACES.sub("", simplify(str(cell))).lower()
    text = text.strip("()（）")
    if text in table:
        return table[text]
    raise ValueProblem(f"“{cell}”不是可识别的{what}（{hint}）")


_PARTY_ORG = {
    "党委": "committee",
    "党委会": "committee",
    "基层党委": "committee",
    "党总支": "general_branch",
    "总支": "general_branch",
    "党总支部": "general_branch",
    "党支部": "branch",
    "支部": "branch",
    "独立党支部": "branch",
    "单独党支部": "branch",
    "党小组": "none",
    "联合党支部": "joint_branch",
    "联合支部": "joint_branch",
    "联合党组织": "joint_branch",
    "联建": "joint_branch",
    "无": "none",
    "否": "none",
    "未建": "none",
    "未建立": "none",
    "没有": "none",
    "×": "none",
    "-": "none",
    "/": "none",
    "是": "own",
    "有": "own",
    "已建": "own",
    "已建立": "own",
    "√": "own",
    "✓": "own",
    "y": "own",
    "yes": "own",
}


def party_org(cell: Cell) -> str:
    """The Party organisation form; a plain "yes" is kept as ``own`` (form not stated)."""
    if is_blank(cell):
        return "none"
    return _lookup(cell, _PARTY_ORG, "党组织形式", "可写 党委/党总支/党支部/联合党支部/无 或 是/否")


_UNION = {
    "已建": "committee",
    "是": "committee",
    "有": "committee",
    "√": "committee",
    "✓": "committee",
    "y": "committee",
    "yes": "committee",
    "已建立": "committee",
    "建立": "committee",
    "已建会": "committee",
    "独立建会": "committee",
    "单独建会": "committee",
    "基层工会": "committee",
    "工会委员会": "committee",
    "基层工会委员会": "committee",
    "联合工会": "joint",
    "联合": "joint",
    "联合建会": "joint",
    "区域工会": "joint",
    "区域性工会": "joint",
    "行业工会": "joint",
    "区域工会联合会": "joint",
    "行业工会联合会": "joint",
    "联建": "joint",
    "组织员": "organizer",
    "工会组织员": "organizer",
    "选派组织员": "organizer",
    "工会联合会": "federation",
    "联合会": "federation",
    "未建": "none",
    "否": "none",
    "无": "none",
    "没有": "none",
    "未建立": "none",
    "×": "none",
    "n": "none",
    "no": "none",
    "-": "none",
    "/": "none",
}


def union_form(cell: Cell, *, kind: str | None = None) -> str:
    """The union form. For villages and communities a plain "yes" is a 工会联合会 (DOMAIN.md)."""
    if is_blank(cell):
        return "none"
    form = _lookup(cell, _UNION, "工会组建情况", "可写 已建/未建/联合工会/组织员 或 是/否、√")
    if form == "committee" and kind in ("village", "community") and looks_yes_no(cell):
        return "federation"
    return form


_GRADE = {
    "初级": "initial",
    "初级标准": "initial",
    "达到初级标准": "initial",
    "基本": "basic",
    "基本标准": "basic",
    "达到基本标准": "basic",
    "中级": "basic",
    "规范化": "standard",
    "规范化标准": "standard",
    "达到规范化标准": "standard",
    "规范": "standard",
    "无": None,
    "未达标": None,
    "未评定": None,
    "-": None,
    "/": None,
}


def grade(cell: Cell) -> str | None:
    """The union's standardisation grade (规范化建设): initial / basic / standard, blank → None."""
    if is_blank(cell):
        return None
    text = _SPACES.sub("", simplify(str(cell)))
    if text in _GRADE:
        return _GRADE[text]
    raise ValueProblem(f"“{cell}”不是可识别的规范化等级（可写 初级/基本/规范化）")


_OWNERSHIP = [
    ("国有", "state_owned"),
    ("集体", "collective"),
    ("机关", "agency"),
    ("事业", "institution"),
    ("社会组织", "social_org"),
    ("社会团体", "social_org"),
    ("民办非企业", "social_org"),
    ("私营", "non_public"),
    ("民营", "non_public"),
    ("个体", "non_public"),
    ("外商", "non_public"),
    ("外资", "non_public"),
    ("中外", "non_public"),
    ("港澳台", "non_public"),
    ("自然人", "non_public"),
    ("非公", "non_public"),
    ("股份合作", "non_public"),
    ("有限责任", "non_public"),
    ("股份有限", "non_public"),
]


def kind_from_ownership(text: str | None) -> str | None:
    """A unit kind from the 企业类型/单位性质 words, or None when they do not say."""
    if not text:
        return None
    for word, kind in _OWNERSHIP:
        if word in text:
            return kind
    return None


def kind_from_name(name: str) -> str | None:
    """村 and 社区 are recognised by their names' endings (DOMAIN.md)."""
    if name.endswith("社区") or name.endswith("居委会"):
        return "community"
    if name.endswith("村") or name.endswith("村委会") or name.endswith("村民委员会"):
        return "village"
    return None


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RT-UW-Y]{10}")


def _uscc_ok(code: str) -> bool:
    """GB 32100 check of an 18-character, upper-case, ASCII code (as python-stdnum checks it)."""
    if _USCC.fullmatch(code) is None:
        return False
    value = _USCC_VALUE
    total = sum(value[c] * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return code[17] == _USCC_ALPHABET[(31 - total) % 31]


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

    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(cell))).upper()
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


def normalise_name(name: str) -> str:
    """The matching key of a unit name: Simplified, no spaces or brackets' width differences."""
    text = _without_spaces(simplify(name))
    return text.replace("(", "（").replace(")", "）")
