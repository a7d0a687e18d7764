"""Staff pages and the admin need a password and a second factor; guessing is throttled."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
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


def test_a_new_staff_member_enrols_an_authenticator_first(client):
    user = get_user_model().objects.create_user("assistant", password=PASSWORD, is_staff=True)
    response = client.post("/staff/login/", {"username": "assistant", "password": PASSWORD})
    assert response["Location"].startswith("/staff/enrol/")
    page = client.get("/staff/enrol/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from django_otp.oath import totp

    response = client.post("/staff/enrol/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200


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
