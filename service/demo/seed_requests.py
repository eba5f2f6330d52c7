"""Demo requests in every status, made through the real operations (so events, SLA and notifications are real).

Idempotent: nothing happens when the demo requests are already there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo.seed import DEMO_ENTERPRISES, demo_enterprise, demo_user
from service.demo.seed_plans import active_boshi_plan
from service.models import (
    Category,
    Channel,
    DeviceClass,
    Enterprise,
    LifecycleStage,
    Priority,
    ProductField,
    ProductType,
    ReminderClock,
    ResultCategory,
    ReturnReason,
    Satisfaction,
    ServiceRequest,
    SupervisionOrder,
    User,
)
from service.models.base import utcnow
from service.operations import accounts, escalation, plans, supervision
from service.operations.attachments import Upload
from service.operations.relations import merge_request
from service.operations.reminders import remind_request, send_reminder
from service.operations.requests import (
    RequestDraft,
    add_message,
    redo_request,
    submit_request,
    take_action,
    triage_request,
)
from service.operations.supervision_orders import OrderDraft, act_on_order, issue_order
from service.operations.typical_cases import flag_typical_case
from service.operations.visits import VisitInput, record_visit
from service.queries.monthly_report import default_month
from service.rules.extensions import ExtensionAction
from service.rules.lifecycle import Action
from service.rules.reminders import Stage
from service.rules.supervision_orders import OrderAction
from service.store.settings import DeskSettings

KEY_PREFIX = "demo-"


class _Demo:
    """One story at a time: submit, then act on it at later moments of its own clock."""

    def __init__(self, session: Session, settings: DeskSettings, now: datetime) -> None:
        self.session, self.settings, self.now = session, settings, now
        self.count = 0

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def submit(
        self,
        who: User,
        days_ago: float,
        title: str,
        description: str,
        category: Category,
        stage: LifecycleStage,
        files: tuple[Upload, ...] = (),
        on_behalf: Enterprise | None = None,
        **product: Any,  # RequestDraft's product fields
    ) -> ServiceRequest:
        self.count += 1
        draft = RequestDraft(
            title=title,
            description=description,
            category=category,
            lifecycle_stage=stage,
            idempotency_key=f"{KEY_PREFIX}{self.count:02d}",
            **product,
        )
        return submit_request(
            self.session,
            who,
            draft,
            files,
            settings=self.settings,
            now=self.at(days_ago),
            enterprise_id=on_behalf.id if on_behalf else None,
        )

    def triage(
        self, request: ServiceRequest, staff: User, days_ago: float, priority: Priority, to: User | None = None
    ) -> ServiceRequest:
        """``staff`` triages and takes the request, or dispatches it ``to`` a colleague (who must sign for it)."""
        return triage_request(
            self.session,
            staff,
            request.id,
            request.version,
            category=request.category,
            priority=priority,
            lifecycle_stage=request.lifecycle_stage,
            assignee_id=(to or staff).id,
            settings=self.settings,
            now=self.at(days_ago),
        )

    def extension(self, request: ServiceRequest, officer: User, days_ago: float, days: int, reason: str) -> None:
        """``officer`` asks to finish ``days`` days after the present due date."""
        due = request.resolution_due_at or self.at(days_ago)
        supervision.ask_extension(
            self.session,
            officer,
            request.id,
            request.version,
            supervision.ExtensionAsk((due + timedelta(days=days)).date(), reason, "企业已书面说明原因。"),
            settings=self.settings,
            now=self.at(days_ago),
        )

    def decide(
        self, request: ServiceRequest, head: User, days_ago: float, action: ExtensionAction, comment: str
    ) -> None:
        """``head`` approves or refuses the request's pending extension."""
        supervision.decide_extension(
            self.session,
            head,
            request.id,
            request.version,
            action,
            comment,
            settings=self.settings,
            now=self.at(days_ago),
        )

    def act(self, request: ServiceRequest, who: User, days_ago: float, action: Action, **inputs: Any) -> ServiceRequest:
        return take_action(
            self.session,
            who,
            request.id,
            request.version,
            action,
            settings=self.settings,
            now=self.at(days_ago),
            **inputs,
        )

    def flag_typical(self, request: ServiceRequest, head: User, days_ago: float, note: str) -> ServiceRequest:
        return flag_typical_case(
            self.session, head, request.id, request.version, typical=True, note=note, now=self.at(days_ago)
        )

    def say(self, request: ServiceRequest, who: User, days_ago: float, body: str, internal: bool = False) -> None:
        add_message(
            self.session, who, request.id, body, internal=internal, settings=self.settings, now=self.at(days_ago)
        )


class _Orders:
    """Supervision orders (督办) of the demo: one in each tier, one awaiting acceptance, one concluded after a
    send-back, one on a service plan."""

    def __init__(self, session: Session, demo: _Demo, director: User) -> None:
        self.session, self.demo, self.director = session, demo, director

    def issue(
        self, issue: str, requirement: str, days_ago: float, due_in_days: float, **subject: int
    ) -> SupervisionOrder:
        return issue_order(
            self.session,
            self.director,
            OrderDraft(issue, requirement, self.demo.now + timedelta(days=due_in_days)),
            now=self.demo.at(days_ago),
            **subject,
        )

    def step(self, order: SupervisionOrder, who: User, action: OrderAction, days_ago: float, text: str = "") -> None:
        act_on_order(self.session, who, order.id, order.version, action, text, now=self.demo.at(days_ago))
        self.session.refresh(order)


def _text_file(name: str, text: str) -> Upload:
    return Upload(name, "text/plain", text.encode("utf-8"))


def _stories(session: Session, demo: _Demo) -> list[Callable[[], object]]:
    boshi, _, ruikang = (demo_enterprise(session, n) for n in range(len(DEMO_ENTERPRISES)))
    liu, zhang, wu = (
        demo_user(session, e)
        for e in (
            "contact@boshi-med.example.cn",
            "contact@kangning-bio.example.cn",
            "contact@ruikang-implant.example.cn",
        )
    )
    zhao, zhou = demo_user(session, "ccnd.staff@demo.jl.gov.cn"), demo_user(session, "ccnd.director@demo.jl.gov.cn")
    chen, sun = (demo_user(session, f"tonghua.{who}@demo.jl.gov.cn") for who in ("staff", "director"))
    hub = demo_user(session, "hub.staff@demo.jl.gov.cn")
    orders = _Orders(session, demo, demo_user(session, "director@demo.jl.gov.cn"))
    software: dict[str, Any] = dict(
        product_name="肺结节CT影像辅助检测软件",
        device_class=DeviceClass.III,
        product_type=ProductType.ACTIVE,
        product_field=ProductField.F21,
        innovative=True,
    )
    reagent: dict[str, Any] = dict(
        product_name="心肌肌钙蛋白I测定试剂盒（化学发光法）",
        device_class=DeviceClass.III,
        product_type=ProductType.IVD,
        product_field=ProductField.IVD_REAGENT,
    )
    stent: dict[str, Any] = dict(
        product_name="可降解镁合金骨科内固定螺钉",
        device_class=DeviceClass.III,
        product_type=ProductType.NON_ACTIVE,
        product_field=ProductField.F13,
        innovative=True,
    )

    # References of stories' requests that a later story refers to (a duplicate merged into one).
    kept: dict[str, str] = {}

    def submitted() -> None:
        demo.submit(
            liu,
            0.2,
            "AI辅助诊断软件注册申报资料准备",
            "我司肺结节CT影像辅助检测软件拟申报第三类医疗器械注册，请指导软件描述文档、算法性能评估报告的编写要求。",
            Category.REGISTRATION_DOSSIER,
            LifecycleStage.REGISTRATION_SUBMISSION,
            files=(_text_file("软件描述文档目录.txt", "1 概述\n2 软件功能\n3 算法设计\n4 性能评估\n"),),
            **software,
        )

    def triaged() -> None:
        r = demo.submit(
            liu,
            3,
            "医学影像设备型式检验送检咨询",
            "请问产品送检前需要准备哪些技术要求文件，检验周期大约多长？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **software,
        )
        demo.triage(r, zhao, 2.9, Priority.P3)
        kept["type_testing"] = r.reference
        demo.say(r, zhao, 2.8, "企业此前已咨询过省检院，需核对检验项目是否覆盖网络安全要求。", internal=True)
        # Blue: its report is due within a working day.
        orders.issue("企业反映送检排期不明确。", "明确送检项目和排期，报送落实情况。", 1, 0.1, request_id=r.id)

    def intervention() -> None:
        r = demo.submit(
            liu,
            8,
            "创新医疗器械特别审查申请材料把关",
            "拟申请创新医疗器械特别审查，请帮助评估核心专利和创新性论述是否充分。",
            Category.INNOVATIVE_SPECIAL_REVIEW,
            LifecycleStage.RESEARCH,
            **software,
        )
        r = demo.triage(r, zhao, 7.9, Priority.P2)
        r = demo.act(r, zhao, 7.8, Action.START_INTERVENTION)
        demo.say(r, zhao, 7.7, "已收到材料，本周内安排专家对专利与创新性论述进行预审。")
        demo.say(r, liu, 7.5, "谢谢，我们补充了国内外同类产品对比表。")
        # Yellow: a day past its deadline.
        orders.issue("专家预审未按承诺时间安排。", "说明原因并确定预审时间。", 5, -1, request_id=r.id)

    def guidance() -> None:
        r = demo.submit(
            liu,
            20,
            "深度学习软件临床评价路径",
            "产品能否通过同品种比对完成临床评价，还是必须开展临床试验？",
            Category.CLINICAL_EVALUATION,
            LifecycleStage.CLINICAL_EVALUATION,
            **software,
        )
        r = demo.triage(r, zhao, 19.9, Priority.P2)
        r = demo.act(r, zhao, 19.8, Action.START_INTERVENTION)
        plan = active_boshi_plan(session, zhao, zhou, boshi)
        r = plans.link_request_to_plan(session, zhao, r.id, plan.id, r.version)
        r = demo.act(r, zhao, 19, Action.START_GUIDANCE)
        demo.say(r, zhao, 18, "已纳入“一企一策”服务方案，建议开展前瞻性多中心临床试验，方案设计阶段提前沟通。")
        # On the plan, on schedule.
        orders.issue("临床试验方案节点需提前。", "报送调整后的节点安排。", 2, 10, plan_id=plan.id)

    def waiting() -> None:
        r = demo.submit(
            liu,
            5,
            "网络安全注册审查要点咨询",
            "软件涉及云端部署，网络安全资料应如何准备？",
            Category.REGISTRATION_DOSSIER,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **software,
        )
        r = demo.triage(r, zhao, 4.9, Priority.P3)
        demo.act(
            r,
            zhao,
            4.8,
            Action.REQUEST_INFO,
            message="请补充产品的数据流向图和云端部署架构说明，以便我们给出针对性意见。",
        )
        order = orders.issue("网络安全咨询答复需加快。", "三日内报送落实情况。", 4, 2, request_id=r.id)
        orders.step(order, zhao, OrderAction.REPORT, 3, "已请企业补充数据流向图，收到后两日内答复。")

    def escalated() -> None:
        r = demo.submit(
            liu,
            12,
            "科研成果转化合作对接",
            "我司与吉林大学合作的超声成像算法成果，如何以委托研发方式完成转化并申报注册？",
            Category.RESEARCH_TRANSFORMATION,
            LifecycleStage.RESEARCH,
            urgent=True,
            **software,
        )
        r = demo.triage(r, zhao, 11.9, Priority.P2)
        demo.act(r, zhao, 11.8, Action.START_INTERVENTION)
        escalation.escalate_request(session, zhao, r.id, "涉及高校成果权属，需局领导协调。", now=demo.at(11))
        # Red: long past its deadline, reported once and sent back.
        order = orders.issue("成果转化协调进展缓慢。", "两个工作日内报送协调结果。", 10.9, -9, request_id=r.id)
        orders.step(order, zhao, OrderAction.REPORT, 10, "已与高校技术转移中心沟通。")
        orders.step(order, orders.director, OrderAction.SEND_BACK, 9.5, "请写明权属约定和时间表。")

    def resolved() -> None:
        r = demo.submit(
            zhang,
            6,
            "体外诊断试剂临床试验方案设计",
            "化学发光法肌钙蛋白试剂盒临床试验样本量如何确定？",
            Category.CLINICAL_EVALUATION,
            LifecycleStage.CLINICAL_EVALUATION,
            **reagent,
        )
        r = demo.triage(r, chen, 5.9, Priority.P3)
        r = demo.act(r, chen, 5.8, Action.START_INTERVENTION)
        demo.say(r, chen, 5.5, "建议参照《体外诊断试剂临床试验技术指导原则》，按灵敏度、特异度分别估算样本量。")
        order = orders.issue("企业反映样本量问题久未答复。", "两日内答复企业并报送。", 5, -3, request_id=r.id)
        orders.step(order, chen, OrderAction.REPORT, 3, "已书面答复企业样本量估算方法。")
        orders.step(order, orders.director, OrderAction.ACCEPT, 2.5, "同意办结。")
        demo.act(r, chen, 2, Action.RESOLVE, summary="已给出样本量估算方法和临床机构选择建议，企业已据此修改方案。")

    def closed() -> None:
        r = demo.submit(
            zhang,
            30,
            "生产许可现场核查准备",
            "首次申请第三类体外诊断试剂生产许可，现场核查关注哪些要点？",
            Category.QUALITY_SYSTEM,
            LifecycleStage.POST_MARKET,
            **reagent,
        )
        r = demo.triage(r, chen, 29.9, Priority.P3)
        r = demo.act(r, chen, 29.8, Action.START_INTERVENTION)
        r = demo.act(
            r, chen, 25, Action.RESOLVE, summary="已对照《医疗器械生产质量管理规范》附录逐条预检，企业完成整改。"
        )
        r = demo.act(r, zhang, 24, Action.CONFIRM, rating=5, message="指导非常及时，现场核查一次通过。")
        demo.flag_typical(r, sun, 23, "首次生产许可现场核查前逐条预检，一次通过，可供同类企业参考。")

    def reopened() -> None:
        r = demo.submit(
            zhang,
            15,
            "政策咨询：跨省委托生产",
            "我司拟委托外省企业生产，注册人制度下有哪些要求？",
            Category.POLICY,
            LifecycleStage.POST_MARKET,
        )
        r = demo.triage(r, chen, 14.9, Priority.P4)
        r = demo.act(r, chen, 14.8, Action.START_INTERVENTION)
        r = demo.act(r, chen, 10, Action.RESOLVE, summary="已说明注册人委托生产的质量协议和跨省监管要求。")
        demo.act(r, zhang, 9, Action.REOPEN, reason="受托方所在省份要求补充材料，原答复未覆盖，需要进一步指导。")

    def declined() -> None:
        r = demo.submit(
            zhang,
            4,
            "优先审批条件咨询",
            "普通第二类试剂能否申请优先审批？",
            Category.PRIORITY_REVIEW,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **reagent,
        )
        demo.act(r, chen, 3.9, Action.DECLINE, reason="该产品不属于优先审批情形，已电话告知企业可按常规程序申报。")

    def withdrawn() -> None:
        r = demo.submit(
            wu,
            9,
            "可降解螺钉生物学评价",
            "可降解镁合金螺钉的降解产物生物学评价如何开展？",
            Category.BIOLOGICAL_EVALUATION,
            LifecycleStage.RESEARCH,
            **stent,
        )
        demo.act(r, wu, 8, Action.WITHDRAW, reason="已委托第三方检测机构出具方案，暂不需要指导。")

    def on_behalf() -> None:
        demo.submit(
            hub,
            6,
            "骨科植入物注册检验进度（电话来访）",
            "企业来电反映注册检验排队时间较长，希望协调检验机构加快进度。",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            on_behalf=ruikang,
            channel=Channel.PHONE,
            urgent=True,
            **stent,
        )

    def returned() -> None:
        r = demo.submit(
            liu,
            2,
            "影像设备网络安全漏洞评估咨询",
            "产品新增远程运维功能，网络安全漏洞评估报告应覆盖哪些内容？",
            Category.REGISTRATION_DOSSIER,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **software,
        )
        r = demo.triage(r, zhou, 1.9, Priority.P3, to=zhao)
        supervision.return_request(
            session,
            zhao,
            r.id,
            r.version,
            ReturnReason.INCOMPLETE,
            "企业未说明远程运维的数据传输方式，请先联系企业补充后再分办。",
            now=demo.at(1.8),
        )

    def signed_for() -> None:
        r = demo.submit(
            liu,
            1,
            "软件版本命名规则咨询",
            "软件更新后版本号如何命名，哪些变化需要办理变更注册？",
            Category.POLICY,
            LifecycleStage.POST_MARKET,
            **software,
        )
        r = demo.triage(r, zhou, 0.95, Priority.P3, to=zhao)
        r = supervision.sign_for(session, zhao, r.id, r.version, now=demo.at(0.9))
        demo.act(r, zhao, 0.85, Action.START_INTERVENTION)

    def awaiting_sign_for() -> None:
        r = demo.submit(
            liu,
            0.3,
            "注册自检报告要求咨询",
            "自检报告需要具备哪些条件才能被注册申报接受？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **software,
        )
        demo.triage(r, zhou, 0.25, Priority.P3, to=zhao)

    def extended() -> None:
        r = demo.submit(
            liu,
            40,
            "临床试验多中心伦理审查协调",
            "多中心临床试验各中心伦理审查意见不一致，如何协调？",
            Category.CLINICAL_EVALUATION,
            LifecycleStage.CLINICAL_EVALUATION,
            **software,
        )
        r = demo.triage(r, zhao, 39.9, Priority.P3)
        r = demo.act(r, zhao, 39.8, Action.START_INTERVENTION)
        demo.extension(r, zhao, 20, 30, "需等待牵头中心伦理委员会复审结论，预计一个月内出具，届时给出完整协调意见。")
        demo.decide(r, zhou, 19.5, ExtensionAction.APPROVE, "同意延期一个月。")

    def refused_not_feasible() -> None:
        # Dispatched and signed for; the extension refused; closed as not feasible; the head's visit finds the
        # enterprise very dissatisfied (a redo is the head's to decide).
        r = demo.submit(
            liu,
            24,
            "注册检验报告加急出具协调",
            "我司产品已进入创新医疗器械特别审查，希望省检院三周内出具注册检验报告，能否协调加急？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **software,
        )
        r = demo.triage(r, zhou, 23.9, Priority.P3, to=zhao)
        r = supervision.sign_for(session, zhao, r.id, r.version, now=demo.at(23.8))
        r = demo.act(r, zhao, 23.7, Action.START_INTERVENTION)
        demo.extension(r, zhao, 12, 14, "需等待省检院排期会商结果，预计两周内答复。")
        demo.decide(r, zhou, 11.5, ExtensionAction.REFUSE, "排期情况已明确，请按原期限答复企业，不同意延期。")
        r = demo.act(
            r,
            zhao,
            10,
            Action.RESOLVE,
            summary="省检院现有排期无法在三周内出具报告，暂不具备加急条件；已协助企业预约最早的送检档期。",
            result_category=ResultCategory.NOT_FEASIBLE,
            result_basis="加急检验仅适用于应急审批情形（《医疗器械应急审批程序》），本产品不在其列。",
        )
        visit = VisitInput(Satisfaction.VERY_UNSATISFIED, False, "企业认为服务站未尽力协调检验机构，对答复很不满意。")
        record_visit(session, zhou, r.id, r.version, visit, settings=demo.settings, now=demo.at(9))

    def extension_pending() -> None:
        r = demo.submit(
            zhang,
            18,
            "体外诊断试剂稳定性研究方案",
            "加速稳定性研究能否替代实时稳定性研究用于注册申报？",
            Category.REGISTRATION_DOSSIER,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **reagent,
        )
        r = demo.triage(r, chen, 17.9, Priority.P3)
        r = demo.act(r, chen, 17.8, Action.START_INTERVENTION)
        demo.extension(r, chen, 1, 14, "需等待省检院对稳定性研究方案的技术意见，预计两周内答复。")

    def reminded() -> None:
        r = demo.submit(
            liu,
            9,
            "注册检验排期协调",
            "肺结节软件的注册检验已送检两个月，检验所仍未排期，能否协助协调？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **software,
        )
        r = demo.triage(r, zhao, 8.9, Priority.P2)
        # The sweep's reminder at three quarters of the time limit, then the station head's own.
        send_reminder(session, r, None, ReminderClock.RESOLUTION, demo.at(2), stage=Stage.APPROACHING)
        session.commit()
        remind_request(session, zhou, r.id, r.version, "企业已两次来电，请本周内给出检验排期答复。", now=demo.at(1))

    def redone() -> None:
        r = demo.submit(
            zhang,
            20,
            "检验报告有效期咨询",
            "注册检验报告出具已满一年，申报时是否仍然有效？",
            Category.TYPE_TESTING,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **reagent,
        )
        r = demo.triage(r, chen, 19.9, Priority.P3)
        r = demo.act(r, chen, 12, Action.RESOLVE, summary="检验报告在产品未变更的情况下可继续使用。")
        visit = VisitInput(Satisfaction.UNSATISFIED, False, "企业称答复过于笼统，未说明产品变更后的情形。")
        record_visit(session, sun, r.id, r.version, visit, settings=demo.settings, now=demo.at(11))
        redo_request(
            session,
            sun,
            r.id,
            r.version,
            demo.at(-10).date(),
            "请逐项说明产品变更后检验报告的适用情形，并电话回复企业。",
            assignee_id=chen.id,
            settings=demo.settings,
            now=demo.at(10.5),
        )

    def explained() -> None:
        r = demo.submit(
            zhang,
            16,
            "第二类试剂能否豁免临床试验",
            "我司肌钙蛋白试剂是否属于免于临床试验目录？",
            Category.CLINICAL_EVALUATION,
            LifecycleStage.CLINICAL_EVALUATION,
            **reagent,
        )
        r = demo.triage(r, chen, 15.9, Priority.P3)
        r = demo.act(
            r,
            chen,
            8,
            Action.RESOLVE,
            summary="该试剂不在免于临床试验目录内，须开展临床试验。",
            result_category=ResultCategory.EXPLAINED,
            result_basis="《免于临床试验体外诊断试剂目录》（2024年版）未收录该产品。",
        )
        demo.act(r, zhang, 7, Action.CONFIRM, rating=4, message="解释清楚，谢谢。")

    def typical() -> None:
        # Within the last full month, so that the month's report (the report's default) shows a typical case.
        began = (demo.now - default_month(demo.now).start) / timedelta(days=1)
        day = began - 7.4  # days ago: the month's 8th, in the morning
        r = demo.submit(
            liu,
            day,
            "创新医疗器械特别审查申请前沟通",
            "我司AI辅助诊断软件拟申请创新医疗器械特别审查，核心算法已获发明专利授权，请指导申报材料的组织。",
            Category.INNOVATIVE_SPECIAL_REVIEW,
            LifecycleStage.REGISTRATION_SUBMISSION,
            **software,
        )
        r = demo.triage(r, zhao, day - 0.05, Priority.P2)
        r = demo.act(r, zhao, day - 1, Action.START_INTERVENTION)
        r = demo.act(
            r,
            zhao,
            day - 6,
            Action.RESOLVE,
            summary="已对照《创新医疗器械特别审查程序》逐项梳理专利、创新性论述和研究资料，企业已提交申请。",
        )
        r = demo.act(r, liu, day - 7, Action.CONFIRM, rating=5, message="提前介入很有帮助，申请材料一次备齐。")
        demo.flag_typical(r, zhou, day - 8, "提前介入、一企一策：从专利布局到申报材料全程指导，可复制推广。")

    def reviewed() -> None:
        # Last: from here on 通化's head reviews each result before the enterprise is told.
        admin = demo_user(session, "admin@demo.jl.gov.cn")
        accounts.set_review_closures(session, admin, chen.station_id or 0, True)
        r = demo.submit(
            zhang,
            7,
            "试剂说明书变更是否需要变更注册",
            "我司拟修改体外诊断试剂说明书中的储存条件，是否需要办理变更注册？",
            Category.REGISTRATION_DOSSIER,
            LifecycleStage.POST_MARKET,
            **reagent,
        )
        r = demo.triage(r, chen, 6.9, Priority.P3)
        r = demo.act(r, chen, 6.8, Action.START_INTERVENTION)
        demo.act(
            r,
            chen,
            0.5,
            Action.RESOLVE,
            summary="储存条件变更涉及产品稳定性，须办理变更注册并提交稳定性研究资料。",
            result_category=ResultCategory.EXPLAINED,
            result_basis="《体外诊断试剂注册与备案管理办法》关于许可事项变更的规定。",
        )

    def review_approved() -> None:
        # After reviewed(): 通化's head approves the result (审核) before the enterprise is told, then visits it.
        r = demo.submit(
            zhang,
            9,
            "注册检验送检批次要求",
            "注册检验需要送几个批次的样品？是否必须是连续生产的批次？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **reagent,
        )
        r = demo.triage(r, chen, 8.9, Priority.P3)
        r = demo.act(r, chen, 8.8, Action.START_INTERVENTION)
        demo.say(r, chen, 8, "已收到，正在核对注册检验的批次要求，两日内答复。")
        r = demo.act(
            r,
            chen,
            5,
            Action.RESOLVE,
            summary="注册检验送三个连续生产批次的样品，批量和检验用量按产品技术要求确定。",
            result_category=ResultCategory.RESOLVED,
        )
        r = demo.act(r, sun, 4.5, Action.APPROVE_CLOSURE)
        visit = VisitInput(Satisfaction.BASICALLY_SATISFIED, True, "问题已解决，企业希望答复能再快一些。")
        record_visit(session, sun, r.id, r.version, visit, settings=demo.settings, now=demo.at(3))

    def merged() -> None:
        # The enterprise asks again what it asked the day before; the officer merges the new request into the
        # first (合并), whose page then shows both timelines.
        r = demo.submit(
            liu,
            1.5,
            "医学影像设备型式检验送检准备咨询",
            "送检前需要准备哪些技术要求文件？检验周期大概多久？",
            Category.TYPE_TESTING,
            LifecycleStage.TYPE_TESTING,
            **software,
        )
        merge_request(
            session,
            zhao,
            r.id,
            r.version,
            kept["type_testing"],
            reason="与此前的型式检验送检咨询为同一事项，合并办理。",
            settings=demo.settings,
            now=demo.at(1.4),
        )

    return [
        submitted,
        triaged,
        intervention,
        guidance,
        waiting,
        escalated,
        resolved,
        closed,
        reopened,
        declined,
        withdrawn,
        on_behalf,
        returned,
        signed_for,
        awaiting_sign_for,
        extended,
        refused_not_feasible,
        extension_pending,
        reminded,
        redone,
        explained,
        typical,
        reviewed,
        review_approved,
        merged,
    ]


def seed_demo_requests(session: Session, settings: DeskSettings, now: datetime | None = None) -> int:
    """Create the demo requests unless they exist; returns how many were created."""
    exists = session.scalar(
        select(ServiceRequest.id).where(ServiceRequest.idempotency_key.like(f"{KEY_PREFIX}%")).limit(1)
    )
    if exists is not None:
        return 0
    demo = _Demo(session, settings, now or utcnow())
    for story in _stories(session, demo):
        story()
    return demo.count
