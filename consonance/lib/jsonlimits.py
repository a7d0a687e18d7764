"""The one JSON reader for request bodies: a size limit and a depth limit (issue 21).

Python's json parser recurses once per nesting level, so a document 10 000 levels deep raises
RecursionError (a 500) instead of ValueError. Every endpoint that parses JSON from outside (the
payment webhooks, the member vault) reads its body with `request_body` and parses it with
`read_json`: a body over MAX_BYTES is answered 413, a document deeper than MAX_DEPTH or not JSON
400, never a 5xx. Caddy refuses the same bodies first (deploy/Caddyfile, `request_body`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest

# The largest body of a JSON endpoint: a payment event is a few kilobytes, the member vault at most
# 64 KiB of ciphertext. deploy/Caddyfile's `request_body` on these paths says the same number.
MAX_BYTES = 1024 * 1024
# Real documents nest less than ten levels (a Stripe event's deepest is about six).
MAX_DEPTH = 32

# A JSON string (escapes included), then every character that is not a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class BodyTooLarge(ValueError):
    """The request body is over the limit: answer 413."""


class JsonRefused(ValueError):
    """Not JSON, or nested too deep: answer 400."""


def request_body(request: HttpRequest, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The body, refused by its declared length before a byte is read, and read no further than
    the limit when no length is declared (chunked)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise BodyTooLarge(f"body of {declared} bytes, over {max_bytes}")
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise BodyTooLarge(f"body over {max_bytes} bytes")
    return body


def nesting_depth(text: str, *, stop_above: int = MAX_DEPTH) -> int:
    """How deep objects and arrays nest (brackets inside strings do not count); counting stops
    once past `stop_above`."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                break
    return deepest


def read_json(
    body: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, **loads: Any
) -> Any:
    """json.loads with limits; `loads` goes to json.loads (parse_float=Decimal, for example).
    Raises BodyTooLarge or JsonRefused (both ValueError), nothing else."""
    if len(body) > max_bytes:
        raise BodyTooLarge(f"body over {max_bytes} bytes")
    try:
        text = body.decode(json.detect_encoding(body)) if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise JsonRefused("not text in a JSON encoding") from None
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise JsonRefused(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, **loads)
    except ValueError as error:  # JSONDecodeError, and what parse_constant & co. raise
        raise JsonRefused(f"not JSON: {error}") from None
