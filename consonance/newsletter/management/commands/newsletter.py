"""`consonance newsletter send FILE.md --subject TEXT [--test]`, `deliver`, `ask-again`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consonance.audit.services import SYSTEM
from consonance.lib.urls import absolute_reverse
from consonance.mail.bulk import MailPurposeRefused
from consonance.newsletter.bounces import newsletter_feedback
from consonance.newsletter.campaigns import CampaignInvalid, campaign_create, campaign_start
from consonance.newsletter.sending import campaign_progress
from consonance.newsletter.services import newsletter_ask_again
from consonance.newsletter.tasks import newsletter_resume


class Command(BaseCommand):
    help = (
        "The newsletter: `send FILE.md --subject TEXT [--test]` queues a campaign to every "
        "confirmed subscriber (with --test, to the coach alone); `deliver` sends what is "
        "pending now, in the foreground; `ask-again` asks subscribers whose consent is for an "
        "older version of the consent text to confirm again; `bounce FILE.eml` reads a bounce or "
        "complaint report."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="Queue a newsletter written in Markdown.")
        send.add_argument("file", metavar="FILE.md")
        send.add_argument("--subject", required=True, metavar="TEXT")
        send.add_argument("--test", action="store_true", help="Send only to the coach.")
        send.add_argument(
            "--language", choices=["sv", "en"], default="sv", help="The text's language."
        )
        sub.add_parser("deliver", help="Send every pending newsletter now (foreground).")
        sub.add_parser("ask-again", help="Ask again for consent after a material text change.")
        bounce = sub.add_parser(
            "bounce",
            help="Read a bounce (DSN) or complaint (ARF) message; suppress and unsubscribe.",
        )
        bounce.add_argument("file", metavar="FILE.eml")

    def handle(self, *args, action: str, **options) -> None:
        if action == "send":
            self._send(options["file"], options["subject"], options["test"], options["language"])
        elif action == "bounce":
            self._bounce(options["file"])
        elif action == "deliver":
            for pk, outcome in newsletter_resume().items():
                self.stdout.write(f"newsletter #{pk}: {outcome}")
        else:
            asked = newsletter_ask_again(actor=SYSTEM)
            self.stdout.write(f"{asked} subscriber(s) asked to confirm again.")

    def _bounce(self, file: str) -> None:
        try:
            raw = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}", returncode=2) from None
        result = newsletter_feedback(raw)
        if not result.kind:
            raise CommandError(f"{file}:1: not a bounce or complaint report", returncode=1)
        self.stdout.write(
            f"{result.kind}: {len(result.addresses)} address(es), {result.suppressed} newly "
            f"suppressed, {result.unsubscribed} unsubscribed."
        )

    def _send(self, file: str, subject: str, test: bool, language: str) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file", returncode=2) from None
        except UnicodeDecodeError as error:
            line = path.read_bytes()[: error.start].count(b"\n") + 1
            raise CommandError(f"{file}:{line}: not UTF-8 text", returncode=2) from None
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}", returncode=2) from None
        if not text.strip():
            raise CommandError(f"{file}:1: the newsletter is empty", returncode=2)
        if not subject.strip():
            raise CommandError("--subject: the subject is empty", returncode=2)
        try:
            with transaction.atomic():  # a refused start leaves no draft behind
                campaign = campaign_create(
                    **{f"subject_{language}": subject, f"body_{language}": text}, actor=SYSTEM
                )
                campaign = campaign_start(campaign=campaign, actor=SYSTEM, test=test)
        except CampaignInvalid as error:
            raise CommandError(f"{file}:1: {error}", returncode=2) from None
        except MailPurposeRefused as error:
            raise CommandError(str(error), returncode=1) from None
        progress = campaign_progress(campaign)
        who = "the coach (test)" if test else f"{progress.total} subscriber(s)"
        self.stdout.write(
            f"Newsletter #{campaign.pk} queued to {who}; sent so far: {progress.sent}. "
            f"Progress: {absolute_reverse('newsletter_staff:detail', campaign.pk)}"
        )
