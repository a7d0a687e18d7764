"""The register of processing (GDPR Art. 30, "registerförteckning"), derived from the policy and
the registry of personal data. Served as HTML at /integritet/register/ and printed by
`consonance policy register --format csv|json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from consonance.privacy.policy import Policy
from consonance.privacy.registry import models_holding, stores_holding


@dataclass(frozen=True, slots=True)
class RetentionEntry:
    rule: str
    promise: str
    text: str
    action: str


@dataclass(frozen=True, slots=True)
class RecipientEntry:
    id: str
    name: str
    role: str
    agreement: str
    diligence: str
    transfer_outside_eea: bool
    transfer_safeguard: str
    retention: str


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    category: str
    name: str
    description: str
    special_category: bool
    purposes: list[str]
    legal_bases: list[str]
    source: str
    retention: list[RetentionEntry]
    recipients: list[RecipientEntry]
    stored_in: list[str]
    security: str


_SECURITY = {
    "sv": "Lagras hos driftsleverantören i Sverige; åtkomst endast för verksamheten med lösenord och "
    "tvåstegsverifiering; ändringar loggas i en manipulationssäker granskningslogg.",
    "en": "Stored with the hosting provider in Sweden; access only for the practice, with password "
    "and two-factor sign-in; every change is written to a tamper-evident audit log.",
}
_ENCRYPTED = {
    "sv": " Krypterat (AES-256-GCM) med en nyckel per person.",
    "en": " Encrypted (AES-256-GCM) with a key per person.",
}


_FIELD_LABELS = {
    "first_name": ("förnamn", "first name"),
    "last_name": ("efternamn", "last name"),
    "email": ("e-postadress", "e-mail address"),
    "payer_name": ("namn", "name"),
}


def _field_list(names: tuple[str, ...], language: str) -> str:
    index = 1 if language == "en" else 0
    labels = [_FIELD_LABELS.get(n, (n.replace("_", " "),) * 2)[index] for n in names]
    joiner = " and " if language == "en" else " och "
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + joiner + labels[-1]


def retention_sentence(policy: Policy, rule_id: str, language: str) -> str:
    """One sentence saying how long a rule keeps its data, every figure from the policy."""
    rule = policy.rule(rule_id)
    duration = rule.duration.render(language)
    event = policy.events[rule.after].get(language)
    sv = language != "en"
    if rule.action == "keep_only":
        fields = _field_list(rule.keep, language)
        then = f"raderas allt utom {fields}" if sv else f"everything but {fields} is deleted"
    elif rule.action == "anonymise":
        then = "anonymiseras uppgifterna" if sv else "the data is anonymised"
    else:
        then = "raderas uppgifterna" if sv else "the data is deleted"
    if rule.duration.amount == 0:
        text = f"Raderas direkt efter {event}" if sv else f"Deleted right after {event}"
    elif rule.round == "end_of_year":
        text = (
            f"Sparas {duration} räknat från {event}, till utgången av det kalenderåret; sedan {then}"
            if sv
            else f"Kept {duration} counted from {event}, to the end of that calendar year; then {then}"
        )
    else:
        text = (
            f"Sparas {duration} efter {event}; sedan {then}"
            if sv
            else f"Kept {duration} after {event}; then {then}"
        )
    if rule.agreements:
        text += ", om inget annat avtalats" if sv else ", unless otherwise agreed"
    return text + "."


def build_register(policy: Policy, language: str = "sv") -> list[RegisterEntry]:
    entries = []
    for category in policy.categories.values():
        purposes = [policy.purposes[p] for p in category.purposes]
        bases = sorted(
            {f"GDPR art. {p.article}" for p in purposes}
            | {f"GDPR art. {p.special_article}" for p in purposes if p.special_article}
        )
        recipients = [policy.recipients[r] for r in category.recipients]
        entries.append(
            RegisterEntry(
                category=category.id,
                name=category.name.get(language),
                description=category.description.get(language),
                special_category=category.special,
                purposes=[p.name.get(language) for p in purposes],
                legal_bases=bases,
                source=category.source.get(language),
                retention=[
                    RetentionEntry(
                        rule.id,
                        rule.promise,
                        retention_sentence(policy, rule.id, language),
                        rule.action,
                    )
                    for rule in policy.rules_for(category.id)
                ],
                recipients=[
                    RecipientEntry(
                        id=r.id,
                        name=r.name,
                        role=r.role,
                        agreement=r.agreement,
                        diligence=r.diligence.get(language) if r.diligence else "",
                        transfer_outside_eea=r.transfer_outside_eea,
                        transfer_safeguard=(
                            r.transfer_safeguard.get(language) if r.transfer_safeguard else ""
                        ),
                        retention=r.retention.get(language),
                    )
                    for r in recipients
                ],
                stored_in=sorted(
                    [d.model for d, _h in models_holding(category.id)]
                    + [store.model for store in stores_holding(category.id)]
                ),
                security=_SECURITY[language] + (_ENCRYPTED[language] if category.special else ""),
            )
        )
    return entries


def register_as_dicts(policy: Policy, language: str = "sv") -> dict:
    c = policy.controller
    return {
        "controller": {
            "name": c.name,
            "email": c.email,
            "website": c.website,
            "country": c.country,
        },
        "policy_updated": policy.updated.isoformat(),
        "language": language,
        "entries": [asdict(entry) for entry in build_register(policy, language)],
    }


CSV_COLUMNS = [
    "category",
    "name",
    "description",
    "special_category",
    "purposes",
    "legal_bases",
    "source",
    "retention",
    "recipients",
    "transfers_outside_eea",
    "stored_in",
    "security",
]


def register_as_rows(policy: Policy, language: str = "sv") -> list[dict[str, str]]:
    rows = []
    for entry in build_register(policy, language):
        rows.append(
            {
                "category": entry.category,
                "name": entry.name,
                "description": entry.description,
                "special_category": "yes" if entry.special_category else "no",
                "purposes": "; ".join(entry.purposes),
                "legal_bases": "; ".join(entry.legal_bases),
                "source": entry.source,
                "retention": "; ".join(f"{r.text} [{r.promise}]" for r in entry.retention),
                "recipients": "; ".join(
                    f"{r.name} ({r.role}, {r.agreement})" for r in entry.recipients
                ),
                "transfers_outside_eea": "; ".join(
                    f"{r.name}: {r.transfer_safeguard}"
                    for r in entry.recipients
                    if r.transfer_outside_eea
                ),
                "stored_in": "; ".join(entry.stored_in),
                "security": entry.security,
            }
        )
    return rows
