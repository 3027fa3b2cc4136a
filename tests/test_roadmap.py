"""Roadmap item statuses as of a date."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from rsnms import roadmap

ITEMS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "due_dates": ["2022-04-30", "2022-12-31", "", "2023-11-30; 2024-11-30", "2023-01-20", "2022-10-31"],
    }
)
REPORTS = pd.DataFrame(
    {
        "item_id": [1, 2, 3, 6, 6],
        "as_of": [dt.date(2022, 4, 29), dt.date(2022, 12, 30), dt.date(2022, 12, 30), dt.date(2022, 6, 1),
                  dt.date(2023, 2, 1)],
        "status": ["done", "in_progress", "in_progress", "in_progress", "done"],
    }
)  # fmt: skip


def test_statuses_as_of_the_report_date() -> None:
    result = roadmap.statuses(ITEMS, REPORTS, as_of=dt.date(2022, 12, 30)).set_index("id")
    assert result["status"].to_dict() == {
        1: "done",
        2: "due_soon",  # due tomorrow, reported in progress
        3: "in_progress",
        4: "not_started",
        5: "due_soon",
        6: "overdue",  # the «done» report of 2023 is not known on 2022-12-30
    }
    assert result.loc[6, "reported_status"] == "in_progress"
    assert result.loc[4, "next_due"] == dt.date(2023, 11, 30)


def test_statuses_a_year_later() -> None:
    result = roadmap.statuses(ITEMS, REPORTS, as_of=dt.date(2023, 12, 31)).set_index("id")
    assert result["status"].to_dict() == {
        1: "done",
        2: "overdue",
        3: "in_progress",  # no hard date: a report is all we know
        4: "overdue",  # the 2023 checkpoint passed without «done»
        5: "overdue",
        6: "done",
    }


def test_item_without_date_or_report_is_ongoing() -> None:
    assert roadmap.item_status(None, [], as_of=dt.date(2024, 1, 1)) == "ongoing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("2022-04-30", [dt.date(2022, 4, 30)]),
        ("2023-11-30; 2024-11-30", [dt.date(2023, 11, 30), dt.date(2024, 11, 30)]),
    ],
)
def test_due_dates(text: str, expected: list[dt.date]) -> None:
    assert roadmap.due_dates(text) == expected


def _reference_items() -> list[dict[str, str]]:
    root = Path(__file__).resolve().parent.parent / "data" / "reference"
    plans = {
        plan["code"]: plan["period_end"] for plan in yaml.safe_load((root / "roadmaps.yaml").read_text())["roadmaps"]
    }
    with (root / "roadmap_items.csv").open(encoding="utf-8") as handle:
        return [row | {"plan_end": plans[row["roadmap_code"]] or ""} for row in csv.DictReader(handle)]


@pytest.mark.parametrize("item", _reference_items(), ids=lambda item: item["code"])
def test_every_deadline_of_the_126_items_parses_as_curated(item: dict[str, str]) -> None:
    plan_end = dt.date.fromisoformat(item["plan_end"]) if item["plan_end"] else None
    deadline = roadmap.parse_deadline(item["deadline_raw"], plan_end=plan_end)
    assert (deadline.text(), deadline.recurrence) == (item["due_dates"], item["recurrence"])
