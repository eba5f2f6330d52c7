"""Markdown of the knowledge base to safe HTML: markdown-it-py renders it (raw HTML in the text stays text), then
nh3 keeps only the tags and attributes listed here, so a <script>, an event handler or a javascript: link written
into an article never reaches a page."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_MARKUP = re.compile(r"[#>*_`|~]+|!?\[([^\]]*)\]\([^)]*\)")


def render(text: str) -> Markup:
    """The article's HTML, sanitised (links get rel="noopener noreferrer")."""
    html = _RENDERER.render(text or "")
    return Markup(
        nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})
    )


def plain_text(text: str) -> str:
    """The words of the Markdown without its marks (a link keeps its words): for snippets and the index."""
    return " ".join(_MARKUP.sub(lambda found: found.group(1) or " ", text or "").split())
