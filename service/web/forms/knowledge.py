"""Forms of the knowledge base (知识库): its search, an article's fields, and the steps with a version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from service.infrastructure.text_index import MAX_QUERY_CHARS
from service.models import Category, KnowledgeAudience, KnowledgeKind, KnowledgeLanguage, ProductArea
from service.models.knowledge import TAGS_CHARS, TITLE_CHARS
from service.operations.knowledge import MAX_BODY
from service.web.forms import DeskForm
from service.web.forms.plans import VersionField
from service.web.labels import choices

ANY = SelectChoice("", _l("Any"))


class KnowledgeSearchForm(DeskForm):
    """GET form: the words travel in the address, so a search can be shared."""

    class Meta:
        csrf = False

    q = SearchField(_l("Words to find"), validators=[Length(max=MAX_QUERY_CHARS * 4)])
    category = SelectField(_l("Category"), choices=[ANY, *choices(Category)], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[ANY, *choices(KnowledgeKind)], validators=[Optional()])


class ArticleForm(DeskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_CHARS)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=MAX_BODY)],
        description=_l("Markdown: ## a heading, **bold**, - a list item, [words](https://…) a link."),
        render_kw={"rows": 16},
    )
    category = SelectField(_l("Category"), choices=choices(Category), validators=[DataRequired()])
    product_area = SelectField(
        _l("Product area"),
        choices=[SelectChoice("", _l("Any product area")), *choices(ProductArea)],
        validators=[Optional()],
    )
    tags = StringField(
        _l("Tags"),
        validators=[Length(max=TAGS_CHARS)],
        description=_l("Separated by commas, e.g. 分类, classification."),
    )
    language = SelectField(_l("Language"), choices=choices(KnowledgeLanguage), validators=[DataRequired()])
    audience = SelectField(_l("Readers"), choices=choices(KnowledgeAudience), validators=[DataRequired()])


class EditArticleForm(ArticleForm):
    version = VersionField(validators=[DataRequired()])


class ArticleStepForm(DeskForm):
    """Publish or withdraw: the version the head saw."""

    version = VersionField(validators=[DataRequired()])


class KnowledgeActionForm(DeskForm):
    """A step that takes nothing but its CSRF token: drafting a case from a request, "this answered my question"
    (sent by the new-request form itself, whose other fields it leaves alone)."""
