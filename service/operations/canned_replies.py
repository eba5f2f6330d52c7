"""Canned replies (常用回复): written and kept by an officer for themself, or by a station's head (or the
administrator) for the station's whole desk; filled in for a request and counted each time a sent message used one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, REQUIRED, TOO_LONG, NotFound, ValidationError
from service.models import CannedReply, User
from service.rules import policy
from service.rules.canned_replies import LANGUAGES, VARIABLES, unknown_variables
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.versioning import check_version, stale_is_conflict

MAX_TITLE = 120
MAX_BODY = 20000
UNKNOWN_VARIABLES = N_("No such variable: %(names)s. The variables are %(known)s.")


@dataclass(frozen=True)
class CannedReplyFields:
    title: str
    body: str
    language: str
    # A station's (for its whole desk) rather than the writer's own; the station is the head's own, or the one
    # the administrator chose.
    station_wide: bool = False
    station_id: int | None = None


def _check(fields: CannedReplyFields) -> CannedReplyFields:
    title, body = fields.title.strip(), fields.body.strip()
    problems: dict[str, str] = {}
    if not title:
        problems["title"] = REQUIRED
    elif len(title) > MAX_TITLE:
        problems["title"] = TOO_LONG
    if not body:
        problems["body"] = REQUIRED
    elif len(body) > MAX_BODY:
        problems["body"] = TOO_LONG
    if fields.language not in LANGUAGES:
        problems["language"] = N_("Choose Chinese or English.")
    unknown = unknown_variables(body)
    if unknown and "body" not in problems:
        problems["body"] = UNKNOWN_VARIABLES
    if problems:
        raise ValidationError(
            CORRECT_FIELDS,
            fields=problems,
            names=", ".join(f"{{{name}}}" for name in unknown),
            known=", ".join(f"{{{name}}}" for name in VARIABLES),
        )
    return CannedReplyFields(title, body, fields.language, fields.station_wide, fields.station_id)


def create_canned_reply(session: Session, actor: User, fields: CannedReplyFields) -> CannedReply:
    """A personal canned reply of ``actor``'s, or a station's.

    Raises ValidationError, Forbidden (a station's by someone who is not its head nor the administrator),
    NotFound (a station outside the actor's scope).
    """
    fields = _check(fields)
    with unit_of_work(session):
        station_id = (fields.station_id or actor.station_id) if fields.station_wide else None
        if fields.station_wide and station_id is None:
            raise ValidationError(CORRECT_FIELDS, fields={"station_id": N_("Choose the station.")})
        reply = CannedReply(
            title=fields.title,
            body=fields.body,
            language=fields.language,
            owner_id=None if fields.station_wide else actor.id,
            station_id=station_id,
        )
        policy.authorize(actor, PolicyAction.CANNED_REPLY_EDIT, reply)
        session.add(reply)
    return reply


def get_canned_reply(
    session: Session, actor: User, reply_id: int, action: PolicyAction = PolicyAction.CANNED_REPLY_EDIT
) -> CannedReply:
    """Raises NotFound (none, or outside the actor's scope), Forbidden (``action`` is not the actor's)."""
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound()
    policy.authorize(actor, action, reply)
    return reply


def update_canned_reply(
    session: Session, actor: User, reply_id: int, expected_version: int, fields: CannedReplyFields
) -> CannedReply:
    """Its title, text and language (whose it is stays).

    Raises NotFound, Forbidden, ValidationError, StaleVersion (someone saved it since ``expected_version``).
    """
    fields = _check(fields)
    with unit_of_work(session), stale_is_conflict():
        reply = get_canned_reply(session, actor, reply_id)
        check_version(reply.version, expected_version)
        reply.title, reply.body, reply.language = fields.title, fields.body, fields.language
        session.flush()
    return reply


def delete_canned_reply(session: Session, actor: User, reply_id: int) -> None:
    """Raises NotFound, Forbidden. Messages sent with it keep their text."""
    with unit_of_work(session):
        session.delete(get_canned_reply(session, actor, reply_id))


def count_use(session: Session, actor: User, reply_id: int) -> None:
    """One more sent message used the canned reply, if ``actor`` may use it (one deleted meanwhile counts nothing).

    In the caller's transaction. An UPDATE of the count alone: someone editing the reply meanwhile saves without
    a conflict, the count being nobody's edit."""
    reply = session.get(CannedReply, reply_id)
    if reply is None or not policy.may(actor, PolicyAction.CANNED_REPLY_USE, reply):
        return
    session.execute(
        update(CannedReply)
        .where(CannedReply.id == reply_id)
        .values(usage_count=CannedReply.usage_count + 1)
        .execution_options(synchronize_session=False)
    )
