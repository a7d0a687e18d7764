"""The HTML part of an e-mail, made from its text part.

Every message is written once, as text (`mail/<template>.txt`); the outbox derives its HTML
alternative here, so each e-mail gets one without an HTML template of its own, and the two parts
cannot say different things (data minimisation: the HTML holds nothing the text does not).

- Everything is escaped first: a name such as `<script>` or `<a href=…>` reads as those
  characters, never as markup.
- A blank line starts a new paragraph, a single line break stays a line break, and a run of
  lines starting with "- " becomes a list.
- Web addresses (http and https only) and e-mail addresses become links whose text is the
  address itself, so the reader sees where each one goes.
- The signature after the "-- " line becomes the footer.

The page (mail/derived.html on mail/base.html) is one readable column under the practice's name,
with inline styles only (mail programs ignore style sheets) and nothing fetched from elsewhere:
no images, fonts, scripts or tracking. `styled()` gives HTML made elsewhere (the newsletter's
sanitised Markdown) the same look.
"""

from __future__ import annotations

import re
from html import escape, unescape
from itertools import groupby

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

__all__ = ["derived_html", "linked", "linkify_html", "styled", "text_blocks"]

ACCENT = "#3d4f45"
# One inline style per element; `styled` adds them to bare tags.
STYLES = {
    "p": "margin:0 0 14px;",
    "ul": "margin:0 0 14px;padding-left:22px;",
    "ol": "margin:0 0 14px;padding-left:22px;",
    "li": "margin:0 0 4px;",
    "h1": "margin:0 0 16px;font-size:22px;line-height:1.3;",
    "h2": "margin:20px 0 12px;font-size:19px;line-height:1.3;",
    "h3": "margin:18px 0 10px;font-size:17px;line-height:1.3;",
    "h4": "margin:16px 0 8px;font-size:17px;",
    "blockquote": "margin:0 0 14px;padding-left:14px;border-left:3px solid #c9cfc9;",
    "pre": "margin:0 0 14px;white-space:pre-wrap;font-size:15px;",
    "hr": "border:0;border-top:1px solid #d8dcd8;margin:20px 0;",
    "a": f"color:{ACCENT};text-decoration:underline;overflow-wrap:anywhere;word-break:break-word;",
}
_TAG = re.compile(r"<(" + "|".join(STYLES) + r")(?=[\s>/])")
_LINK = re.compile(
    r"(?P<url>https?://[^\s<>\"'`]+)|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})"
)
_TRAILING = ".,;:!?)]}'\"»”’"
_SIGNATURE = "\n-- \n"


def styled(html: str) -> str:
    """Give each bare tag of `html` its inline style. Only for HTML whose tags carry no style
    attribute of their own: our own, or nh3's output (which allows none)."""
    return _TAG.sub(lambda m: f'<{m[1]} style="{STYLES[m[1]]}"', html)


def _anchor(href: str, text: str) -> str:
    return f'<a href="{escape(href, quote=True)}">{escape(text, quote=False)}</a>'


def _without_trailing(url: str) -> str:
    """The address without the punctuation after it ("…/x." or "(…/x)"), keeping a closing
    bracket that belongs to it (…/Foo_(bar))."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def linked(line: str) -> str:
    """One line of text as HTML: escaped, its http(s) and e-mail addresses made links."""
    out: list[str] = []
    position = 0
    for match in _LINK.finditer(line):
        address = match[0]
        start = match.start()
        if match["url"]:
            address = _without_trailing(address)
        out.append(escape(line[position:start], quote=False))
        href = address if match["url"] else f"mailto:{address}"
        out.append(_anchor(href, address))
        position = start + len(address)
    out.append(escape(line[position:], quote=False))
    return "".join(out)


# A tag, its quoted attribute values taken whole (they may hold ">").
_HTML_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
_NOT_LINKED_IN = {"a", "code", "pre"}


def linkify_html(html: str) -> str:
    """Make the bare web and e-mail addresses in the text of `html` links, except inside links,
    code and preformatted text. Not a sanitiser: the newsletter runs nh3 on the result."""
    out: list[str] = []
    inside = 0
    for piece in _HTML_TAG.split(html):
        if piece.startswith("<"):
            name = piece.strip("</>").split(None, 1)[0].lower() if piece.strip("</>") else ""
            if name in _NOT_LINKED_IN and not piece.endswith("/>"):
                inside += -1 if piece.startswith("</") else 1
            out.append(piece)
        else:
            out.append(linked(unescape(piece)) if inside <= 0 else piece)
    return "".join(out)


def text_blocks(text: str) -> str:
    """Paragraphs (line breaks kept) and "- " lists of `text`, as styled HTML."""
    blocks: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        for is_item, group in groupby(lines, key=lambda line: line.startswith("- ")):
            if is_item:
                items = "".join(f"<li>{linked(line[2:])}</li>" for line in group)
                blocks.append(f"<ul>{items}</ul>")
            else:
                blocks.append("<p>" + "<br>\n".join(linked(line) for line in group) + "</p>")
    return styled("\n".join(blocks))


def derived_html(*, text: str, subject: str, context: dict) -> str:
    """The whole HTML part for a message whose text part is `text` (rendered in the active
    language; `context` is the outbox's base context: site_name, language…)."""
    body, _sep, signature = text.rpartition(_SIGNATURE)
    if not _sep:
        body, signature = text, ""
    parts = {
        "subject": subject,
        # Both built from escaped text only (text_blocks escapes every piece).
        "body_html": mark_safe(text_blocks(body)),  # noqa: S308
        "footer_html": mark_safe(text_blocks(signature)),  # noqa: S308
    }
    return render_to_string("mail/derived.html", {**context, **parts})
