"""Settings for Consonance, read from the environment (see README, "Configuration").

Production (CONSONANCE_DEBUG unset or false) refuses to start without a secret key and a master
key; development (CONSONANCE_DEBUG=1, as `make run` sets) uses fixed, clearly marked dev keys.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from consonance.lib.company_ids import seller_ids_problem
from consonance.lib.env import env_bool, env_int, env_list, env_networks, env_str
from consonance.lib.errors import sentry_start

# The package's own files (policy, translations) are found from PACKAGE_DIR, never from the
# checkout: an installed wheel lives in site-packages, where nothing may be written.
PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
_IN_CHECKOUT = (BASE_DIR / "pyproject.toml").is_file()
if not env_str("CONSONANCE_VAR_DIR") and not _IN_CHECKOUT:
    raise ImproperlyConfigured(
        "CONSONANCE_VAR_DIR is required for an installed package: the folder for static files, "
        "backups and the erasure ledger (e.g. /srv/consonance/var; see deploy/env.example)."
    )
# A checkout (make run, the tests) keeps its data in var/ beside pyproject.toml.
VAR_DIR = Path(env_str("CONSONANCE_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("CONSONANCE_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"
# 32 zero-padded bytes, base64: only ever used with CONSONANCE_DEBUG=1.
_DEV_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS0zMi1ieXRlcyEhISE="

SECRET_KEY = env_str("CONSONANCE_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
CONSONANCE_MASTER_KEY = env_str("CONSONANCE_MASTER_KEY") or (_DEV_MASTER_KEY if DEBUG else "")
# A master-key rotation (`consonance keys rotate`, lib/keyring.py): the previous key, read but
# never used for anything new, and the keys that must outlive it (the audit chain's and the
# address hash's), which the rotation prints.
CONSONANCE_MASTER_KEY_OLD = env_str("CONSONANCE_MASTER_KEY_OLD") or ""
CONSONANCE_PINNED_KEYS = env_str("CONSONANCE_PINNED_KEYS") or ""
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "CONSONANCE_SECRET_KEY (or CONSONANCE_SECRET_KEY_FILE) is required in production. "
        "Set CONSONANCE_DEBUG=1 for local development."
    )
if not CONSONANCE_MASTER_KEY:
    raise ImproperlyConfigured(
        "CONSONANCE_MASTER_KEY (or CONSONANCE_MASTER_KEY_FILE) is required in production: "
        "it protects every client's encryption key. Create one with "
        "`python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'`."
    )

CONSONANCE_POLICY = Path(env_str("CONSONANCE_POLICY") or PACKAGE_DIR / "policy" / "consonance.toml")

ALLOWED_HOSTS = env_list(
    "CONSONANCE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CONSONANCE_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = (env_str("CONSONANCE_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "consonance.privacy",
    "consonance.audit",
    "consonance.people",
    "consonance.web",
    "consonance.payments",
    "consonance.bookkeeping",
    "consonance.journal",
    "consonance.contact",
    "consonance.newsletter",
    "consonance.worker",
    "consonance.booking",
    "consonance.payments.bankgiro",
    "consonance.mail",
    "consonance.rights",
    "consonance.operations",
    "consonance.consent",
    "consonance.accounts",
    "allauth",  # after the project apps, so that their templates come first
    "allauth.account",
]

MIDDLEWARE = [
    "consonance.lib.headers.HardeningHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "consonance.web.middleware.StaffLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "consonance.people.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "consonance.urls"
WSGI_APPLICATION = "consonance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consonance.web.context_processors.site",
            ],
            "builtins": ["consonance.web.templatetags.consonance_format"],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL (or any Django backend) via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'consonance.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
    # half-way with "database is locked"; WAL lets readers go on while a writer works.
    # secure_delete overwrites deleted rows with zeros: an erased person's data does not linger
    # in free pages of the file (or in copies of it) until SQLite happens to reuse them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"

# Brute-force protection for staff sign-in (django-axes): 5 failures per user name and address
# lock that pair for 15 minutes. Attempts are logged without the submitted password.
AXES_FAILURE_LIMIT = env_int("CONSONANCE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
OTP_TOTP_ISSUER = "Consonance"
OTP_TOTP_THROTTLE_FACTOR = 1

# Internationalisation: Swedish first, English second; times stored in UTC, shown in Stockholm.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Background work: Django's task framework with a database queue, run by `consonance worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Mail (Django 6.1 MAILERS): SMTP (a local MTA unless CONSONANCE_SMTP_HOST says otherwise); in
# development without an SMTP host, messages are printed to the console instead.
_smtp_host = env_str("CONSONANCE_SMTP_HOST")
MAILERS: dict[str, dict[str, object]]
if DEBUG and not _smtp_host:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host or "localhost",
                "port": env_int("CONSONANCE_SMTP_PORT", 587 if _smtp_host else 25),
                "username": env_str("CONSONANCE_SMTP_USER") or "",
                "password": env_str("CONSONANCE_SMTP_PASSWORD") or "",
                "use_tls": env_bool("CONSONANCE_SMTP_STARTTLS", default=bool(_smtp_host)),
                "timeout": 20,
            },
        }
    }
DEFAULT_FROM_EMAIL = env_str("CONSONANCE_FROM_EMAIL") or "contact@consonancecommunication.com"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where reminders for the coach go (open rights requests near their deadline).
CONSONANCE_STAFF_EMAIL = env_str("CONSONANCE_STAFF_EMAIL") or DEFAULT_FROM_EMAIL
# Newsletter messages handed to the SMTP server between two commits of the recipients' marks:
# after a sender is killed, at most this many recipients get the issue twice (newsletter/marks.py).
CONSONANCE_NEWSLETTER_WINDOW = max(1, env_int("CONSONANCE_NEWSLETTER_WINDOW", 1))

# Payment providers and video meetings (README, "Configuration"). A provider is offered only when
# all of its required values are set; these are read here once, never from os.environ elsewhere.
STRIPE_SECRET_KEY = env_str("CONSONANCE_STRIPE_SECRET_KEY") or ""
STRIPE_WEBHOOK_SECRET = env_str("CONSONANCE_STRIPE_WEBHOOK_SECRET") or ""
STRIPE_API_BASE = env_str("CONSONANCE_STRIPE_API_BASE") or "https://api.stripe.com"
PAYPAL_CLIENT_ID = env_str("CONSONANCE_PAYPAL_CLIENT_ID") or ""
PAYPAL_CLIENT_SECRET = env_str("CONSONANCE_PAYPAL_CLIENT_SECRET") or ""
PAYPAL_WEBHOOK_ID = env_str("CONSONANCE_PAYPAL_WEBHOOK_ID") or ""
PAYPAL_API_BASE = env_str("CONSONANCE_PAYPAL_API_BASE") or "https://api-m.paypal.com"
SWISH_PAYEE_ALIAS = env_str("CONSONANCE_SWISH_PAYEE_ALIAS") or ""
SWISH_CERT = env_str("CONSONANCE_SWISH_CERT") or ""
SWISH_KEY = env_str("CONSONANCE_SWISH_KEY") or ""
SWISH_KEY_PASSPHRASE = env_str("CONSONANCE_SWISH_KEY_PASSPHRASE") or ""
SWISH_CA = env_str("CONSONANCE_SWISH_CA") or ""
SWISH_API_BASE = (
    env_str("CONSONANCE_SWISH_API_BASE") or "https://cpc.getswish.net/swish-cpcapi/api/"
)
# The receiving bankgiro number ("5050-1055"); checked by consonance.E021. A demo number in debug.
BANKGIRO_NUMBER = env_str("CONSONANCE_BANKGIRO_NUMBER") or ""
BANKGIRO_DUE_DAYS = env_int("CONSONANCE_BANKGIRO_DUE_DAYS", 10)
if BANKGIRO_DUE_DAYS < 0:
    raise ImproperlyConfigured(
        f"CONSONANCE_BANKGIRO_DUE_DAYS: must be >= 0, got {BANKGIRO_DUE_DAYS}."
    )
ZOOM_ACCOUNT_ID = env_str("CONSONANCE_ZOOM_ACCOUNT_ID") or ""
ZOOM_CLIENT_ID = env_str("CONSONANCE_ZOOM_CLIENT_ID") or ""
ZOOM_CLIENT_SECRET = env_str("CONSONANCE_ZOOM_CLIENT_SECRET") or ""
ZOOM_OAUTH_BASE = env_str("CONSONANCE_ZOOM_OAUTH_BASE") or "https://zoom.us"
ZOOM_API_BASE = env_str("CONSONANCE_ZOOM_API_BASE") or "https://api.zoom.us/v2"
VIDEO_LINK = env_str("CONSONANCE_VIDEO_LINK") or ""
# The coach's working day (issue 11): how long before a session the client is reminded (0: never).
REMINDER_HOURS = env_int("CONSONANCE_REMINDER_HOURS", 24)
if REMINDER_HOURS < 0:
    raise ImproperlyConfigured(f"CONSONANCE_REMINDER_HOURS: must be >= 0, got {REMINDER_HOURS}.")

# Security headers. The CSP allows nothing but this site: no CDN, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("CONSONANCE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CONSONANCE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# /healthz answers over plain http too: an uptime monitor on the machine calls 127.0.0.1:8000.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Error reports (README, "Monitoring"): by e-mail to these addresses, without personal data
# (lib/errors.py), for errors in requests and failed background tasks; and to Sentry with a DSN.
ADMINS = env_list("CONSONANCE_ADMINS", [])
SENTRY_DSN = env_str("CONSONANCE_SENTRY_DSN") or ""
if SENTRY_DSN:
    sentry_start(SENTRY_DSN, environment="development" if DEBUG else "production")

# Logging: primary keys and counts only; never addresses, names or note text (see DESIGN.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"production": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "admins": {
            "level": "ERROR",
            "filters": ["production"],
            "class": "consonance.lib.errors.PrivateAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("CONSONANCE_LOG_LEVEL") or "INFO"},
    "loggers": {
        # Replaces Django's default "django" handlers, whose mail to the admins carries the
        # request (body, cookies, headers) and local variables.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console", "admins"], "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs user names and IP addresses; our views log the failures without them.
        "axes": {"level": "ERROR"},
        "django_tasks_db": {"level": "WARNING"},
        # A failed task is logged here at ERROR with its exception: the admins get a report.
        "django.tasks": {"handlers": ["console", "admins"], "level": "WARNING", "propagate": False},
    },
}
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
AXES_VERBOSE = False

# Contact form (issue 9): its rate limits see the visitor's address as every limit does
# (CONSONANCE_TRUSTED_PROXIES, below).

# Inbound mail (journal, issue 9): the coach's mailbox, read over IMAP by `consonance mail ingest`
# and the worker (P16, P17). Unset host: no ingestion. CONSONANCE_IMAP_FOLDERS overrides the
# SPECIAL-USE lookup, e.g. "inbox=INBOX,sent=Skickat,trash=Papperskorg".
CONSONANCE_IMAP_HOST = env_str("CONSONANCE_IMAP_HOST") or ""
CONSONANCE_IMAP_SECURITY = (env_str("CONSONANCE_IMAP_SECURITY") or "ssl").strip().lower()
if CONSONANCE_IMAP_SECURITY not in {"ssl", "starttls", "none"}:
    raise ImproperlyConfigured(
        f"CONSONANCE_IMAP_SECURITY: expected ssl, starttls or none, got {CONSONANCE_IMAP_SECURITY!r}."
    )
CONSONANCE_IMAP_PORT = env_int(
    "CONSONANCE_IMAP_PORT", 993 if CONSONANCE_IMAP_SECURITY == "ssl" else 143
)
CONSONANCE_IMAP_USER = env_str("CONSONANCE_IMAP_USER") or ""
CONSONANCE_IMAP_PASSWORD = env_str("CONSONANCE_IMAP_PASSWORD") or ""
CONSONANCE_IMAP_FOLDERS: dict[str, str] = {}
for _pair in env_list("CONSONANCE_IMAP_FOLDERS", []):
    _role, _sep, _folder = _pair.partition("=")
    if not _sep or _role.strip() not in {"inbox", "sent", "trash"} or not _folder.strip():
        raise ImproperlyConfigured(
            f"CONSONANCE_IMAP_FOLDERS: expected role=folder with role inbox, sent or trash, got {_pair!r}."
        )
    CONSONANCE_IMAP_FOLDERS[_role.strip()] = _folder.strip()
# Attachments larger than this are refused (the coach is told); smaller ones kept encrypted.
CONSONANCE_IMAP_MAX_ATTACHMENT = env_int("CONSONANCE_IMAP_MAX_ATTACHMENT", 10 * 1024 * 1024)
# A message larger than this (its RFC822.SIZE) is not downloaded: it is parked in the folder
# "Consonance/För stora" and the coach is told its size, sender and subject (issue 21).
CONSONANCE_IMAP_MAX_MESSAGE = env_int("CONSONANCE_IMAP_MAX_MESSAGE", 25 * 1024 * 1024)
# Inbound mail proves its sender by a DKIM signature aligned with its From domain: the public keys
# come from DNS through this function (dkimpy's resolver); the tests put in one holding a test key.
CONSONANCE_DKIM_DNSFUNC = "dkim.dnsplug.get_txt"
# imapclient logs the IMAP conversation, message text included, at DEBUG: never let it through.
LOGGING["loggers"]["imapclient"] = {"level": "WARNING"}  # type: ignore[index]
# httpx logs every request's address at INFO: the coach's private calendar addresses
# (booking/busy.py) are secrets, so only its warnings go through.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}  # type: ignore[index]
LOGGING["loggers"]["httpcore"] = {"level": "WARNING"}  # type: ignore[index]
# Newsletter and mail signing (issue 10): DKIM signs outgoing mail when a private key (PEM) and a
# selector are set; the domain defaults to that of CONSONANCE_FROM_EMAIL.
CONSONANCE_DKIM_PRIVATE_KEY = env_str("CONSONANCE_DKIM_PRIVATE_KEY") or ""
CONSONANCE_DKIM_SELECTOR = env_str("CONSONANCE_DKIM_SELECTOR") or ""
CONSONANCE_DKIM_DOMAIN = env_str("CONSONANCE_DKIM_DOMAIN") or ""
if CONSONANCE_DKIM_PRIVATE_KEY and not CONSONANCE_DKIM_SELECTOR:
    raise ImproperlyConfigured("CONSONANCE_DKIM_SELECTOR is required with a DKIM private key.")
# Bookkeeping (issue 8): accounting method, fiscal year, the seller on invoices and receipts,
# the account plan (BAS defaults), Fortnox.
BOOKKEEPING_METHOD = (env_str("CONSONANCE_BOOKKEEPING_METHOD") or "cash").strip().lower()
if BOOKKEEPING_METHOD not in ("cash", "invoice"):
    raise ImproperlyConfigured(
        f"CONSONANCE_BOOKKEEPING_METHOD: expected 'cash' or 'invoice', got {BOOKKEEPING_METHOD!r}."
    )
BOOKKEEPING_FISCAL_YEAR_START = (env_str("CONSONANCE_FISCAL_YEAR_START") or "01-01").strip()
if not re.fullmatch(r"(0[1-9]|1[0-2])-01", BOOKKEEPING_FISCAL_YEAR_START):
    raise ImproperlyConfigured(
        "CONSONANCE_FISCAL_YEAR_START: expected the first day of a month as MM-01, "
        f"got {BOOKKEEPING_FISCAL_YEAR_START!r}."
    )
BOOKKEEPING_SERIES = (env_str("CONSONANCE_VOUCHER_SERIES") or "A").strip().upper()
if not re.fullmatch(r"[A-Z]{1,2}", BOOKKEEPING_SERIES):
    raise ImproperlyConfigured(
        f"CONSONANCE_VOUCHER_SERIES: expected one or two letters, got {BOOKKEEPING_SERIES!r}."
    )
SELLER_NAME = env_str("CONSONANCE_SELLER_NAME") or "Consonance Communication"
SELLER_ADDRESS = env_str("CONSONANCE_SELLER_ADDRESS") or ""
# With DEBUG a fictional number stands in (like the demo bankgiro number), so that the demo's SIE
# export works; production has none until the coach sets hers.
SELLER_ORGANISATION_NUMBER = (
    env_str("CONSONANCE_ORGANISATION_NUMBER") or ("559999-0008" if DEBUG else "")
).strip()
if SELLER_ORGANISATION_NUMBER and not re.fullmatch(r"\d{6}-?\d{4}", SELLER_ORGANISATION_NUMBER):
    raise ImproperlyConfigured(
        "CONSONANCE_ORGANISATION_NUMBER: expected ten digits like 556677-8899, "
        f"got {SELLER_ORGANISATION_NUMBER!r}."
    )
SELLER_VAT_NUMBER = (env_str("CONSONANCE_VAT_NUMBER") or "").strip().upper()
# Check digits too (python-stdnum), at start-up: a typo would reach every invoice and SIE file.
# The system check consonance.E023 says the same under `consonance check`.
_seller_problem = seller_ids_problem(SELLER_ORGANISATION_NUMBER, SELLER_VAT_NUMBER)
if _seller_problem:
    raise ImproperlyConfigured(_seller_problem)
# The VAT return's reporting period (redovisningsperiod): month, quarter or year (Skatteverket
# decides it from the turnover; most small practices report by quarter or by year).
VAT_PERIOD = (env_str("CONSONANCE_VAT_PERIOD") or "quarter").strip().lower()
if VAT_PERIOD not in ("month", "quarter", "year"):
    raise ImproperlyConfigured(
        f"CONSONANCE_VAT_PERIOD: expected 'month', 'quarter' or 'year', got {VAT_PERIOD!r}."
    )
SELLER_F_SKATT = env_bool("CONSONANCE_F_SKATT", default=True)
# Account plan: BAS defaults, each overridable as CONSONANCE_ACCOUNT_<ROLE>=NNNN.
BOOKKEEPING_ACCOUNTS = {
    role: env_str(f"CONSONANCE_ACCOUNT_{role.upper()}") or default
    for role, default in {
        "bank": "1930",
        "card": "1580",
        # PayPal's money until it reaches the bank; the same account as cards unless set.
        "paypal": "1580",
        "receivables": "1510",
        "sales_vat": "3001",  # sales at 25 %
        "sales_vat_12": "3002",
        "sales_vat_6": "3003",
        "sales_exempt": "3004",
        "output_vat": "2611",  # output VAT at 25 %
        "output_vat_12": "2621",
        "output_vat_6": "2631",
        "card_fees": "6040",
        # Bankgiro money no order took (and Bankgirot's deductions), until she sees to it.
        "unidentified": "2890",
        "rounding": "3740",
    }.items()
}
for _role, _account in BOOKKEEPING_ACCOUNTS.items():
    if not re.fullmatch(r"[1-8]\d{3}", _account):
        raise ImproperlyConfigured(
            f"CONSONANCE_ACCOUNT_{_role.upper()}: expected a four-digit BAS account, got {_account!r}."
        )
FORTNOX_CLIENT_ID = env_str("CONSONANCE_FORTNOX_CLIENT_ID") or ""
FORTNOX_CLIENT_SECRET = env_str("CONSONANCE_FORTNOX_CLIENT_SECRET") or ""
FORTNOX_AUTH_BASE = env_str("CONSONANCE_FORTNOX_AUTH_BASE") or "https://apps.fortnox.se"
FORTNOX_API_BASE = env_str("CONSONANCE_FORTNOX_API_BASE") or "https://api.fortnox.se"
FORTNOX_AUTH_BASE, FORTNOX_API_BASE = FORTNOX_AUTH_BASE.rstrip("/"), FORTNOX_API_BASE.rstrip("/")
FORTNOX_VOUCHER_SERIES = (env_str("CONSONANCE_FORTNOX_VOUCHER_SERIES") or "A").strip().upper()


# Hardening (issue 12). The real client address is taken from X-Forwarded-For only when the
# request comes from a proxy named here (comma-separated addresses or networks, e.g. Caddy on
# "127.0.0.1"); otherwise the header is ignored, so nobody can pretend to be someone else.
CONSONANCE_TRUSTED_PROXIES = env_networks("CONSONANCE_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "consonance.lib.ratelimit.client_ip"
# Rate limits: (requests, seconds) per client address and per e-mail address (lib/ratelimit.py).
RATE_LIMIT_PER_IP = (env_int("CONSONANCE_RATE_LIMIT_PER_IP", 30), 3600)
RATE_LIMIT_PER_ADDRESS = (env_int("CONSONANCE_RATE_LIMIT_PER_ADDRESS", 5), 3600)
# Their counters: Django's cache in a table of the site's database (worker migration 0002).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "consonance_cache",
    }
}
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), microphone=(), payment=(), usb=()"
)
# Backups (`consonance backup`): where they go, and the key they are encrypted with (base64 of 32
# bytes; by default derived from the master key, so keep the master key apart from the backups).
BACKUP_DIR = Path(env_str("CONSONANCE_BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_KEY = env_str("CONSONANCE_BACKUP_KEY") or ""
# Person keys are not in the data backups: each backup writes them apart, encrypted under the
# backup key, into a key backup (operations/backup_keys.py) kept only this many days (checked hourly),
# so that an erased person's destroyed key is gone from every copy long before the data backups
# taken while she was here expire. Keep it short, and shorter than the policy's [backups] duration.
KEY_BACKUP_DAYS = max(1, env_int("CONSONANCE_KEY_BACKUP_DAYS", 3))
# The copy off the machine (operations/backup_offsite.py): an S3-compatible bucket (AWS, Backblaze B2,
# Scaleway, MinIO, ...). Empty bucket: backups stay in BACKUP_DIR only. Each backup is uploaded
# as <prefix><file name>, read back and compared by SHA-256 before the command (or the worker's
# daily task) reports success; copies older than the policy's [backups] duration are deleted
# there too. Give the key only the rights to put, get, list and delete in that bucket.
BACKUP_S3_BUCKET = env_str("CONSONANCE_BACKUP_S3_BUCKET") or ""
BACKUP_S3_ENDPOINT_URL = env_str("CONSONANCE_BACKUP_S3_ENDPOINT_URL") or None  # None: AWS itself
BACKUP_S3_REGION = env_str("CONSONANCE_BACKUP_S3_REGION") or None
BACKUP_S3_ACCESS_KEY_ID = env_str("CONSONANCE_BACKUP_S3_ACCESS_KEY_ID") or None
BACKUP_S3_SECRET_ACCESS_KEY = env_str("CONSONANCE_BACKUP_S3_SECRET_ACCESS_KEY") or None
BACKUP_S3_PREFIX = env_str("CONSONANCE_BACKUP_S3_PREFIX") or ""  # e.g. "consonance/"
# The erasure ledger: keyed hashes of erased addresses, kept beside the database (and in it) so
# that a restore re-applies every erasure made after the backup was taken.
ERASURE_LEDGER = Path(env_str("CONSONANCE_ERASURE_LEDGER") or VAR_DIR / "erasure-ledger.txt")
# Held shared by every web process and the worker, exclusively by `consonance restore`.
MAINTENANCE_LOCK = VAR_DIR / "maintenance.lock"
# The admin never shows a TOTP key or its QR code (and so never answers 500 for an unknown
# device: django-otp's views look the device up without a 404).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A task RUNNING longer than this was abandoned by a dead worker and is queued again
# (consonance/worker/recovery.py). Longer than any task runs (the backup takes seconds).
TASK_TIMEOUT = timedelta(seconds=env_int("CONSONANCE_TASK_TIMEOUT", 15 * 60))
# Member sign-in (issue 10): django-allauth's login by code. She types her address on /konto/ and
# the six-digit code I e-mail her in the same browser; no passwords, no sign-up form of allauth's
# own (consonance/accounts/adapter.py). Staff sign in apart, at /staff/ (django-otp + axes).
ACCOUNT_ADAPTER = "consonance.accounts.adapter.MemberAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 20 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6}
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # an unknown address gets no mail, and the same page
ACCOUNT_PREVENT_ENUMERATION = True
