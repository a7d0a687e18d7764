"""A newsletter's Markdown as e-mail: the text itself, and sanitised HTML (markdown + nh3) in the
layout of every other e-mail (mail/base.html, mail/htmlpart.py)."""

from __future__ import annotations

from dataclasses import dataclass

import markdown
import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from consonance.mail.htmlpart import linkify_html, styled
from consonance.newsletter.models import Campaign
from consonance.newsletter.plaintext import html_text
from consonance.privacy.policy import get_policy

ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
UNSUBSCRIBE = "%%UNSUBSCRIBE_URL%%"


def markdown_html(text: str) -> str:
    """Markdown to HTML with nothing that can run or track: no scripts, styles, images or
    event attributes; links only to http(s) and mailto, marked noopener; bare web and e-mail
    addresses made links and a line break kept, as a mail program shows the text part."""
    html = markdown.markdown(
        text, extensions=["extra", "sane_lists", "nl2br"], output_format="html"
    )
    return nh3.clean(
        linkify_html(html),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class Edition:
    """One language's version of a campaign, rendered once; each recipient's copy only puts her
    own unsubscribe link in place of UNSUBSCRIBE (newsletter.sending, through mail.bulk's
    BulkTemplate)."""

    language: str
    subject: str
    text: str
    html: str


def edition(campaign: Campaign, language: str) -> Edition:
    """The campaign in `language`, or in its other language when it has only that one."""
    if language == "en" and not campaign.body_en.strip():
        language = "sv"
    if language == "sv" and not campaign.body_sv.strip():
        language = "en"
    body = campaign.body_en if language == "en" else campaign.body_sv
    subject = (campaign.subject_en if language == "en" else campaign.subject_sv) or (
        campaign.subject_sv or campaign.subject_en
    )
    controller = get_policy().controller
    html = markdown_html(body)
    # The text part is the same text as the HTML part, rendered clean (no raw Markdown).
    context = {"body": html_text(html), "html": styled(html), "subject": subject,
               "unsubscribe_url": UNSUBSCRIBE, "language": language, "site_name": controller.name,
               "controller": controller, "site_url": settings.SITE_URL}  # fmt: skip
    with translation.override(language):
        text = render_to_string("newsletter/email.txt", context)
        html = render_to_string("newsletter/email.html", context)
    return Edition(language, " ".join(subject.split()), text.strip() + "\n", html.strip())
