"""Privacy names a person by her id (privacy/subject.py), not by a key to people.Person above
it: her agreements and legal holds still read her, go with her, and travel in a backup as a
foreign key did (issue 18)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import serializers
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.people.models import Person
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.selectors import holds_current
from consonance.privacy.services import agreement_create, legal_hold_create
from tests import retention_data as data

pytestmark = pytest.mark.django_db


def _agreed_and_held(person: Person) -> None:
    until = timezone.localdate() + dt.timedelta(days=30)
    agreement_create(person=person, rule_id="journal-2y", until=until, reason="Ja", actor=SYSTEM)
    legal_hold_create(person=person, reason="Tvist", actor=SYSTEM)


def test_a_hold_reads_her_and_her_id_as_a_key_did():
    eva = data.person("eva", last_contact=timezone.now())
    _agreed_and_held(eva)
    hold = LegalHold.objects.get()
    assert (hold.person_id, hold.person) == (eva.pk, eva)
    assert LegalHold.objects.filter(person=eva.pk, person__isnull=False).get() == hold
    [listed] = holds_current()
    assert listed.person.first_name == eva.first_name


@pytest.mark.parametrize("how", ["queryset", "row"])
def test_deleting_her_takes_her_agreements_and_holds(how):
    eva = data.person("eva", last_contact=timezone.now())
    anna = data.person("anna", last_contact=timezone.now())
    _agreed_and_held(eva)
    _agreed_and_held(anna)
    if how == "queryset":
        _total, per_model = Person.objects.filter(pk=eva.pk).delete()
    else:
        _total, per_model = eva.delete()
    assert per_model["privacy.RetentionAgreement"] == per_model["privacy.LegalHold"] == 1
    assert list(RetentionAgreement.objects.values_list("person_id", flat=True)) == [anna.pk]
    assert list(LegalHold.objects.values_list("person_id", flat=True)) == [anna.pk]


def test_a_backup_names_her_as_a_key_did():
    eva = data.person("eva", last_contact=timezone.now())
    _agreed_and_held(eva)
    text = serializers.serialize("json", LegalHold.objects.all())
    assert json.loads(text)[0]["fields"]["person"] == eva.pk
    LegalHold.objects.all().delete()
    [restored] = serializers.deserialize("json", text)
    restored.save()
    assert LegalHold.objects.get().person_id == eva.pk
