"""Indicator statuses by polarity, at, just above and just below the target and the band."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rsnms import indicators


@pytest.mark.parametrize(
    ("value", "target", "polarity", "unit", "expected"),
    [
        (30.0, 25.0, "higher_is_better", "%", "met"),
        (25.0, 25.0, "higher_is_better", "%", "met"),
        (21.0, 25.0, "higher_is_better", "%", "close"),  # within 5 п.п.
        (19.9, 25.0, "higher_is_better", "%", "not_met"),
        (250.0, 250.0, "at_most_target", "чел.", "met"),
        (262.0, 250.0, "at_most_target", "чел.", "close"),  # within 5 % of the norm
        (263.0, 250.0, "at_most_target", "чел.", "not_met"),
        (1.0, 1.0, "binary_present", "ед.", "met"),
        (0.0, 1.0, "binary_present", "ед.", "not_met"),
        (math.nan, 25.0, "higher_is_better", "%", "no_data"),
        (30.0, math.nan, "higher_is_better", "%", "no_target"),
    ],
)
def test_status(value: float, target: float, polarity: str, unit: str, expected: str) -> None:
    assert indicators.status(value, target, polarity=polarity, unit=unit, close_band=5.0) == expected


def test_count_statuses_lists_every_status() -> None:
    scored = pd.DataFrame({"status": ["met", "met", "no_data", "not_met"]})
    assert indicators.count_statuses(scored) == {"met": 2, "close": 0, "not_met": 1, "no_data": 1, "no_target": 0}
