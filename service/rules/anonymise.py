"""Neutral words for what names an enterprise in a typical case (典型案例): its name and the short forms people
write of it, its unified social credit code, its contacts' names, phone numbers and email addresses, and its
products' names. Whatever looks like a phone number, an email address or a credit code is replaced too, whoever's
it is. Pure text in, text out: the operation that drafts a case gathers the names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.models import KnowledgeLanguage

# Written after a name and dropped to find the short forms people use (长春博识医疗科技有限公司 -> 博识医疗, 博识).
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "公司",
    "co., ltd.",
    "co. ltd.",
    "co., ltd",
    "ltd.",
)
TRADE_WORDS = (
    "医疗器械", "医疗科技", "生物科技", "生物医药", "医疗设备", "科技", "医疗", "生物", "医药", "器械",
    " Medical Technology", " Medical Devices", " Biotech", " Technology", " Medical",
)  # fmt: skip
REGIONS = (
    "吉林省", "吉林市", "长春市", "通化市", "敦化市", "梅河口市", "东丰县", "延边", "吉林", "长春", "通化", "敦化",
    "梅河", "东丰", "延吉", "四平", "辽源", "白山", "松原", "白城",
)  # fmt: skip
# A core shorter than this would replace ordinary words.
MIN_SHORT_FORM = 2

NEUTRAL = {
    KnowledgeLanguage.ZH: {
        "enterprise": "某企业",
        "product": "某产品",
        "person": "某联系人",
        "phone": "某电话",
        "email": "某邮箱",
        "credit_code": "某统一社会信用代码",
    },
    KnowledgeLanguage.EN: {
        "enterprise": "the enterprise",
        "product": "the product",
        "person": "the contact person",
        "phone": "[phone]",
        "email": "[email]",
        "credit_code": "[credit code]",
    },
}
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


@dataclass(frozen=True)
class Identifiers:
    """What names one enterprise: each kind's words to replace."""

    enterprise_names: tuple[str, ...] = ()
    credit_codes: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    products: tuple[str, ...] = field(default=())


def short_forms(name: str) -> list[str]:
    """The name and its shorter forms: without the legal suffix, the region in front and the trade words."""
    forms = [name.strip()]
    core = name.strip()
    for suffix in LEGAL_SUFFIXES:
        if core.lower().endswith(suffix):
            core = core[: -len(suffix)].strip(" ,")
            forms.append(core)
            break
    for region in REGIONS:
        if core.startswith(region):
            core = core[len(region) :]
            forms.append(core)
            break
    for word in TRADE_WORDS:
        if core.lower().endswith(word.lower()) and len(core) - len(word) >= MIN_SHORT_FORM:
            core = core[: -len(word)]
            forms.append(core)
    # People shorten to the core with one trade word (博识医疗) as often as to the core alone.
    forms.extend(core + word for word in TRADE_WORDS)
    return [form for form in dict.fromkeys(forms) if len(form) >= MIN_SHORT_FORM]


def _replace_words(text: str, words: Iterable[str], neutral: str) -> str:
    # Longest first, so that a short form never cuts a longer one in two.
    for word in sorted({w.strip() for w in words if w and len(w.strip()) >= MIN_SHORT_FORM}, key=len, reverse=True):
        text = re.compile(re.escape(word), re.IGNORECASE).sub(neutral, text)
    return text


def anonymise(text: str, found: Identifiers, language: KnowledgeLanguage) -> str:
    """``text`` with every identifier of ``found`` (and anything shaped like a phone, email or credit code)
    replaced by the neutral word of ``language``."""
    words = NEUTRAL[language]
    text = _replace_words(text, found.emails, words["email"])
    text = _EMAIL.sub(words["email"], text)
    text = _replace_words(text, found.credit_codes, words["credit_code"])
    text = _CREDIT_CODE.sub(words["credit_code"], text)
    text = _replace_words(text, found.phones, words["phone"])
    text = _PHONE.sub(words["phone"], text)
    names = [form for name in found.enterprise_names for form in short_forms(name)]
    text = _replace_words(text, names, words["enterprise"])
    text = _replace_words(text, found.products, words["product"])
    return _replace_words(text, found.people, words["person"])
