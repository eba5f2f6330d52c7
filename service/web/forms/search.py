"""Forms of the search page and of saved views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, StringField
from wtforms.validators import DataRequired, Length

from service.infrastructure.text_index import MAX_QUERY_CHARS
from service.operations.saved_views import MAX_NAME, MAX_QUERY
from service.web.forms import DeskForm


class SearchForm(DeskForm):
    """GET form: no CSRF token, the words travel in the address so that a search can be shared and saved."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Words to find"),
        validators=[Length(max=MAX_QUERY_CHARS)],
        description=_l("Every word must appear. Chinese words are found as written, e.g. 注册 or 临床评价."),
    )


class SaveViewForm(DeskForm):
    name = StringField(_l("Save these filters as"), validators=[DataRequired(), Length(max=MAX_NAME)])
    endpoint = HiddenField(validators=[DataRequired(), Length(max=64)])
    query = HiddenField(validators=[Length(max=MAX_QUERY)])
