from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

PERSONAL_DATA = [
    PersonalModel(
        "contact.Message",
        subject="person",
        holdings=(
            Holding(
                "messages",
                fields=("body_ciphertext", "name_ciphertext"),
                clocks={"replied": "replied_at"},
            ),
        ),
        not_personal=(
            "person",
            "received_at",
            "replied_at",
            "source",
            "language",
            "moved_to_journal_at",
            "sender_unverified",
        ),
        encrypted={"body_ciphertext": "contact", "name_ciphertext": "contact"},
        things=(Thing(ngettext_lazy("%(count)d meddelande", "%(count)d meddelanden", "count")),),
        readable=Readable(
            heading=_("Det du har skrivit till mig"),
            labels={
                "received_at": _("Mottaget"),
                "source": _("Via"),
                "name_ciphertext": _("Namn"),
                "body_ciphertext": _("Text"),
                "replied_at": _("Besvarat"),
                "moved_to_journal_at": _("Fört till journalen"),
            },
            values={"source": {"form": _("kontaktformuläret"), "email": _("e-post")}},
        ),
    ),
]

NOT_PERSONAL = {
    "contact.Attempt": (
        "keyed one-way hashes (HMAC-SHA256) of a sender's IP and e-mail address, kept one day for "
        "the contact form's rate limits: they cannot be turned back into the addresses"
    ),
    "contact.SpentChallenge": "the signature of a used proof-of-work challenge; random data",
}
