"""The retention engine over a populated database, travelling in time across every boundary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM, audit_verify
from consonance.bookkeeping.models import Voucher
from consonance.contact.models import Message
from consonance.journal.models import ConsultationMessage, Note
from consonance.newsletter.models import Subscription
from consonance.payments.models import BillingDetails, Order, OrderEvent
from consonance.people.models import MemberProfile, Person
from consonance.privacy import retention
from consonance.privacy.models import RetentionRun
from consonance.privacy.policy import get_policy
from consonance.privacy.retention import retention_run
from consonance.privacy.retention_forecast import retention_forecast
from consonance.privacy.services import (
    agreement_create,
    agreement_end,
    legal_hold_create,
    legal_hold_lift,
)
from tests import retention_data as data

pytestmark = pytest.mark.django_db

UTC = dt.UTC
STHLM = ZoneInfo("Europe/Stockholm")
T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # when things happened
SECOND = dt.timedelta(seconds=1)


def years(n: int) -> dt.datetime:
    return T0.replace(year=T0.year + n)


def run(now: dt.datetime, **kwargs):
    return retention_run(now=now, **kwargs)


def rule(report, rule_id):
    return next(r for r in report.rules if r.id == rule_id)


# --- P8: billing details minimised 48 hours after the booking -----------------------------------
def test_billing_details_keep_only_names_and_email_after_48_hours():
    anna = data.person("anna", last_contact=T0)
    o = data.order(anna, at=T0)
    run(T0 + dt.timedelta(hours=48) - SECOND)
    b = BillingDetails.objects.get(order=o)
    assert (b.street_address, b.postal_code, b.city, b.phone) != ("", "", "", "")

    report = run(T0 + dt.timedelta(hours=48) + SECOND)
    b.refresh_from_db()
    assert (b.street_address, b.postal_code, b.city, b.phone) == ("", "", "", "")
    assert (b.first_name, b.last_name, b.email) == ("Payer", "Name", "anna@example.se")
    assert rule(report, "billing-details-48h").minimised == 1
    assert Order.objects.filter(pk=o.pk).exists()  # the order list keeps the order (P8)
    # Done once: the next run finds nothing left to minimise.
    assert rule(run(T0 + dt.timedelta(hours=72)), "billing-details-48h").matched == 0


# --- P14: orders two years, with their events and billing details -------------------------------
def test_orders_go_two_years_after_they_were_placed_with_events_and_billing():
    anna = data.person("anna", last_contact=years(1))
    old = data.order(anna, at=T0)
    newer = data.order(anna, at=T0 + dt.timedelta(days=1))
    run(years(2) - SECOND)
    assert Order.objects.filter(pk=old.pk).exists()

    report = run(years(2) + SECOND)
    assert not Order.objects.filter(pk=old.pk).exists()
    assert not OrderEvent.objects.filter(order_id=old.pk).exists()
    assert not BillingDetails.objects.filter(order_id=old.pk).exists()
    assert Order.objects.filter(pk=newer.pk).exists()
    assert OrderEvent.objects.filter(order=newer).count() == 1
    assert BillingDetails.objects.filter(order=newer).count() == 1
    assert rule(report, "orders-2y").deleted == 2  # the order and its event
    assert rule(report, "billing-details-with-order").deleted == 1
    assert Person.objects.filter(pk=anna.pk).exists()


def test_an_order_without_a_person_still_expires():
    o = data.order(None, at=T0)
    run(years(2) + SECOND)
    assert not Order.objects.filter(pk=o.pk).exists()


# --- P10: contact details two years after the latest contact, unless… -------------------------
def test_contact_details_go_two_years_after_the_latest_contact_and_nothing_else():
    gone = data.person("gone", last_contact=T0)
    stays = data.person("stays", last_contact=T0 + dt.timedelta(days=1))
    recent_order = data.order(gone, at=years(1), billing=False)
    v = data.voucher(gone, on=T0.date())
    run(years(2) - SECOND)
    assert Person.objects.filter(pk=gone.pk).exists()

    report = run(years(2) + SECOND)
    assert not Person.objects.filter(pk=gone.pk).exists()
    assert Person.objects.filter(pk=stays.pk).exists()
    # What the law or the order list still needs stays, without the link to her (SET_NULL).
    recent_order.refresh_from_db()
    assert recent_order.person_id is None
    v.refresh_from_db()
    assert v.person_id is None and v.payer_name == "Payer Name"
    assert rule(report, "contact-details-2y").deleted == 1


def test_a_member_account_a_live_subscription_or_journal_notes_keep_contact_details():
    member = data.person("member", last_contact=T0)
    data.member(member, at=T0)
    subscriber = data.person("subscriber", last_contact=T0)
    data.subscription(subscriber, at=T0)
    client = data.person("client", last_contact=T0, last_consultation=years(1))
    data.note(client, at=years(1))
    unsubscribed = data.person("unsubscribed", last_contact=T0)
    data.subscription(unsubscribed, at=T0, unsubscribed=years(1))

    report = run(years(2) + SECOND)
    assert {p.email for p in Person.objects.all()} == {
        "member@example.se",
        "subscriber@example.se",
        "client@example.se",
    }
    # A cancelled subscription no longer keeps her: it goes with her contact details (P12 is a
    # longest period: "whichever comes first").
    assert not Subscription.objects.filter(person__email="unsubscribed@example.se").exists()
    r = rule(report, "contact-details-2y")
    assert (r.deleted, r.skipped_by_unless) == (1, 3)

    # Two years after her latest consultation the notes go, and with them the last reason to
    # keep the client's contact details: the same run deletes both.
    report = run(years(3) + SECOND)
    assert not Person.objects.filter(email="client@example.se").exists()
    assert rule(report, "journal-2y").deleted == 1


def test_a_pending_message_keeps_the_person_whose_contact_expired():
    # The cascade guard: deleting a Person would take her unanswered message with her.
    anna = data.person("anna", last_contact=T0)
    data.contact_message(anna, at=T0, replied=None)
    run(years(2) + SECOND)
    assert Person.objects.filter(pk=anna.pk).exists()
    Message.objects.update(replied_at=years(2) + 2 * SECOND)
    run(years(2) + 3 * SECOND)
    assert not Person.objects.filter(pk=anna.pk).exists()


# --- P11: member account until deletion ---------------------------------------------------------
def test_a_member_account_goes_when_its_deletion_is_asked_and_then_the_old_contact_too():
    sara = data.person("sara", last_contact=T0)
    data.member(sara, at=T0, deletion_requested=years(3))
    run(years(3) - SECOND)
    assert MemberProfile.objects.filter(person=sara).exists()
    report = run(years(3) + SECOND)
    assert not MemberProfile.objects.exists()
    assert not Person.objects.filter(pk=sara.pk).exists()  # one run reaches the end state
    assert rule(report, "member-account").deleted == 1


# --- P12: newsletter two years after unsubscription ---------------------------------------------
def test_newsletter_data_goes_two_years_after_unsubscription():
    olle = data.person("olle", last_contact=years(5))
    data.subscription(olle, at=T0, unsubscribed=years(1))
    run(years(3) - SECOND)
    assert Subscription.objects.filter(person=olle).exists()
    run(years(3) + SECOND)
    assert not Subscription.objects.filter(person=olle).exists()
    assert Person.objects.filter(pk=olle.pk).exists()


# --- P14: bookkeeping to the end of the seventh year after the fiscal year ----------------------
def test_vouchers_are_kept_to_the_end_of_the_seventh_calendar_year():
    dec = data.voucher(None, on=dt.date(2022, 12, 31))
    jan = data.voucher(None, on=dt.date(2023, 1, 1))
    # Stockholm's new year: 2029-12-31 23:00 UTC.
    just_before = dt.datetime(2029, 12, 31, 23, 59, 59, tzinfo=STHLM)
    run(just_before)
    assert Voucher.objects.count() == 2
    report = run(dt.datetime(2030, 1, 1, 0, 0, 1, tzinfo=STHLM))
    assert list(Voucher.objects.values_list("pk", flat=True)) == [jan.pk]
    assert not Voucher.objects.filter(pk=dec.pk).exists()
    assert rule(report, "bookkeeping-7y").deleted == 1
    run(dt.datetime(2031, 1, 1, 0, 0, 1, tzinfo=STHLM))
    assert not Voucher.objects.exists()


# --- P15, P16, P17 ------------------------------------------------------------------------------
def test_journal_notes_go_two_years_after_the_latest_consultation():
    eva = data.person("eva", last_contact=T0 - dt.timedelta(days=1), last_consultation=T0)
    data.note(eva, at=T0 - dt.timedelta(days=300))
    data.note(eva, at=T0)
    run(years(2) - SECOND)
    assert Note.objects.filter(person=eva).count() == 2
    run(years(2) + SECOND)
    assert not Note.objects.filter(person=eva).exists()


def test_notes_without_a_consultation_go_two_years_after_the_latest_note_or_contact():
    # A contact message saved to the journal, a consultation later cancelled: no consultation,
    # yet the notes and then her contact details go (P15, P10), never "until further notice".
    eva = data.person("eva", last_contact=T0)
    data.note(eva, at=T0 + dt.timedelta(days=10))
    run(years(2) + dt.timedelta(days=9))
    assert Note.objects.filter(person=eva).count() == 1
    assert Person.objects.filter(pk=eva.pk).exists()
    run(years(2) + dt.timedelta(days=11))
    assert not Note.objects.filter(person=eva).exists()
    assert not Person.objects.filter(pk=eva.pk).exists()


def test_a_later_contact_restarts_the_journal_clock():
    eva = data.person("eva", last_contact=years(1), last_consultation=T0)
    data.note(eva, at=T0)
    run(years(2) + SECOND)
    assert Note.objects.filter(person=eva).exists()
    run(years(3) + SECOND)
    assert not Note.objects.filter(person=eva).exists()


def test_messages_go_once_moved_or_replied_and_pending_ones_stay():
    eva = data.person("eva", last_contact=T0)
    moved = data.consultation_message(eva, at=T0, moved=T0 + dt.timedelta(hours=5))
    waiting = data.consultation_message(eva, at=T0, moved=None)
    replied = data.contact_message(eva, at=T0, replied=T0 + dt.timedelta(hours=3))
    open_ = data.contact_message(eva, at=T0, replied=None)
    run(T0 + dt.timedelta(hours=3))
    assert Message.objects.filter(pk=replied.pk).exists()  # replied at exactly now: not before
    run(T0 + dt.timedelta(hours=6))
    assert list(ConsultationMessage.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert list(Message.objects.values_list("pk", flat=True)) == [open_.pk]
    assert not ConsultationMessage.objects.filter(pk=moved.pk).exists()


# --- Agreements and legal holds -----------------------------------------------------------------
def test_an_agreement_extends_the_period_until_its_end_date_or_its_end():
    eva = data.person("eva", last_contact=T0, last_consultation=T0)
    data.note(eva, at=T0)
    with_time(T0)
    agreement = agreement_create(
        person=eva,
        rule_id="journal-2y",
        until=dt.date(2029, 6, 30),
        reason="Överenskommet vid sista samtalet",
        actor=SYSTEM,
    )
    agreement_create(
        person=eva,
        rule_id="contact-details-2y",
        until=dt.date(2029, 6, 30),
        reason="Överenskommet vid sista samtalet",
        actor=SYSTEM,
    )
    report = run(years(2) + SECOND)
    assert Note.objects.filter(person=eva).exists()
    assert Person.objects.filter(pk=eva.pk).exists()
    assert rule(report, "journal-2y").skipped_by_agreement == 1
    # The agreement's last day still counts; the day after, the notes and the person go.
    run(dt.datetime(2029, 6, 30, 23, 0, tzinfo=STHLM))
    assert Note.objects.filter(person=eva).exists()
    run(dt.datetime(2029, 7, 1, 0, 30, tzinfo=STHLM))
    assert not Person.objects.filter(pk=eva.pk).exists()
    assert not Note.objects.exists()
    del agreement


def test_ending_an_agreement_lets_the_rule_apply_again():
    eva = data.person("eva", last_contact=T0)
    with_time(T0)
    agreement = agreement_create(
        person=eva,
        rule_id="contact-details-2y",
        until=dt.date(2040, 1, 1),
        reason="x",
        actor=SYSTEM,
    )
    run(years(3))
    assert Person.objects.filter(pk=eva.pk).exists()
    agreement_end(agreement=agreement, actor=SYSTEM)
    run(years(3))
    assert not Person.objects.filter(pk=eva.pk).exists()


def test_an_agreement_for_one_rule_does_not_extend_another():
    eva = data.person("eva", last_contact=years(5))
    o = data.order(eva, at=T0)
    with_time(T0)
    agreement_create(
        person=eva,
        rule_id="contact-details-2y",
        until=dt.date(2040, 1, 1),
        reason="x",
        actor=SYSTEM,
    )
    run(years(2) + SECOND)
    assert not Order.objects.filter(pk=o.pk).exists()


def test_legal_holds_on_a_person_or_a_category_keep_the_rows_until_lifted():
    held = data.person("held", last_contact=T0)
    free = data.person("free", last_contact=T0)
    data.order(held, at=T0)
    data.order(free, at=T0)
    hold = legal_hold_create(person=held, reason="Tvist om betalning", actor=SYSTEM)
    category_hold = legal_hold_create(
        category="orders", reason="Revision", until=dt.date(2028, 12, 31), actor=SYSTEM
    )
    report = run(years(2) + SECOND)
    assert Person.objects.filter(email="held@example.se").exists()
    assert not Person.objects.filter(email="free@example.se").exists()
    assert Order.objects.count() == 2  # the whole category is on hold
    assert rule(report, "orders-2y").skipped_by_hold == 4
    run(dt.datetime(2029, 1, 1, 12, tzinfo=UTC))  # the category hold has ended
    assert [o.person.email for o in Order.objects.select_related("person")] == ["held@example.se"]
    legal_hold_lift(hold=hold, actor=SYSTEM)
    run(dt.datetime(2029, 1, 1, 12, tzinfo=UTC))
    assert not Person.objects.exists() and not Order.objects.exists()
    del category_hold


# --- Runs: idempotent, atomic per rule, audited, dry -------------------------------------------
def populate() -> None:
    """A small practice over several years."""
    for i in range(6):
        at = T0 + dt.timedelta(days=120 * i)
        p = data.person(f"client{i}", last_contact=at, last_consultation=at if i % 2 else None)
        for j in range(3):
            data.order(p, at=at - dt.timedelta(days=200 * j))
            data.voucher(p, on=(at - dt.timedelta(days=200 * j)).date())
        data.contact_message(p, at=at, replied=at + dt.timedelta(hours=2) if i % 3 else None)
        data.consultation_message(p, at=at, moved=at + dt.timedelta(hours=30) if i % 2 else None)
        if i % 2:
            data.note(p, at=at)
        if i % 3 == 0:
            data.subscription(p, at=at, unsubscribed=at + dt.timedelta(days=30) if i else None)
        if i == 4:
            data.member(p, at=at)
    data.order(None, at=T0 - dt.timedelta(days=900))


LATER = years(3) + dt.timedelta(days=17)


def test_a_second_run_changes_nothing():
    populate()
    first = run(LATER)
    assert first.changed > 0
    after_first = data.snapshot()
    second = run(LATER)
    assert data.snapshot() == after_first
    assert second.changed == 0


def test_a_dry_run_counts_exactly_and_changes_nothing():
    populate()
    before = data.snapshot()
    events = Event.objects.count()
    dry = run(LATER, dry_run=True)
    assert data.snapshot() == before
    assert Event.objects.count() == events
    assert not RetentionRun.objects.exists()
    real = run(LATER)
    assert [(r.id, r.matched, r.deleted, r.minimised, r.skipped) for r in dry.rules] == [
        (r.id, r.matched, r.deleted, r.minimised, r.skipped) for r in real.rules
    ]
    assert dry.dry_run and not real.dry_run


def test_each_rule_writes_one_audit_event_per_run_with_counts_only():
    populate()
    before = Event.objects.filter(action="retention.applied").count()
    report = run(LATER)
    events = list(Event.objects.filter(action="retention.applied").order_by("seq"))[before:]
    assert len(events) == len(get_policy().retention) == len(report.rules)
    by_rule = {_detail(e)["rule"]: e for e in events}
    orders = _detail(by_rule["orders-2y"])
    assert orders["deleted"] == rule(report, "orders-2y").deleted > 0
    assert orders["promise"] == "P14" and by_rule["orders-2y"].category == "orders"
    assert by_rule["orders-2y"].actor == "system"
    assert "@" not in "".join(e.detail for e in events)  # counts and ids, no personal values
    assert audit_verify()[1] is None
    assert RetentionRun.objects.count() == len(report.rules)


def test_an_idle_run_probes_each_rule_and_still_records_every_rule_in_order(
    django_assert_max_num_queries,
):
    populate()
    run(LATER)
    runs_before = RetentionRun.objects.count()
    seq_before = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    probes = sum(
        len(retention.models_in_order(r)) + len(retention.stores_holding(r.category))
        for r in get_policy().retention
    )
    # One LIMIT 1 probe per model and rule, the temporary table, and one transaction writing
    # every rule's run row and audit event. Only a rule with rows past their clock (here kept
    # by a hold, an agreement or `unless`) plans its queries in a transaction of its own.
    with django_assert_max_num_queries(probes + 12 + 20) as queries:
        idle = run(LATER)
    assert idle.changed == 0
    kept = [r.id for r in idle.rules if r.matched]
    assert len(kept) <= 1, kept
    assert sum("LIMIT 1" in q["sql"] for q in queries.captured_queries) >= probes - len(kept) * 4
    assert RetentionRun.objects.count() == runs_before + len(idle.rules)
    events = Event.objects.filter(action="retention.applied", seq__gt=seq_before).order_by("seq")
    assert [_detail(e)["rule"] for e in events] == [r.id for r in idle.rules]
    assert audit_verify()[1] is None


def _detail(event) -> dict:
    import json

    return json.loads(event.detail)


class Crash(Exception):
    pass


def _crash_at(monkeypatch, stage: str, rule_id: str) -> None:
    def hook(at_stage, at_rule):
        if at_stage == stage and at_rule == rule_id:
            raise Crash

    monkeypatch.setattr(retention, "checkpoint", hook)


def _uninterrupted_state() -> dict:
    """The end state of one uninterrupted run, computed and then rolled back."""
    result = {}
    try:
        with transaction.atomic():
            run(LATER)
            result = data.snapshot()
            raise Crash
    except Crash:
        pass
    return result


@pytest.mark.parametrize(
    ("stage", "rule_id"),
    [("batch", "orders-2y"), ("rule", "orders-2y"), ("batch", "contact-details-2y")],
)
def test_a_run_killed_mid_way_and_restarted_ends_as_an_uninterrupted_one(
    monkeypatch, stage, rule_id
):
    populate()
    expected = _uninterrupted_state()
    before = data.snapshot()
    assert expected and expected != before
    _crash_at(monkeypatch, stage, rule_id)
    with pytest.raises(Crash):
        run(LATER, batch_size=1)
    partial = data.snapshot()
    order_ids = [row[0] for row in partial["payments.Order"]]
    if stage == "batch" and rule_id == "orders-2y":
        # The rule that was interrupted has not started: all its orders are still there…
        assert order_ids == [row[0] for row in before["payments.Order"]]
        # …while the rules before it are done.
        assert partial["payments.BillingDetails"] != before["payments.BillingDetails"]
    if stage == "rule":
        assert partial["payments.Order"] == expected["payments.Order"]
    monkeypatch.setattr(retention, "checkpoint", lambda *a: None)
    run(LATER, batch_size=1)
    assert data.snapshot() == expected


def test_the_forecast_counts_what_expires_on_each_of_the_next_days():
    for i in range(3):
        p = data.person(f"soon{i}", last_contact=T0 + dt.timedelta(days=i * 5))
        data.order(p, at=T0 + dt.timedelta(days=i * 5), billing=False)
    now = years(2) - dt.timedelta(days=2)
    forecast = {row.rule.id: row for row in retention_forecast(now=now, days=30)}
    contact = forecast["contact-details-2y"]
    assert contact.total == 3
    assert sorted(contact.by_day) == [
        (T0 + dt.timedelta(days=i * 5)).astimezone(STHLM).date().replace(year=2028)
        for i in range(3)
    ]
    assert forecast["orders-2y"].total == 6  # orders and their events
    # Nothing is forecast where the engine will not act.
    assert forecast["bookkeeping-7y"].total == 0


def test_the_hourly_job_runs_the_engine():
    from consonance.privacy.tasks import PERIODIC, retention_task

    assert [(p.name, p.every) for p in PERIODIC] == [("retention", dt.timedelta(hours=1))]
    anna = data.person("anna", last_contact=dt.datetime(2001, 1, 1, tzinfo=UTC))
    result = retention_task.call()
    assert result["rules"] == len(get_policy().retention)
    assert not Person.objects.filter(pk=anna.pk).exists()


def with_time(moment: dt.datetime) -> None:
    """Agreements must end in the future: create them as if on `moment`."""
    import time_machine

    traveller = time_machine.travel(moment, tick=False)
    traveller.start()
    _travellers.append(traveller)


_travellers: list = []


@pytest.fixture(autouse=True)
def _stop_travel():
    yield
    while _travellers:
        _travellers.pop().stop()


def test_the_idle_probe_of_the_48_hour_minimisation_walks_only_unminimised_billing_details():
    """Minimised billing details accumulate (every order's stays for two years): the probe that
    asks whether any is left to minimise must use the partial index of the ones that are not,
    or an idle run reads them all (issue 23: 0.26 s at 200 000 persons)."""
    from django.db import connection

    from consonance.privacy.registry import models_holding
    from consonance.privacy.retention_probe import _compile, _extra

    policy = get_policy()
    rule48 = next(r for r in policy.retention if r.id == "billing-details-48h")
    ((declaration, holding),) = models_holding(rule48.category)
    probe = _compile(
        declaration.model_class,
        holding.clocks[rule48.after],
        _extra(rule48, declaration, holding),
        True,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + probe.sql, probe.params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + probe.sql, probe.params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "billing_unminimised_idx" in plan, plan
