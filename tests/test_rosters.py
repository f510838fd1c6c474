"""Rosters: --skip-bad-rows, 会籍变化 (转出/退会 is not a current member), the same ID under another name."""

from __future__ import annotations

import pytest

from builders import ROSTER_HEADER, write_xlsx
from conftest import invoke, sql
from test_checks import clean_units, import_ledger, member, person_id

pytestmark = pytest.mark.usefixtures("backend")


def _roster(tmp_path, rows, name="roster.xlsx", header=ROSTER_HEADER):
    return write_xlsx(tmp_path / name, [["工会会员花名册"], header, *rows])


def test_skip_bad_rows_works_for_rosters(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    bad = member(2, 1)
    bad[5] = "不存在的公司"  # its unit is not in the ledger
    f = _roster(tmp_path, [member(1, 1), bad, member(3, 2)])
    refused = invoke(runner, "import", str(f), "--roster")
    assert refused.exit_code == 1 and "不存在的公司" in refused.output
    assert sql("SELECT count(*) FROM memberships") == [(0,)]
    rejects = tmp_path / "rejects.csv"
    done = invoke(runner, "import", str(f), "--roster", "--skip-bad-rows", "--rejects", str(rejects))
    assert done.exit_code == 0, done.output
    assert sql("SELECT count(*) FROM memberships") == [(2,)]
    report = rejects.read_text(encoding="utf-8-sig")
    assert "不存在的公司" in report and person_id(2) not in report  # the ID is masked in the report
    assert "1 行未导入" in done.output


def test_a_member_who_left_is_not_a_current_member(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    header = [*ROSTER_HEADER, "会籍变化类型", "会籍变化日期"]
    rows = [
        [*member(1, 1), "新入会", "2014-03-01"],
        [*member(2, 1), "转出", "2014-06-30"],
        [*member(3, 1), "退会", ""],
        [*member(4, 1), "", ""],
    ]
    done = invoke(runner, "import", str(_roster(tmp_path, rows, header=header)), "--roster")
    assert done.exit_code == 0, done.output
    assert "2 行会籍变化为转出/退会" in done.output
    # Four people, four memberships; two of them ended: 1 and 4 are the unit's current members.
    assert sql("SELECT count(*) FROM people") == [(4,)]
    current = sql(
        "SELECT p.name FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.left_on IS NULL ORDER BY p.name"
    )
    assert current == [("会员1",), ("会员4",)]
    assert sql(
        "SELECT left_on FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.name = '会员2'"
    )[0][0] in ("2014-06-30", __import__("datetime").date(2014, 6, 30))


def test_same_id_under_another_name_is_refused_not_replaced(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    first = [[1, "张三丰", "男", person_id(1), "群众", "测试1号有限公司", "否", "2012-05-01", "13900000001"]]
    assert invoke(runner, "import", str(_roster(tmp_path, first, "a.xlsx")), "--roster").exit_code == 0
    later = [
        [1, "李四光", "男", person_id(1), "中共党员", "测试2号有限公司", "是", "2013-05-01", "13900000009"],
        member(5, 2),
    ]
    f = _roster(tmp_path, later, "b.xlsx")
    refused = invoke(runner, "import", str(f), "--roster")
    assert refused.exit_code == 1
    assert "张*丰" in refused.output and "李*光" in refused.output and "不能确定是同一人" in refused.output
    assert "张三丰" not in refused.output and person_id(1) not in refused.output
    assert sql("SELECT name, politics FROM people") == [("张三丰", "群众")]
    rejects = tmp_path / "b.rejects.csv"
    done = invoke(runner, "import", str(f), "--roster", "--skip-bad-rows", "--rejects", str(rejects))
    assert done.exit_code == 0, done.output
    assert sorted(sql("SELECT name FROM people")) == [("会员5",), ("张三丰",)]
    assert "李*光" in rejects.read_text(encoding="utf-8-sig")


def test_same_id_twice_in_one_file_with_different_names(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = [
        [1, "王五", "男", person_id(7), "群众", "测试1号有限公司", "否", "2012-05-01", ""],
        [2, "赵六", "男", person_id(7), "群众", "测试2号有限公司", "否", "2012-05-01", ""],
    ]
    refused = invoke(runner, "import", str(_roster(tmp_path, rows)), "--roster")
    assert refused.exit_code == 1 and "王*" in refused.output and "赵*" in refused.output
    assert sql("SELECT count(*) FROM people") == [(0,)]


def _without_unit_column(rows):
    """ROSTER_HEADER rows without their 所在单位 column (the sixth)."""
    return [r[:5] + r[6:] for r in rows]


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_one_units_roster_takes_its_unit_from_its_title(runner, tmp_path, ext):
    """测试2号有限公司工会会员花名册（2014年） without a 所在单位 column: its members are that unit's, said."""
    from builders import write_csv

    import_ledger(runner, tmp_path, clean_units())
    header = ROSTER_HEADER[:5] + ROSTER_HEADER[6:]
    rows = [
        ["测试2号有限公司工会会员花名册（2014年）"],
        header,
        *_without_unit_column([member(1, 2), member(2, 2)]),
    ]
    f = (write_xlsx if ext == "xlsx" else write_csv)(tmp_path / f"花名册.{ext}", rows)
    done = invoke(runner, "import", str(f), "--roster")
    assert done.exit_code == 0, done.output
    assert "会员的所在单位“测试2号有限公司”取自“测试2号有限公司工会会员花名册（2014年）”" in done.output
    assert sql(
        "SELECT u.name, count(*) FROM memberships m JOIN units u ON u.id = m.unit_id GROUP BY u.name"
    ) == [("测试2号有限公司", 2)]


@pytest.mark.parametrize(
    ("title", "filled_by"),
    [
        ("2014年城关镇测试2号有限公司工会会员实名制登记表", None),  # a township before the unit's name
        ("非公企业工会会员实名制登记表", "填报单位（盖章）：测试2号有限公司工会"),  # a labelled line names it
        ("城关镇 测试2号有限公司 职工入会名单", "填表日期：2014年12月20日"),
    ],
)
def test_a_roster_title_naming_its_unit_after_a_township_or_a_label(runner, tmp_path, title, filled_by):
    """The unit is read from the title lines by their grammar (township, label: value), not only as
    the whole text before the roster words."""
    import_ledger(runner, tmp_path, clean_units())
    header = ROSTER_HEADER[:5] + ROSTER_HEADER[6:]
    above = [[title], *([[filled_by]] if filled_by else [])]
    rows = [*above, header, *_without_unit_column([member(1, 2), member(2, 2)])]
    done = invoke(runner, "import", str(write_xlsx(tmp_path / "登记表.xlsx", rows)), "--roster")
    assert done.exit_code == 0, done.output
    assert "会员的所在单位“测试2号有限公司”取自" in done.output
    assert sql(
        "SELECT u.name, count(*) FROM memberships m JOIN units u ON u.id = m.unit_id GROUP BY u.name"
    ) == [("测试2号有限公司", 2)]


def test_a_roster_title_whose_township_is_not_its_units_is_refused(runner, tmp_path):
    """白水镇测试2号有限公司: the ledger's 测试2号有限公司 is in 城关镇, so the title names another unit."""
    import_ledger(runner, tmp_path, clean_units())
    header = ROSTER_HEADER[:5] + ROSTER_HEADER[6:]
    rows = [["白水镇测试2号有限公司工会会员花名册"], header, *_without_unit_column([member(1, 2)])]
    done = invoke(runner, "import", str(write_xlsx(tmp_path / "花名册.xlsx", rows)), "--roster")
    assert done.exit_code == 1
    assert "无法确定会员属于哪个单位" in done.output
    assert sql("SELECT count(*) FROM memberships") == [(0,)]


def test_rows_refused_for_their_values_point_to_skip_bad_rows(runner, tmp_path):
    """A file refused for some rows says how to import the others; --skip-bad-rows does, listing them."""
    import_ledger(runner, tmp_path, clean_units())
    rows = [member(1, 2), [2, "无号人", "男", "", "群众", "测试2号有限公司", "否", "2012-05-01", ""]]
    f = _roster(tmp_path, rows)
    refused = invoke(runner, "import", str(f), "--roster")
    assert refused.exit_code == 1
    assert (
        "缺少身份证号" in refused.output
        and "提示：改正这些行后重新导入；或加 --skip-bad-rows" in refused.output
    )
    done = invoke(
        runner, "import", str(f), "--roster", "--skip-bad-rows", "--rejects", str(tmp_path / "r.csv")
    )
    assert done.exit_code == 0 and "提示：改正这些行" not in done.output
    assert sql("SELECT count(*) FROM memberships") == [(1,)]


def test_a_roster_whose_title_names_no_unit_of_the_ledger_is_refused(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    header = ROSTER_HEADER[:5] + ROSTER_HEADER[6:]
    rows = [["测试9号有限公司工会会员花名册"], header, *_without_unit_column([member(1, 2)])]
    done = invoke(runner, "import", str(write_xlsx(tmp_path / "花名册.xlsx", rows)), "--roster")
    assert done.exit_code == 1
    assert (
        "花名册没有“所在单位”列，标题“测试9号有限公司工会会员花名册”中也没有台账里的单位名称" in done.output
    )


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_a_roster_in_blocks_per_unit_takes_each_members_unit_from_its_group_row(runner, tmp_path, ext):
    """一、测试1号有限公司 over its members, 二、测试2号有限公司 over its own (no 所在单位 column)."""
    from builders import write_csv

    import_ledger(runner, tmp_path, clean_units())
    header = ROSTER_HEADER[:5] + ROSTER_HEADER[6:]
    rows = [["城关镇非公企业工会会员花名册"], header, ["一、测试1号有限公司"]]
    rows += _without_unit_column([member(1, 1), member(2, 1)])
    rows += [["二、测试2号有限公司"], *_without_unit_column([member(3, 2)])]
    f = (write_xlsx if ext == "xlsx" else write_csv)(tmp_path / f"花名册.{ext}", rows)
    done = invoke(runner, "import", str(f), "--roster")
    assert done.exit_code == 0, done.output
    assert "会员的所在单位取自其上方的分组行（如“测试1号有限公司”）" in done.output
    assert sql(
        "SELECT u.name, count(*) FROM memberships m JOIN units u ON u.id = m.unit_id GROUP BY u.name ORDER BY u.name"
    ) == [("测试1号有限公司", 2), ("测试2号有限公司", 1)]
    bad = [
        ["城关镇非公企业工会会员花名册"],
        header,
        ["一、测试9号有限公司"],
        *_without_unit_column([member(4, 1)]),
    ]
    refused = invoke(runner, "import", str(write_xlsx(tmp_path / "坏.xlsx", bad)), "--roster")
    assert refused.exit_code == 1 and "台账中没有单位“测试9号有限公司”" in refused.output


@pytest.mark.parametrize(
    "header", ["是否工会会员", "是否为工会会员", "入会与否", "有无入会", "工会会员(是/否)"]
)
def test_a_list_of_employees_with_a_membership_column_imports_only_its_members(runner, tmp_path, header):
    """职工花名册 with 是否工会会员: the rows saying no (否, 未入会, 非会员) or nothing are not members,
    never counted as such (they had been: the column was ignored and every row became a member)."""
    import_ledger(runner, tmp_path, clean_units())
    head = [*ROSTER_HEADER, header]
    said = ["是", "否", "未入会", "非会员", "", "已入会", "会员"]
    rows = [[*member(i + 1, 2), v] for i, v in enumerate(said)]
    done = invoke(runner, "import", str(_roster(tmp_path, rows, header=head)), "--roster")
    assert done.exit_code == 0, done.output
    assert sql("SELECT count(*) FROM memberships") == [(3,)]
    assert sql("SELECT count(*) FROM people") == [(3,)]
    assert "3 人写明不是会员，1 人未写是否会员，这些人未导入，不计为会员" in done.output


def test_a_membership_cell_that_answers_nothing_refuses_its_row(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = [[*member(1, 2), "是"], [*member(2, 2), "申请中"]]
    done = invoke(
        runner, "import", str(_roster(tmp_path, rows, header=[*ROSTER_HEADER, "是否会员"])), "--roster"
    )
    assert done.exit_code == 1
    assert "“申请中”不是是否会员" in done.output
    assert sql("SELECT count(*) FROM memberships") == [(0,)]


def test_a_unit_lists_roster_columns_are_named_as_ignored(runner, tmp_path):
    """是否农民工 and 联系电话 in a list of units are about one person each: said, never silently dropped."""
    from builders import write_csv

    rows = [["乡镇", "单位名称", "从业人员数", "是否建立工会", "是否农民工", "联系电话"]]
    rows += [["城关镇", "测试1号有限公司", 30, "是", "是", "13900000000"]]
    done = invoke(runner, "import", str(write_csv(tmp_path / "u.csv", rows)), "--as-of", "2014-12-31",
                  "--kind", "non_public")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (
        "以下列是会员花名册的栏目（每人一项），单位台账不读，已忽略：E列“是否农民工”、F列“联系电话”"
        in done.output
    )


@pytest.mark.parametrize("header", ["所在工会", "会员所属基层工会", "所属工会名称"])
def test_a_roster_naming_each_members_union_takes_the_unit_from_it(runner, tmp_path, header):
    """所在工会 | 测试2号有限公司工会委员会: the member's unit is the union's (its name without 工会委员会);
    a unit written after its township (城关镇测试1号有限公司) is that township's unit."""
    import_ledger(runner, tmp_path, clean_units())
    head = [*ROSTER_HEADER[:5], header, *ROSTER_HEADER[6:]]
    rows = [member(1, 2), member(2, 2), member(3, 1)]
    rows[0][5], rows[1][5], rows[2][5] = (
        "测试2号有限公司工会委员会",
        "测试2号有限公司工会",
        "城关镇测试1号有限公司",
    )
    done = invoke(runner, "import", str(_roster(tmp_path, rows, header=head)), "--roster")
    assert done.exit_code == 0, done.output
    assert sql(
        "SELECT u.name, count(*) FROM memberships m JOIN units u ON u.id = m.unit_id GROUP BY u.name ORDER BY 1"
    ) == [("测试1号有限公司", 1), ("测试2号有限公司", 2)]


def test_a_unit_after_another_township_is_not_taken(runner, tmp_path):
    import_ledger(runner, tmp_path, clean_units())
    rows = [member(1, 2)]
    rows[0][5] = "白水镇测试2号有限公司"
    done = invoke(runner, "import", str(_roster(tmp_path, rows)), "--roster")
    assert done.exit_code == 1 and "台账中没有单位“白水镇测试2号有限公司”" in done.output


@pytest.mark.parametrize(
    ("politics", "party"),
    [("中共党员", True), ("党员", True), ("中共预备党员", True), ("中国共产党党员", True),
     ("中共党员（预备）", True), ("中國共產黨黨員", True), ("民革党员", False), ("民建会员", False),
     ("非党员", False), ("不是党员", False), ("共青团员", False), ("入党积极分子", False), ("群众", False)],
)  # fmt: skip
def test_party_membership_is_read_from_politics_by_its_grammar(politics, party):
    """A CPC member, full or probationary, and nothing else: a democratic party's 党员 and a negation
    had been counted by a test of the words inside (民革党员, 非党员)."""
    from djgj.ledger.rosters import is_party_member

    assert is_party_member(politics) is party


def test_a_unit_whose_own_name_ends_in_gonghui_is_found_as_written(runner, tmp_path):
    """县总工会 is a unit of the ledger (an agency): a member's 所在单位 naming it is that unit, never
    read as the union of a unit called 县总."""
    from builders import unit_row

    units = clean_units()
    units.append(unit_row(4))
    units[-1][1] = "示例县总工会"
    import_ledger(runner, tmp_path, units)
    rows = [member(1, 2), member(2, 2)]
    rows[0][5], rows[1][5] = "示例县总工会", "测试2号有限公司工会委员会"
    done = invoke(runner, "import", str(_roster(tmp_path, rows)), "--roster")
    assert done.exit_code == 0, done.output
    assert sql(
        "SELECT u.name, count(*) FROM memberships m JOIN units u ON u.id = m.unit_id GROUP BY u.name ORDER BY 1"
    ) == [("测试2号有限公司", 1), ("示例县总工会", 1)]
