"""Bounces and complaints suppress the address and end the subscription."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from consonance.consent.models import ConsentRecord
from consonance.mail.outbox import mail_is_suppressed
from consonance.newsletter.bounces import newsletter_feedback
from consonance.newsletter.selectors import newsletter_recipients
from tests.factories import subscriber

pytestmark = pytest.mark.django_db

DSN = b"""From: MAILER-DAEMON@mx.example.net
To: contact@consonancecommunication.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; Anna@Example.se
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

Final-Recipient: rfc822; bo@example.se
Action: delayed
Status: 4.4.1

--B--
"""

ARF = b"""From: fbl@isp.example.net
To: contact@consonancecommunication.com
Subject: Complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1
Original-Rcpt-To: <bo@example.se>

--F--
"""


def test_a_permanent_bounce_suppresses_and_unsubscribes_but_a_delay_does_not():
    anna = subscriber("anna@example.se")
    bo = subscriber("bo@example.se")
    result = newsletter_feedback(DSN)
    assert (result.kind, result.addresses) == ("bounce", ["anna@example.se"])
    assert mail_is_suppressed("anna@example.se") and not mail_is_suppressed("bo@example.se")
    assert list(newsletter_recipients()) == [bo]
    assert ConsentRecord.objects.get(person=anna, action="withdrawn").method == "bounce"


def test_a_complaint_suppresses_and_unsubscribes(tmp_path, capsys):
    subscriber("bo@example.se")
    report = tmp_path / "arf.eml"
    report.write_bytes(ARF)
    call_command("newsletter", "bounce", str(report))
    assert (
        "complaint: 1 address(es), 1 newly suppressed, 1 unsubscribed." in capsys.readouterr().out
    )
    assert mail_is_suppressed("bo@example.se") and list(newsletter_recipients()) == []


def test_an_ordinary_message_is_not_a_report(tmp_path):
    subscriber("anna@example.se")
    plain = tmp_path / "plain.eml"
    plain.write_bytes(b"From: a@example.se\nSubject: Hej\n\nHej!\n")
    with pytest.raises(CommandError, match=r"plain\.eml:1: not a bounce or complaint report"):
        call_command("newsletter", "bounce", str(plain))
    assert not mail_is_suppressed("anna@example.se")
