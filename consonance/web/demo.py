"""Demo scenes that span several apps (the web app sits above them all, so it may touch each):
a journal kept longer by agreement, a journal-access request near its deadline, the receipt of a
fictional person erased by the demo itself, a holiday starting tomorrow, so that the site shows
the notice and the overview shows deadlines extended by it and booking is closed those days, the
coach's own calendar whose busy times leave the booking page (booking/busy_demo.py), a client who
changed her address after paying (mail follows her, her old address got a notice) and a legal hold.
Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.booking.busy_demo import own_calendar
from consonance.bookkeeping.models import Voucher
from consonance.journal.models import Note
from consonance.lib.time import STOCKHOLM
from consonance.mail.outbox import address_hash
from consonance.payments.models import Order
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.privacy.holidays import holiday_add, holiday_periods_ahead
from consonance.privacy.models import LegalHold
from consonance.privacy.registry import context_of
from consonance.privacy.services import agreement_create, legal_hold_create
from consonance.rights.erasure import person_erase
from consonance.rights.models import ErasureReceipt, PreviousAddress, Request
from consonance.rights.services import address_changed_notice, request_record
from consonance.web.models import SitePage

AGREED = "lena.ek@example.se"
REQUESTER = ("ingrid.dahl@example.se", "Ingrid", "Dahl")
ERASED = ("demo.raderad@example.se", "Vera", "Raderad")
ERASED_NOTE = "demo: fiktiv person raderad av demon"
MOVED = ("karin.lund.ny@example.se", "karin.lund@example.se", "Karin", "Lund")
HELD = ("tove.berg@example.se", "Tove", "Berg")


def load(out) -> None:
    _pages(out)
    _journal_kept_by_agreement(out)
    _journal_request(out)
    _erased_person(out)
    _holiday(out)
    own_calendar(out)
    _changed_address(out)
    _legal_hold(out)


def _changed_address(out) -> None:
    """Karin paid as karin.lund@example.se and then confirmed a new address: her order keeps the
    old one (who paid), every mail and the coach's lists use the new one, and the old address got
    the short notice of the change."""
    new, old, first, last = MOVED
    person, created = person_get_or_create(
        email=new, first_name=first, last_name=last, actor=SYSTEM
    )
    if not created:
        return
    Order.objects.create(
        reference="CC-DEMO-KARIN",
        person=person,
        method=Order.Method.CARD,
        status=Order.Status.PAID,
        description="Videokonsultation 50 min",
        amount=Decimal("900.00"),
        amount_paid=Decimal("900.00"),
        payer_name=f"{first} {last}",
        payer_email=old,
    )
    PreviousAddress.objects.create(person=person, address_hash=address_hash(old))
    address_changed_notice(person=person, old_email=old)
    out.write(
        f"Address change: {first} {last} paid as {old} and now has {new} "
        "(/staff/payments/: the order shows both; her old address got a notice).\n"
    )


def _legal_hold(out) -> None:
    """Tove's last contact was 25 months ago: the engine would delete her, but a legal hold keeps
    everything about her until the coach lifts it on the retention page."""
    if LegalHold.objects.filter(person__in=Person.objects.filter(email=HELD[0])).exists():
        return
    long_ago = timezone.now() - dt.timedelta(days=760)
    person, created = Person.objects.get_or_create(
        email=HELD[0],
        defaults={
            "first_name": HELD[1],
            "last_name": HELD[2],
            "created_at": long_ago,
            "last_contact_at": long_ago,
        },
    )
    if created:
        audit_append(
            actor=SYSTEM, action="person.created", subject_id=person.pk, category="contact_details"
        )
    legal_hold_create(
        person=person,
        reason="Tvist om en återbetalning, ärendet hos Allmänna reklamationsnämnden (fiktivt).",
        actor=SYSTEM,
    )
    out.write(f"Legal hold: {HELD[1]} {HELD[2]}'s data is held (/staff/privacy/#sparrar).\n")


def _holiday(out) -> None:
    if holiday_periods_ahead().exists():
        return
    tomorrow = timezone.localdate(timezone.now(), STOCKHOLM) + dt.timedelta(days=1)
    holiday_add(first_day=tomorrow, last_day=tomorrow + dt.timedelta(days=6), actor=SYSTEM)
    out.write("Holiday mode: a holiday week from tomorrow (the notice on every public page).\n")


HOME_SV = """Jag erbjuder coachande samtal för dig som vill må bättre i dig själv, i ditt liv och i dina
relationer. Vi ses över video, där du är, eller skriver till varandra när det passar dig.

- Ett första samtal för att se om vi passar ihop
- Samtal i lugn takt, utan att något behöver vara färdigt
- Allt du berättar stannar mellan oss"""

HOME_EN = """I offer coaching conversations for you who want to feel better in yourself, in your life and
in your relationships. We meet by video, wherever you are, or write to each other when it suits you.

- A first session to see whether we are a good fit
- Conversations at a calm pace
- Everything you tell me stays between us"""

ABOUT_SV = """Jag har arbetat med samtal i många år och tror på att ta en sak i taget.

# Hur jag arbetar
Jag lyssnar mer än jag pratar. Tillsammans hittar vi det som är viktigt för dig just nu.

Frågor? Skriv till mig på [contact@consonancecommunication.com](mailto:contact@consonancecommunication.com)."""

ABOUT_EN = """I have worked with conversations for many years and believe in taking one thing at a time.

# How I work
I listen more than I talk. Together we find what matters to you right now."""


def _pages(out) -> None:
    """The coach's own home and "Om mig" texts (editable at /staff/web/pages/)."""
    SitePage.objects.get_or_create(
        slug=SitePage.Slug.HOME,
        defaults={
            "title_sv": "Samtal som hjälper dig att må bättre",
            "title_en": "Conversations that help you feel better",
            "body_sv": HOME_SV,
            "body_en": HOME_EN,
        },
    )
    SitePage.objects.get_or_create(
        slug=SitePage.Slug.ABOUT,
        defaults={
            "title_sv": "Om mig",
            "title_en": "About me",
            "body_sv": ABOUT_SV,
            "body_en": ABOUT_EN,
        },
    )
    out.write("Pages: the home and about texts are editable at /staff/web/pages/.\n")


def _journal_kept_by_agreement(out) -> None:
    """Her latest consultation was 23 months ago: without the agreement her notes would go within
    a month (the retention dashboard's forecast shows what the agreement holds back)."""
    now = timezone.now()
    person, created = Person.objects.get_or_create(
        email=AGREED,
        defaults={
            "first_name": "Lena",
            "last_name": "Ek",
            "last_contact_at": now - dt.timedelta(days=700),
            "last_consultation_at": now - dt.timedelta(days=700),
            "created_at": now - dt.timedelta(days=900),
        },
    )
    if not created:
        return
    audit_append(
        actor=SYSTEM, action="person.created", subject_id=person.pk, category="contact_details"
    )
    Note.objects.create(
        person=person,
        created_at=now - dt.timedelta(days=700),
        body_ciphertext=person_encrypt(
            person, "Fiktiv anteckning för demon.", context=context_of(Note, "body_ciphertext")
        ),
    )
    agreement_create(
        person=person,
        rule_id="journal-2y",
        until=timezone.localdate() + dt.timedelta(days=365),
        reason="Lena vill att anteckningarna sparas till nästa kursomgång (fiktivt exempel).",
        actor=SYSTEM,
    )
    out.write("Retention: an agreement keeps Lena Ek's journal one more year (/staff/privacy/).\n")


def _journal_request(out) -> None:
    person, _ = person_get_or_create(
        email=REQUESTER[0], first_name=REQUESTER[1], last_name=REQUESTER[2], actor=SYSTEM
    )
    if Request.objects.filter(person=person, kind=Request.Kind.JOURNAL_ACCESS).exists():
        return
    Note.objects.create(
        person=person,
        body_ciphertext=person_encrypt(
            person, "Demo: samtal om sömn och stress.", context=context_of(Note, "body_ciphertext")
        ),
    )
    request = request_record(
        person=person, kind=Request.Kind.JOURNAL_ACCESS, actor=SYSTEM, done=False
    )
    # Received eight days ago: due in two days, so the reminder and the "snart" tag show.
    received = timezone.now() - dt.timedelta(days=8)
    Request.objects.filter(pk=request.pk).update(
        received_at=received, due_at=received + dt.timedelta(days=10)
    )


def _erased_person(out) -> None:
    if not ErasureReceipt.objects.filter(request__note=ERASED_NOTE).exists():
        person, _ = person_get_or_create(
            email=ERASED[0], first_name=ERASED[1], last_name=ERASED[2], actor=SYSTEM
        )
        number = (
            Voucher.objects.filter(series="D")
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        Voucher.objects.create(
            series="D",
            number=number,
            date=timezone.localdate(),
            fiscal_year_end=timezone.localdate().replace(month=12, day=31),
            description="Demo: videokonsultation",
            amount=Decimal("900.00"),
            payer_name=f"{ERASED[1]} {ERASED[2]}",
            person=person,
        )
        person_erase(person=Person.objects.get(pk=person.pk), actor=SYSTEM, via=ERASED_NOTE)
    receipt = ErasureReceipt.objects.filter(request__note=ERASED_NOTE).first()
    out.write(
        "Privacy center: http://127.0.0.1:8000/mina-uppgifter/ (try sara.nyberg@example.se, "
        "with bookings, orders and an account, and download her data as a readable document; or "
        "ingrid.dahl@example.se, with a journal request; the link is printed by the console "
        "mailer). Requests and receipts: "
        f"http://127.0.0.1:8000/staff/rights/ (demo receipt #{receipt.pk if receipt else '-'}).\n"
    )
