"""Ciphertext as a model stores it, for rows made directly in tests."""

from __future__ import annotations

from django.db.models import Model

from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.privacy.registry import context_of, declaration_for


def encrypted(person: Person, model: type[Model], text: str, field: str = "") -> bytes:
    """`text` encrypted for `person` as `model` stores it (the context its declaration names)."""
    declaration = declaration_for(model)
    assert declaration is not None
    name = field or next(iter(declaration.encrypted))
    return person_encrypt(person, text, context=context_of(model, name))
