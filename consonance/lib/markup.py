"""A small, safe Markdown for the coach's own pages (home, "Om mig").

Everything is escaped first, then a few marks become HTML: `# ` headings (h2, h3), paragraphs,
`- ` lists, **bold**, *italic* and [links](https://...) to http(s) or mailto only. No raw HTML
gets through, whatever she types (no HTML injection), and no script or style attribute is made.
"""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def _inline(text: str) -> str:
    html = escape(text, quote=True)
    html = _LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def render_markdown(text: str) -> SafeString:
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines[0].startswith("## ") and len(lines) == 1:
            blocks.append(f"<h3>{_inline(lines[0][3:])}</h3>")
        elif lines[0].startswith("# ") and len(lines) == 1:
            blocks.append(f"<h2>{_inline(lines[0][2:])}</h2>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(blocks))  # noqa: S308 - every piece of text was escaped above
