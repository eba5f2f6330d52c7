"""The contact person panel of the portal's request page: who speaks for the enterprise on the request, and for its
administrator the form that hands the request over to another colleague."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from service.models import ServiceRequest, User
from service.queries.colleagues import hand_over_choices
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.forms.colleagues import HandOverForm

SLOT = "hand_over"


@dataclass(frozen=True)
class HandOverPanel:
    contact: User
    # The enterprise administrator's, when another active colleague may take the request over.
    form: HandOverForm | None


def hand_over_panel(session: Session, user: User, req: ServiceRequest, kept: Mapping[str, FlaskForm]) -> HandOverPanel:
    if not policy.may(user, PolicyAction.REQUEST_HAND_OVER, req):
        return HandOverPanel(req.submitter, None)
    others = [c for c in hand_over_choices(session, user) if c.id != req.submitter_id]
    if not others:
        return HandOverPanel(req.submitter, None)
    sent = kept.get(SLOT)
    form = sent if isinstance(sent, HandOverForm) else HandOverForm(formdata=None, version=req.version)
    form.to_user_id.choices = [(0, gettext("— choose a colleague —")), *((c.id, c.name) for c in others)]
    return HandOverPanel(req.submitter, form)
