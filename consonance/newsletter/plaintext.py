"""A newsletter's plain-text part: its Markdown rendered (render.markdown_html) and the HTML
turned into clean text, as a reader of the text part should see it: no `**`, `#` or
`[text](address)`, but paragraphs, headings on their own lines, lists with bullets or numbers,
links as "text (address)", quotes marked with "> ".

The HTML is the sanitised one of the HTML part (a handful of tags, render.ALLOWED_TAGS), so the
standard library's HTMLParser reads it reliably; the two parts say the same by construction."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser

BLOCKS = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "blockquote", "pre", "table", "hr"}
WIDTH = 72


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str]] = []  # (its top-level list's number or 0, text)
        self.list_count = 0
        self.line: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [next number], or [] for bullets
        self.marker = ""  # the bullet or number of the list item whose text comes next
        self.quote = 0
        self.pre = False
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in `line`)
        self.heading = ""

    def _flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        if not text.strip():
            return
        lead = "> " * self.quote
        if self.pre:
            rows = text.strip("\n").splitlines()
            self.blocks.append((0, "\n".join(lead + row for row in rows)))
            return
        depth = "  " * max(len(self.lists) - 1, 0)
        prefix, self.marker = self.marker, ""
        indent = lead + depth + " " * (len(prefix) if prefix or not self.lists else 2)
        first = lead + depth + prefix if prefix else indent if self.lists else lead
        rows = [" ".join(row.split()) for row in text.split("\n")]
        wrapped = []
        for row in (r for r in rows if r):
            wrapped.append(
                textwrap.fill(row, WIDTH, initial_indent=first, subsequent_indent=indent,
                              break_long_words=False, break_on_hyphens=False)
            )  # fmt: skip
            first = indent
        block = "\n".join(wrapped)
        if self.heading:
            underline = "=" if self.heading == "h1" else "-"
            block = f"{block}\n{underline * min(len(block), WIDTH)}"
        self.blocks.append((self.list_count if self.lists else 0, block))

    def _next_marker(self) -> str:
        numbers = self.lists[-1] if self.lists else []
        if not numbers:
            return "• "
        numbers[0] += 1
        return f"{numbers[0] - 1}. "

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS or tag == "li":
            self._flush()
        if tag in {"h1", "h2", "h3", "h4"}:
            self.heading = tag
        elif tag in {"ul", "ol"}:
            self.list_count += 0 if self.lists else 1
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self.marker = self._next_marker()
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre = True
        elif tag == "br":
            self.line.append("\n")
        elif tag == "hr":
            self.blocks.append((0, "―" * 20))
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.line)))
        elif tag in {"td", "th"} and self.line and self.line[-1] != "\n":
            self.line.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.line[start:]).strip()
            target = href.removeprefix("mailto:")
            if href and target != label:
                self.line.append(f" ({target})")
        elif tag == "tr":
            self.line.append("\n")
        elif tag in BLOCKS or tag == "li":
            self._flush()
            if tag in {"ul", "ol"} and self.lists:
                self.lists.pop()
            elif tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            elif tag == "pre":
                self.pre = False
            elif tag in {"h1", "h2", "h3", "h4"}:
                self.heading = ""

    def handle_data(self, data: str) -> None:
        self.line.append(data if self.pre else data.replace("\n", " "))


def html_text(html: str) -> str:
    """Clean plain text of the newsletter's sanitised HTML."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._flush()
    out: list[str] = []
    previous = 0
    for in_list, block in parser.blocks:
        # A list's items follow each other line by line; everything else is its own paragraph.
        out.append(("\n" if in_list and in_list == previous else "\n\n") + block.rstrip())
        previous = in_list
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
