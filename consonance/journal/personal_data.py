from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing


def attachment_summary(payload: Any) -> str:
    """A decrypted attachment (JSON: filename, content type, data) as its name and type."""
    try:
        found = json.loads(payload)
        return f"{found['filename']} ({found['content_type']})"
    except (TypeError, ValueError, KeyError):
        return ""


def size_in_kb(size: Any) -> str:
    return f"{max(1, round((size or 0) / 1024))} kB"


def later_version(version: Any) -> str:
    """A note's version, shown from the second one on (the first is simply the note)."""
    return str(version) if isinstance(version, int) and version > 1 else ""


def actor_in_words(actor: Any) -> str:
    """Who, in her copy: she herself, the coach ("jag"), or the system."""
    code = str(actor or "").partition(":")[0]
    return str({"person": _("du själv"), "staff": _("jag"), "system": _("systemet")}.get(code, "–"))


_CURRENT = {"superseded_at__isnull": True}

PERSONAL_DATA = [
    PersonalModel(
        "journal.Note",
        subject="person",
        holdings=(
            Holding(
                "journal",
                fields=("body_ciphertext",),
                clocks={"last_consultation": "person__journal_clock_at"},
            ),
        ),
        not_personal=(
            "person",
            "created_at",
            "kind",
            "consultation",
            "booking",
            "author",
            "root",
            "version",
            "superseded_at",
            "signed_at",
            "signed_by",
            "source",
            "message_id",
        ),
        encrypted={"body_ciphertext": "note"},
        things=(
            Thing(
                ngettext_lazy("%(count)d anteckning", "%(count)d anteckningar", "count"),
                where={"kind": "note", **_CURRENT},
            ),
            Thing(
                ngettext_lazy(
                    "%(count)d meddelande i mejlkonsultation",
                    "%(count)d meddelanden i mejlkonsultationer",
                    "count",
                ),
                where={"kind__in": ("message_in", "message_out"), **_CURRENT},
            ),
        ),
        readable=Readable(
            heading=_("Anteckningar och meddelanden"),
            labels={
                "created_at": _("Skriven"),
                "kind": _("Slag"),
                "version": _("Version"),
                "signed_at": _("Signerad"),
                "superseded_at": _("Ersatt av en ny version"),
                "body_ciphertext": _("Text"),
            },
            values={
                "kind": {
                    "note": _("anteckning"),
                    "message_in": _("ditt meddelande"),
                    "message_out": _("mitt svar"),
                }
            },
            readers={"version": later_version},
        ),
    ),
    PersonalModel(
        "journal.ConsultationMessage",
        subject="person",
        holdings=(
            Holding(
                "email_consultation",
                fields=("body_ciphertext",),
                clocks={"moved_to_journal": "moved_to_journal_at"},
            ),
        ),
        not_personal=("person", "direction", "received_at", "moved_to_journal_at"),
        encrypted={"body_ciphertext": "consultation"},
        things=(Thing(ngettext_lazy("%(count)d meddelande", "%(count)d meddelanden", "count")),),
        readable=Readable(
            heading=_("Meddelanden som ännu inte förts in i journalen"),
            labels={
                "received_at": _("Mottaget"),
                "direction": _("Från"),
                "body_ciphertext": _("Text"),
                "moved_to_journal_at": _("Fört till journalen"),
            },
            values={"direction": {"in": _("dig"), "out": _("mig")}},
        ),
    ),
    PersonalModel(
        "journal.NoteAttachment",
        subject="person",
        holdings=(
            Holding(
                "journal",
                fields=("content_ciphertext",),
                clocks={"last_consultation": "person__journal_clock_at"},
            ),
        ),
        not_personal=("note", "person", "size"),
        encrypted={"content_ciphertext": "note"},
        things=(Thing(ngettext_lazy("%(count)d bilaga", "%(count)d bilagor", "count")),),
        readable=Readable(
            heading=_("Bilagor"),
            labels={"content_ciphertext": _("Fil"), "size": _("Storlek")},
            readers={"content_ciphertext": attachment_summary, "size": size_in_kb},
        ),
    ),
    # An e-mail consultation's frame (dates, state, how many exchanges): no text, which lives in
    # its notes. Kept with her, like her requests: exported, erased with her.
    PersonalModel(
        "journal.Consultation",
        subject="person",
        holdings=(),
        not_personal=(
            "person",
            "booking",
            "state",
            "opened_at",
            "ends_at",
            "exchanges",
            "completed_at",
            "awaiting_reply_since",
            "nonce",
        ),
        readable=Readable(
            heading=_("Mejlkonsultationer"),
            labels={
                "opened_at": _("Började"),
                "ends_at": _("Slutar"),
                "exchanges": _("Antal svar"),
                "state": _("Läge"),
                "completed_at": _("Avslutad"),
            },
        ),
    ),
    # The access log (P15) names who (staff id or the client herself), what (ids), when and from
    # where (the staff member's address, never the client's): it outlives a journal deletion, so
    # that the deletion itself stays on record, and goes with her when she is erased.
    PersonalModel(
        "journal.AccessEvent",
        subject="person",
        holdings=(),
        not_personal=("at", "actor", "action", "person", "note", "what", "origin"),
        readable=Readable(
            heading=_("Vem som har läst eller ändrat i din journal"),
            labels={"at": _("När"), "actor": _("Vem"), "action": _("Vad")},
            readers={"actor": actor_in_words},
        ),
    ),
]

NOT_PERSONAL = {
    "journal.ConsultationTerms": "what an e-mail service gives (exchanges, days)",
}
