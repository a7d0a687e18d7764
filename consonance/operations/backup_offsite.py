"""The copy off the machine: each backup also goes to an S3-compatible bucket (settings.py,
CONSONANCE_BACKUP_S3_*), and is verified there before anything counts as done.

An upload is verified by reading the object back: its size, the SHA-256 stored with it as object
metadata, and the SHA-256 of the bytes downloaded must all equal the local file's. When the
upload or the check fails, OffsiteError says so in one line and nothing is deleted: neither the
new local copy nor any old one (rotation runs only after a verified upload). The files are the
encrypted backups themselves, so the bucket's operator reads nothing. The key backup written with
each backup (backup_keys.py) goes there too, verified the same way, and is deleted there after
CONSONANCE_KEY_BACKUP_DAYS like on the machine (`keys_rotate_everywhere`, also hourly).

The erasure ledger's current copy goes there too (`<prefix>erasure-ledger.txt`: times and keyed
hashes, naming nobody): after each backup, after each erasure, and hourly until it is there
(`ledger_push`), so that a restore on a new machine finds every erasure (`ledger_pull`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils import timezone

from consonance.operations.backup import backup_write, keys_write_now
from consonance.operations.backup_files import (
    Copy,
    backup_rotate,
    backup_times,
    local_copies,
    name_time,
)
from consonance.operations.backup_keys import (
    key_copies_local,
    key_kept,
    key_window,
    keys_name_time,
    keys_path,
    keys_rotate,
)
from consonance.privacy.policy import get_policy
from consonance.rights.ledger import LEDGER_NAME, Entry, folder_copy, ledger_parse, ledger_text

CHUNK = 1024 * 1024
# A key backup is written at least this often, backup or not (`keys_refresh`): a restore needs
# one taken at or after the backup, and the rotation deletes the older ones within days.
KEYS_REFRESH = dt.timedelta(days=1)


class OffsiteError(Exception):
    """The off-site copy could not be written, verified, listed or read."""


@dataclass(frozen=True)
class Taken:
    path: Path
    url: str | None  # s3://bucket/key of the verified copy; None without a destination
    deleted_local: int
    deleted_offsite: int
    keys: Path | None = None  # the key backup written with it (backup_keys.py)
    keys_deleted: int = 0  # key backups older than CONSONANCE_KEY_BACKUP_DAYS deleted


def offsite_configured() -> bool:
    return bool(settings.BACKUP_S3_BUCKET)


def _client():
    return boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL,
        region_name=settings.BACKUP_S3_REGION,
        aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY,
        config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3}),
    )


def _url(key: str, bucket: str | None = None) -> str:
    return f"s3://{bucket or settings.BACKUP_S3_BUCKET}/{key}"


def _sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _problem(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Message") or str(error)
    return str(error)


def offsite_upload(path: Path) -> str:
    """Upload a backup file and verify the copy; its s3:// address, or OffsiteError."""
    key = settings.BACKUP_S3_PREFIX + path.name
    with open(path, "rb") as file:
        digest = _sha256(file)
    with open(path, "rb") as file:  # one PUT, streamed (up to 5 GB; backups are far smaller)
        _put_verified(key, file, digest=digest, size=path.stat().st_size, source=str(path))
    return _url(key)


def _put_verified(key: str, body: BinaryIO | bytes, *, digest: str, size: int, source: str):
    """Put `body` at `key` with its SHA-256 as metadata, then read the copy back: its size, its
    recorded and its recomputed SHA-256 must all match, or OffsiteError."""
    url, bucket, client = _url(key), settings.BACKUP_S3_BUCKET, _client()
    try:
        client.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"sha256": digest})
        head = client.head_object(Bucket=bucket, Key=key)
        read_back = _sha256(client.get_object(Bucket=bucket, Key=key)["Body"])
    except (BotoCoreError, ClientError) as error:
        raise OffsiteError(f"{url}: upload failed: {_problem(error)}") from None
    if (
        head["ContentLength"] != size
        or head.get("Metadata", {}).get("sha256") != digest
        or read_back != digest
    ):
        raise OffsiteError(f"{url}: the copy read back differs from {source} (SHA-256)")


def offsite_copies(*, keys: bool = False) -> list[Copy]:
    """The backups in the bucket (with `keys`, the key backups), oldest first."""
    prefix = settings.BACKUP_S3_PREFIX
    when, kept = (keys_name_time, key_kept()) if keys else (name_time, None)
    copies = []
    try:
        pages = (
            _client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=settings.BACKUP_S3_BUCKET, Prefix=prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                taken = when(item["Key"].removeprefix(prefix))
                if taken:
                    copies.append(Copy(_url(item["Key"]), item["Size"], taken, kept))
    except (BotoCoreError, ClientError) as error:
        raise OffsiteError(f"{_url(prefix)}: cannot list: {_problem(error)}") from None
    return sorted(copies, key=lambda c: c.taken_at)


def offsite_rotate(*, now: dt.datetime | None = None, keys: bool = False) -> int:
    """Delete the bucket's backups older than the policy's window (with `keys`, its key backups
    older than CONSONANCE_KEY_BACKUP_DAYS); how many were deleted."""
    now = now or timezone.now()
    cutoff = now - key_window() if keys else get_policy().backup_retention.before(now)
    old = [c for c in offsite_copies(keys=keys) if c.taken_at < cutoff]
    client = _client()
    for copy in old:
        key = copy.where.removeprefix(_url(""))
        try:
            client.delete_object(Bucket=settings.BACKUP_S3_BUCKET, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise OffsiteError(f"{copy.where}: cannot delete: {_problem(error)}") from None
    return len(old)


def offsite_download(url: str, target: Path) -> None:
    """Fetch s3://bucket/key to `target`, checking the SHA-256 recorded at upload."""
    bucket, _slash, key = url.removeprefix("s3://").partition("/")
    client = _client()
    try:
        stored = client.get_object(Bucket=bucket, Key=key)
        with open(target, "wb") as file:
            for chunk in stored["Body"].iter_chunks(CHUNK):
                file.write(chunk)
        recorded = stored.get("Metadata", {}).get("sha256")
    except (BotoCoreError, ClientError) as error:
        raise OffsiteError(f"cannot download: {_problem(error)}") from None
    with open(target, "rb") as file:
        if recorded and _sha256(file) != recorded:
            raise OffsiteError("the downloaded copy differs from the one uploaded (SHA-256)")


def ledger_url() -> str:
    return _url(settings.BACKUP_S3_PREFIX + LEDGER_NAME)


def ledger_pull() -> set[Entry] | None:
    """The ledger's copy in the bucket (None when there is none); OffsiteError when the bucket
    cannot be read."""
    key = settings.BACKUP_S3_PREFIX + LEDGER_NAME
    try:
        stored = _client().get_object(Bucket=settings.BACKUP_S3_BUCKET, Key=key)
        text = stored["Body"].read().decode("ascii")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise OffsiteError(f"{ledger_url()}: cannot read: {_problem(error)}") from None
    except BotoCoreError as error:
        raise OffsiteError(f"{ledger_url()}: cannot read: {_problem(error)}") from None
    return ledger_parse(text, ledger_url())


def ledger_push() -> bool:
    """Put the backup folder's ledger in the bucket, merged with what the bucket holds (never
    fewer lines), and verify it; True when the bucket's copy changed. OffsiteError on failure."""
    if not offsite_configured() or not folder_copy().exists():
        return False
    local = ledger_parse(folder_copy().read_text(encoding="ascii"), str(folder_copy()))
    there = ledger_pull()
    if there is not None and local <= there:
        return False
    body = ledger_text(local | (there or set())).encode("ascii")
    _put_verified(
        settings.BACKUP_S3_PREFIX + LEDGER_NAME,
        body,
        digest=hashlib.sha256(body).hexdigest(),
        size=len(body),
        source=str(folder_copy()),
    )
    return True


def copies_everywhere(*, keys: bool = False) -> tuple[list[Copy], str | None]:
    """Every copy (with `keys`, every key backup), on this machine and in the bucket, oldest
    first; and why the bucket could not be listed (None when it was, or when there is none)."""
    copies, problem = key_copies_local() if keys else local_copies(), None
    if offsite_configured():
        try:
            copies += offsite_copies(keys=keys)
        except OffsiteError as error:
            problem = str(error)
    return sorted(copies, key=lambda c: (c.taken_at, c.where)), problem


def keys_rotate_everywhere(*, now: dt.datetime | None = None) -> int:
    """Delete the key backups older than CONSONANCE_KEY_BACKUP_DAYS on this machine and in the
    bucket (the worker, hourly, and after each backup); how many were deleted."""
    deleted = keys_rotate(now=now)
    if offsite_configured():
        deleted += offsite_rotate(now=now, keys=True)
    return deleted


def keys_refresh(*, now: dt.datetime | None = None) -> Path | None:
    """When there are backups but the newest key backup here is older than KEYS_REFRESH (the
    daily backup failing), write one of the person keys as they are now, and copy it off the
    machine: so every backup still restores with its keys when its own key backup has expired.
    Its path, or None when none was needed."""
    now = now or timezone.now()
    newest = max((c.taken_at for c in key_copies_local()), default=None)
    if not backup_times() or (newest is not None and now - newest < KEYS_REFRESH):
        return None
    path = keys_write_now(now)
    if offsite_configured():
        offsite_upload(path)
    return path


def backup_take(*, now: dt.datetime | None = None) -> Taken:
    """The daily backup: write it, copy it off the machine and verify the copy, then rotate
    both places. OffsiteError (after the local copy is written, and with nothing deleted) when
    the off-site copy fails."""
    now = now or timezone.now()
    path, keys = backup_write(now=now), keys_path(now)
    url = None
    if offsite_configured():
        try:
            url = offsite_upload(path)
            offsite_upload(keys)
        except OffsiteError as error:
            raise OffsiteError(f"{error}; the backup is kept at {path}") from None
        ledger_push()
    deleted_offsite = offsite_rotate(now=now) if url else 0
    deleted_keys = keys_rotate_everywhere(now=now)
    return Taken(path, url, backup_rotate(now=now), deleted_offsite, keys, deleted_keys)
