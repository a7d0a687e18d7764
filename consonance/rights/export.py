"""Her copy of her data (P24, P29): data.json (machine-readable, with the policy facts of each
category) and index.html (the same rows as she reads them), in a ZIP. Her journal's text is in
her own copy once the coach has gone through her request to see it (P15: within 10 days, as the
privacy center says); the coach's copy (the command) always has it."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from consonance.audit.services import actor_person
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from consonance.rights.categories import CategoryHeld
from consonance.rights.data import EXPORT_FORMAT, Holdings, holdings_of
from consonance.rights.readable import export_context
from consonance.rights.recipients import Shared, narrow_recipients, person_recipients
from consonance.rights.selectors import journal_notes_for, journal_notes_released


def _category_json(c: CategoryHeld) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "source": c.source,
        "special": c.special,
        "purposes": c.purposes,
        "legal_bases": sorted({p["legal_basis"] for p in c.purposes}),
        "recipients": c.recipients,
        "retention": c.retention,
        "retention_end": [
            {"rule": u.rule.id, "until": u.until.isoformat() if u.until else None} for u in c.until
        ],
        "legal_hold": c.legal_hold,
        "count": c.count,
        "things": c.things,
        "records": c.records,
    }


@dataclass
class Export:
    data: dict  # data.json
    holdings: Holdings
    recipients: list[Shared]


def export_build(person: Person, *, language: str = "sv", staff_copy: bool = False) -> Export:
    """Her data, machine-readable (P29), with the policy facts for each category (P24), and the
    same rows as she reads them."""
    policy = get_policy()
    # Her own copy holds the journal's text once the coach has gone through her request to see
    # it (P15, within 10 days, as the privacy center says); until then it says so.
    withhold = not staff_copy and not journal_notes_released(person.pk)
    # First, so that the journal's log line of this very export is part of the export.
    notes = (
        []
        if withhold
        else journal_notes_for(person, actor=actor_person(person.pk), purpose="export")
    )
    found = holdings_of(person, language=language, staff_copy=staff_copy, withhold_journal=withhold)
    shared = narrow_recipients(found.categories, person_recipients(person, language=language))
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "language": language,
        "controller": {
            "name": policy.controller.name,
            "email": policy.controller.email,
            "website": policy.controller.website,
            "supervisory_authority": policy.controller.supervisory_authority,
            "supervisory_authority_url": policy.controller.supervisory_authority_url,
        },
        "person_id": person.pk,
        "categories": [_category_json(c) for c in found.categories],
        "recipients": [r.as_json() for r in shared],
        "other_records": found.other,
        # Her journal notes, readable, every version (P15), as the journal answers through
        # the rights hook; the journal logs the export in its access log.
        "journal_notes": [
            {
                "at": note.at.isoformat(),
                "kind": note.kind,
                "version": note.version,
                "signed_at": note.signed_at.isoformat() if note.signed_at else None,
                "superseded_at": note.superseded_at.isoformat() if note.superseded_at else None,
                "text": note.text,
            }
            for note in notes
        ],
        "journal_notes_withheld": withhold,
        "automated_decisions": False,
    }
    return Export(data, found, shared)


def person_export(person: Person, *, language: str = "sv", staff_copy: bool = False) -> dict:
    """Her data, machine-readable (P29): data.json."""
    return export_build(person, language=language, staff_copy=staff_copy).data


def export_zip(person: Person, *, language: str = "sv", staff_copy: bool = False) -> bytes:
    """A ZIP with data.json (machine-readable) and index.html (readable), in `language`.
    `staff_copy`: made by the coach (the command), so sealed fields show only that they exist."""
    with translation.override(language):
        export = export_build(person, language=language, staff_copy=staff_copy)
        html = render_to_string("rights/export.html", export_context(person, export))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(export.data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", html)
    return buffer.getvalue()
