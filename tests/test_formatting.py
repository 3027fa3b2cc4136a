"""Russian number and date formats."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from rsnms import formatting


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(20709, 0, "20\u2009709"), (64.75, 2, "64,75"), (1234567.891, 1, "1\u2009234\u2009567,9"), (0, 0, "0"),
     (None, 0, "нет данных"), (math.nan, 1, "нет данных")],
)  # fmt: skip
def test_number(value: float | None, decimals: int, expected: str) -> None:
    assert formatting.number(value, decimals) == expected


def test_percent_and_dates() -> None:
    assert formatting.percent(19.456) == "19,5\u00a0%"
    assert formatting.percent(math.nan) == "нет данных"
    assert formatting.long_date(dt.date(2024, 11, 1)) == "1 ноября 2024 г."
    assert formatting.short_date(dt.date(2022, 12, 30)) == "30.12.2022"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(2.345, 1, "+2,3"), (-1.0, 1, "\u22121,0"), (0.04, 1, "±0,0"), (-1234.5, 0, "\u22121\u2009234"), (41.2, 0, "+41")],
)
def test_signed_changes_use_a_real_minus_and_plus_minus_for_zero(value: float, decimals: int, expected: str) -> None:
    assert formatting.signed(value, decimals) == expected
