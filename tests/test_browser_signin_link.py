"""The privacy center's sign-in link in a real browser (issue 12, finding 9): the token rides in
the URL fragment, which the browser never sends; the page's script posts it once and takes it
out of the address bar; the same link a second time is refused."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.test import Client

from tests.factories import EMAIL, link_from_mail, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_link_signs_in_once_and_its_token_never_leaves_the_browser(tab, live_server):
    populated_person()
    Client().post("/mina-uppgifter/", {"email": EMAIL})
    link = link_from_mail().replace("https://consonance.test", live_server.url)
    token = link.split("#", 1)[1]
    urls: list[str] = []
    bodies: list[str] = []

    def seen(request) -> None:
        urls.append(request.url)
        bodies.append(request.post_data or "")

    tab.on("request", seen)
    tab.goto(link)
    tab.wait_for_url("**/mina-uppgifter/oversikt/")
    assert "Mina uppgifter" in tab.content() and token not in tab.url
    # The token went once, in a POST body; never in an address the server (or a log) saw.
    assert not [url for url in urls if token in url]
    assert [parse_qs(body).get("token") for body in bodies if body] == [[token]]
    tab.goto(link)  # again: spent
    tab.wait_for_load_state()
    assert "Länken fungerar inte" in tab.content()
