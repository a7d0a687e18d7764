"""Staff pages and the admin need a password and a second factor; guessing is throttled."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.audit.models import Event
from tests.conftest import current_code

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def test_a_staff_page_without_sign_in_redirects_to_the_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2F"


def test_a_staff_page_with_only_the_password_redirects_to_the_second_factor(client, staff_user):
    response = client.post(
        "/staff/login/", {"username": "coach", "password": PASSWORD, "next": "/staff/"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/staff/verify/")
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/verify/?next=%2Fstaff%2F"
    # The admin is held to the same rule.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/verify/")


def test_password_and_code_open_the_staff_pages_and_the_admin(client, staff_user):
    client.post("/staff/login/", {"username": "coach", "password": PASSWORD})
    response = client.post("/staff/verify/", {"otp_token": current_code(), "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert Event.objects.filter(action="staff.signed_in", actor=f"staff:{staff_user.pk}").exists()


def test_a_wrong_code_is_refused_with_a_message(client, staff_user):
    client.post("/staff/login/", {"username": "coach", "password": PASSWORD})
    response = client.post("/staff/verify/", {"otp_token": "000000"})
    assert response.status_code == 200
    assert "Koden stämmer inte" in response.content.decode()
    assert client.get("/staff/").status_code == 302


def test_a_wrong_password_rerenders_the_form(client, staff_user):
    response = client.post("/staff/login/", {"username": "coach", "password": "wrong"})
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord" in response.content.decode()


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, staff_user):
    for _ in range(5):
        client.post("/staff/login/", {"username": "coach", "password": "wrong"})
    response = client.post("/staff/login/", {"username": "coach", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/staff/").status_code == 302
    # The fifth failure already locks: four are refused as wrong, then the lock-out.
    assert Event.objects.filter(action="staff.password_failed").count() == 4
    assert Event.objects.filter(action="staff.locked_out").exists()


def test_sign_in_failures_are_logged_without_the_user_name(client, staff_user, caplog):
    client.post("/staff/login/", {"username": "coach", "password": "wrong"})
    assert "sign-in failed" in caplog.text
    assert "coach" not in caplog.text and "127.0.0.1" not in caplog.text


def test_repeated_wrong_codes_are_throttled(client, staff_user):
    client.post("/staff/login/", {"username": "coach", "password": PASSWORD})
    for _ in range(3):
        client.post("/staff/verify/", {"otp_token": "000000"})
    response = client.post("/staff/verify/", {"otp_token": current_code()})
    assert "För många felaktiga försök" in response.content.decode()
    assert Event.objects.filter(action="staff.second_factor_failed").exists()
    assert Event.objects.filter(action="staff.second_factor_throttled").exists()
    assert client.get("/staff/").status_code == 302


def _enrol_link(username: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("staff", "enrol-link", username, stdout=out, stderr=err)
    assert "24 hours" in err.getvalue()
    return out.getvalue().strip()


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{totp(device.bin_key):06d}"


@pytest.fixture
def assistant(settings):
    settings.SITE_URL = "https://praktik.example"
    return get_user_model().objects.create_user("assistant", password=PASSWORD, is_staff=True)


def test_the_password_alone_enrols_no_authenticator(client, assistant):
    response = client.post("/staff/login/", {"username": "assistant", "password": PASSWORD})
    assert response["Location"].startswith("/staff/enrol/")
    page = client.get("/staff/enrol/")
    text = page.content.decode()
    assert page.status_code == 403 and "<svg" not in text
    assert "Du behöver en inbjudningslänk" in text
    assert "consonance staff enrol-link assistant" in text
    assert not TOTPDevice.objects.filter(user=assistant).exists()
    assert client.post("/staff/enrol/", {"otp_token": "123456"}).status_code == 403
    assert client.get("/staff/").status_code == 302
    assert Event.objects.filter(action="staff.enrol_without_link").exists()


def test_a_link_from_the_command_line_enrols_once_then_never_again(client, assistant):
    link = _enrol_link("assistant")
    assert link.startswith("https://praktik.example/staff/enrol/")
    path = link.removeprefix("https://praktik.example")
    response = client.get(path)  # opened before signing in: the password comes next
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2Fenrol%2F"
    response = client.post(
        "/staff/login/", {"username": "assistant", "password": PASSWORD, "next": "/staff/enrol/"}
    )
    assert response["Location"].startswith("/staff/enrol/")
    assert "<svg" in client.get("/staff/enrol/").content.decode()
    assert client.post("/staff/enrol/", {"otp_token": _code(assistant)}).status_code == 302
    assert TOTPDevice.objects.get(user=assistant).confirmed
    assert client.get("/staff/").status_code == 200
    # Spent: the same link leads nowhere, for anyone.
    again = Client().get(path)
    assert again.status_code == 410 and "Länken gäller inte längre" in again.content.decode()
    assert Event.objects.filter(action="staff.enrol_link_created", actor="system").exists()


def test_a_link_expires_after_24_hours_and_a_new_one_retires_the_old(client, assistant):
    first = _enrol_link("assistant").removeprefix("https://praktik.example")
    second = _enrol_link("assistant").removeprefix("https://praktik.example")
    assert client.get(first).status_code == 410
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert client.get(second).status_code == 410


def test_a_link_enrols_only_the_account_it_was_made_for(client, assistant):
    get_user_model().objects.create_user("helper", password=PASSWORD, is_staff=True)
    client.get(_enrol_link("assistant").removeprefix("https://praktik.example"))
    client.post("/staff/login/", {"username": "helper", "password": PASSWORD})
    assert client.get("/staff/enrol/").status_code == 403


def test_the_command_refuses_unknown_and_enrolled_accounts_in_one_line(staff_user, assistant):
    for username, reason in (("nobody", "no active staff account"), ("coach", "already has")):
        with pytest.raises(CommandError, match=f"^staff enrol-link: {username}: {reason}"):
            call_command("staff", "enrol-link", username)


def test_a_staff_member_makes_a_link_on_the_accounts_page(staff_client, assistant):
    page = staff_client.get("/staff/people/accounts/").content.decode()
    assert "assistant" in page and "Skapa inbjudningslänk" in page
    made = staff_client.post("/staff/people/accounts/", {"username": "assistant"}).content.decode()
    link = re.search(r'<code class="enrol-link">([^<]+)</code>', made)[1]
    newcomer = Client()
    newcomer.get(link.removeprefix("https://praktik.example"))
    newcomer.post("/staff/login/", {"username": "assistant", "password": PASSWORD})
    assert newcomer.get("/staff/enrol/").status_code == 200
    assert newcomer.post("/staff/enrol/", {"otp_token": _code(assistant)}).status_code == 302
    assert (
        "Alla personalkonton har en autentiseringsapp"
        in staff_client.get("/staff/people/accounts/").content.decode()
    )
    refused = staff_client.post("/staff/people/accounts/", {"username": "coach"}).content.decode()
    assert "redan en autentiseringsapp" in refused


def test_a_non_staff_user_cannot_sign_in(client):
    get_user_model().objects.create_user("client", password=PASSWORD)
    response = client.post("/staff/login/", {"username": "client", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302


def test_an_open_redirect_is_refused(client, staff_user):
    client.post("/staff/login/", {"username": "coach", "password": PASSWORD})
    response = client.post(
        "/staff/verify/", {"otp_token": current_code(), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/staff/"
