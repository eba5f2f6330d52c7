"""What a person wrote in a reply by mail: the new text above the quoted history and the signature.

Mail programs quote what they answer in their own ways: Gmail and Apple Mail write "On … wrote:" (in Chinese
"在 … 写道："), then lines starting with ">"; Outlook and Foxmail put the old message under a header block
("-----Original Message-----", "-----原始邮件-----", or "From:/发件人:" lines after a rule). Everything from the
first such marker down is history. A signature starts at a line "-- " (RFC 3676), or at the "发自我的iPhone" a
phone adds. HTML-only mail is turned into text first.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A line that starts the quoted history; everything from it down is dropped.
_HISTORY_STARTS = (
    re.compile(r"^-{2,}\s*(original message|原始邮件|原始郵件|forwarded message|转发邮件)\s*-{2,}\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^on\b.{0,300}\bwrote:\s*$", re.I),
    re.compile(r"^在\s?.{0,300}\s?写道[:：]\s*$"),
    re.compile(r"^\d{4}[-/年].{0,200}(写道|wrote)[:：]\s*$", re.I),
    re.compile(r"^(发件人|發件人|from)\s*[:：].+$", re.I),
)
# Outlook and Foxmail: a "From:" line starts the history only when the lines after it name the sent time or
# the recipients too, so a reply whose own text starts a line with "From:" keeps it.
_HEADER_FIELDS = re.compile(r"^(发送时间|發送時間|sent|date|日期|时间|收件人|to|主题|subject|cc|抄送)\s*[:：]", re.I)
_SIGNATURE_STARTS = (
    re.compile(r"^--\s?$"),
    re.compile(r"^(发自我的|從我的|sent from my)\s*\S+", re.I),
)
_QUOTED = re.compile(r"^\s*>")
# A name and address on two lines ("On 3 March, Zhang San <zs@example.cn>\nwrote:") are joined first.
_WROTE_SPLIT = re.compile(r"^(on\b[^\n]{0,300})\n([^\n]{0,300}wrote:)\s*$", re.I | re.M)


def reply_text(text: str) -> str:
    """The new part of a reply: above the history, without the signature, trimmed of blank lines."""
    lines = _WROTE_SPLIT.sub(r"\1 \2", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _starts_history(stripped, lines[index + 1 : index + 4]) or any(
            p.match(line.rstrip("\n")) for p in _SIGNATURE_STARTS
        ):
            break
        if _QUOTED.match(line):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip("\n").strip()


def _starts_history(line: str, following: list[str]) -> bool:
    for pattern in _HISTORY_STARTS:
        if pattern.match(line):
            if line.lower().startswith(("from", "发件人", "發件人")):
                return any(_HEADER_FIELDS.match(next_line.strip()) for next_line in following)
            return True
    return False


_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre", "hr"}
_SKIPPED = {"style", "script", "head", "title"}


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._quoting = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        # Gmail and Apple Mail quote in a blockquote; Outlook's history follows a div with a top border, which
        # the text rules catch by its "From:" block.
        elif tag == "blockquote":
            self._quoting += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "blockquote":
            self._quoting = max(0, self._quoting - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self._quoting:
            text = "\n".join(f"> {line}" for line in text.split("\n"))
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """The text of an HTML body, one line per paragraph or line break, quoted parts marked with ">"."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
