"""The staff side speaks the coach's language.

Public pages carry their language in the path (/en/…), so LocaleMiddleware gives every address
without a prefix, /staff/ included, Swedish. The staff side has one address per page, so there
the language switch's cookie decides: Swedish unless she chose English.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

STAFF_PREFIX = "/staff/"


class StaffLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(STAFF_PREFIX):
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if chosen in self.languages:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)
