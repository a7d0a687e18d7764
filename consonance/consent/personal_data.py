from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

PERSONAL_DATA = [
    PersonalModel(
        "consent.ConsentRecord",
        subject="person",
        holdings=(
            Holding(
                "consents",
                fields=("purpose", "action", "text", "version", "method", "at", "ended_at"),
                clocks={"consent_ended": "ended_at"},
            ),
        ),
        not_personal=("person", "visitor"),
        things=(
            Thing(
                ngettext_lazy("%(count)d samtycke", "%(count)d samtycken", "count"),
                where={"action": "given"},
            ),
            Thing(
                ngettext_lazy(
                    "%(count)d återkallat samtycke", "%(count)d återkallade samtycken", "count"
                ),
                where={"action": "withdrawn"},
            ),
        ),
        readable=Readable(
            heading=_("Samtycken och återkallanden"),
            labels={
                "at": _("När"),
                "action": _("Vad"),
                "purpose": _("Till vad"),
                "method": _("Hur"),
                "version": _("Textens version"),
                "ended_at": _("Gällde till"),
            },
            values={
                "action": {"given": _("samtycke gavs"), "withdrawn": _("samtycket återkallades")},
                "purpose": {"newsletter": _("nyhetsbrevet")},
                "method": {
                    "double_opt_in": _("bekräftat via en länk i e-post"),
                    "banner": _("i kakrutan"),
                    "one_click": _("med ett klick"),
                    "unsubscribe_link": _("via avregistreringslänken"),
                    "objection": _("genom en invändning"),
                },
            },
        ),
    ),
]

NOT_PERSONAL = {
    "consent.ConsentText": "the wordings shown when asking for consent; no one's data",
}
