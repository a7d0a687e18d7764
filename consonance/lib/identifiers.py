"""Identifiers (addresses, names, phone numbers) stored encrypted under their owner's key (P13,
P29; issue 19): `IdentifierField`.

A declared identifier is one AES-GCM ciphertext column and one blind-index column beside it. The
ciphertext is under the key of the person the row is about (`owner="person"`: the row's `person`;
`owner="self"`: the Person row itself) or under a legal-hold key (`owner="hold"`: what the law
keeps after she is gone, see people.keys.hold_key), so erasing her (destroying her key) makes
every copy of her identifiers unreadable at once: in the table files, the indexes, the WAL and
every backup. A row no person is known for yet uses the unlinked key, which no erasure destroys.
Where keys come from is people's business (people.keys.identifier_key, set as `KEYS` when the
app is ready): this module sits at the bottom, so that any app and the registry's checks know it.

The index column holds HMAC-SHA256 of the normalised value under the stable index key (never the
value), so `filter(email=address)` and `filter(email__in=[...])` still find rows by exact value:
the lookups below rewrite them to the index column. Anything else (`icontains`, ordering) cannot
work on ciphertext and is refused (FieldError: unsupported lookup); staff search decrypts in
memory (people.selectors.person_ids_matching).

In Python the field reads as plain text: the descriptor decrypts on first access (one key per
instance, or `people.keys.keys_for` for a list) and a plain value assigned to it is encrypted
when the row is saved, in `pre_save`, which bulk_create calls too.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from hashlib import sha256
from typing import Any

from django import forms
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In

from consonance.lib import crypto, keyring

INDEX_KEY = "identifier-index"
UNLINKED = "identifier-unlinked"  # the key of rows no person is known for

# (instance, owner, create) -> the key, or None when destroyed; set by people's AppConfig.ready.
KEYS: Callable[..., bytes | None] | None = None


def blind_index(value: str, normalise: Callable[[str], str]) -> str:
    """The keyed hash of the normalised value ("" for an empty value): what lookups compare."""
    normal = normalise(value or "")
    if not normal:
        return ""
    return hmac.new(keyring.stable_key(INDEX_KEY), normal.encode(), sha256).hexdigest()


_RAW: ContextVar[bool] = ContextVar("identifiers_raw", default=False)


@contextmanager
def raw_values() -> Iterator[None]:
    """Within it, identifiers read as their stored ciphertext: for Django's raw inserts (a
    restore puts rows back exactly as they were backed up)."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


class _Plain(str):
    """A value set in Python, not yet encrypted (kept apart from ciphertext read back)."""


class IdentifierDescriptor:
    def __init__(self, field: IdentifierField) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        if self.field.attname not in data:  # deferred (`only()`): read now, as Django would
            instance.refresh_from_db(fields=[self.field.attname])
        value = data.get(self.field.attname)
        if _RAW.get():  # a raw insert (restore) writes the ciphertext as stored
            return value
        if isinstance(value, bytes | memoryview):
            # The ciphertext stays as read (a backup serialises it as stored); the text is kept
            # beside it, so it is decrypted once.
            read = data.setdefault("_identifiers_read", {})
            blob = bytes(value)
            seen = read.get(self.field.attname)
            if seen is None or seen[0] != blob:
                seen = read[self.field.attname] = (blob, self.field.decrypt(instance, blob))
            return seen[1]
        return value if value is None else str(value)

    def __set__(self, instance: Any, value: Any) -> None:
        field = self.field
        if isinstance(value, str) and not isinstance(value, _Plain):
            value = _Plain(value)
            if field.index:
                instance.__dict__[field.index] = blind_index(value, field.normalise)
        instance.__dict__[field.attname] = value


class IdentifierField(models.BinaryField):
    """An identifier, encrypted under its owner's key, found through its blind index `index`."""

    # For django-stubs: in Python the field is its text.
    _pyi_private_set_type: str  # type: ignore[assignment]
    _pyi_private_get_type: str  # type: ignore[assignment]

    def __init__(
        self,
        *args: Any,
        context: str = "",
        owner: str = "person",
        normalise: Callable[[str], str] | None = None,
        index: str | None = None,
        **kwargs: Any,
    ) -> None:
        # The blind index's field: `<name>_index` unless named; "" for none (a text, not a key).
        self.context, self.owner, self.index = context, owner, index
        self.normalise = normalise or str.strip
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # Migrations see a plain binary column: how it is read is code, not schema.
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, "django.db.models.BinaryField", args, kwargs

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        self.index = f"{name}_index" if self.index is None else self.index
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, IdentifierDescriptor(self))

    def get_lookup(self, lookup_name: str) -> Any:
        # Only what the blind index answers: the same value, one of some values, or none.
        if lookup_name not in ("exact", "in", "isnull"):
            return None
        return super().get_lookup(lookup_name)

    def clean(self, value: Any, model_instance: Any) -> Any:
        # A model's full_clean sees the text; to_python (base64, for deserialising) is not for it.
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, _Plain):
            if self.index:  # the index field comes later in the row, so is read after this
                model_instance.__dict__[self.index] = blind_index(value, self.normalise)
            return self.encrypt(model_instance, str(value))
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, str):  # a plain value that did not come through pre_save
            raise TypeError(f"{self.model.__name__}.{self.name} stores ciphertext only")
        return super().get_db_prep_value(value, connection, prepared)

    def value_from_object(self, obj: models.Model) -> Any:
        """The ciphertext, as stored (serialisers, backups): a text set since is encrypted."""
        value = obj.__dict__.get(self.attname)
        if isinstance(value, _Plain):
            return self.encrypt(obj, str(value))
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return forms.CharField(**kwargs)

    # Keys and the cipher: see people.keys for where the keys come from.
    def aad(self) -> bytes:
        return self.context.encode()

    def encrypt(self, instance: models.Model, plaintext: str) -> bytes:
        key = _keys()(instance, self.owner, create=True)
        assert key is not None
        return crypto.encrypt(key, plaintext.encode(), self.aad())

    def decrypt(self, instance: models.Model, blob: bytes) -> str:
        """The text, or "" when its key is destroyed (her erasure): nothing of it can be read."""
        return self.read(instance, blob) or ""

    def read(self, instance: models.Model, blob: bytes) -> str | None:
        key = _keys()(instance, self.owner, create=False)
        keys = [key] if key is not None else []
        if self.owner == "person":  # written while the row was linked to no one
            keys.append(keyring.stable_key(UNLINKED))
        for key in keys:
            try:
                return crypto.decrypt(key, blob, self.aad()).decode()
            except crypto.DecryptionError:
                continue
        return None


def identifier(
    context: str, normalise: Callable[[str], str], *, owner: str = "person", **kwargs: Any
) -> IdentifierField:
    """The usual declaration: `<name> = identifier(...)` then `<name>_index = CharField(64)`."""
    return IdentifierField(context=context, owner=owner, normalise=normalise, **kwargs)


class Identified(models.Model):
    """A model with identifier fields: saving some fields saves their blind indexes with them."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = {*fields} | {
                f.index
                for f in self._meta.concrete_fields
                if isinstance(f, IdentifierField) and f.index and f.name in fields
            }
        super().save(*args, **kwargs)


def reencrypt(row: models.Model, **changes: Any) -> None:
    """Give `row` its `changes` (a link to her: `person=...`) with its readable identifiers
    encrypted again under the key that now owns them; the caller saves. One whose key is gone
    stays as it is (unreadable; its index still finds it)."""
    texts = {}
    for f in row._meta.concrete_fields:
        raw = row.__dict__.get(f.attname)  # the stored ciphertext, not the text
        if isinstance(f, IdentifierField) and isinstance(raw, bytes | memoryview):
            texts[f.name] = f.read(row, bytes(raw))
    for name, value in changes.items():
        setattr(row, name, value)
    for name, text in texts.items():
        if text is not None:
            setattr(row, name, text)


def _keys() -> Callable[..., bytes | None]:
    if KEYS is None:
        raise RuntimeError("identifier keys are read once the people app is ready")
    return KEYS


def _index_lhs(lhs: Any) -> Col:
    field = getattr(lhs, "target", None)
    if not isinstance(lhs, Col) or not isinstance(field, IdentifierField) or not field.index:
        raise TypeError(f"{lhs} is encrypted without an index: it cannot be matched")
    index = field.model._meta.get_field(field.index)
    assert isinstance(index, models.Field)
    return Col(lhs.alias, index)


@IdentifierField.register_lookup
class IdentifierExact(Exact):
    """`email=value`: the blind index of the value, compared with the index column."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        field = lhs.target
        super().__init__(_index_lhs(lhs), blind_index(str(rhs), field.normalise))


@IdentifierField.register_lookup
class IdentifierIn(In):
    def __init__(self, lhs: Any, rhs: Any) -> None:
        field = lhs.target
        super().__init__(_index_lhs(lhs), [blind_index(str(v), field.normalise) for v in rhs])
