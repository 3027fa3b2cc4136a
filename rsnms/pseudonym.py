"""Keyed pseudonyms for person-level rows (152-ФЗ: no names, СНИЛС or contacts are stored)."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(local_id: str, *, key: str) -> str:
    """HMAC-SHA256 of the ЦНППМ's own person id (trimmed, upper-cased) under ``key``, as hex.

    A keyed hash, not a plain one: without the key a pseudonym cannot be recomputed from a
    guessed id, so the mapping back to a person stays in the ЦНППМ's own systems.
    """
    if not key:
        raise ValueError("RSNMS_PSEUDONYM_KEY is empty: set a secret key before loading person-level data")
    normalised = " ".join(local_id.split()).upper()
    return hmac.new(key.encode(), normalised.encode(), hashlib.sha256).hexdigest()
