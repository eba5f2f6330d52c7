"""The demo's knowledge base (知识库): the questions the stations are asked most, answered once in each language,
two typical cases (典型案例), and one internal note for the desk. Written by an officer and published by the
provincial director through the operations, so revisions and the search index are as users would leave them.
Idempotent: an article whose title is already there is not written again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo.seed import demo_user
from service.models import (
    RESULT_STATUSES,
    Category,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeKind,
    KnowledgeLanguage,
    ProductArea,
    ServiceRequest,
)
from service.operations.knowledge import ArticleText, create_article, publish_article

ZH, EN = KnowledgeLanguage.ZH, KnowledgeLanguage.EN
ARTICLES: list[tuple[KnowledgeKind, ArticleText]] = [
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "如何判定医疗器械产品的管理类别（分类界定）",
            "医疗器械按风险程度分为**第一类、第二类和第三类**。判定产品类别可按以下步骤：\n\n"
            "1. 对照《医疗器械分类目录》，按产品的预期用途、结构特征和使用形式查找相近的品名举例；\n"
            "2. 目录未列入的，依据《医疗器械分类规则》判定；\n"
            "3. 仍难以确定的，可通过国家药监局医疗器械标准管理中心的“分类界定信息系统”提出分类界定申请，"
            "提交产品说明书、结构组成和工作原理等资料。\n\n"
            "体外诊断试剂按《体外诊断试剂分类规则》单独分类。分站可协助企业准备分类界定申请资料。",
            Category.REGISTRATION_DOSSIER,
            ZH,
            tags="分类, 分类界定, 管理类别, 分类目录",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "How to determine a medical device's classification (class I, II or III)",
            "Medical devices are classified by risk into **class I, II and III**. To classify a product:\n\n"
            "1. look it up in the *Medical Device Classification Catalogue* by intended use, structure and form of "
            "use, and find the nearest example product;\n"
            "2. if it is not listed, apply the *Rules for the Classification of Medical Devices*;\n"
            "3. if it still is not clear, file a classification request in the NMPA standards centre's "
            "classification system with the instructions for use, components and working principle.\n\n"
            "In-vitro diagnostic reagents follow their own classification rules. Your sub-station helps prepare "
            "the classification request.",
            Category.REGISTRATION_DOSSIER,
            EN,
            tags="classification, class, catalogue",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "产品是否符合创新医疗器械特别审查程序",
            "申请创新医疗器械特别审查，产品一般应同时满足：\n\n"
            "- 申请人通过其主导的技术创新活动，在中国依法拥有产品核心技术发明专利权，或已公开且检索报告载明"
            "核心技术方案具备新颖性和创造性；\n"
            "- 产品主要工作原理或作用机理为国内首创，性能或安全性与同类产品比较有根本性改进，技术上处于国际领先水平，"
            "并具有显著的临床应用价值；\n"
            "- 已完成产品的前期研究并具有基本定型产品，研究过程真实和受控。\n\n"
            "创新服务站提供“提前介入、一企一策、全程指导、研审联动”服务，可在申请前对专利、查新和研究资料给予指导。",
            Category.INNOVATIVE_SPECIAL_REVIEW,
            ZH,
            tags="创新, 特别审查, 创新医疗器械, 专利",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "Does a product qualify for the special review of innovative devices?",
            "A product is generally eligible for the special review procedure when all of these hold:\n\n"
            "- the applicant owns, through its own innovation, a Chinese invention patent on the core technology "
            "(or a published application whose search report finds it novel and inventive);\n"
            "- its working principle is a first in China, its performance or safety is fundamentally better than "
            "similar products, and it has significant clinical value;\n"
            "- the early research is done and a basically finalised product exists.\n\n"
            "The innovation service station offers early intervention, one-company-one-policy and full-process "
            "guidance before the application.",
            Category.INNOVATIVE_SPECIAL_REVIEW,
            EN,
            tags="innovative, special review, patent",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "临床评价需要准备哪些资料",
            "临床评价可通过**同品种比对**、**临床试验**或列入免于临床评价目录等路径完成：\n\n"
            "- 列入《免于临床评价医疗器械目录》的，提交与目录内容的对比资料；\n"
            "- 采用同品种路径的，提交与同品种产品在适用范围、技术特征和生物学特性方面的对比，"
            "以及同品种产品的临床数据；\n"
            "- 需开展临床试验的，按《医疗器械临床试验质量管理规范》在备案的临床试验机构开展。\n\n"
            "建议在路径选择前咨询分站，必要时申请与审评部门沟通交流。",
            Category.CLINICAL_EVALUATION,
            ZH,
            tags="临床评价, 同品种, 临床试验",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "What a clinical evaluation needs",
            "A clinical evaluation follows one of three routes:\n\n"
            "- **exempt**: the product is in the catalogue of devices exempt from clinical evaluation; compare it "
            "with the catalogue's description;\n"
            "- **equivalence**: compare it with an equivalent device in scope, technical and biological "
            "characteristics, and use that device's clinical data;\n"
            "- **clinical trial**: run it under GCP for medical devices at a registered trial site.\n\n"
            "Ask your sub-station before choosing the route; a pre-submission meeting with the reviewers can help.",
            Category.CLINICAL_EVALUATION,
            EN,
            tags="clinical evaluation, equivalence, clinical trial",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "注册检验（型式检验）怎么做",
            "注册申报前需提交产品检验报告，可以是企业自检报告，也可以委托有资质的医疗器械检验机构出具。\n\n"
            "- 检验依据为产品技术要求，应覆盖其全部性能指标；\n"
            "- 有源产品通常还需电气安全和电磁兼容检验；\n"
            "- 同一注册单元内的典型型号应能代表其他型号。\n\n"
            "分站可协调省医疗器械检验研究院安排检验排期。",
            Category.TYPE_TESTING,
            ZH,
            tags="检验, 型式检验, 注册检验, 技术要求",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "Type testing for registration",
            "A registration needs a product test report: the enterprise's own test report, or one from an "
            "accredited medical device testing institute.\n\n"
            "- Test against the product technical requirements, every performance item;\n"
            "- active devices also need electrical safety and EMC tests;\n"
            "- the typical model must represent the others of the registration unit.\n\n"
            "The sub-station can help book a slot at the provincial testing institute.",
            Category.TYPE_TESTING,
            EN,
            tags="type testing, test report, technical requirements",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "第二类医疗器械注册申报资料清单",
            "第二类医疗器械注册申报资料主要包括：\n\n"
            "| 资料 | 要点 |\n| --- | --- |\n"
            "| 监管信息 | 申请表、产品名称和分类依据 |\n| 综述资料 | 结构组成、工作原理、适用范围 |\n"
            "| 非临床资料 | 产品技术要求、检验报告、风险管理 |\n| 临床评价资料 | 按所选路径提交 |\n"
            "| 说明书和标签 | 符合说明书和标签管理规定 |\n| 质量管理体系文件 | 注册质量管理体系核查所需资料 |\n\n"
            "资料不全是退回补正的首要原因，提交前可请分站预审。",
            Category.REGISTRATION_DOSSIER,
            ZH,
            tags="注册申报, 申报资料, 第二类",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "The registration dossier for a class II device",
            "A class II registration dossier holds: regulatory information (application form, name and "
            "classification basis); a summary (components, working principle, intended use); non-clinical data "
            "(technical requirements, test reports, risk management); the clinical evaluation; the instructions "
            "for use and labels; and the quality system documents for the registration inspection.\n\n"
            "An incomplete dossier is the first reason for a request to supplement: ask your sub-station to "
            "look it over first.",
            Category.REGISTRATION_DOSSIER,
            EN,
            tags="registration, dossier, class II",
        ),
    ),
    (
        KnowledgeKind.ARTICLE,
        ArticleText(
            "分类界定咨询的办理要点（内部）",
            "受理分类界定咨询时：先核对企业提供的预期用途与结构组成；对照目录给出初步意见时注明依据条款；"
            "意见不明确的，指导企业通过分类界定信息系统提出申请，不在答复中作出确定性结论。",
            Category.REGISTRATION_DOSSIER,
            ZH,
            audience=KnowledgeAudience.INTERNAL,
            tags="分类界定, 办理要点",
        ),
    ),
    (
        KnowledgeKind.CASE,
        ArticleText(
            "某企业血糖管理软件的分类界定",
            "## 问题\n\n某企业开发的血糖管理软件读取某产品的测量结果并给出饮食建议，企业不确定其是否作为医疗器械管理、"
            "属于第几类。\n\n## 答复\n\n分站对照《医疗器械分类目录》21 医用软件子目录："
            "仅记录和展示数据、不给出诊断或治疗建议的，"
            "不作为医疗器械管理；根据测量结果给出用药或治疗建议的，按第二类医疗器械管理。该软件给出胰岛素剂量建议，"
            "建议按第二类申报，并指导企业提交分类界定申请，两周内获得界定结果。",
            Category.REGISTRATION_DOSSIER,
            ZH,
            product_area=ProductArea.SOFTWARE_AI,
            tags="分类, 分类界定, 医用软件",
        ),
    ),
    (
        KnowledgeKind.CASE,
        ArticleText(
            "Classifying an enterprise's glucose management app",
            "## Question\n\nThe enterprise's app reads the product's measurements and gives advice; it was unsure "
            "whether the app is a medical device and of which class.\n\n## Answer\n\nUnder subcategory 21 (medical "
            "software) of the classification catalogue, software that only records and shows data is not a medical "
            "device; software that advises on medication or treatment is class II. The app suggests insulin doses, "
            "so the station advised class II and helped file a classification request, answered within two weeks.",
            Category.REGISTRATION_DOSSIER,
            EN,
            product_area=ProductArea.SOFTWARE_AI,
            tags="classification, medical software",
        ),
    ),
    (
        KnowledgeKind.CASE,
        ArticleText(
            "某企业以同品种比对路径完成临床评价",
            "## 问题\n\n某企业的某产品与已上市产品原理相同，企业担心必须开展临床试验，周期长、费用高。\n\n## 答复\n\n"
            "分站组织定制化专班比对两者的适用范围、技术特征和生物学特性，认为差异不影响安全有效，"
            "指导企业按同品种路径补充对比资料和同品种临床数据，节省了约一年的临床试验周期。",
            Category.CLINICAL_EVALUATION,
            ZH,
            tags="临床评价, 同品种",
        ),
    ),
    (
        KnowledgeKind.CASE,
        ArticleText(
            "Clinical evaluation by the equivalence route",
            "## Question\n\nThe enterprise's product works like one already on the market; it feared a clinical "
            "trial was required.\n\n## Answer\n\nA task force compared scope, technical and biological "
            "characteristics, found the differences did not affect safety or effectiveness, and guided the "
            "enterprise through the equivalence route with the equivalent device's clinical data: about a year "
            "of trial time saved.",
            Category.CLINICAL_EVALUATION,
            EN,
            tags="clinical evaluation, equivalence",
        ),
    ),
]

WRITER = "ccnd.staff@demo.jl.gov.cn"
PUBLISHER = "ccnd.director@demo.jl.gov.cn"


def seed_demo_knowledge(session: Session) -> int:
    """Write and publish the demo's articles and cases that are missing; returns how many were written. A case
    is linked to one of the demo's results of its station, as a drafted one would be."""
    writer, publisher = demo_user(session, WRITER), demo_user(session, PUBLISHER)
    known = set(session.scalars(select(KnowledgeArticle.title)))
    results = list(
        session.scalars(
            select(ServiceRequest.id)
            .where(ServiceRequest.station_id == writer.station_id, ServiceRequest.status.in_(RESULT_STATUSES))
            .order_by(ServiceRequest.id)
            .limit(2)
        )
    )
    written = 0
    for kind, text in ARTICLES:
        if text.title in known:
            continue
        source = results[written % len(results)] if kind == KnowledgeKind.CASE and results else None
        draft = create_article(session, writer, text, kind=kind, source_request_id=source)
        publish_article(session, publisher, draft.id, draft.version)
        written += 1
    return written
