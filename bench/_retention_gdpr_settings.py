"""Bench-only settings: Consonance plus django-gdpr-assist, to measure the peer on the same data.

Never used by the product: gdpr-assist is not a dependency and is not in the product's
INSTALLED_APPS. bench/retention.py points DJANGO_SETTINGS_MODULE here in a subprocess of its own.
"""

from __future__ import annotations

import os

from consonance.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "gdpr_assist"]  # noqa: F405
DATABASES["gdpr_log"] = dict(DATABASES["default"])  # noqa: F405
_log_url = os.environ.get("BENCH_GDPR_LOG_URL")
if _log_url:
    import dj_database_url

    DATABASES["gdpr_log"] = dj_database_url.parse(_log_url)  # noqa: F405
DATABASE_ROUTERS = ["gdpr_assist.routers.EventLogRouter"]
