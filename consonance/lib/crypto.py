"""Envelope encryption: a data key per person, wrapped by the master key.

Health details and messages are encrypted with AES-256-GCM under the person's own data key; the
data key is stored only wrapped (encrypted) by the master key from the environment. Erasing a
person destroys the wrapped key, after which every copy of their ciphertext, backups included, is
unreadable (crypto-shredding). Pure functions: storage of wrapped keys is in people.keys.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"  # first byte of every blob, so that the format can change later
_NONCE = 12


class DecryptionError(Exception):
    """A blob could not be decrypted: wrong key, wrong context, or tampered with."""


class MasterKeyError(ValueError):
    pass


@lru_cache(maxsize=4)
def parse_master_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MasterKeyError("CONSONANCE_MASTER_KEY must be base64") from error
    if len(key) != 32:
        raise MasterKeyError("CONSONANCE_MASTER_KEY must decode to 32 bytes (AES-256)")
    return key


@lru_cache(maxsize=32)
def derive_key(master: bytes, purpose: str) -> bytes:
    """A separate key for each purpose (wrapping, audit chain), so none is used twice. Remembered:
    a page of clients unwraps a key per client, each through the wrapping key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """AES-GCM with a random nonce; `context` is bound as associated data (e.g. b"note:42")."""
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def decrypt(key: bytes, blob: bytes, context: bytes) -> bytes:
    return decrypt_with(cipher(key), blob, context)


def cipher(key: bytes) -> AESGCM:
    """The cipher of `key`, for `decrypt_with`: many blobs under one key (a search decrypting
    every client's name and address) set the key up once, not once per blob."""
    return AESGCM(key)


def decrypt_with(under: AESGCM, blob: bytes, context: bytes) -> bytes:
    if len(blob) < 1 + _NONCE + 16 or blob[:1] != _VERSION:
        raise DecryptionError("not a Consonance ciphertext")
    nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    try:
        return under.decrypt(nonce, body, context)
    except InvalidTag as error:
        raise DecryptionError("wrong key or context, or the data was altered") from error


def wrap_key(master: bytes, data_key: bytes, owner: str) -> bytes:
    return encrypt(derive_key(master, "wrap"), data_key, f"key:{owner}".encode())


def unwrap_key(master: bytes, wrapped: bytes, owner: str) -> bytes:
    return decrypt(derive_key(master, "wrap"), wrapped, f"key:{owner}".encode())
