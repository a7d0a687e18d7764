"""A page and a task that fail on purpose, holding a client's details in their local variables and
arguments, for tests/test_error_reports.py: the reports must carry none of them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.tasks import task
from django.urls import path

from consonance.urls import urlpatterns as site_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email")  # noqa: F841 (a local variable holding her address)
    name = request.POST.get("name")  # noqa: F841
    raise RuntimeError("the booking could not be saved")


@task()
def fail_for(email: str) -> None:
    address = email.lower()  # a local variable holding her address
    # A message quoting a value, as a database's constraint error does.
    raise LookupError(f"no such service for {address}")


urlpatterns = [path("krasch/", crash, name="test-crash"), *site_urlpatterns]
handler500 = "consonance.web.views.server_error"
