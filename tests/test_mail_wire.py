"""A newsletter's copies written from one template (mail/wire.py): each is a correct RFC 5322 /
MIME message with her own link in the text, the HTML and List-Unsubscribe, byte for byte what
encoding the whole message per copy gives."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from consonance.mail.sender import SITE_MARK, sent_by_site
from consonance.mail.wire import BulkTemplate, _base64_lines, _Part

LINK = "%%LINK%%"
TEXT = "Hej åäö!\n" * 40 + f"Avsluta: {LINK}\nHej då, {LINK}\n"
HTML = "<p>Hej åäö!</p>\n" * 40 + f'<p><a href="{LINK}">Avsluta</a></p>\n'


@pytest.mark.parametrize("at", [0, 1, 56, 57, 58, 400])
def test_a_part_encoded_from_its_head_is_the_whole_part_encoded(at):
    text = "å" * at + LINK + "x" * 100
    part = _Part(text, LINK)
    for value in ["https://a.se/u/1:abc", "https://a.se/u/" + "9" * 70]:
        assert part.encoded(value.encode()) == _base64_lines(
            text.replace(LINK, value).encode("utf-8")
        )


def test_each_copy_is_a_whole_message_with_her_own_link(settings):
    settings.CONSONANCE_DKIM_PRIVATE_KEY = ""
    template = BulkTemplate(
        subject="Höstens brev",
        text=TEXT,
        html=HTML,
        headers={"List-Id": "<newsletter.example.se>", "List-Unsubscribe": f"<{LINK}>"},
        language="sv",
        mail_type="newsletter_issue",
        placeholder=LINK,
    )
    seen = set()
    for n in range(2):
        url = f"https://praktik.example.se/nyhetsbrev/avsluta/{n}:sig{n}/"
        raw = template.copy(f"s{n}@example.se", url)
        assert raw is not None and b"\n" not in raw.replace(b"\r\n", b"")
        message = message_from_bytes(raw, policy=policy.default)
        assert message["To"] == f"s{n}@example.se"
        assert message["Subject"] == "Höstens brev"
        assert message["List-Unsubscribe"] == f"<{url}>"
        assert message["Content-Language"] == "sv" and message["Date"]
        assert message.get_content_type() == "multipart/alternative"
        assert message.get_body(("plain",)).get_content() == TEXT.replace(LINK, url)
        assert message.get_body(("html",)).get_content() == HTML.replace(LINK, url)
        assert sent_by_site(
            from_address=message["From"].addresses[0].addr_spec,
            message_id=message["Message-ID"],
            mark=message[SITE_MARK],
        )
        seen.add(message["Message-ID"])
    assert len(seen) == 2


def test_a_copy_the_wire_cannot_carry_is_left_to_the_email_package():
    template = BulkTemplate(subject="s", text=f"t {LINK}", placeholder=LINK)
    assert template.copy("åsa@exempel.se", "https://a.se/") is None
    message = template.message("åsa@exempel.se", "https://a.se/")
    assert message.to == "åsa@exempel.se" and message.text == "t https://a.se/"
