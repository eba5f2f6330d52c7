"""Canned replies' variables (常用回复的变量): ``{name}`` in a template's body, filled in for the request at hand.

One table of variables and one function that fills them in. A variable may take an argument after a colon
(``{name:argument}``), for variables that need one: ``{article:12}`` is the address of knowledge-base article 12.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from service.errors import N_
from service.models import ServiceRequest, User
from service.rules.local_time import LOCAL_TZ

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class ReplyContext:
    """What a reply's variables are filled from: the request it answers and who writes it."""

    enterprise: str
    reference: str
    officer: str
    due: datetime | None
    # The app's address (BASE_URL), which an article's link starts with: the reply is mailed too.
    base_url: str


def reply_context(request: ServiceRequest, writer: User, base_url: str) -> ReplyContext:
    """What a reply to ``request`` written by ``writer`` fills its variables from: the officer is the request's
    assignee, or the writer while it has none."""
    officer = request.assignee or writer
    return ReplyContext(
        enterprise=request.enterprise.name,
        reference=request.reference,
        officer=officer.name,
        due=request.resolution_due_at,
        base_url=base_url,
    )


@dataclass(frozen=True)
class Variable:
    # What the management page says it stands for (a message id, worded in the reader's language).
    meaning: str
    value: Callable[[ReplyContext, str], str]


def _due_date(context: ReplyContext, _argument: str) -> str:
    return context.due.astimezone(LOCAL_TZ).date().isoformat() if context.due else ""


# Where service/web/common/knowledge.py shows one article (tests/test_canned_replies.py follows the link).
ARTICLE_PATH = "/knowledge/{}"


def _article_link(context: ReplyContext, argument: str) -> str:
    """The absolute address of the article numbered ``argument``; left as written when that is no number."""
    if not argument.isdigit():
        return f"{{article:{argument}}}"
    return context.base_url.rstrip("/") + ARTICLE_PATH.format(int(argument))


VARIABLES: dict[str, Variable] = {
    "enterprise": Variable(N_("the enterprise's name"), lambda context, _argument: context.enterprise),
    "reference": Variable(N_("the request's reference number"), lambda context, _argument: context.reference),
    "officer": Variable(N_("the officer handling the request"), lambda context, _argument: context.officer),
    "due_date": Variable(N_("the promised closing date (YYYY-MM-DD)"), _due_date),
    "article": Variable(N_("the link to a knowledge-base article, by its number: {article:12}"), _article_link),
}

# {name} or {name:argument}; anything else in braces is left as written.
_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([^{}\s]*))?\}")


def unknown_variables(body: str) -> list[str]:
    """The names in ``body``'s placeholders that are no variable, in order of appearance, each once."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(body) if m.group(1) not in VARIABLES))


def fill_in(body: str, context: ReplyContext) -> str:
    """``body`` with each known variable replaced by its value for ``context`` (unknown ones left as written)."""

    def value(match: re.Match[str]) -> str:
        variable = VARIABLES.get(match.group(1))
        return variable.value(context, match.group(2) or "") if variable else match.group(0)

    return _PLACEHOLDER.sub(value, body)
