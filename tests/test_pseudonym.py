"""Keyed pseudonyms."""

from __future__ import annotations

import pytest

from rsnms.pseudonym import pseudonymise


def test_pseudonym_is_keyed_stable_and_normalised() -> None:
    first = pseudonymise("ОМ-000123", key="k1")
    assert first == pseudonymise("  ом-000123 ", key="k1")
    assert first != pseudonymise("ОМ-000123", key="k2")
    assert len(first) == 64 and int(first, 16) >= 0
    assert "000123" not in first


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="RSNMS_PSEUDONYM_KEY"):
        pseudonymise("ОМ-1", key="")
