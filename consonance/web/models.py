"""The coach's own pages: the home page's text and "Om mig", in Swedish and English (Markdown)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib.i18n import current_language


class SitePage(models.Model):
    class Slug(models.TextChoices):
        HOME = "home", _("Startsidan")
        ABOUT = "about", _("Om mig")

    slug = models.CharField(_("sida"), max_length=16, choices=Slug.choices, unique=True)
    title_sv = models.CharField(_("rubrik (svenska)"), max_length=120)
    title_en = models.CharField(_("rubrik (engelska)"), max_length=120, blank=True)
    body_sv = models.TextField(
        _("text (svenska)"),
        help_text=_(
            "Stycken skiljs åt av en tom rad. # Rubrik, - punktlista, **fetstil**, *kursiv*, "
            "[länktext](https://adress). HTML visas som text."
        ),
    )
    body_en = models.TextField(_("text (engelska)"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sida")
        verbose_name_plural = _("sidor")

    @property
    def title(self) -> str:
        return (self.title_en or self.title_sv) if current_language() == "en" else self.title_sv

    @property
    def body(self) -> str:
        return (self.body_en or self.body_sv) if current_language() == "en" else self.body_sv
