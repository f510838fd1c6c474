"""The ledger's vocabulary: unit kinds, organisation forms, snapshot fields and their Chinese labels.

One place, so the importer, metrics, renderer and sample generator agree on every spelling.
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "agency": "机关",
    "institution": "事业单位",
    "state_owned": "国有企业",
    "collective": "集体企业",
    "non_public": "非公有制企业",
    "social_org": "社会组织",
    "village": "村",
    "community": "社区",
}

#: Party organisation forms. ``own`` means the sheet said "yes" without naming the form.
PARTY_ORG_FORMS: dict[str, str] = {
    "none": "无",
    "branch": "党支部",
    "general_branch": "党总支",
    "committee": "党委",
    "own": "已建（形式未填）",
    "joint_branch": "联合党支部",
}
OWN_PARTY_ORGS = ("branch", "general_branch", "committee", "own")

#: Union forms. ``committee`` is the unit's own 基层工会委员会.
UNION_FORMS: dict[str, str] = {
    "none": "未建",
    "committee": "基层工会委员会",
    "joint": "联合工会",
    "organizer": "工会组织员",
    "federation": "工会联合会",
}
COVERING_UNIONS = ("committee", "joint", "organizer", "federation")

#: The two families of units, never summed: enterprises and public bodies (judged on employees,
#: thresholds and rates) and villages and communities (judged on coverage).
ENTERPRISE_KINDS = ("agency", "institution", "state_owned", "collective", "non_public", "social_org")
VILLAGE_KINDS = ("village", "community")
FAMILIES: dict[str, tuple[str, ...]] = {"enterprises": ENTERPRISE_KINDS, "villages": VILLAGE_KINDS}
FAMILY_NAMES: dict[str, str] = {"enterprises": "企业和机关事业单位", "villages": "村和社区"}
#: Counts only one family reports (an enterprise's 职工, 女职工, 农民工; a village's 外出务工人员 and
#: 入会积极分子): on a row of the other family, in a list mixing both, a blank cell of such a column is
#: unknown — the unit has nothing there to count —, never the sheet's convention of blank for 0.
FAMILY_ONLY_FIELDS: dict[str, tuple[str, ...]] = {
    "enterprises": ("employees", "female_employees", "migrant_workers"),
    "villages": ("villagers_away", "activists"),
}


def fields_not_of(kind: str | None) -> tuple[str, ...]:
    """The counts only the other family reports (`FAMILY_ONLY_FIELDS`): none for an unknown kind."""
    if kind in VILLAGE_KINDS:
        return FAMILY_ONLY_FIELDS["enterprises"]
    return FAMILY_ONLY_FIELDS["villages"] if kind in ENTERPRISE_KINDS else ()


GRADES: dict[str, str] = {"initial": "初级", "basic": "基本", "standard": "规范化"}

#: Snapshot fields, in ledger order, with their value kind and Chinese label.
SNAPSHOT_FIELDS: dict[str, tuple[str, str]] = {
    "employees": ("count", "从业人员"),
    "female_employees": ("count", "女职工"),
    "migrant_workers": ("count", "农民工"),
    "party_members": ("count", "正式党员"),
    "probationary_members": ("count", "预备党员"),
    "party_org": ("party_org", "党组织"),
    "party_secretary": ("person", "党组织书记"),
    "has_instructor": ("bool", "有党建指导员"),
    "instructor": ("person", "党建指导员"),
    "union_form": ("union_form", "工会"),
    "union_established_on": ("date", "建会时间"),
    "union_members": ("count", "会员"),
    "migrant_union_members": ("count", "农民工会员"),
    "union_chair": ("person", "工会主席"),
    "chair_is_secretary": ("bool", "交叉任职"),
    "standardization": ("grade", "规范化等级"),
    "workers_congress": ("bool", "职代会"),
    "activists": ("count", "入会积极分子"),
    "villagers_away": ("count", "外出务工人员"),
    "ownership": ("text", "企业类型"),
    "industry": ("text", "行业"),
}
COUNT_FIELDS = tuple(k for k, (kind, _) in SNAPSHOT_FIELDS.items() if kind == "count")

#: Unit identity fields (not part of a snapshot).
UNIT_FIELDS: dict[str, str] = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "township": "乡镇",
    "kind": "单位类别",
}

#: Roster fields (one row per person).
ROSTER_FIELDS: dict[str, str] = {
    "person_name": "姓名",
    "sex": "性别",
    "id_number": "公民身份号码",
    "politics": "政治面貌",
    "unit_name": "所在单位",
    "is_migrant": "是否农民工",
    "is_member": "是否会员",
    "joined_on": "入会时间",
    "phone": "联系电话",
    "membership_change": "会籍变化类型",
    "membership_changed_on": "会籍变化日期",
}

LABELS: dict[str, str] = {
    **{k: v for k, (_, v) in SNAPSHOT_FIELDS.items()},
    **UNIT_FIELDS,
    **ROSTER_FIELDS,
    "union_name": "工会名称",
    "seq": "序号",
    "rule": "规则",
    "severity": "性质",
    "message": "说明",
    "source": "依据",
    "as_of": "截至日期",
}

#: Report metrics (docs/domain.md "Figures"): key -> (Chinese label, kind). Kinds: count, rate, grades, names.
METRICS: dict[str, tuple[str, str]] = {
    "orgs": ("单位数", "count"),
    "employees": ("从业人员", "count"),
    "migrant_workers": ("农民工", "count"),
    "party_members": ("党员", "count"),
    "party_member_share": ("党员占从业人员比例", "rate"),
    "party_orgs": ("建立党组织的单位", "count"),
    "party_org_share": ("建立党组织单位占比", "rate"),
    "party_org_required": ("应建党组织单位（党员≥3人）", "count"),
    "party_org_rate": ("党组织应建已建率", "rate"),
    "unions": ("建立工会的单位", "count"),
    "union_share": ("建立工会单位占比", "rate"),
    "union_required": ("应建工会单位", "count"),
    "union_rate": ("建会率", "rate"),
    "union_covered": ("工会组织覆盖单位", "count"),
    "union_coverage_rate": ("工会组织覆盖率", "rate"),
    "union_members": ("工会会员", "count"),
    "member_rate": ("职工入会率", "rate"),
    "member_rate_unionized": ("已建会单位职工入会率", "rate"),
    "migrant_union_members": ("农民工会员", "count"),
    "migrant_member_rate": ("农民工入会率", "rate"),
    "standardization": ("规范化建设（初级/基本/规范化）", "grades"),
    "instructors": ("党建指导员", "count"),
    "new_unions": ("年内新建工会", "count"),
    "new_members": ("年内新增会员", "count"),
    "activists": ("入会积极分子", "count"),
}
