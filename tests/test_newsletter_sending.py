"""Sending a newsletter: to whom, with which headers, signed, in batches, and resumed after a kill."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import dkim
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.mail.outbox import mail_suppress
from consonance.newsletter.campaigns import campaign_create, campaign_start
from consonance.newsletter.models import Campaign, Delivery
from consonance.newsletter.services import subscription_create
from consonance.newsletter.tasks import newsletter_resume
from consonance.people.services import person_get_or_create
from consonance.rights.services import objection_record, restriction_start
from tests.factories import subscriber

REPO = Path(__file__).resolve().parent.parent
BODY = (
    "Hej!\n\nEtt **kort** brev.\n\n<script>alert(1)</script>\n\n[Läs mer](https://example.se/x)\n"
)


@pytest.fixture
def https_site(settings):
    settings.SITE_URL = "https://praktik.example.se"
    settings.CONSONANCE_STAFF_EMAIL = "coach@example.se"


def _received(server) -> dict[str, list]:
    by_to: dict[str, list] = {}
    for message in server.messages:
        by_to.setdefault(str(message["To"]), []).append(message)
    return by_to


@pytest.mark.django_db
def test_a_campaign_goes_once_to_each_confirmed_subscriber_and_to_no_one_else(
    smtp_server,
    https_site,
    django_capture_on_commit_callbacks,
):
    _anna, bo, cilla, _dan, _eva = (
        subscriber(f"{n}@example.se") for n in ["anna", "bo", "cilla", "dan", "eva"]
    )
    unconfirmed, _ = person_get_or_create(
        email="unconfirmed@example.se", first_name="U", last_name="C", actor=SYSTEM
    )
    subscription_create(person=unconfirmed, consent_given_at=timezone.now(), actor=SYSTEM)
    restriction_start(person=bo, reason="accuracy", actor=SYSTEM)
    objection_record(person=cilla, actor=SYSTEM)
    mail_suppress(email="dan@example.se", reason="bounce")
    campaign = campaign_create(subject_sv="Vinterbrev", body_sv=BODY, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=SYSTEM)

    received = _received(smtp_server)
    assert sorted(received) == ["anna@example.se", "eva@example.se"]
    assert all(len(copies) == 1 for copies in received.values())
    message = received["anna@example.se"][0]
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://praktik.example.se/nyhetsbrev/avregistrera/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Vinterbrev"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<strong>kort</strong>" in html and "<script" not in html
    assert 'href="https://example.se/x"' in html
    assert unsubscribe.strip("<>") in html and unsubscribe.strip("<>") in text
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENT
    states = {d.person.email: d.state for d in Delivery.objects.select_related("person")}
    assert states == {
        "anna@example.se": "sent",
        "dan@example.se": "skipped",
        "eva@example.se": "sent",
    }
    event = Event.objects.get(action="newsletter.campaign_sent")
    assert '"sent":2' in event.detail.replace(" ", "") and "@" not in event.detail


@pytest.mark.django_db
def test_a_signed_newsletter_verifies_with_dkim_over_both_list_unsubscribe_headers(
    smtp_server,
    https_site,
    settings,
    dkim_signing,
    django_capture_on_commit_callbacks,
):
    settings.CONSONANCE_DKIM_SELECTOR = "nl2026"
    settings.CONSONANCE_DKIM_DOMAIN = "praktik.example.se"
    subscriber("anna@example.se")
    campaign = campaign_create(subject_sv="Signerat", body_sv="Hej **du**", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=SYSTEM)

    [raw] = smtp_server.raw
    dns = dkim_signing
    assert dkim.verify(raw, dnsfunc=dns)
    assert dns.asked == [b"nl2026._domainkey.praktik.example.se."]
    parsed = message_from_bytes(raw, policy=policy.default)
    # Signed over both parts: the text and its HTML alternative.
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert "<strong>du</strong>" in parsed.get_body(("html",)).get_content()
    signature = parsed["DKIM-Signature"]
    signed = signature.split("h=", 1)[1].split(";", 1)[0].replace(" ", "").replace("\r\n", "")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(
        signed.lower().split(":")
    )
    # Changing a signed header breaks the signature: the test can fail.
    tampered = raw.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x"
    )
    assert not dkim.verify(tampered, dnsfunc=dns)


@pytest.mark.django_db
def test_the_command_queues_a_campaign_and_with_test_sends_only_to_the_coach(
    smtp_server,
    https_site,
    tmp_path,
    capsys,
    django_capture_on_commit_callbacks,
):
    subscriber("anna@example.se")
    subscriber("bo@example.se")
    issue = tmp_path / "brev.md"
    issue.write_text("# Vår\n\nNu kommer våren.\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletter", "send", str(issue), "--subject", "Vårbrev", "--test")
    assert [str(m["To"]) for m in smtp_server.messages] == ["coach@example.se"]
    assert smtp_server.messages[0]["Subject"] == "[Test] Vårbrev"
    assert "List-Unsubscribe" not in smtp_server.messages[0]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletter", "send", str(issue), "--subject", "Vårbrev")
    assert sorted(str(m["To"]) for m in smtp_server.messages[1:]) == [
        "anna@example.se",
        "bo@example.se",
    ]
    assert "queued to 2 subscriber(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_refuses_a_missing_or_empty_file_with_its_name(tmp_path):
    with pytest.raises(CommandError, match=r"nowhere\.md: no such file"):
        call_command("newsletter", "send", str(tmp_path / "nowhere.md"), "--subject", "X")
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"empty\.md:1: the newsletter is empty"):
        call_command("newsletter", "send", str(empty), "--subject", "X")
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_an_smtp_outage_mid_campaign_is_resumed_without_repeats(
    smtp_server,
    https_site,
    django_capture_on_commit_callbacks,
):
    for n in range(6):
        subscriber(f"s{n}@example.se")
    smtp_server.before_accept = lambda count: "421 4.3.2 going down" if count == 3 else None
    campaign = campaign_create(subject_sv="Avbrott", body_sv="Hej", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=SYSTEM)
    assert len(smtp_server.messages) == 3
    smtp_server.before_accept = None
    assert newsletter_resume() == {campaign.pk: "done"}
    received = _received(smtp_server)
    assert sorted(received) == [f"s{n}@example.se" for n in range(6)]
    assert all(len(copies) == 1 for copies in received.values())


def _subprocess_settings(tmp_path: Path, port: int, window: int = 1) -> dict[str, str]:
    db = connection.settings_dict
    module = tmp_path / "kill_settings.py"
    module.write_text(
        "from consonance.test_settings import *  # noqa\n"
        f"DATABASES = {{'default': {{'ENGINE': {db['ENGINE']!r}, 'NAME': {str(db['NAME'])!r}, "
        f"'USER': {db.get('USER') or ''!r}, 'PASSWORD': {db.get('PASSWORD') or ''!r}, "
        f"'HOST': {db.get('HOST') or ''!r}, 'PORT': {str(db.get('PORT') or '')!r}, "
        f"'OPTIONS': {db.get('OPTIONS') or {}!r}}}}}\n"
        "MAILERS = {'default': {'BACKEND': 'django.core.mail.backends.smtp.EmailBackend',"
        f" 'OPTIONS': {{'host': '127.0.0.1', 'port': {port}, 'timeout': 20}}}}}}\n"
        "SITE_URL = 'https://praktik.example.se'\n"
        f"CONSONANCE_NEWSLETTER_WINDOW = {window}\n",
        encoding="utf-8",
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kill_settings",
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}",
    }


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_campaign_and_restarted_sends_everyone_exactly_one_copy(
    smtp_server,
    tmp_path,
):
    total = 40
    for n in range(total):
        subscriber(f"k{n:02d}@example.se")
    issue = tmp_path / "brev.md"
    issue.write_text("Hej!\n", encoding="utf-8")
    env = _subprocess_settings(tmp_path, smtp_server.port)
    sender = subprocess.Popen(
        [sys.executable, "-m", "consonance", "newsletter", "send", str(issue), "--subject", "K"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    killed_at: list[int] = []

    def kill_at_17(count: int) -> str | None:
        if count == 17 and not killed_at:
            # The sender is waiting for the answer to this message's DATA: kill it there.
            os.kill(sender.pid, signal.SIGKILL)
            killed_at.append(count)
            return "451 4.3.0 the sender is gone"
        return None

    smtp_server.before_accept = kill_at_17
    sender.wait(timeout=120)
    assert sender.returncode == -signal.SIGKILL
    assert killed_at == [17] and len(smtp_server.messages) == 17
    campaign = Campaign.objects.get()
    assert campaign.state == Campaign.State.SENDING
    assert Delivery.objects.filter(state="sent").count() == 17
    assert Delivery.objects.filter(state="pending").count() == total - 17

    smtp_server.before_accept = None
    restart = subprocess.run(
        [sys.executable, "-m", "consonance", "newsletter", "deliver"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restart.returncode == 0, restart.stderr
    assert f"newsletter #{campaign.pk}: done" in restart.stdout
    received = _received(smtp_server)
    assert sorted(received) == [f"k{n:02d}@example.se" for n in range(total)]
    assert all(len(copies) == 1 for copies in received.values())
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENT
    assert not Delivery.objects.exclude(state="sent").exists()
    time.sleep(0)  # nothing left running: both processes have ended


@pytest.mark.django_db
def test_an_english_subscriber_gets_the_english_issue_and_links(
    smtp_server,
    https_site,
    django_capture_on_commit_callbacks,
):
    subscriber("maria@example.com", language="en")
    campaign = campaign_create(
        subject_sv="Hösten", body_sv="Hej!", subject_en="Autumn", body_en="Hello!", actor=SYSTEM
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=SYSTEM)
    [message] = smtp_server.messages
    assert message["Subject"] == "Autumn" and message["Content-Language"] == "en"
    assert message["List-Unsubscribe"].startswith(
        "<https://praktik.example.se/en/newsletter/unsubscribe/"
    )
    assert "Hello!" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_a_second_sender_leaves_a_campaign_alone_while_the_first_holds_it(
    smtp_server,
    https_site,
    django_capture_on_commit_callbacks,
):
    subscriber("anna@example.se")
    campaign = campaign_create(subject_sv="Lås", body_sv="Hej", actor=SYSTEM)
    campaign_start(campaign=campaign, actor=SYSTEM)  # not delivered: no commit callbacks run
    # Another live process on this machine holds the lease (this test's parent, say).
    Campaign.objects.filter(pk=campaign.pk).update(
        lease_owner=f"{socket.gethostname()}:{os.getppid()}",
        lease_until=timezone.now() + dt.timedelta(seconds=60),
    )
    assert newsletter_resume() == {campaign.pk: "busy"}
    assert smtp_server.messages == []
    # Once it lapses (the holder stopped renewing), the campaign is taken over and finished.
    Campaign.objects.filter(pk=campaign.pk).update(lease_until=timezone.now())
    assert newsletter_resume() == {campaign.pk: "done"}
    assert [str(m["To"]) for m in smtp_server.messages] == ["anna@example.se"]


def _marked_sent() -> set[str]:
    return {d.person.email for d in Delivery.objects.filter(state="sent").select_related("person")}


@pytest.mark.parametrize(
    ("pipelining", "window"),
    [(True, 1), (False, 1), (True, 5)],
    ids=["pipelining", "one-by-one", "pipelining-window-5"],
)
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_at_random_points_and_resumed_misses_no_one_and_repeats_only_the_one_on_the_wire(
    smtp_server,
    tmp_path,
    pipelining,
    window,
):
    """What "exactly once" means here. A kill before the server accepts a message (while its
    content travels, or the server is taking it in) repeats no one: her mark is still pending and
    the server kept nothing. A kill after the server accepted it but before the sender read the
    250 and committed her mark cannot be told apart from the first kind by any SMTP client: that
    one recipient gets the issue twice. So each kill repeats at most one recipient (the one on
    the wire), and nobody is ever missed. With a window of W (CONSONANCE_NEWSLETTER_WINDOW), marks
    are committed once per W messages, before the next window's content goes: a kill repeats at
    most the W recipients whose messages went out since the last commit. The test kills a real
    sender at random messages, half the time just before the server accepts and half just after,
    and checks exactly that: after each kill, the recipients the server accepted but whose marks
    were not committed are at most W (with W = 1, only the one on the wire, and only when the
    server accepted it), and they, and only they, get the issue twice."""
    import random

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    total = 30
    for n in range(total):
        subscriber(f"r{n:02d}@example.se")
    smtp_server.stop()
    smtp_server.pipelining = pipelining
    smtp_server.start()
    issue = tmp_path / "brev.md"
    issue.write_text("Hej!\n", encoding="utf-8")
    env = _subprocess_settings(tmp_path, smtp_server.port, window)
    command = ["newsletter", "send", str(issue), "--subject", "R"]
    points = sorted(rng.sample(range(1, total - 1), 3))
    after_accept = [rng.random() < 0.5 for _ in points]
    repeated: list[str] = []
    for point, accept in zip(points, after_accept, strict=True):
        before = len(smtp_server.messages)
        sender = subprocess.Popen(
            [sys.executable, "-m", "consonance", *command],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        killed: list[int] = []

        def kill(count: int, point=point, accept=accept, sender=sender, killed=killed):
            if count < point or killed:
                return None
            os.kill(sender.pid, signal.SIGKILL)
            killed.append(count)
            return None if accept else "451 4.3.0 the sender is gone"

        smtp_server.before_accept = kill
        sender.wait(timeout=180)
        smtp_server.before_accept = None
        assert sender.returncode == -signal.SIGKILL, (seed, sender.stderr.read())
        # Accepted by the server in this run, but not marked sent: the next sender repeats them.
        accepted = [str(m["To"]) for m in smtp_server.messages[before:]]
        unmarked = [to for to in accepted if to not in _marked_sent()]
        assert len(unmarked) <= window, (seed, point, unmarked)
        if window == 1:  # only the one on the wire, and only if the server kept it
            assert unmarked == (accepted[-1:] if accept else []), (seed, point, unmarked)
        repeated += unmarked
        command = ["newsletter", "deliver"]
    final = subprocess.run(
        [sys.executable, "-m", "consonance", *command],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert final.returncode == 0, (seed, final.stderr)
    received = _received(smtp_server)
    assert sorted(received) == [f"r{n:02d}@example.se" for n in range(total)], seed
    # Each recipient got one copy more for each kill that repeated her, and no other.
    extra = {to: len(copies) - 1 for to, copies in received.items() if len(copies) > 1}
    assert extra == dict(Counter(repeated)), (seed, points, after_accept)
    assert Campaign.objects.get().state == Campaign.State.SENT
    assert not Delivery.objects.exclude(state="sent").exists()
