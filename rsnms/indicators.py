"""Indicator values and statuses: pure pandas over metric totals, targets and the catalogue.

value = Σ numerator metrics / Σ denominator metrics × factor (design.md §6). An indicator whose
denominator list is empty (the yes/no ones) takes the numerator as its value. Windows: «annual»
uses the year's counts; «cumulative» adds the numerator counts of every year from
``window_start_year`` to the year (aggregate uploads carry each year's new completions) over the
year's denominator. Inputs are never modified.
"""

from __future__ import annotations

import math

import pandas as pd

STATUS_ORDER = ("met", "close", "not_met", "no_data", "no_target")
PERCENT_UNIT = "%"


def _sum_metrics(totals: pd.DataFrame, metrics: list[str], years: list[int]) -> float:
    """Σ of ``metrics`` over ``years``; NaN unless every metric has a value in every year."""
    chosen = totals[totals["metric"].isin(metrics) & totals["year"].isin(years)]
    if len(chosen) < len(metrics) * len(years):
        return math.nan
    return float(chosen["value"].sum())


def compute(catalogue: pd.DataFrame, totals: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Value of every catalogue indicator for ``year``.

    Args:
        catalogue: one row per indicator with ``code``, ``numerator_metrics``, ``denominator_metrics``
            (comma-separated metric codes), ``factor``, ``window_rule``, ``window_start_year``.
        totals: ``year``, ``metric``, ``value`` for one scope (region or municipality).
    Returns:
        The catalogue's rows with ``numerator``, ``denominator`` and ``value`` (NaN = no data) added.
    """
    rows = []
    for spec in catalogue.to_dict("records"):
        start = int(spec["window_start_year"]) if spec["window_rule"] == "cumulative" else year
        window = list(range(start, year + 1))
        numerator = _sum_metrics(totals, str(spec["numerator_metrics"]).split(","), window)
        denominators = [code for code in str(spec["denominator_metrics"]).split(",") if code]
        if denominators:
            denominator = _sum_metrics(totals, denominators, [year])
            value = numerator / denominator * float(spec["factor"]) if denominator else math.nan
        else:
            denominator, value = math.nan, numerator
        rows.append({"numerator": numerator, "denominator": denominator, "value": value})
    return pd.concat([catalogue.reset_index(drop=True), pd.DataFrame(rows, index=catalogue.index)], axis=1)


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


def score(values: pd.DataFrame, targets: pd.DataFrame, *, close_band: float) -> pd.DataFrame:
    """Add ``target`` and ``status`` to computed values.

    Args:
        values: the output of :func:`compute` (needs ``code``, ``value``, ``polarity``, ``unit``).
        targets: ``code`` and ``target`` for the same scope and year (missing = no target).
    """
    scored = values.merge(targets[["code", "target"]], on="code", how="left")
    scored["target"] = scored["target"].astype(float)
    scored["status"] = [
        status(row["value"], row["target"], polarity=row["polarity"], unit=row["unit"], close_band=close_band)
        for row in scored.to_dict("records")
    ]
    return scored


def count_statuses(scored: pd.DataFrame) -> dict[str, int]:
    """How many indicators have each status (every status present, zero included)."""
    counts = scored["status"].value_counts()
    return {name: int(counts.get(name, 0)) for name in STATUS_ORDER}
