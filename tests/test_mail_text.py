"""What a person wrote in a reply by mail, above the history their mail program quoted, and the reply address
that names a request (rules, no database)."""

from __future__ import annotations

import pytest

from service.rules.mail_text import html_to_text, reply_text
from service.rules.reply_address import reply_address, request_of_address


@pytest.mark.parametrize(
    "written",
    [
        "好的，周五前提交。\n\nOn Tue, Mar 10, 2026 at 10:00 AM Desk <desk@example.gov.cn> wrote:\n> 请补充材料",
        "好的，周五前提交。\n\n在 2026年3月10日 10:00，服务站 <desk@example.gov.cn> 写道：\n> 请补充材料",
        "好的，周五前提交。\n\n-----原始邮件-----\n发件人: 服务站\n发送时间: 2026年3月10日\n请补充材料",
        "好的，周五前提交。\n\n-----Original Message-----\nFrom: Desk\nSent: Tuesday\n请补充材料",
        "好的，周五前提交。\n\n------------------ 原始邮件 ------------------\n发件人: 服务站\n请补充材料",
        "好的，周五前提交。\n________________________________\nFrom: Desk <desk@example.gov.cn>\nSent: Tuesday\n请补充",
        "好的，周五前提交。\n\nFrom: Desk <desk@example.gov.cn>\nDate: 2026-03-10\nTo: 张三\n请补充材料",
        "好的，周五前提交。\n-- \n张三\n某医疗器械有限公司",
        "好的，周五前提交。\n\n发自我的iPhone\n\n> 请补充材料",
        "> 请补充材料\n好的，周五前提交。",
    ],
)
def test_the_quoted_history_and_the_signature_are_trimmed(written: str) -> None:
    assert reply_text(written) == "好的，周五前提交。"


def test_a_line_of_the_reply_that_starts_like_a_header_is_kept() -> None:
    written = "From: 我们的检验报告看，样品合格。\n请指导下一步。"
    assert reply_text(written) == written


def test_html_becomes_text_a_line_per_paragraph_without_styles_and_quotes() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>收到&amp;谢谢</p><div>第二行<br>第三行</div>"
        "<blockquote><p>请补充材料</p></blockquote></body></html>"
    )
    assert reply_text(html_to_text(html)) == "收到&谢谢\n\n第二行\n第三行"


def test_a_reply_address_names_its_request_and_cannot_be_forged() -> None:
    address = reply_address("desk@example.gov.cn", 42, "secret")
    assert address.startswith("desk+r42-") and address.endswith("@example.gov.cn")
    assert request_of_address(address, "desk@example.gov.cn", "secret") == 42
    # Mail servers may lower-case the local part; the tag is lower-case hex, so it still reads.
    assert request_of_address(address.upper(), "desk@example.gov.cn", "secret") == 42
    assert request_of_address(address.replace("r42", "r43"), "desk@example.gov.cn", "secret") is None
    assert request_of_address(address, "desk@example.gov.cn", "another secret") is None
    assert request_of_address(address.replace("desk+", "other+"), "desk@example.gov.cn", "secret") is None
    assert request_of_address("desk@example.gov.cn", "desk@example.gov.cn", "secret") is None
