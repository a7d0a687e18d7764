"""Envelope encryption: a data key per person wrapped by the master key; erasure shreds."""

from __future__ import annotations

import pytest

from consonance.lib import crypto
from consonance.people.keys import KeyDestroyed, person_decrypt, person_encrypt, person_key_destroy
from consonance.people.models import Person, PersonKey


@pytest.fixture
def person(db):
    return Person.objects.create(email="a@example.se", first_name="A", last_name="B")


def test_text_round_trips_and_is_not_stored_in_clear(person):
    blob = person_encrypt(person, "Mår bättre efter samtalet", context="note")
    assert b"samtalet" not in blob
    assert person_decrypt(person, blob, context="note") == "Mår bättre efter samtalet"


def test_the_data_key_is_stored_only_wrapped(person):
    person_encrypt(person, "x", context="note")
    wrapped = bytes(PersonKey.objects.get(person=person).wrapped_key)
    assert len(wrapped) == 1 + 12 + 32 + 16


def test_a_ciphertext_cannot_be_moved_to_another_context_or_person(person):
    other = Person.objects.create(email="b@example.se", first_name="C", last_name="D")
    blob = person_encrypt(person, "secret", context="note")
    with pytest.raises(crypto.DecryptionError):
        person_decrypt(person, blob, context="message")
    person_encrypt(other, "y", context="note")
    with pytest.raises(crypto.DecryptionError):
        person_decrypt(other, blob, context="note")


def test_destroying_the_key_makes_every_ciphertext_unreadable(person):
    blob = person_encrypt(person, "secret", context="note")
    assert person_key_destroy(person=person, actor="system")
    with pytest.raises(KeyDestroyed):
        person_decrypt(person, blob, context="note")


def test_a_wrong_master_key_cannot_unwrap(person, settings):
    blob = person_encrypt(person, "secret", context="note")
    settings.CONSONANCE_MASTER_KEY = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    with pytest.raises(crypto.DecryptionError):
        person_decrypt(person, blob, context="note")


@pytest.mark.parametrize("bad", ["not base64!", "c2hvcnQ="])
def test_a_bad_master_key_is_refused(bad):
    with pytest.raises(crypto.MasterKeyError):
        crypto.parse_master_key(bad)
