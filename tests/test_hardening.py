"""Issue 12: the twelve findings of the attacker's and the operator's tour, one test each
(each failed on the main branch before the fix)."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import hmac
import re
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.booking.models import Booking
from consonance.mail.models import OutboxMessage
from consonance.mail.sending import STUCK_AFTER, mail_send
from consonance.mail.tasks import mail_flush
from consonance.payments.providers.paypal.fake import PayPalFake
from consonance.people.models import Person
from consonance.rights.erasure import person_erase
from tests.conftest import TOTP_KEY, current_code
from tests.factories import (
    EMAIL,
    NOW,
    follow_link,
    form,
    link_from_mail,
    make_practice,
    populated_person,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


# 1 -------------------------------------------------------------------------------------------


def test_1_demo_data_refuses_to_load_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="CONSONANCE_DEBUG=1"):
        call_command("demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username="coach").exists()
    assert Person.objects.count() == 0


# 2 -------------------------------------------------------------------------------------------


def test_2_fifty_link_requests_for_one_address_queue_at_most_five_mails(client, settings):
    populated_person()
    before = OutboxMessage.objects.filter(template="rights_link").count()
    answers = [client.post("/mina-uppgifter/", {"email": EMAIL}).status_code for _ in range(50)]
    queued = OutboxMessage.objects.filter(template="rights_link").count() - before
    assert queued == settings.RATE_LIMIT_PER_ADDRESS[0] == 5
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}


def test_2_the_per_client_limit_holds_across_addresses_and_the_answer_names_no_address(
    client, settings
):
    settings.RATE_LIMIT_PER_IP = (3, 3600)
    for n in range(3):
        assert client.post("/mina-uppgifter/", {"email": f"a{n}@example.se"}).status_code == 200
    response = client.post("/mina-uppgifter/", {"email": "a9@example.se"})
    assert response.status_code == 429 and "a9@example.se" not in response.content.decode()
    assert "Vänta en stund" in response.content.decode()


def test_2_staff_sign_in_and_booking_are_rate_limited_per_client(client, settings, practice):
    settings.RATE_LIMIT_PER_IP = (2, 3600)
    statuses = [
        client.post("/staff/login/", {"username": f"u{n}", "password": "x"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    _video, package = practice  # an e-mail consultation: no slot to run out of
    codes = [client.post(f"/boka/{package.pk}/", form("bankgiro", n)).status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert Booking.objects.count() == 2


def test_2_newsletter_sign_up_and_member_sign_in_are_rate_limited_per_address(client):
    statuses = [
        client.post(
            "/nyhetsbrev/",
            {"first_name": "A", "last_name": "B", "email": "a@example.se", "consent": "on"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    statuses = [client.post("/konto/", {"email": "b@example.se"}).status_code for _ in range(6)]
    assert statuses[:5] == [302] * 5 and statuses[5] == 429


# 3 -------------------------------------------------------------------------------------------


def test_3_rectifying_to_a_clients_address_answers_as_for_a_free_one(client):
    populated_person()
    populated_person("olle.ek@example.se", "Olle", "Ek")
    sign_in(client)

    def rectify(address: str) -> tuple[int, str, str]:
        response = client.post(
            "/mina-uppgifter/ratta/",
            {"first_name": "Klara", "last_name": "Ek", "email": address},
            follow=True,
        )
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        page = re.sub(r"<h2>Dina begäranden</h2>.*?</table>", "", page, flags=re.DOTALL)
        return response.status_code, page.replace(address, "ADDRESS"), mail.outbox[-1].to[0]

    taken = rectify("olle.ek@example.se")
    free = rectify("klara.new@example.se")
    assert taken[0] == free[0]
    assert taken[1] == free[1], "".join(
        difflib.unified_diff(taken[1].splitlines(True), free[1].splitlines(True))
    )
    # What differs goes by e-mail to the address itself.
    assert taken[2] == "olle.ek@example.se" and "redan" in mail.outbox[-2].body
    assert free[2] == "klara.new@example.se" and "/ratta/adress/" in mail.outbox[-1].body
    assert Person.objects.get(email="olle.ek@example.se").first_name == "Olle"
    assert Person.objects.filter(email=EMAIL).exists()


# 5 -------------------------------------------------------------------------------------------


def _login(client, password: str, ip: str):
    return client.post(
        "/staff/login/",
        {"username": "coach", "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=ip,
    )


def test_5_behind_a_trusted_proxy_a_stranger_cannot_lock_the_coach_out(
    client, staff_user, settings
):
    settings.CONSONANCE_TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(client, "wrong", "203.0.113.9")
    assert _login(client, "a-long-test-password", "203.0.113.9").status_code == 429
    coach = _login(client, "a-long-test-password", "198.51.100.7")
    assert coach.status_code == 302 and coach["Location"].startswith("/staff/verify/")


def test_5_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(client, staff_user, settings):
    settings.CONSONANCE_TRUSTED_PROXIES = []
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(client, "wrong", f"203.0.113.{n}")  # a forged header per attempt
    assert _login(client, "a-long-test-password", "198.51.100.7").status_code == 429


# 6 -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_6_a_genuinely_signed_paypal_webhook_an_hour_old_is_refused(client, settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.VIDEO_LINK = "https://video.example/rum"
    with PayPalFake() as paypal, time_machine.travel(NOW, tick=True):
        settings.PAYPAL_CLIENT_ID = paypal.client_id
        settings.PAYPAL_CLIENT_SECRET = paypal.client_secret
        settings.PAYPAL_WEBHOOK_ID = paypal.webhook_id
        settings.PAYPAL_API_BASE = paypal.url
        _video, package = make_practice()
        response = client.post(f"/boka/{package.pk}/", form("paypal"))
        assert response["Location"].startswith(paypal.url)
        booking = Booking.objects.get()
        paypal.approve(booking.order.provider_ref)
        with time_machine.travel(NOW - dt.timedelta(hours=1)):
            body, headers = paypal.order_approved_webhook(booking.order.provider_ref)
        response = client.post(
            "/payments/webhooks/paypal/",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        assert response.status_code == 400
        booking.refresh_from_db()
        assert booking.state == Booking.State.HELD
        fresh = paypal.sign(body)
        response = client.post(
            "/payments/webhooks/paypal/",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in fresh.items() if k != "Content-Type"},
        )
        assert response.status_code == 200
        booking.refresh_from_db()
        assert booking.state == Booking.State.CONFIRMED


# 7 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "t=1" + "0" * 400 + ",v1=" + "a" * 64,
        "t=1700000000,v1=" + "é" * 64,
        "t=٣١٧,v1=" + "a" * 64,
        "t=-5,v1=abc",
        "t=1700000000,v1=" + "\x00" * 64,
    ],
)
def test_7_a_malformed_stripe_signature_is_a_400_never_a_500(client, settings, header):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    response = client.post(
        "/payments/webhooks/stripe/",
        data=b"{}",
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400


def test_7_a_well_signed_stripe_webhook_still_passes_the_parser(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    body = b'{"id": "evt_1", "type": "customer.created", "data": {"object": {}}}'
    stamp = int(dt.datetime.now(dt.UTC).timestamp())
    signature = hmac.new(b"whsec_test", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    response = client.post(
        "/payments/webhooks/stripe/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": f"t={stamp},v1={signature}"},
    )
    assert response.status_code == 200


# 8 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/boka/{video}/?sida=999999999",
        "/boka/{video}/?sida=-999999999999999999999",
        "/boka/{video}/99991231T2359Z/",
        "/boka/{video}/00010101T0000Z/",
        "/boka/{video}/19991231T2359Z/",
        "/boka/{email}/99991231T2359Z/",
        "/boka/{video}/?tz=Europe/Nowhere&sida=1e9",
        "/en/book/{video}/99991231T2359Z/",
    ],
)
def test_8_hostile_booking_urls_answer_4xx_or_a_page_never_5xx(client, path):
    video, email = make_practice()
    response = client.get(path.format(video=video.pk, email=email.pk))
    assert response.status_code < 500
    response = client.post(path.format(video=video.pk, email=email.pk), form("bankgiro"))
    assert response.status_code < 500


# 9 -------------------------------------------------------------------------------------------


def test_9_a_sign_in_link_works_once_and_its_token_never_reaches_the_server_in_the_url(client):
    populated_person()
    client.post("/mina-uppgifter/", {"email": EMAIL})
    url = link_from_mail()
    # The token is in the fragment, which browsers never send: the path the server sees is bare.
    assert re.fullmatch(r"https://consonance\.test/mina-uppgifter/in/#[^/]+", url)
    response = follow_link(client, url)
    assert response.status_code == 302 and response["Location"] == "/mina-uppgifter/oversikt/"
    assert client.get("/mina-uppgifter/oversikt/").status_code == 200
    other = client_class_for(client)
    assert follow_link(other, url).status_code == 400  # spent
    assert other.get("/mina-uppgifter/oversikt/").status_code == 302


def test_9_a_newer_sign_in_spends_an_older_unused_link(client):
    populated_person()
    client.post("/mina-uppgifter/", {"email": EMAIL})
    first = link_from_mail()
    client.post("/mina-uppgifter/", {"email": EMAIL})
    second = link_from_mail()
    assert follow_link(client, second).status_code == 302
    assert follow_link(client_class_for(client), first).status_code == 400


def client_class_for(client):
    return type(client)()


# 10 ------------------------------------------------------------------------------------------


def test_10_a_message_whose_worker_died_is_unknown_and_resent_only_on_explicit_confirmation(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        populated_person()
        sign_in_mail = OutboxMessage.objects.create(
            recipient=EMAIL, subject="s", body_text="b", template="test_hello", message_id="<m@x>"
        )
    OutboxMessage.objects.filter(pk=sign_in_mail.pk).update(
        state="sending", attempts=1, claimed_at=dt.datetime.now(dt.UTC) - STUCK_AFTER * 2
    )
    mail_flush()
    row = OutboxMessage.objects.get(pk=sign_in_mail.pk)
    assert row.state == "unknown"
    page = staff_client.get("/staff/mail/").content.decode()
    assert "Kanske skickade" in page and "kan komma fram två gånger" in page
    staff_client.post(f"/staff/mail/{row.pk}/retry/")
    assert OutboxMessage.objects.get(pk=row.pk).state == "unknown"
    assert mail_send(row.pk) == "skipped"
    staff_client.post(f"/staff/mail/{row.pk}/retry/", {"confirm": "yes"})
    assert OutboxMessage.objects.get(pk=row.pk).state == "sent"  # sent on commit, once
    assert len([m for m in mail.outbox if m.extra_headers.get("Message-ID") == "<m@x>"]) == 1


# 11 ------------------------------------------------------------------------------------------


def test_11_pages_with_personal_data_are_not_stored_and_carry_the_isolation_headers(client):
    populated_person()
    sign_in(client)
    for path in ("/mina-uppgifter/oversikt/", "/", "/integritet/", "/staff/login/"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_11_the_session_key_is_renewed_after_the_second_factor(client, staff_user):
    client.post("/staff/login/", {"username": "coach", "password": "a-long-test-password"})
    after_password = client.session.session_key
    assert TOTPDevice.objects.get(user=staff_user).key == TOTP_KEY
    assert client.post("/staff/verify/", {"otp_token": current_code()}).status_code == 302
    assert client.session.session_key != after_password
    assert client.get("/staff/").status_code == 200


# 12 ------------------------------------------------------------------------------------------


@pytest.mark.django_db  # not transactional: nothing is sent until the test sends it
def test_12_verify_erasure_reports_the_waiting_receipt_and_it_is_purged_once_sent(
    django_capture_on_commit_callbacks,
):
    person = populated_person()
    with django_capture_on_commit_callbacks(execute=False):
        person_erase(person=person, actor="system")
    receipt = OutboxMessage.objects.get(recipient=EMAIL)
    out = StringIO()
    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep", stdout=out)
    text = out.getvalue()
    assert f"pending: mail.OutboxMessage #{receipt.pk}" in text
    assert "the erasure receipt still waits in the outbox" in text
    assert mail_send(receipt.pk) == "sent"
    assert not OutboxMessage.objects.filter(recipient=EMAIL).exists()  # normalised, exact
    out = StringIO()
    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep", stdout=out)
    assert "pending" not in out.getvalue() and "No residue" in out.getvalue()
