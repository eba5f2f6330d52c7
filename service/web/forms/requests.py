"""Forms of the request pages: one class per action; they check shape, the operations check the rules."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from service.models import (
    Category,
    Channel,
    DeviceClass,
    LifecycleStage,
    Priority,
    ProductField,
    ProductType,
    ResultCategory,
    ReturnReason,
    Satisfaction,
    Status,
)
from service.operations.attachments import ALLOWED
from service.rules.extensions import ExtensionAction
from service.rules.lifecycle import Action
from service.web.forms import DeskForm
from service.web.labels import choices

NONE_CHOICE = SelectChoice("", _l("— not specified —"))
ANY_CHOICE = SelectChoice("", _l("Any"))
ACCEPTED_SUFFIXES = ",".join(ALLOWED)  # lets the browser's file picker offer only what will be accepted
ON_BEHALF_CHANNELS = (Channel.PHONE, Channel.VIDEO, Channel.ON_SITE)
# The orders of a desk queue (service.queries.requests.SORTS); an enterprise's list offers the first two.
QUEUE_ORDERS = [
    SelectChoice("newest", _l("Newest first")),
    SelectChoice("oldest", _l("Oldest first")),
    SelectChoice("due", _l("Due soonest")),
]


def _optional_choices(vocabulary: type[Enum], empty: SelectChoice = NONE_CHOICE) -> list[SelectChoice]:
    return [empty, *choices(vocabulary)]


def optional_int(value: str | int | None) -> int | None:
    """Coerce a select's value to an id, with the empty choice meaning "none"."""
    if value is None or value in ("", "None"):
        return None
    return int(value)


class VersionedForm(DeskForm):
    """Every form that edits a request carries the version the user saw (optimistic locking)."""

    version = HiddenField(validators=[InputRequired()])

    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # never a real version: the operation answers Conflict


class RequestForm(DeskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=200)], description=_l("One line that names the difficulty.")
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("What you need help with, what you have tried, and any deadlines."),
    )
    category = SelectField(_l("Category"), choices=choices(Category), validators=[DataRequired()])
    lifecycle_stage = SelectField(
        _l("Lifecycle stage of the product"), choices=choices(LifecycleStage), validators=[DataRequired()]
    )
    product_name = StringField(_l("Product name"), validators=[Optional(), Length(max=200)])
    device_class = SelectField(_l("Device class"), choices=_optional_choices(DeviceClass), validators=[Optional()])
    product_type = SelectField(_l("Product type"), choices=_optional_choices(ProductType), validators=[Optional()])
    product_field = SelectField(
        _l("Product field (classification catalogue)"), choices=_optional_choices(ProductField), validators=[Optional()]
    )
    innovative = BooleanField(_l("The product is an innovative medical device"))
    urgent = BooleanField(_l("Urgent: an \u201curgent, difficult and anxious\u201d problem"))
    attachments = MultipleFileField(_l("Attachments"), render_kw={"accept": ACCEPTED_SUFFIXES})
    idempotency_key = HiddenField()
    # The enterprise read the warning of a like request of its own (templates/portal/_duplicate_warning.html).
    submit_anyway = BooleanField(_l("Submit anyway: this is a different matter"))


class OnBehalfForm(RequestForm):
    enterprise_id = SelectField(_l("Enterprise"), coerce=optional_int, validators=[InputRequired()])
    channel = SelectField(
        _l("How the enterprise reached us"), choices=choices(ON_BEHALF_CHANNELS), validators=[DataRequired()]
    )


class ReplyForm(DeskForm):
    # A message may be files alone; the operation asks for text when there are none.
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"), render_kw={"accept": ACCEPTED_SUFFIXES})


def reply_id(value: object) -> int | None:
    """A canned reply's id as the page sends it; anything else is no canned reply (the message still goes)."""
    return int(str(value)) if value and str(value).isdigit() and len(str(value)) < 12 else None


class DeskMessageForm(ReplyForm):
    visibility = RadioField(
        _l("Who sees it"),
        default="public",
        choices=[
            SelectChoice("public", _l("Reply to the enterprise")),
            SelectChoice("internal", _l("Internal note (staff only)")),
        ],
    )
    # The canned reply (常用回复) the text was started from, whose use is counted when it is sent.
    canned_reply_id = HiddenField(filters=[reply_id])


class ActionForm(VersionedForm):
    """A lifecycle step; the template shows only the fields the step needs, the table checks them."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])
    summary = TextAreaField(_l("Resolution summary"), validators=[Optional(), Length(max=20000)])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])
    rating = RadioField(
        _l("Your rating"),
        coerce=optional_int,
        validators=[Optional()],
        choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
    )
    result_category = RadioField(
        _l("Result"), choices=choices(ResultCategory), default=ResultCategory.RESOLVED.value, validators=[Optional()]
    )
    result_basis = TextAreaField(
        _l("Policy basis or reason"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required when the result is an explanation or not feasible: the enterprise reads it."),
    )
    # Offered only after a resolve was refused for work still open (listed beside it).
    confirmed = BooleanField(_l("Resolve anyway: I have seen what is still open"))
    # That open work, as the refused step reported it (kind, id, title): set by the view, never posted.
    open_items: Sequence[dict[str, object]] = ()


class TriageForm(VersionedForm):
    category = SelectField(_l("Category"), choices=choices(Category), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), choices=choices(Priority), validators=[DataRequired()])
    lifecycle_stage = SelectField(_l("Lifecycle stage"), choices=choices(LifecycleStage), validators=[DataRequired()])
    assignee_id = SelectField(_l("Assignee"), coerce=optional_int, validators=[Optional()])


class AssignForm(VersionedForm):
    assignee_id = SelectField(_l("Assignee"), coerce=optional_int, validators=[Optional()])


class TransferForm(VersionedForm):
    station_id = SelectField(_l("Transfer to station"), coerce=optional_int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the transfer"), validators=[DataRequired(), Length(max=5000)])


class EscalateForm(DeskForm):
    reason = TextAreaField(_l("Why the director should look at this"), validators=[DataRequired(), Length(max=5000)])


class DeEscalateForm(DeskForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class SignForForm(VersionedForm):
    """签收: nothing to fill in; the version says which state of the request was signed for."""


class ReturnForm(VersionedForm):
    reason = SelectField(
        _l("Why you return it"),
        choices=[SelectChoice("", _l("— choose the reason —")), *choices(ReturnReason)],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Explanation"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required for “Other”; the dispatcher reads it in the queue."),
    )


class ExtensionAskForm(VersionedForm):
    new_due_date = DateField(_l("New completion date"), validators=[InputRequired()])
    public_reason = TextAreaField(
        _l("Reason (the enterprise reads it)"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Write it for the enterprise: it is shown beside the new promised date."),
    )
    internal_note = TextAreaField(_l("Internal note (staff only)"), validators=[Optional(), Length(max=5000)])


class ExtensionDecisionForm(VersionedForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices((ExtensionAction.APPROVE, ExtensionAction.REFUSE)),
        validators=[InputRequired()],
    )
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required when refusing: the officer reads it."),
    )


class ExtensionWithdrawForm(VersionedForm):
    """Its asker takes a pending extension request back."""


class RemindForm(VersionedForm):
    message = TextAreaField(_l("Message to the officer"), validators=[DataRequired(), Length(max=5000)])


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class VisitForm(VersionedForm):
    satisfaction = RadioField(_l("Satisfaction"), choices=choices(Satisfaction), validators=[InputRequired()])
    solved = RadioField(_l("Was the problem solved?"), choices=YES_NO, validators=[InputRequired()])
    comment = TextAreaField(_l("What the enterprise said"), validators=[Optional(), Length(max=5000)])


class RedoForm(VersionedForm):
    reason = TextAreaField(
        _l("What is to be redone"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("The enterprise reads it on its request, with the new date."),
    )
    due_date = DateField(_l("New completion date"), validators=[InputRequired()])
    # The presenter offers the station's officers (left as is, the same officer redoes it); the operation checks
    # the id sent, as the assignee form's.
    assignee_id = SelectField(
        _l("Officer"), coerce=optional_int, choices=[], validate_choice=False, validators=[Optional()]
    )


class TypicalCaseForm(VersionedForm):
    """A head flags a result as a typical case (典型案例), or takes the flag back (``typical`` "no")."""

    typical = HiddenField(validators=[InputRequired(), AnyOf(("yes", "no"))])
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What makes the case worth showing; the monthly report prints it."),
    )

    @property
    def flags(self) -> bool:
        return bool(self.typical.data == "yes")


class QueueFilterForm(DeskForm):
    """The queue's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=_optional_choices(Status, ANY_CHOICE), validators=[Optional()])
    category = SelectField(_l("Category"), choices=_optional_choices(Category, ANY_CHOICE), validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=_optional_choices(Priority, ANY_CHOICE), validators=[Optional()])
    lifecycle_stage = SelectField(
        _l("Stage"), choices=_optional_choices(LifecycleStage, ANY_CHOICE), validators=[Optional()]
    )
    assignee_id = SelectField(_l("Assignee"), coerce=optional_int, validators=[Optional()])
    station_id = SelectField(_l("Station"), coerce=optional_int, validators=[Optional()])
    text = StringField(
        _l("Words, an enterprise's name or credit code, a product, or a reference number"),
        validators=[Optional(), Length(max=200)],
    )
    sort = SelectField(_l("Order"), choices=QUEUE_ORDERS, default="newest", validators=[Optional()])


class SlaTargetForm(DeskForm):
    first_response_hours = IntegerField(
        _l("First response (working hours)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )
    resolution_hours = IntegerField(
        _l("Resolution (working hours)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )


class CalendarDayForm(DeskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    kind = RadioField(
        _l("Kind of day"),
        default="holiday",
        choices=[SelectChoice("holiday", _l("Holiday (no work)")), SelectChoice("workday", _l("Make-up working day"))],
    )
    name = StringField(
        _l("Name of the day"), validators=[Optional(), Length(max=120)], description=_l("For example: Spring Festival.")
    )


class CalendarImportForm(DeskForm):
    text = TextAreaField(
        _l("CSV text"),
        validators=[Optional(), Length(max=200000)],
        description=_l(
            "One day per line: date,type,name — for example "
            "2026-10-01,holiday,National Day or 2026-10-10,workday,make-up working day."
        ),
    )
    file = FileField(_l("Or a CSV file"))


def action_form(
    action: Action, version: int | None = None, *, submitted: bool = False, formdata: MultiDict[str, str] | None = None
) -> ActionForm:
    form = ActionForm(prefix=action.value) if submitted else ActionForm(prefix=action.value, formdata=formdata)
    if version is not None:
        form.version.data = str(version)
    if action == Action.CONFIRM:
        form.message.label.text = gettext("Comment (optional)")
    elif action == Action.REQUEST_INFO:
        form.message.label.text = gettext("What the enterprise should provide")
    elif action == Action.RESOLVE:
        form.summary.label.text = gettext("Result text (the enterprise reads it)")
    elif action == Action.SEND_BACK_CLOSURE:
        form.reason.label.text = gettext("What the officer should change")
    return form
