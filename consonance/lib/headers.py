"""Headers every response carries (issue 12, finding 11), static files included (this middleware
runs first, so it also sees what WhiteNoise answers).

- `Cache-Control: no-store` on every page that did not set its own caching: pages show personal
  data (the privacy center, bookings, staff pages) and a shared or back-button cache must not
  keep them. Static files keep WhiteNoise's long caching.
- `Permissions-Policy`: no camera, microphone, geolocation, payment API … for this site or any
  frame (there are none).
- `Cross-Origin-Resource-Policy: same-origin`: no other site may embed our responses.

It also answers 400 at once to a NUL character in the path or the query string: no page takes
one, and PostgreSQL refuses it in any text lookup (a 500 otherwise). Form fields already refuse
NUL (Django's ProhibitNullCharactersValidator).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class HardeningHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path_info
            or "\x00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            response: HttpResponse = HttpResponseBadRequest("NUL in the address")
        else:
            response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response
