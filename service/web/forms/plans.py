"""Forms of the plan pages: one per action; they check shape, the operations check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from service.models import MilestonePhase, MilestoneStatus
from service.operations.plans import STANDARD_PHASES
from service.rules.plan_status import PlanAction
from service.web.forms import DeskForm
from service.web.labels import choices


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionField(IntegerField):
    """The version the user saw, sent back so that a stale save answers 409."""

    widget = HiddenInput()


class _PlanFieldsForm(DeskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    goals = TextAreaField(
        _l("Goals"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("What the station and the enterprise aim to achieve together."),
    )
    products = TextAreaField(
        _l("Products covered"),
        validators=[Length(max=2000)],
        description=_l("Product names, classes and models, one per line."),
    )
    liaison_id = SelectField(
        _l("Liaison"),
        coerce=int,
        validators=[DataRequired()],
        description=_l("The station's contact person for this enterprise."),
    )


class NewPlanForm(_PlanFieldsForm):
    phases = CheckboxListField(
        _l("Milestones along the full process"),
        choices=choices(STANDARD_PHASES),
        description=_l("Untick the phases this plan does not need; owners and due dates are set on the plan page."),
    )


class EditPlanForm(_PlanFieldsForm):
    version = VersionField(validators=[DataRequired()])


class PlanStatusForm(DeskForm):
    action = HiddenField(validators=[AnyOf([a.value for a in PlanAction])])
    version = VersionField(validators=[DataRequired()])
    # Approving or returning a draft needs it (the operation says so); other steps may leave it empty.
    comment = TextAreaField(
        _l("Your comment to the plan's author"),
        id="plan-decision-comment",
        validators=[Length(max=2000)],
        render_kw={"rows": 3, "maxlength": 2000},
    )


class MilestoneForm(DeskForm):
    phase = SelectField(_l("Phase"), choices=choices(MilestonePhase), validators=[DataRequired()])
    title = StringField(
        _l("Title"), validators=[Length(max=200)], description=_l("Leave empty to use the phase's name.")
    )
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=choices(MilestoneStatus), validators=[DataRequired()])
    blocked_reason = TextAreaField(
        _l("Reason it is blocked"),
        validators=[Length(max=2000)],
        description=_l("Required when the status is Blocked."),
    )
    notes = TextAreaField(
        _l("Internal notes"),
        validators=[Length(max=5000)],
        description=_l("Seen by the stations only, never by the enterprise."),
    )


class EditMilestoneForm(MilestoneForm):
    version = VersionField(validators=[DataRequired()])


class MoveForm(DeskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class LinkPlanForm(DeskForm):
    """Posted by the plan panel of a request page; an empty plan unlinks."""

    plan_id = IntegerField(validators=[Optional()])
    version = IntegerField(validators=[DataRequired()])
    next = HiddenField()
