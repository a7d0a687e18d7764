from __future__ import annotations

from allauth.account.views import confirm_login_code
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from consonance import legacy_urls
from consonance.accounts import views as accounts_views
from consonance.booking import staff_calendar
from consonance.consent import views as consent_views
from consonance.people import staff_views
from consonance.privacy import views as privacy_views
from consonance.web import views as web_views

# Public pages: Swedish at the root, English under /en/ with translated paths
# (/integritet/ and /en/privacy/).
urlpatterns = i18n_patterns(
    path("", web_views.home, name="home"),
    path(_("om-mig/"), web_views.about, name="about"),
    path(_("integritet/"), privacy_views.policy_page, name="privacy-policy"),
    path(_("integritet/register/"), privacy_views.register_page, name="privacy-register"),
    path(
        _("integritet/register.<str:fmt>"),
        privacy_views.register_download,
        name="privacy-register-download",
    ),
    path(_("boka/"), include("consonance.booking.urls")),
    path(_("mina-uppgifter/"), include("consonance.rights.urls")),
    path(_("kontakt/"), include("consonance.contact.urls")),
    path(_("mejlkonsultation/"), include("consonance.journal.urls")),
    path("", include("consonance.consent.urls")),
    path(_("nyhetsbrev/"), include("consonance.newsletter.urls")),
    path(_("konto/"), include("consonance.accounts.urls")),
    # Member sign-in by code (django-allauth; the names its views reverse).
    path(_("konto/kod/"), confirm_login_code, name="account_confirm_login_code"),
    path(_("konto/"), accounts_views.home, name="account_request_login_code"),
    path(_("konto/"), accounts_views.home, name="account_login"),
    path(_("dokument/"), include("consonance.bookkeeping.urls")),
    path(_("aterbetalning/"), include("consonance.payments.account_urls")),
    prefix_default_language=False,
)

# The staff side's door: its home and the sign-in (people), names "staff:<name>".
staff_door = [
    path("", web_views.staff_home, name="home"),
    path("login/", staff_views.login_view, name="login"),
    path("verify/", staff_views.verify_view, name="verify"),
    path("enrol/", staff_views.enrol_view, name="enrol"),
    path("enrol/<str:secret>/", staff_views.enrol_link_view, name="enrol-link"),
    path("logout/", staff_views.logout_view, name="logout"),
]

# Every app's staff pages live under /staff/<app label>/, English path segments, URL names
# "<app label>_staff:<name>" (each staff_urls.py sets its app_name). Old addresses redirect
# (legacy_urls.py, after everything else so that no old pattern shadows a new page).
urlpatterns += [
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", web_views.healthz, name="healthz"),
    path(".well-known/gpc.json", consent_views.gpc_json, name="gpc-json"),
    path("staff/", include((staff_door, "staff"))),
    path("staff/people/", include("consonance.people.staff_urls")),
    path("staff/web/", include("consonance.web.staff_urls")),
    path("staff/privacy/", include("consonance.privacy.staff_urls")),
    path("staff/mail/", include("consonance.mail.staff_urls")),
    path("staff/rights/", include("consonance.rights.staff_urls")),
    path("staff/payments/", include("consonance.payments.staff_urls")),
    path("staff/bankgiro/", include("consonance.payments.bankgiro.staff_urls")),
    path("staff/booking/", include("consonance.booking.staff_urls")),
    path("staff/journal/", include("consonance.journal.staff_urls")),
    path("staff/contact/", include("consonance.contact.staff_urls")),
    path("staff/newsletter/", include("consonance.newsletter.staff_urls")),
    path("staff/bookkeeping/", include("consonance.bookkeeping.staff_urls")),
    # The coach's calendar feed: outside /staff/ (a phone's calendar cannot sign in); the secret
    # address is the key (booking.feed).
    path("kalender/<str:token>.ics", staff_calendar.feed_ics, name="calendar-feed"),
    path("payments/", include("consonance.payments.urls")),
    path("payments/", include("consonance.booking.payment_urls")),
    path("admin/", admin.site.urls),
    *legacy_urls.urlpatterns,
]

handler500 = "consonance.web.views.server_error"
