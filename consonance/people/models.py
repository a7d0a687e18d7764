from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib import crypto, keyring
from consonance.lib.identifiers import Identified, IdentifierField
from consonance.lib.text import normalise_email, normalise_name
from consonance.privacy.registry import subject_dependants_delete


def _with_dependants(
    taken: dict[str, int], deleted: tuple[int, dict[str, int]]
) -> tuple[int, dict[str, int]]:
    """A delete's counts with her dependants' rows (`subject_dependants_delete`) added."""
    total, per_model = deleted
    for label, n in taken.items():
        per_model[label] = per_model.get(label, 0) + n
    return total + sum(taken.values()), per_model


class PersonQuerySet(models.QuerySet["Person"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Her rows in the apps below that name her by id only (privacy's agreements and legal
        holds: no foreign key may point up at her) go first, as a cascade took them."""
        with transaction.atomic(using=self.db, savepoint=False):
            taken = subject_dependants_delete(self.values("pk"))
            return _with_dependants(taken, super().delete())


class PersonManager(models.Manager["Person"]):
    def get_queryset(self) -> PersonQuerySet:
        return PersonQuerySet(self.model, using=self._db)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Person]:
        created = super().bulk_create(objs, *args, **kwargs)
        new_keys_store(created)
        return created


def new_keys_store(people: list[Person]) -> None:
    """Store the keys made for new persons' identifiers (pre_save made them; people/keys.py)."""
    master = keyring.master_keys()[0]
    PersonKey.objects.bulk_create(
        PersonKey(
            person_id=person.pk,
            wrapped_key=crypto.wrap_key(
                master, person.__dict__.pop("_new_key"), f"person:{person.pk}"
            ),
            key_id=keyring.key_id(master),
        )
        for person in people
        if "_new_key" in person.__dict__
    )


class Person(Identified):
    """A data subject: a client, a newsletter subscriber, someone who wrote to the practice.

    Her address and names are encrypted under her own key (people/identifiers.py): erasing her
    destroys the key, and with it every copy of them. The address is stored normalised (see
    `normalise_email`); its blind index is unique, so every lookup by address is an exact,
    indexed match. The names' indexes let the erasure verifier look them up by exact value.
    """

    email = IdentifierField(
        _("e-post"),
        context="people.person.email",
        owner="self",
        normalise=normalise_email,
        index="email_index",
    )
    email_index = models.CharField(max_length=64, unique=True)
    first_name = IdentifierField(
        _("förnamn"),
        context="people.person.first_name",
        owner="self",
        normalise=normalise_name,
        index="first_name_index",
    )
    first_name_index = models.CharField(max_length=64, db_index=True)
    last_name = IdentifierField(
        _("efternamn"),
        context="people.person.last_name",
        owner="self",
        normalise=normalise_name,
        index="last_name_index",
    )
    last_name_index = models.CharField(max_length=64, db_index=True)
    language = models.CharField(max_length=2, default="sv")
    created_at = models.DateTimeField(default=timezone.now)
    last_contact_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_consultation_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the coach last wrote in her journal (a note, a message moved into it).
    last_note_at = models.DateTimeField(null=True, blank=True)
    # The journal's clock (P15): the latest of her latest consultation, journal note and contact,
    # kept by the database itself, so that a note without a confirmed consultation (a contact
    # message saved to the journal, a consultation later cancelled) still has a clock.
    journal_clock_at = models.GeneratedField(
        expression=Greatest(
            F("last_contact_at"),
            Coalesce(F("last_consultation_at"), F("last_contact_at")),
            Coalesce(F("last_note_at"), F("last_contact_at")),
        ),
        output_field=models.DateTimeField(),
        db_persist=True,
        db_index=True,
    )

    objects = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")

    def __str__(self) -> str:
        # Never the name or address: __str__ ends up in logs and admin history.
        return f"Person #{self.pk}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic(savepoint=False):
            taken = subject_dependants_delete([self.pk])  # as PersonQuerySet.delete
            return _with_dependants(taken, super().delete(*args, **kwargs))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new person's identifiers were encrypted under a key made for her (pre_save); it is
        # stored, wrapped, once she has a primary key to own it.
        super().save(*args, **kwargs)
        new_keys_store([self])


class PersonKey(models.Model):
    """The person's data key, wrapped by the master key. Deleting it crypto-shreds their data."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="key"
    )
    wrapped_key = models.BinaryField()
    # Which master key wraps it (lib/keyring.py key_id); "" for keys wrapped before key ids.
    key_id = models.CharField(max_length=16, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(default=timezone.now)


class HoldKey(models.Model):
    """A legal-hold key (people.keys.hold_key): what the law makes the practice keep after a
    person is erased (her name on a voucher, seven years) is encrypted under it, and it is
    destroyed the day after `ends_on`."""

    name = models.CharField(max_length=64, unique=True)  # "bookkeeping:2026"
    wrapped_key = models.BinaryField()
    key_id = models.CharField(max_length=16, blank=True, default="", db_index=True)
    ends_on = models.DateField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"HoldKey {self.name}"


class MemberProfile(models.Model):
    """A member account (P11). What she keeps private is in accounts.PrivateVault, encrypted in
    her browser with a key only her passphrase opens (P4)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="member")
    # Her sign-in (django-allauth needs a Django user): an opaque user with an unusable password,
    # no name, no address and no staff rights, created at her first sign-in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_profile",
    )
    created_at = models.DateTimeField(default=timezone.now)
    deletion_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)


class StaffEnrolmentLink(models.Model):
    """A one-time link with which a staff account enrols its authenticator app (issue 21): made by
    a signed-in staff member or `consonance staff enrol-link USERNAME`, never by the password
    alone. Only a hash of the link's secret is kept; a link works once, within its hours."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.CharField(max_length=64)  # an audit actor: "staff:3" or "system"
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"StaffEnrolmentLink #{self.pk}"
