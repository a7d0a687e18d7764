"""The policy file: `load_policy(path)` returns a `Policy` or raises `PolicyInvalid` carrying every
problem found, each as `file:line: message`. The rest of the code reads the policy in force through
`get_policy()`. The typed model is in `policy_types.py`, the reader in `policy_reader.py`;
policy/README.md documents every key.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from consonance.privacy.policy_reader import (
    Reader,
    line_from_message,
    read_policy,
    text_line_of_offset,
)
from consonance.privacy.policy_types import (
    Category,
    Communication,
    Controller,
    Cookie,
    Deadline,
    Policy,
    PolicyInvalid,
    Problem,
    Purpose,
    Recipient,
    RetentionRule,
    Text,
)

__all__ = [
    "Category",
    "Communication",
    "Controller",
    "Cookie",
    "Deadline",
    "Policy",
    "PolicyInvalid",
    "Problem",
    "Purpose",
    "Recipient",
    "RetentionRule",
    "Text",
    "get_policy",
    "load_policy",
]


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyInvalid(
            [Problem(str(path), 0, f"cannot read the file: {error.strerror}")]
        ) from error
    except UnicodeDecodeError as error:
        line = text_line_of_offset(path.read_bytes(), error.start)
        raise PolicyInvalid([Problem(str(path), line, "the file is not valid UTF-8")]) from error
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or line_from_message(str(error))
        message = getattr(error, "msg", None) or str(error).split(" (at ")[0]
        raise PolicyInvalid([Problem(str(path), line, f"TOML syntax error: {message}")]) from error
    reader = Reader(path, text)
    policy = read_policy(reader, doc)
    if reader.problems:
        raise PolicyInvalid(reader.problems)
    assert policy is not None
    return policy


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> Policy:
    return load_policy(path)


def get_policy() -> Policy:
    """The policy in force (CONSONANCE_POLICY), re-read when the file changes."""
    path = Path(settings.CONSONANCE_POLICY)
    return _cached(str(path), path.stat().st_mtime_ns)
