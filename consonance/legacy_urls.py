"""Old staff addresses, each a permanent redirect to where its page lives now (issue 18).

The staff pages moved to one rule, /staff/<app label>/ with English path segments; bookmarks,
links in mails already sent and forms still open in a tab keep working. Every redirect is a 308:
permanent, and a POST stays a POST with its body (a 301 would turn it into a GET). The rest of
the path (its numbers and slugs) and the query string carry over.

One old address cannot: /staff/privacy/ was the rights requests' page and is now the privacy
app's retention page (its old address, /staff/retention/, redirects there); the requests are at
/staff/rights/.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse

# (old path, the name of the page it redirects to); the old path's parameters keep their names.
LEGACY: tuple[tuple[str, str], ...] = (
    # web and people (were flat at /staff/)
    ("staff/sidor/", "web_staff:pages-home"),
    ("staff/sidor/<str:slug>/", "web_staff:pages"),
    ("staff/semester/", "web_staff:holiday"),
    ("staff/semester/<int:pk>/ta-bort/", "web_staff:holiday-remove"),
    ("staff/stang/", "web_staff:closure"),
    ("staff/stang/oppna/", "web_staff:closure-undo"),
    ("staff/klienter/", "web_staff:clients"),
    ("staff/klienter/<int:pk>/", "web_staff:client"),
    ("staff/konton/", "people_staff:accounts"),
    # booking
    ("staff/booking/ny/", "booking_staff:create"),
    ("staff/booking/<int:pk>/avboka/", "booking_staff:cancel"),
    ("staff/booking/<int:pk>/flytta/", "booking_staff:move"),
    ("staff/booking/<int:pk>/uteblev/", "booking_staff:no-show"),
    ("staff/booking/<int:pk>/videolank/", "booking_staff:video-link"),
    ("staff/booking/kalender/", "booking_staff:week"),
    ("staff/booking/kalenderflode/", "booking_staff:feed"),
    ("staff/booking/egna-kalendrar/", "booking_staff:busy"),
    ("staff/booking/egna-kalendrar/<int:pk>/las/", "booking_staff:busy-read"),
    ("staff/booking/egna-kalendrar/<int:pk>/ta-bort/", "booking_staff:busy-remove"),
    ("staff/booking/tjanster/", "booking_staff:services"),
    ("staff/booking/tjanster/ny/", "booking_staff:service-new"),
    ("staff/booking/tjanster/<int:pk>/", "booking_staff:service"),
    ("staff/booking/oppettider/", "booking_staff:hours"),
    ("staff/booking/lediga-dagar/", "booking_staff:days-off"),
    ("staff/booking/lediga-dagar/<int:pk>/ta-bort/", "booking_staff:day-off-remove"),
    # payments
    ("staff/payments/<int:pk>/aterbetala/", "payments_staff:refund-start"),
    ("staff/payments/paypal-uttag/", "payments_staff:paypal-withdrawal"),
    ("staff/payments/aterbetalningar/", "payments_staff:refunds"),
    ("staff/payments/aterbetalningar/<int:pk>/", "payments_staff:refund"),
    ("staff/payments/aterbetalningar/<int:pk>/visa-konto/", "payments_staff:refund-account-show"),
    ("staff/payments/aterbetalningar/<int:pk>/be-om-konto/", "payments_staff:refund-account-ask"),
    ("staff/payments/aterbetalningar/<int:pk>/klar/", "payments_staff:refund-done"),
    # rights (were under /staff/privacy/)
    ("staff/privacy/begaran/<int:pk>/hantera/", "rights_staff:request-handle"),
    ("staff/privacy/begaran/<int:pk>/radera-journal/", "rights_staff:journal-erase"),
    ("staff/privacy/kvitton/<int:pk>/", "rights_staff:receipt"),
    # privacy (was /staff/retention/)
    ("staff/retention/", "privacy_staff:dashboard"),
    ("staff/retention/agreements/", "privacy_staff:agreement-create"),
    ("staff/retention/agreements/<int:pk>/end/", "privacy_staff:agreement-end"),
    ("staff/retention/holds/", "privacy_staff:hold-create"),
    ("staff/retention/holds/<int:pk>/lift/", "privacy_staff:hold-lift"),
    # contact
    ("staff/contact/<int:person_id>/svara/", "contact_staff:reply"),
    ("staff/contact/<int:person_id>/hanterat/", "contact_staff:handled"),
    ("staff/contact/meddelande/<int:message_id>/journal/", "contact_staff:to-journal"),
    # journal
    ("staff/journal/klient/<int:person_id>/", "journal_staff:client"),
    ("staff/journal/anteckning/<int:pk>/", "journal_staff:note"),
    ("staff/journal/anteckning/<int:pk>/signera/", "journal_staff:note-sign"),
    ("staff/journal/konsultation/<int:pk>/", "journal_staff:consultation"),
    ("staff/journal/konsultation/<int:pk>/hanterat/", "journal_staff:late-handled"),
    ("staff/journal/villkor/<int:service_id>/", "journal_staff:terms"),
    # newsletter
    ("staff/newsletter/<int:pk>/skicka/", "newsletter_staff:send"),
    ("staff/newsletter/<int:pk>/radera/", "newsletter_staff:delete"),
    # bookkeeping
    ("staff/bookkeeping/<int:pk>/rattelse/", "bookkeeping_staff:voucher-correction"),
    ("staff/bookkeeping/dokument/<int:pk>.pdf", "bookkeeping_staff:document-pdf"),
    ("staff/bookkeeping/dokument/<int:year>.zip", "bookkeeping_staff:documents-zip"),
    ("staff/bookkeeping/verifiera/", "bookkeeping_staff:verify"),
    ("staff/bookkeeping/siffror/", "bookkeeping_staff:glance"),
    ("staff/bookkeeping/moms/", "bookkeeping_staff:vat"),
    ("staff/bookkeeping/moms/<str:key>.csv", "bookkeeping_staff:vat-csv"),
    ("staff/bookkeeping/avstamning/", "bookkeeping_staff:reconciliation"),
    ("staff/bookkeeping/fortnox/anslut/", "bookkeeping_staff:fortnox-connect"),
    ("staff/bookkeeping/fortnox/koppla-fran/", "bookkeeping_staff:fortnox-disconnect"),
    ("staff/bookkeeping/fortnox/<int:pk>/igen/", "bookkeeping_staff:fortnox-retry"),
)


def _moved(target: str):
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponseRedirect:
        url = reverse(target, kwargs=kwargs)
        if query := request.META.get("QUERY_STRING", ""):
            url = f"{url}?{query}"
        return HttpResponseRedirect(url, status=308)

    return view


urlpatterns: list[URLPattern] = [path(old, _moved(target)) for old, target in LEGACY]
