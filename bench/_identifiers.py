"""Encrypted identifiers for the benchmarks' raw generators (issue 19).

Raw INSERTs get no `pre_save`, so a generator that writes identifier columns itself (a person's
address, a payer's name) encrypts them here the way the models do: AES-GCM under the owner's key
with the field's context, the blind index beside it (lib/identifiers.py), and one `PersonKey`
row per person, wrapped by the master key as people/keys.py and the identifier migration do.
One key per person is made and reused for all her rows; the key rows go in with plain
multi-row INSERTs, a batch at a time, like the rest of a generator's data.
"""

from __future__ import annotations

from typing import Any


class Identifiers:
    """Keys and ciphertexts for one generator run (one process, one database)."""

    def __init__(self) -> None:
        from consonance.lib import keyring

        self.master = keyring.master_keys()[0]
        self.key_id = keyring.key_id(self.master)
        self.keys: dict[int, bytes] = {}
        self.unstored: list[int] = []

    def person(self, pk: int) -> bytes:
        """Her data key (made on first use; `store_keys` writes the new ones)."""
        key = self.keys.get(pk)
        if key is None:
            from consonance.lib import crypto

            key = self.keys[pk] = crypto.new_data_key()
            self.unstored.append(pk)
        return key

    def hold(self, row: Any) -> bytes:
        """The legal-hold key of a voucher or document (`row.identifier_hold()`)."""
        from consonance.people.keys import hold_key

        name, ends_on = row.identifier_hold()
        if name not in self.keys:
            self.keys[name] = hold_key(name, ends_on)  # type: ignore[index]
        return self.keys[name]  # type: ignore[index]

    def store_keys(self) -> int:
        """INSERT the `people.PersonKey` rows of the keys made since the last call."""
        from django.db import connection
        from django.utils import timezone

        from consonance.lib import crypto
        from consonance.people.models import PersonKey

        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = [
            (pk, crypto.wrap_key(self.master, self.keys[pk], f"person:{pk}"), self.key_id, now)
            for pk in self.unstored
        ]
        names = '"person_id", "wrapped_key", "key_id", "created_at"'
        table = PersonKey._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: a generator's 200 000 rows at once
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES (%s, %s, %s, %s)', rows)
        self.unstored = []
        return len(rows)


def columns(model: Any, names: list[str]) -> list[str]:
    """The fields a raw INSERT writes for identifiers `names`: each one's ciphertext, then its
    blind index (if it has one)."""
    out = []
    for name in names:
        out.append(name)
        index = model._meta.get_field(name).index
        if index:
            out.append(index)
    return out


def values(model: Any, key: bytes, **texts: str) -> tuple:
    """The values for `columns(model, list(texts))`: ciphertext under `key`, blind index."""
    from consonance.lib import crypto
    from consonance.lib.identifiers import blind_index

    out: list[Any] = []
    for name, text in texts.items():
        field = model._meta.get_field(name)
        out.append(crypto.encrypt(key, text.encode(), field.aad()))
        if field.index:
            out.append(blind_index(text, field.normalise))
    return tuple(out)
