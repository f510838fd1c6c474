"""A file longer than one write round (ledger.BATCH_ROWS): imported whole, then re-imported with changes.

Functional, not timed: the counts in the output and the ledger's contents must be exactly what one
round would have written, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re

import pytest

from builders import HEADER, unit_row, write_csv
from conftest import invoke, sql

pytestmark = pytest.mark.usefixtures("backend")

N = 20_000
NO_CODE = 7  # every 7th unit has no credit code: matched by township and name
CHANGED = set(range(5, N + 1, 541))  # employees differ in the second file (37 rows, every round)
UNKNOWN = set(range(11, N + 1, 1999))  # 党员人数 says 未填 in the second file: must not blank it


def rows(changed: bool = False) -> list[list[object]]:
    out: list[list[object]] = [["城关镇非公有制企业党建工建情况（2014年度）"], HEADER]
    for i in range(1, N + 1):
        row = unit_row(i, employees=20 + i % 50)
        if i % NO_CODE == 0:
            row[HEADER.index("统一社会信用代码")] = ""
        if changed and i in CHANGED:
            row[HEADER.index("从业人员数")] = 20 + i % 50 + 100
        if changed and i in UNKNOWN:
            row[HEADER.index("党员人数")] = "未填"
        out.append(row)
        if i == 3:
            out.append(list(row))  # the same unit twice, identical: kept once
    return out


def counts(output: str) -> dict[str, int]:
    # counts are printed as numbers a person reads (12,000), scripts use --format json
    found = re.search(
        r"单位：新建 ([\d,]+)，更新 ([\d,]+)；快照：新增 ([\d,]+)，更新 ([\d,]+)，未变 ([\d,]+)", output
    )
    assert found, output
    keys = ("units_created", "units_updated", "snapshots_created", "snapshots_updated", "unchanged")
    return dict(zip(keys, (int(g.replace(",", "")) for g in found.groups()), strict=True))


@pytest.mark.slow  # a long file on both backends: CI runs it
def test_long_file_imports_and_a_changed_copy_updates_exactly_the_changed_rows(runner, tmp_path):
    from djgj.ledger.write import BATCH_ROWS

    assert N > 3 * BATCH_ROWS  # the file spans several write rounds
    first = write_csv(tmp_path / "城关镇_2014.csv", rows())
    result = invoke(runner, "import", str(first))
    assert result.exit_code == 0, result.output
    assert f"{N:,} 行" in result.output and "重复出现，内容相同" in result.output
    assert counts(result.output) == {
        "units_created": N,
        "units_updated": 0,
        "snapshots_created": N,
        "snapshots_updated": 0,
        "unchanged": 0,
    }
    assert sql(
        "select count(*), count(distinct credit_code), sum(employees) from units join snapshots s "
        "on s.unit_id = units.id"
    ) == [(N, N - N // NO_CODE, sum(20 + i % 50 for i in range(1, N + 1)))]
    assert sql("select count(*) from snapshots where as_of = '2014-12-31' and party_members = 2") == [(N,)]

    second = write_csv(tmp_path / "城关镇_2014_更正.csv", rows(changed=True))
    result = invoke(runner, "import", str(second))
    assert result.exit_code == 0, result.output
    assert counts(result.output) == {
        "units_created": 0,
        "units_updated": 0,
        "snapshots_created": 0,
        "snapshots_updated": len(CHANGED),
        "unchanged": N - len(CHANGED),
    }
    assert sql("select count(*) from units") == [(N,)]
    changed = sql(
        "select u.name, s.employees from snapshots s join units u on u.id = s.unit_id "
        "where s.employees >= 120 order by u.id"
    )
    assert changed == [(f"测试{i}号有限公司", 20 + i % 50 + 100) for i in sorted(CHANGED)]
    # 未填 is unknown, never a blank that overwrites what the ledger knows.
    assert sql("select count(*) from snapshots where party_members = 2") == [(N,)]

    again = invoke(runner, "import", str(second))
    assert again.exit_code == 0 and "未做任何改动" in again.output
