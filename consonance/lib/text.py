"""Small text helpers shared by every layer."""

from __future__ import annotations


def normalise_email(address: str) -> str:
    """Lower-case and trimmed: addresses are compared exactly, never with iexact scans."""
    return address.strip().lower()
