"""Roadmap item status as of a date: pure pandas over items and their reports.

An item's reported status is its latest report on or before the date. A dated item that is not
done by a due date already passed is «просрочено»; one due within ``DUE_SOON_DAYS`` is «срок
скоро». Items without a hard date (continuous, periodic, external schedule) are «постоянно»
unless a report says otherwise.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

DUE_SOON_DAYS = 30
CLOSED_STATUSES = ("done",)


def due_dates(text: str) -> list[dt.date]:
    """Parse the stored «2023-11-30; 2024-11-30» list of checkpoints."""
    return [dt.date.fromisoformat(part.strip()) for part in text.split(";") if part.strip()]


def latest_reports(reports: pd.DataFrame, *, as_of: dt.date) -> pd.DataFrame:
    """The newest report per item dated on or before ``as_of`` (columns of ``reports`` kept)."""
    known = reports[reports["as_of"] <= as_of]
    return known.sort_values(["item_id", "as_of"]).drop_duplicates("item_id", keep="last")


def item_status(reported: str | None, checkpoints: list[dt.date], *, as_of: dt.date) -> str:
    """One item's status as of a date from its reported status and due dates."""
    if reported in CLOSED_STATUSES:
        return str(reported)
    passed = [due for due in checkpoints if due < as_of]
    upcoming = [due for due in checkpoints if due >= as_of]
    if passed:
        return "overdue"
    if upcoming and (upcoming[0] - as_of).days <= DUE_SOON_DAYS:
        return "due_soon"
    if reported:
        return reported
    return "not_started" if checkpoints else "ongoing"


def statuses(items: pd.DataFrame, reports: pd.DataFrame, *, as_of: dt.date) -> pd.DataFrame:
    """Add ``reported_status``, ``report_date``, ``next_due`` and ``status`` to every item.

    Args:
        items: ``id`` and ``due_dates`` («YYYY-MM-DD; …», empty for no hard date) per item.
        reports: ``item_id``, ``as_of``, ``status`` (any number per item).
    """
    latest = latest_reports(reports, as_of=as_of).rename(
        columns={"item_id": "id", "status": "reported_status", "as_of": "report_date"}
    )
    result = items.merge(latest[["id", "reported_status", "report_date"]], on="id", how="left")
    checkpoints = [due_dates(text) for text in result["due_dates"]]
    reported = [None if pd.isna(value) else str(value) for value in result["reported_status"]]
    result["next_due"] = [next((d for d in dates if d >= as_of), None) for dates in checkpoints]
    result["status"] = [
        item_status(report, dates, as_of=as_of) for report, dates in zip(reported, checkpoints, strict=True)
    ]
    return result
