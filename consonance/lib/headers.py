"""Headers every response carries (issue 12, finding 11), static files included (this middleware
runs first, so it also sees what WhiteNoise answers).

- `Cache-Control: no-store` on every page that did not set its own caching: pages show personal
  data (the privacy center, bookings, staff pages) and a shared or back-button cache must not
  keep them. Static files keep WhiteNoise's long caching.
- `Permissions-Policy`: no camera, microphone, geolocation, payment API … for this site or any
  frame (there are none).
- `Cross-Origin-Resource-Policy: same-origin`: no other site may embed our responses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class HardeningHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response
