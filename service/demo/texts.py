"""Texts for generated demo data: request titles, descriptions, replies and notes in Chinese and English.

Every text is made of whole sentences, each ending in punctuation, so the
index terms of a text are the terms of its sentences joined
(``sentence_terms`` caches them: the generator cuts each sentence only once).
"""

from __future__ import annotations

import random
from functools import lru_cache

from service.infrastructure.text_index import index_terms
from service.models import Category

# (Chinese name, English name) of products an enterprise of the province might bring.
PRODUCTS = [
    ("一次性使用血管内超声导管", "single-use intravascular ultrasound catheter"),
    ("医用电子内窥镜", "medical electronic endoscope"),
    ("肺结节人工智能辅助诊断软件", "AI lung nodule detection software"),
    ("连续血糖监测系统", "continuous glucose monitoring system"),
    ("可吸收骨科固定螺钉", "absorbable orthopaedic fixation screw"),
    ("新型冠状病毒抗原检测试剂盒", "SARS-CoV-2 antigen test kit"),
    ("体外膜肺氧合系统", "ECMO system"),
    ("全自动化学发光免疫分析仪", "automated chemiluminescence immunoassay analyser"),
    ("腹腔镜手术机器人", "laparoscopic surgical robot"),
    ("数字化X射线摄影系统", "digital radiography system"),
    ("植入式心脏起搏器", "implantable cardiac pacemaker"),
    ("疏水性丙烯酸酯人工晶状体", "hydrophobic acrylic intraocular lens"),
    ("口腔种植体系统", "dental implant system"),
    ("中医脉诊仪", "TCM pulse diagnosis device"),
    ("下肢康复外骨骼机器人", "lower-limb rehabilitation exoskeleton"),
    ("多参数患者监护仪", "multi-parameter patient monitor"),
    ("医用分子筛制氧机", "medical molecular-sieve oxygen concentrator"),
    ("人参皂苷检测试剂", "ginsenoside assay reagent"),
    ("冠状动脉药物洗脱支架", "drug-eluting coronary stent"),
    ("血液透析浓缩液", "haemodialysis concentrate"),
    ("超声骨刀", "ultrasonic bone scalpel"),
    ("心电图机", "electrocardiograph"),
    ("磁共振成像系统", "magnetic resonance imaging system"),
    ("一次性使用输液器", "single-use infusion set"),
    ("医用防护口罩", "medical protective mask"),
    ("核酸扩增检测分析仪", "nucleic acid amplification analyser"),
    ("眼科光学相干断层扫描仪", "ophthalmic OCT scanner"),
    ("医用外科缝合线", "surgical suture"),
    ("病理图像分析软件", "pathology image analysis software"),
    ("射频消融导管", "radiofrequency ablation catheter"),
]

CITIES = ["长春", "吉林", "通化", "梅河口", "辽源", "敦化", "四平", "延吉", "白山", "松原"]
BRANDS = [
    "博远",
    "康达",
    "华瑞",
    "鑫源",
    "天成",
    "瑞康",
    "恒信",
    "普济",
    "安泰",
    "中科",
    "聚能",
    "同创",
    "长白",
    "松江",
    "北辰",
    "东信",
    "新元",
    "德润",
    "佳禾",
    "益生",
    "明睿",
    "致远",
    "宏图",
    "盛世",
]
SUFFIXES = [
    "医疗科技有限公司",
    "生物医学有限公司",
    "医疗器械股份有限公司",
    "生物技术有限公司",
    "智能医疗科技有限公司",
    "光电医疗设备有限公司",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "志强"]

TITLES_ZH: dict[Category, list[str]] = {
    Category.REGISTRATION_DOSSIER: ["{p}注册申报资料准备咨询", "{p}首次注册资料补正问题", "关于{p}延续注册的咨询"],
    Category.CLINICAL_EVALUATION: ["{p}临床评价路径选择", "{p}同品种比对临床评价资料不足", "{p}临床试验方案设计咨询"],
    Category.BIOLOGICAL_EVALUATION: ["{p}生物学评价项目确定", "{p}生物相容性试验豁免咨询"],
    Category.TYPE_TESTING: ["{p}型式检验报告问题", "{p}产品技术要求编制与检验", "{p}电磁兼容检验未通过"],
    Category.INNOVATIVE_SPECIAL_REVIEW: ["{p}申请创新医疗器械特别审查", "{p}创新审查申请材料咨询"],
    Category.PRIORITY_REVIEW: ["{p}优先审批申请咨询", "{p}是否符合优先审批条件"],
    Category.QUALITY_SYSTEM: ["{p}生产许可现场核查准备", "{p}质量管理体系文件编制指导"],
    Category.RESEARCH_TRANSFORMATION: ["{p}科研成果转化路径", "高校团队{p}成果产业化咨询"],
    Category.POLICY: ["关于{p}分类界定的政策咨询", "{p}注册人制度委托生产政策咨询"],
    Category.OTHER: ["{p}相关问题咨询", "{p}急难愁盼问题求助"],
}
TITLES_EN: dict[Category, list[str]] = {
    Category.REGISTRATION_DOSSIER: ["Registration dossier for our {p}", "Dossier deficiency notice for the {p}"],
    Category.CLINICAL_EVALUATION: ["Clinical evaluation route for the {p}", "Clinical trial design for the {p}"],
    Category.BIOLOGICAL_EVALUATION: ["Biological evaluation plan for the {p}", "Biocompatibility waiver for the {p}"],
    Category.TYPE_TESTING: ["Type testing report of the {p}", "EMC test failure of the {p}"],
    Category.INNOVATIVE_SPECIAL_REVIEW: ["Special review application for the innovative {p}"],
    Category.PRIORITY_REVIEW: ["Priority review eligibility of the {p}"],
    Category.QUALITY_SYSTEM: ["Quality system inspection for the {p}", "Production licence for the {p}"],
    Category.RESEARCH_TRANSFORMATION: ["Turning university research on the {p} into a product"],
    Category.POLICY: ["Classification question for the {p}", "Contract manufacturing policy for the {p}"],
    Category.OTHER: ["Question about the {p}", "Urgent difficulty with the {p}"],
}

OPENINGS_ZH = [
    "我公司是一家位于{c}的医疗器械企业，目前正在研发{p}。",
    "我们是{c}的一家初创企业，主营产品为{p}。",
    "本企业{p}项目已进入关键阶段。",
    "我司{p}已完成样机试制。",
]
DIFFICULTIES_ZH: dict[Category, list[str]] = {
    Category.REGISTRATION_DOSSIER: [
        "注册申报资料的编写要求不清楚，尤其是研究资料部分。",
        "收到补正通知后不知如何准备注册资料。",
    ],
    Category.CLINICAL_EVALUATION: ["不确定能否通过同品种比对完成临床评价。", "临床试验的样本量和评价指标难以确定。"],
    Category.BIOLOGICAL_EVALUATION: [
        "生物学评价需要开展哪些试验项目不明确。",
        "希望了解已有文献能否替代部分生物学试验。",
    ],
    Category.TYPE_TESTING: ["型式检验排队时间较长，影响整体进度。", "电磁兼容检验两次未通过，整改方向不明。"],
    Category.INNOVATIVE_SPECIAL_REVIEW: [
        "产品具有核心技术发明专利，希望申请创新医疗器械特别审查。",
        "创新审查申请材料中的创新性论述如何撰写。",
    ],
    Category.PRIORITY_REVIEW: ["产品用于罕见病诊断，希望了解优先审批的条件。", "临床急需的产品能否走优先审批通道。"],
    Category.QUALITY_SYSTEM: ["即将迎来生产许可现场核查，质量管理体系文件尚不完善。", "委托生产的质量协议如何约定。"],
    Category.RESEARCH_TRANSFORMATION: ["高校科研成果转化为产品的注册路径不清楚。", "科研样机如何满足产品技术要求。"],
    Category.POLICY: ["产品的管理类别难以判断，需要分类界定。", "想了解注册人制度下跨省委托生产的政策。"],
    Category.OTHER: ["遇到卡脖子问题，关键零部件依赖进口。", "资金和人才方面存在急难愁盼问题。"],
}
CLOSINGS_ZH = [
    "希望服务站给予指导。",
    "恳请专家提前介入，帮助我们梳理申报路径。",
    "盼望一企一策全程指导。",
    "希望能安排局长热线沟通。",
]

OPENINGS_EN = [
    "We are a medical device company in {c} developing a {p}.",
    "Our start-up in {c} makes a {p}.",
    "Our {p} project has reached a critical stage.",
]
DIFFICULTIES_EN: dict[Category, list[str]] = {
    Category.REGISTRATION_DOSSIER: ["We are unsure how to write the research section of the registration dossier."],
    Category.CLINICAL_EVALUATION: [
        "We do not know whether an equivalent-device comparison is enough for clinical evaluation."
    ],
    Category.BIOLOGICAL_EVALUATION: ["Which biocompatibility tests are required is unclear to us."],
    Category.TYPE_TESTING: ["The EMC test failed twice and we need guidance on the fixes."],
    Category.INNOVATIVE_SPECIAL_REVIEW: [
        "The device holds a core invention patent and we want the special review procedure."
    ],
    Category.PRIORITY_REVIEW: ["The device diagnoses a rare disease, so we ask about priority review."],
    Category.QUALITY_SYSTEM: ["The production licence inspection is coming and our quality manual is incomplete."],
    Category.RESEARCH_TRANSFORMATION: [
        "A university team wants to turn its research prototype into a registered product."
    ],
    Category.POLICY: ["The classification of the device is unclear to us."],
    Category.OTHER: ["A key component is imported and supply is at risk."],
}
CLOSINGS_EN = [
    "Please advise.",
    "We would welcome early intervention by the station.",
    "We ask for a director hotline session.",
]

REPLIES_ZH = [
    "您好，已收到您的咨询，我们将安排专人跟进。",
    "建议参照相关技术指导原则准备资料，并补充风险分析报告。",
    "请补充产品技术要求和型式检验报告，以便进一步评估。",
    "经研究，该产品可按同品种比对路径开展临床评价。",
    "已为贵公司制定一企一策服务方案，请按里程碑推进。",
    "建议尽快提交创新医疗器械特别审查申请。",
]
REPLIES_EN = [
    "Thank you, a staff member will follow up on your request.",
    "Please send the product technical requirements and the type testing report.",
    "The equivalent-device route looks feasible for the clinical evaluation.",
]
ENTERPRISE_REPLIES = [
    "已按要求补充资料，请查收。",
    "谢谢指导，我们将尽快整改。",
    "补充材料已上传，烦请审阅。",
    "We have uploaded the missing documents.",
    "Thank you for the guidance.",
]
NOTES_ZH = [
    "已与审评中心沟通，该企业资料准备不充分，建议安排现场指导。",
    "企业反映情况属实，列入重点帮扶名单。",
    "需协调检验所加快检验排期。",
    "该产品技术路线较新，建议组建定制化专班。",
    "注意：企业负责人近期变更，联系人待确认。",
]
NOTES_EN = [
    "Checked with the review centre: the dossier is weak, an on-site visit is advised.",
    "Escalate to the task force if no progress by next week.",
]
SUMMARIES = [
    "已完成指导，企业按建议完成资料补正。",
    "问题已解决，企业已提交注册申请。",
    "Guidance given; the enterprise filed its dossier.",
]
# The policy basis of an explanation (已解释说明) and the reason of a result not feasible (暂不具备条件).
BASES = [
    "依据《医疗器械注册与备案管理办法》第四十五条，该情形须提交临床试验资料。",
    "依据《创新医疗器械特别审查程序》，申请须具备核心技术发明专利。",
    "按《医疗器械分类目录》，该产品属第三类，须由国家局审批。",
]
NOT_FEASIBLE = [
    "相关检验能力尚未建立，待省检院完成资质扩项后再行安排。",
    "企业尚未取得生产场地，暂不具备体系核查条件。",
]
VISIT_COMMENTS = [
    "企业表示满意，感谢服务站的指导。",
    "企业认为答复及时，问题已解决。",
    "企业反映答复过于笼统，希望进一步现场指导。",
    "企业称问题仍未解决，要求重新办理。",
]
REDO_REASONS = ["回访不满意：请与企业当面沟通，逐项答复其疑问。", "问题未解决：请协调检验所给出明确排期。"]
REMINDERS = ["请抓紧办理，本周内向企业反馈。", "该件已临近期限，请优先处理。"]
TYPICAL_NOTES = [
    "提前介入、全程指导，企业一次通过技术审评，可供同类企业参考。",
    "研审联动化解卡脖子问题，做法可复制推广。",
    "一企一策精准服务，缩短注册周期，列为本月典型案例。",
]
REASONS = ["企业主动撤回。", "不属于服务站受理范围。", "重复提交。", "Duplicate of an earlier request."]


# A return's reason (service.models.ReturnReason's values) and what the officer wrote with it.
RETURN_NOTES = {
    "not_my_remit": "属于临床评价组，请改派。",
    "outside_area": "企业注册地在其他分站辖区。",
    "incomplete": "缺少产品技术要求和检验报告编号，请先补全。",
    "other": "本周外出参加审评培训，请改派他人。",
}
EXTENSION_REASONS = [
    "型式检验报告预计下月出具，需待报告后给出完整意见。",
    "需组织专家论证临床评价路径，时间较长。",
    "企业补充资料尚未提交完整，需延长办理时间。",
    "涉及跨部门协调，需等待省局相关处室意见。",
]


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


@lru_cache(maxsize=100_000)
def sentence_terms(sentence: str) -> str:
    return index_terms(sentence)


def terms_of(sentences: list[str]) -> str:
    return " ".join(filter(None, map(sentence_terms, sentences)))


def request_text(rng: random.Random, category: Category, english: bool) -> tuple[str, str, list[str]]:
    """(product name, title, description sentences) of one request."""
    product_zh, product_en = PRODUCTS[rng.randrange(len(PRODUCTS))]
    city = _pick(rng, CITIES)
    if english:
        product, titles, openings = product_en, TITLES_EN, OPENINGS_EN
        difficulties, closings = DIFFICULTIES_EN, CLOSINGS_EN
    else:
        product, titles, openings = product_zh, TITLES_ZH, OPENINGS_ZH
        difficulties, closings = DIFFICULTIES_ZH, CLOSINGS_ZH
    title = _pick(rng, titles[category]).format(p=product)
    body = [_pick(rng, openings).format(c=city, p=product), _pick(rng, difficulties[category]), _pick(rng, closings)]
    return product, title, body


def reply(rng: random.Random, english: bool) -> str:
    return _pick(rng, REPLIES_EN if english else REPLIES_ZH)


def enterprise_reply(rng: random.Random) -> str:
    return _pick(rng, ENTERPRISE_REPLIES)


def note(rng: random.Random, english: bool) -> str:
    return _pick(rng, NOTES_EN if english else NOTES_ZH)


def summary(rng: random.Random) -> str:
    return _pick(rng, SUMMARIES)


def reason(rng: random.Random) -> str:
    return _pick(rng, REASONS)


def person_name(rng: random.Random) -> str:
    return _pick(rng, list(SURNAMES)) + _pick(rng, GIVEN)


def enterprise_name(rng: random.Random) -> tuple[str, str]:
    """(name, city) of a made-up company."""
    city = _pick(rng, CITIES)
    return f"{city}{_pick(rng, BRANDS)}{_pick(rng, SUFFIXES)}", city + "市"


def basis(rng: random.Random, feasible: bool) -> str:
    return _pick(rng, BASES if feasible else NOT_FEASIBLE)


def visit_comment(rng: random.Random, satisfied: bool) -> str:
    return VISIT_COMMENTS[rng.randrange(2) if satisfied else 2 + rng.randrange(2)]


def redo_reason(rng: random.Random) -> str:
    return _pick(rng, REDO_REASONS)


def reminder(rng: random.Random) -> str:
    return _pick(rng, REMINDERS)


def typical_note(rng: random.Random) -> str:
    return _pick(rng, TYPICAL_NOTES)
