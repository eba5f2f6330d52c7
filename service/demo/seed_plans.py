"""Demo service plans in several stages, made through the real operations (so the timelines are real).

Idempotent: each demo enterprise's plans are set up once; running it again changes nothing.
Runs after the demo requests, which may already have put a plan in force for 博识.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo.seed import demo_enterprise, demo_user
from service.models import Enterprise, MilestoneStatus, PlanStatus, ServicePlan, TaskForce, User
from service.operations import milestones, plans, task_forces
from service.operations.milestones import MilestoneFields
from service.queries.plans import local_today
from service.rules.plan_status import PlanAction

# The plan the demo requests link their guidance case to; same title, so either seed may create it.
BOSHI_PLAN_TITLE = "AI影像辅助诊断软件注册“一企一策”服务方案"

# Per milestone in process order: (status, days from today to the due date or None, blocked reason, notes).
Schedule = list[tuple[MilestoneStatus, int | None, str, str]]
BOSHI_SCHEDULE: Schedule = [
    (MilestoneStatus.DONE, -150, "", "设计开发输入、输出已评审。"),
    (MilestoneStatus.IN_PROGRESS, -7, "", "网络安全检测项目尚未完成，已催办检验机构。"),
    (MilestoneStatus.BLOCKED, 60, "等待临床试验机构伦理委员会审批", "多中心临床试验方案已定稿。"),
    (MilestoneStatus.PLANNED, 150, "", ""),
    (MilestoneStatus.PLANNED, 240, "", ""),
    (MilestoneStatus.PLANNED, 300, "", ""),
    (MilestoneStatus.PLANNED, None, "", ""),
]
KANGNING_SCHEDULE: Schedule = [
    (MilestoneStatus.IN_PROGRESS, 30, "", "主要原材料供应商审核进行中。"),
    (MilestoneStatus.PLANNED, 120, "", ""),
    (MilestoneStatus.PLANNED, 200, "", ""),
    (MilestoneStatus.PLANNED, 260, "", ""),
]


def active_boshi_plan(session: Session, staff: User, director: User, boshi: Enterprise) -> ServicePlan:
    """博识's plan in force; made and approved through the operations when it has none (the demo requests link
    their guidance case to it, whichever seed runs first)."""
    plan = session.scalars(
        select(ServicePlan).where(ServicePlan.enterprise_id == boshi.id, ServicePlan.status == PlanStatus.ACTIVE)
    ).first()
    if plan is not None:
        return plan
    plan = plans.create_plan(
        session,
        staff,
        boshi.id,
        plans.PlanFields(
            title=BOSHI_PLAN_TITLE,
            goals="在12个月内完成第三类医用软件产品注册申报，重点解决临床评价路径和网络安全资料问题。",
            products="肺结节CT影像辅助检测软件",
            liaison_id=staff.id,
        ),
    )
    return plans.change_plan_status(
        session, director, plan.id, PlanAction.APPROVE, plan.version, comment="同意按方案推进。"
    )


def _has_plans(session: Session, enterprise: Enterprise) -> bool:
    return session.scalar(select(ServicePlan.id).where(ServicePlan.enterprise_id == enterprise.id).limit(1)) is not None


def _schedule(session: Session, staff: User, plan: ServicePlan, schedule: Schedule, today: date) -> None:
    for milestone, (status, days, reason, notes) in zip(list(plan.milestones), schedule, strict=False):
        milestones.update_milestone(
            session,
            staff,
            milestone.id,
            MilestoneFields(
                milestone.phase,
                owner_id=staff.id,
                due_date=today + timedelta(days=days) if days is not None else None,
                status=status,
                blocked_reason=reason,
                notes=notes,
            ),
        )


def _boshi(session: Session, today: date) -> bool:
    boshi = demo_enterprise(session, 0)
    zhao = demo_user(session, "ccnd.staff@demo.jl.gov.cn")
    zhou = demo_user(session, "ccnd.director@demo.jl.gov.cn")
    plan = active_boshi_plan(session, zhao, zhou, boshi)
    if session.scalar(select(TaskForce.id).where(TaskForce.plan_id == plan.id)) is not None:
        return False
    _schedule(session, zhao, plan, BOSHI_SCHEDULE, today)
    team = task_forces.create_task_force(
        session,
        zhao,
        task_forces.TaskForceFields(
            "AI影像软件注册定制化专班", "统筹临床评价方案、网络安全资料和审评沟通，研审联动推进注册。", zhao.id
        ),
        plan_id=plan.id,
    )
    task_forces.add_staff_member(session, zhao, team.id, demo_user(session, "hub.staff@demo.jl.gov.cn").id)
    task_forces.add_expert(
        session, zhao, team.id, task_forces.Expert("王振华", "吉林大学第一医院放射科", "医学影像与人工智能")
    )
    return True


def _kangning(session: Session, today: date) -> bool:
    kangning = demo_enterprise(session, 1)
    if _has_plans(session, kangning):
        return False
    chen = demo_user(session, "tonghua.staff@demo.jl.gov.cn")
    sun = demo_user(session, "tonghua.director@demo.jl.gov.cn")
    earlier = plans.create_plan(
        session,
        chen,
        kangning.id,
        plans.PlanFields(
            title="第二类体外诊断试剂注册辅导方案",
            goals="完成降钙素原检测试剂盒第二类注册。",
            products="降钙素原（PCT）测定试剂盒",
            liaison_id=chen.id,
        ),
        plans.STANDARD_PHASES[3:6],
    )
    plans.change_plan_status(session, sun, earlier.id, PlanAction.APPROVE, earlier.version, comment="同意按方案推进。")
    for milestone in list(earlier.milestones):
        milestones.complete_milestone(session, chen, milestone.id)
    plans.change_plan_status(session, sun, earlier.id, PlanAction.COMPLETE, None)
    plan = plans.create_plan(
        session,
        chen,
        kangning.id,
        plans.PlanFields(
            title="心肌标志物试剂创新审查“一企一策”方案",
            goals="争取进入创新医疗器械特别审查程序，18个月内完成第三类体外诊断试剂注册。",
            products="心肌肌钙蛋白I测定试剂盒（化学发光法）",
            liaison_id=chen.id,
        ),
        plans.STANDARD_PHASES[:4],
    )
    plan = plans.change_plan_status(session, sun, plan.id, PlanAction.APPROVE, plan.version, comment="同意按方案推进。")
    _schedule(session, chen, plan, KANGNING_SCHEDULE, today)
    return True


def _ruikang(session: Session) -> bool:
    ruikang = demo_enterprise(session, 2)
    if _has_plans(session, ruikang):
        return False
    li = demo_user(session, "hub.staff@demo.jl.gov.cn")
    plans.create_plan(
        session,
        li,
        ruikang.id,
        plans.PlanFields(
            title="可降解镁合金骨科螺钉全程指导方案（草案）",
            goals="提前介入产品设计定型与生物学评价，规划动物实验与临床评价路径。",
            products="可降解镁合金骨科内固定螺钉",
            liaison_id=li.id,
        ),
    )
    return True


def seed_demo_plans(session: Session) -> int:
    """Give each demo enterprise its plans: one in force mid-way (with a late milestone and a task force),
    one just started next to a completed one, and one draft awaiting approval. Returns how many were set up."""
    today = local_today()
    return sum((_boshi(session, today), _kangning(session, today), _ruikang(session)))
