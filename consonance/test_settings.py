"""Settings for the test suite: production settings with test keys and fast hashing.

Tests run with DEBUG off, so they see what production does (security headers, refusals).
"""

from __future__ import annotations

import os

os.environ.setdefault("CONSONANCE_SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("CONSONANCE_MASTER_KEY", "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=")
os.environ.setdefault("CONSONANCE_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("CONSONANCE_SSL_REDIRECT", "0")
os.environ.setdefault("CONSONANCE_SITE_URL", "https://consonance.test")

from consonance.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
