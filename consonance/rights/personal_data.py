"""What the rights app holds about people.

Requests, restrictions and objections link to a Person and hold no personal value themselves
(kinds, states, dates, and for a waiting erasure what became of her booked sessions: service,
time and outcome, as on the erasure receipt), so they declare no holdings: access exports them (she sees her own
requests), erasure deletes restriction, objection and previous-address rows with her and cuts
the link of her requests, which then stay as an anonymous record that the request was handled in
time.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consonance.privacy.registry import PersonalModel, Readable

PERSONAL_DATA = [
    PersonalModel(
        "rights.Request",
        subject="person",
        holdings=(),
        not_personal=(
            "kind",
            "person",
            "received_at",
            "deadline",
            "due_at",
            "state",
            "handled_at",
            "note",
            "sessions",
            "last_reminded_at",
            "stalled",
        ),
        readable=Readable(
            heading=_("Dina begäranden"),
            labels={
                "received_at": _("Mottagen"),
                "kind": _("Begäran"),
                "due_at": _("Senast"),
                "state": _("Läge"),
                "handled_at": _("Klar"),
            },
        ),
    ),
    PersonalModel(
        "rights.Restriction",
        subject="person",
        holdings=(),
        not_personal=("person", "reason", "restricted_at", "lifted_at", "suppressed_mail"),
        readable=Readable(
            heading=_("Begränsad behandling"),
            labels={"restricted_at": _("Från"), "reason": _("Skäl"), "lifted_at": _("Hävd")},
        ),
    ),
    PersonalModel(
        "rights.Objection",
        subject="person",
        holdings=(),
        not_personal=("person", "kind", "at", "superseded_at"),
        readable=Readable(
            heading=_("Invändningar"),
            labels={"at": _("När"), "kind": _("Mot"), "superseded_at": _("Upphörde")},
        ),
    ),
    PersonalModel(
        "rights.PreviousAddress",
        subject="person",
        # A keyed one-way hash of an address she left (as on the suppression list), kept only so
        # that her erasure reaches the backups taken while she had it; erased with her.
        holdings=(),
        not_personal=("person", "address_hash", "until"),
        readable=Readable(
            heading=_("Tidigare e-postadresser"),
            labels={"until": _("Bytt")},
        ),
    ),
]

NOT_PERSONAL = {
    "rights.ErasureReceipt": (
        "categories, counts, row ids and dates of an erasure; it never names the person"
    ),
}
