"""Demo canned replies (常用回复) in both languages: the Changchun New District station's, kept by its head, and a
few of its officer's own. Made through the real operation; idempotent (a title its owner already has is skipped)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.demo.seed import demo_user
from service.models import CannedReply
from service.operations.canned_replies import CannedReplyFields, create_canned_reply

HEAD = "ccnd.director@demo.jl.gov.cn"
OFFICER = "ccnd.staff@demo.jl.gov.cn"
# (whose: the station's head writes the station's, the officer her own; title, language, text)
DEMO_CANNED_REPLIES = [
    (
        HEAD,
        "受理告知",
        "zh",
        (
            "{enterprise}：您好！您提交的诉求（编号 {reference}）已受理，由 {officer} 负责办理，"
            "承诺于 {due_date} 前办结。办理过程中如需补充材料，我们将及时与您联系。"
        ),
    ),
    (
        HEAD,
        "Acknowledgement",
        "en",
        (
            "Dear {enterprise}, your request {reference} has been accepted. {officer} is handling it, and we promise "
            "a result by {due_date}. We will contact you should we need further documents."
        ),
    ),
    (
        HEAD,
        "补充材料通知",
        "zh",
        (
            "{enterprise}：您好！为继续办理诉求 {reference}，请补充以下材料：1. 产品技术要求；2. 注册检验报告；"
            "3. 临床评价资料。如有疑问，请联系承办人 {officer}。"
        ),
    ),
    (
        OFFICER,
        "分类界定指引",
        "zh",
        (
            "{enterprise}：您好！关于产品的管理类别，请先查阅《医疗器械分类目录》及分类界定相关指导原则；"
            "仍难以确定的，可申请分类界定。承办人：{officer}"
        ),
    ),
    (
        OFFICER,
        "Classification guidance",
        "en",
        (
            "Dear {enterprise}, to find your product's class please first consult the Classification Catalogue of "
            "Medical Devices and its guidelines; if it remains unclear, you may apply for a classification "
            "determination. — {officer}"
        ),
    ),
]


def seed_demo_canned_replies(session: Session) -> int:
    """Write the demo canned replies not yet there; return how many were written."""
    written = 0
    for email, title, language, body in DEMO_CANNED_REPLIES:
        writer = demo_user(session, email)
        station_wide = email == HEAD
        existing = session.scalar(
            select(CannedReply.id).where(
                CannedReply.title == title,
                or_(CannedReply.owner_id == writer.id, CannedReply.station_id == writer.station_id)
                if station_wide
                else CannedReply.owner_id == writer.id,
            )
        )
        if existing is None:
            create_canned_reply(session, writer, CannedReplyFields(title, body, language, station_wide=station_wide))
            written += 1
    return written
