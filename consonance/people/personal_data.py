from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

PERSONAL_DATA = [
    PersonalModel(
        "people.Person",
        subject="",
        holdings=(
            Holding(
                "contact_details",
                fields=("email", "first_name", "last_name"),
                clocks={"last_contact": "last_contact_at"},
            ),
        ),
        identifiers=("email", "first_name", "last_name"),
        not_personal=("language", "created_at", "last_contact_at", "last_consultation_at"),
        readable=Readable(
            heading=_("Namn och e-postadress"),
            labels={
                "first_name": _("Förnamn"),
                "last_name": _("Efternamn"),
                "email": _("E-postadress"),
                "language": _("Språk"),
                "created_at": _("Först registrerad"),
                "last_contact_at": _("Senaste kontakt"),
                "last_consultation_at": _("Senaste konsultation"),
            },
            values={"language": {"sv": _("svenska"), "en": _("engelska")}},
        ),
    ),
    PersonalModel(
        "people.MemberProfile",
        subject="person",
        holdings=(
            Holding(
                "member_account",
                # That she has an account; her private fields are in accounts.PrivateVault,
                # encrypted in her browser (P4).
                fields=("created_at",),
                clocks={"account_deletion": "deletion_requested_at"},
            ),
        ),
        not_personal=("person", "user", "deletion_requested_at"),
        things=(Thing(ngettext_lazy("%(count)d konto", "%(count)d konton", "count")),),
        readable=Readable(
            heading=_("Ditt medlemskonto"),
            labels={"created_at": _("Skapat"), "deletion_requested_at": _("Radering begärd")},
        ),
    ),
]

NOT_PERSONAL = {
    "people.PersonKey": "key material only; deleting it erases the person's ciphertexts",
}
