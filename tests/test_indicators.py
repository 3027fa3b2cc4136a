"""Indicator values and statuses (pure pandas)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rsnms import indicators

CATALOGUE = pd.DataFrame(
    {
        "code": ["diag", "fr_cumulative", "load", "roadmap"],
        "numerator_metrics": ["diag_passed", "fr_dpo_completed", "ped_workers_total", "roadmap_in_force"],
        "denominator_metrics": [
            "ped_workers_total,managers_total",
            "ped_workers_total",
            "methodists_fte",
            "",
        ],
        "factor": [100.0, 100.0, 1.0, 1.0],
        "window_rule": ["annual", "cumulative", "annual", "annual"],
        "window_start_year": [None, 2021, None, None],
        "polarity": ["higher_is_better", "higher_is_better", "at_most_target", "binary_present"],
        "unit": ["%", "%", "чел.", "ед."],
    }
)
TOTALS = pd.DataFrame(
    [
        (2023, "fr_dpo_completed", 100.0),
        (2024, "diag_passed", 300.0),
        (2024, "ped_workers_total", 900.0),
        (2024, "managers_total", 100.0),
        (2024, "fr_dpo_completed", 80.0),
        (2024, "methodists_fte", 3.0),
        (2024, "roadmap_in_force", 1.0),
    ],
    columns=["year", "metric", "value"],
)


def test_compute_values_windows_and_missing_data() -> None:
    before = CATALOGUE.copy()
    values = indicators.compute(CATALOGUE, TOTALS, year=2024).set_index("code")
    assert values.loc["diag", "value"] == pytest.approx(30.0)  # 300 / (900 + 100) × 100
    assert values.loc["load", "value"] == pytest.approx(300.0)  # 900 / 3
    assert values.loc["roadmap", "value"] == 1.0
    # cumulative since 2021 needs every year's completions: 2021 and 2022 are missing → no data
    assert math.isnan(values.loc["fr_cumulative", "value"])
    pd.testing.assert_frame_equal(CATALOGUE, before)


def test_cumulative_window_adds_the_years() -> None:
    totals = pd.concat(
        [TOTALS, pd.DataFrame({"year": [2021, 2022], "metric": "fr_dpo_completed", "value": [10.0, 20.0]})]
    )
    values = indicators.compute(CATALOGUE, totals, year=2024).set_index("code")
    assert values.loc["fr_cumulative", "numerator"] == 210.0
    assert values.loc["fr_cumulative", "value"] == pytest.approx(210 / 900 * 100)


def test_zero_denominator_is_no_data_not_infinity() -> None:
    totals = TOTALS.assign(value=TOTALS["value"].where(TOTALS["metric"] != "methodists_fte", 0.0))
    values = indicators.compute(CATALOGUE, totals, year=2024).set_index("code")
    assert math.isnan(values.loc["load", "value"])


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


def test_score_and_count_statuses() -> None:
    values = indicators.compute(CATALOGUE, TOTALS, year=2024)
    targets = pd.DataFrame({"code": ["diag", "load"], "target": [25.0, 250.0]})
    scored = indicators.score(values, targets, close_band=5.0).set_index("code")
    assert scored["status"].to_dict() == {
        "diag": "met",
        "fr_cumulative": "no_data",
        "load": "not_met",
        "roadmap": "no_target",
    }
    assert indicators.count_statuses(scored) == {
        "met": 1,
        "close": 0,
        "not_met": 1,
        "no_data": 1,
        "no_target": 1,
    }
