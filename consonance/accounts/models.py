"""The member's private fields (P4), encrypted in her browser; the server holds ciphertext only.

Deliberately without timestamps: not even when the fields were last changed is known here, so no
page, export or log can tell the coach that they changed."""

from __future__ import annotations

from django.db import models


class PrivateVault(models.Model):
    """All values are base64 text produced by static/accounts/vault.js (WebCrypto):

    - `salt`, `iterations`: PBKDF2-SHA256 parameters turning her passphrase into a wrapping key;
    - `wrapped_key`: her data key (AES-256-GCM), wrapped by the passphrase key (IV + ciphertext);
    - `recovery_wrapped_key`: the same data key wrapped by a key from her printed recovery key;
    - `ciphertext`: her fields as JSON, encrypted with the data key (IV + ciphertext).
    """

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="private_vault"
    )
    salt = models.CharField(max_length=64)
    iterations = models.PositiveIntegerField()
    wrapped_key = models.CharField(max_length=200)
    recovery_wrapped_key = models.CharField(max_length=200)
    ciphertext = models.TextField(blank=True)
