from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consonance.privacy.registry import Holding, PersonalModel, Readable

PERSONAL_DATA = [
    PersonalModel(
        "accounts.PrivateVault",
        subject="person",
        holdings=(
            Holding(
                "member_account",
                # Ciphertext the server cannot decrypt: her own export carries it as it is, to
                # be opened with her passphrase or recovery key; a staff copy does not (sealed).
                fields=("salt", "iterations", "wrapped_key", "recovery_wrapped_key", "ciphertext"),
                clocks={"account_deletion": "person__member__deletion_requested_at"},
            ),
        ),
        not_personal=("person",),
        sealed=("salt", "iterations", "wrapped_key", "recovery_wrapped_key", "ciphertext"),
        # Her readable copy says only that it is there: it opens in her browser, not here.
        readable=Readable(
            heading=_("Det du sparat privat i ditt konto"),
            labels={"ciphertext": _("Innehåll")},
        ),
    ),
]
