"""Indicator statuses: how a value stands against its target, by the indicator's polarity.

The values themselves come from rsnms.monitoring (value = Σ numerator / Σ denominator × factor).
"""

from __future__ import annotations

import math

import pandas as pd

STATUS_ORDER = ("met", "close", "not_met", "no_data", "no_target")
PERCENT_UNIT = "%"


def status(value: float, target: float, *, polarity: str, unit: str, close_band: float) -> str:
    """«met», «close», «not_met», «no_data» or «no_target» for one value.

    ``close_band`` is in percentage points for shares (unit «%») and in per cent of the target
    otherwise. Teachers per methodist is a cap: at or under the target is met.
    """
    if math.isnan(value):
        return "no_data"
    if math.isnan(target):
        return "no_target"
    band = close_band if unit == PERCENT_UNIT else abs(target) * close_band / 100
    if polarity == "at_most_target":
        return "met" if value <= target else "close" if value <= target + band else "not_met"
    if polarity == "binary_present":
        return "met" if value >= target else "not_met"
    return "met" if value >= target else "close" if value >= target - band else "not_met"


def count_statuses(scored: pd.DataFrame) -> dict[str, int]:
    """How many indicators have each status (every status present, zero included)."""
    counts = scored["status"].value_counts()
    return {name: int(counts.get(name, 0)) for name in STATUS_ORDER}
