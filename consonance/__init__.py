"""Consonance: a privacy-first platform for a one-person coaching or therapy practice."""
