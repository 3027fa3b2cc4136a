"""Roadmap item statuses as of a date."""

from __future__ import annotations

import csv
import datetime as dt
import math
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


# --- occurrences of every deadline form (roadmaps.md §3) -------------------------------------------------

D = dt.date
KIROV = KRASNODAR = (None, None)  # the acts state no period
IVANOVO = (D(2023, 1, 1), D(2024, 12, 31))
LENINGRAD = (D(2021, 1, 1), D(2021, 12, 31))
OMSK = (D(2022, 1, 1), D(2022, 12, 31))
LATE = D(2030, 1, 1)
Plan = tuple[dt.date | None, dt.date | None]

OCCURRENCES: list[tuple[str, Plan, dt.date, list[dt.date]]] = [
    # exact_date
    ("25 июля 2021 года", KIROV, LATE, [D(2021, 7, 25)]),
    ("25 июля 2021 года", LENINGRAD, LATE, [D(2021, 7, 25)]),
    ("1 августа 2021 года", KIROV, LATE, [D(2021, 8, 1)]),
    ("01 августа 2021 года", LENINGRAD, LATE, [D(2021, 8, 1)]),
    ("15 августа 2021 года", LENINGRAD, LATE, [D(2021, 8, 15)]),
    ("31 августа 2021 года", KIROV, LATE, [D(2021, 8, 31)]),
    ("1 сентября 2021 года", KIROV, LATE, [D(2021, 9, 1)]),
    ("01 сентября 2021 года", LENINGRAD, LATE, [D(2021, 9, 1)]),
    ("02 сентября 2021 года", LENINGRAD, LATE, [D(2021, 9, 2)]),
    ("15 сентября 2021 года", KRASNODAR, LATE, [D(2021, 9, 15)]),
    ("1 октября 2021 года", KRASNODAR, LATE, [D(2021, 10, 1)]),
    ("01 октября 2021 года", LENINGRAD, LATE, [D(2021, 10, 1)]),
    ("01 декабря 2021 года", LENINGRAD, LATE, [D(2021, 12, 1)]),
    ("31 декабря 2021 года", LENINGRAD, LATE, [D(2021, 12, 31)]),
    ("25 июля 2021 года", KIROV, D(2021, 7, 24), []),  # nothing up to ``until`` yet
    ("25 июля 2021 года", KIROV, D(2021, 7, 25), [D(2021, 7, 25)]),  # ``until`` is inclusive
    # exact_date_then_periodic: the fixed date, then quarter ends within the plan
    ("01 октября 2021 года, далее ежеквартально", LENINGRAD, LATE, [D(2021, 10, 1), D(2021, 12, 31)]),
    # … and without a plan end the series goes on
    ("01 октября 2021 года, далее ежеквартально", (None, None), D(2022, 6, 30),
     [D(2021, 10, 1), D(2021, 12, 31), D(2022, 3, 31), D(2022, 6, 30)]),
    # month
    ("Август 2023 года", IVANOVO, LATE, [D(2023, 8, 31)]),
    ("Сентябрь 2023 года", IVANOVO, LATE, [D(2023, 9, 30)]),
    ("Апрель 2022 года", OMSK, LATE, [D(2022, 4, 30)]),
    ("Октябрь 2022 года", OMSK, LATE, [D(2022, 10, 31)]),
    ("сентябрь 2021 года", LENINGRAD, LATE, [D(2021, 9, 30)]),
    ("Октябрь 2021 года", LENINGRAD, LATE, [D(2021, 10, 31)]),
    ("Ноябрь 2021 года", LENINGRAD, LATE, [D(2021, 11, 30)]),
    ("Декабрь 2021 года", LENINGRAD, LATE, [D(2021, 12, 31)]),
    # month_then_periodic: annually from 2025, past the plan's end
    ("Август 2023 года, с 2025 года – ежегодно", IVANOVO, D(2026, 12, 31),
     [D(2023, 8, 31), D(2025, 12, 31), D(2026, 12, 31)]),
    ("Август 2023 года, с 2025 года – ежегодно", IVANOVO, D(2025, 12, 30), [D(2023, 8, 31)]),
    # month_range
    ("июнь – сентябрь 2023 года", IVANOVO, LATE, [D(2023, 9, 30)]),
    ("Сентябрь-октябрь 2021 года", LENINGRAD, LATE, [D(2021, 10, 31)]),
    ("Сентябрь-декабрь 2021 года", LENINGRAD, LATE, [D(2021, 12, 31)]),
    ("Сентябрь- декабрь 2021 года", LENINGRAD, LATE, [D(2021, 12, 31)]),
    ("Август – сентябрь 2022 года", OMSK, LATE, [D(2022, 9, 30)]),
    ("Октябрь – ноябрь 2022 года", OMSK, LATE, [D(2022, 11, 30)]),
    # multiple_deadlines
    ("Ноябрь 2023 года Ноябрь 2024 года", IVANOVO, LATE, [D(2023, 11, 30), D(2024, 11, 30)]),
    ("Сентябрь 2023 года Сентябрь 2024 года", IVANOVO, LATE, [D(2023, 9, 30), D(2024, 9, 30)]),
    ("Август – сентябрь 2023 года Август – сентябрь 2024 года", IVANOVO, LATE, [D(2023, 9, 30), D(2024, 9, 30)]),
    ("Август 2023 года, Август 2024 года", IVANOVO, LATE, [D(2023, 8, 31), D(2024, 8, 31)]),
    ("Ноябрь 2023 года Март, ноябрь 2024 года", IVANOVO, LATE, [D(2023, 11, 30), D(2024, 3, 31), D(2024, 11, 30)]),
    ("Ноябрь 2023 года Март, ноябрь 2024 года", IVANOVO, D(2024, 6, 1), [D(2023, 11, 30), D(2024, 3, 31)]),
    ("сентябрь, ноябрь 2021 года", LENINGRAD, LATE, [D(2021, 9, 30), D(2021, 11, 30)]),
    # during_years, during_year, during_year_of_plan, year_range
    ("В течение 2023, 2024 года", IVANOVO, LATE, [D(2023, 12, 31), D(2024, 12, 31)]),
    ("В течение 2023, 2024 года по запросу", IVANOVO, LATE, [D(2023, 12, 31), D(2024, 12, 31)]),
    ("В течение 2022 года", OMSK, LATE, [D(2022, 12, 31)]),
    ("В течение года", OMSK, LATE, [D(2022, 12, 31)]),  # the plan's year
    ("В течение года", (None, None), LATE, []),  # no plan period: no hard date
    ("2022 - 2024", KRASNODAR, LATE, [D(2024, 12, 31)]),
    # whole_period, continuous, external schedule, missing: no hard date (the plan end is not a deadline)
    ("весь период", LENINGRAD, LATE, []),
    ("весь период", KRASNODAR, LATE, []),
    ("На постоянной основе", OMSK, LATE, []),
    ("По отдельному плану", OMSK, LATE, []),
    ("по плану НИКУ", KRASNODAR, LATE, []),
    ("В соответствии с графиком ФГАОУ ДПО «Академия Минпросвещения России»", OMSK, LATE, []),
    ("", IVANOVO, LATE, []),
    # periodic: a series within the plan period; none without one (Krasnodar)
    ("регулярно", KRASNODAR, LATE, []),
    ("регулярно", OMSK, LATE, [D(2022, 12, 31)]),  # read as at least once a year
    ("не реже 1 раза в год", KRASNODAR, LATE, []),
    ("не реже 1 раза в год", IVANOVO, LATE, [D(2023, 12, 31), D(2024, 12, 31)]),
    ("ежемесячно", LENINGRAD, D(2021, 3, 31), [D(2021, 1, 31), D(2021, 2, 28), D(2021, 3, 31)]),
    ("ежемесячно", LENINGRAD, LATE, [D(2021, month, 1) + dt.timedelta(days=-1) for month in range(2, 13)]
     + [D(2021, 12, 31)]),
    ("Ежемесячно", OMSK, D(2022, 2, 27), [D(2022, 1, 31)]),
    ("Ежемесячно", KRASNODAR, LATE, []),
    ("Ежеквартально", OMSK, LATE, [D(2022, 3, 31), D(2022, 6, 30), D(2022, 9, 30), D(2022, 12, 31)]),
    ("Ежеквартально", KIROV, LATE, []),
    ("2 раза в месяц", OMSK, D(2022, 2, 28), [D(2022, 1, 15), D(2022, 1, 31), D(2022, 2, 15), D(2022, 2, 28)]),
    ("дважды в месяц (каждый второй вторник месяца)", LENINGRAD, D(2021, 1, 31), [D(2021, 1, 15), D(2021, 1, 31)]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "plan", "until", "expected"), OCCURRENCES)
def test_occurrences_of_every_deadline_form(text: str, plan: Plan, until: dt.date, expected: list[dt.date]) -> None:
    deadline = roadmap.parse_deadline(text, plan_end=plan[1])
    assert deadline.occurrences(plan_start=plan[0], plan_end=plan[1], until=until) == expected


def test_the_table_covers_every_deadline_of_the_126_items() -> None:
    forms = {item["deadline_raw"] for item in _reference_items()}
    assert len(forms) == 53  # the 52 forms of roadmaps.md §3 and the empty cell
    assert forms <= {text for text, *_ in OCCURRENCES}


def test_a_series_without_its_stated_start_continues_after_the_fixed_date() -> None:
    # the stored columns alone (no ``series_after``): «Август 2023 года» + yearly goes on after August 2023
    found = roadmap.occurrences([D(2023, 8, 31)], "yearly", plan_start=IVANOVO[0], plan_end=IVANOVO[1], until=LATE)
    assert found == [D(2023, 8, 31), D(2023, 12, 31), D(2024, 12, 31)]
    assert roadmap.parse_deadline("Август 2023 года, с 2025 года – ежегодно", plan_end=None).series_after == D(
        2024, 12, 31
    )


# --- statuses on the curated items --------------------------------------------------------------------


def _reference_frame(*codes: str) -> pd.DataFrame:
    root = Path(__file__).resolve().parent.parent / "data" / "reference"
    plans = {plan["code"]: plan for plan in yaml.safe_load((root / "roadmaps.yaml").read_text())["roadmaps"]}
    frame = pd.read_csv(root / "roadmap_items.csv", dtype=str, keep_default_na=False).set_index("code")
    frame = frame.loc[list(codes)].reset_index()
    frame.insert(0, "id", frame["code"])
    for bound in ("period_start", "period_end"):
        days = [plans[code][bound] for code in frame["roadmap_code"]]
        frame[bound] = [dt.date.fromisoformat(day) if day else None for day in days]
    return frame


def _reports(*rows: tuple[str, dt.date, str] | tuple[str, dt.date, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"item_id": row[0], "as_of": row[1], "status": row[2], "actual_quantity": row[3] if len(row) > 3 else None}
            for row in rows
        ],
        columns=["item_id", "as_of", "status", "actual_quantity"],
    ).assign(evidence="Отчёт ЦНППМ")


def _status(codes: tuple[str, ...], reports: pd.DataFrame, as_of: dt.date) -> dict[str, str]:
    result = roadmap.statuses(_reference_frame(*codes), reports, as_of=as_of)
    return dict(zip(result["id"], result["status"], strict=True))


NO_REPORTS = _reports()


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2022, 3, 15), "not_started"),
        (D(2022, 4, 10), "due_soon"),
        (D(2022, 4, 30), "due_soon"),  # due today: not passed yet
        (D(2022, 5, 1), "overdue"),
    ],
)
def test_a_dated_item(as_of: dt.date, expected: str) -> None:
    assert _status(("004-RM-01",), NO_REPORTS, as_of) == {"004-RM-01": expected}


def test_a_dated_item_of_the_plan_year_is_due_at_its_end() -> None:
    # «В течение года» in Omsk's 2022 plan: 2022-12-31, as curated (the «Обзор» counts these as overdue)
    assert _status(("004-RM-02",), NO_REPORTS, D(2022, 6, 1)) == {"004-RM-02": "not_started"}
    assert _status(("004-RM-02",), NO_REPORTS, D(2022, 12, 10)) == {"004-RM-02": "due_soon"}
    assert _status(("004-RM-02",), NO_REPORTS, D(2023, 1, 1)) == {"004-RM-02": "overdue"}


CHECKPOINTS = _reports(("001-RM-08", D(2023, 11, 20), "done"), ("001-RM-09", D(2023, 11, 20), "done"),
                       ("001-RM-09", D(2024, 11, 28), "done"))  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2023, 9, 1), {"001-RM-08": "not_started", "001-RM-09": "not_started"}),
        (D(2023, 11, 10), {"001-RM-08": "due_soon", "001-RM-09": "due_soon"}),
        (D(2023, 12, 15), {"001-RM-08": "done", "001-RM-09": "done"}),  # the 2023 checkpoint is covered
        (D(2024, 11, 10), {"001-RM-08": "due_soon", "001-RM-09": "due_soon"}),
        # the 2023 report does not cover the 2024 checkpoint
        (D(2024, 12, 15), {"001-RM-08": "overdue", "001-RM-09": "done"}),
    ],
)
def test_a_multi_checkpoint_item_is_judged_per_checkpoint(as_of: dt.date, expected: dict[str, str]) -> None:
    # «Ноябрь 2023 года Ноябрь 2024 года» (two items with the same deadline)
    assert _status(("001-RM-08", "001-RM-09"), CHECKPOINTS, as_of) == expected


MONTHLY = _reports(("004-RM-24", D(2022, 1, 28), "done"), ("004-RM-24", D(2022, 2, 25), "done"),
                   ("004-RM-24", D(2022, 3, 30), "in_progress"), ("004-RM-24", D(2022, 4, 5), "done"))  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2021, 11, 1), "not_started"),  # before the plan year
        (D(2022, 1, 10), "due_soon"),  # January ends within 30 days
        (D(2022, 2, 10), "due_soon"),  # January covered, February not reported yet
        (D(2022, 2, 26), "done"),  # February reported done
        (D(2022, 4, 2), "due_soon"),  # March reported «в работе» (covers periodic work), April ends soon
        (D(2022, 4, 6), "done"),  # April reported done
        (D(2022, 5, 15), "due_soon"),  # April covered, May ends within 30 days
        (D(2022, 6, 15), "overdue"),  # May passed unreported
        (D(2023, 6, 1), "overdue"),  # the plan is over; December 2022 was never reported
    ],
)
def test_a_monthly_item(as_of: dt.date, expected: str) -> None:
    assert _status(("004-RM-24",), MONTHLY, as_of) == {"004-RM-24": expected}


def test_a_monthly_item_lists_its_occurrences() -> None:
    [row] = roadmap.statuses(_reference_frame("004-RM-24"), MONTHLY, as_of=D(2022, 4, 6)).to_dict("records")
    assert row["occurrences"] == [D(2022, 1, 31), D(2022, 2, 28), D(2022, 3, 31), D(2022, 4, 30)]
    assert (row["last_due"], row["next_due"]) == (D(2022, 3, 31), D(2022, 4, 30))
    assert (row["reported_status"], row["report_date"], row["evidence"]) == ("done", D(2022, 4, 5), "Отчёт ЦНППМ")
    [after] = roadmap.statuses(_reference_frame("004-RM-24"), MONTHLY, as_of=D(2023, 6, 1)).to_dict("records")
    assert (after["last_due"], after["next_due"], len(after["occurrences"])) == (D(2022, 12, 31), None, 12)


QUARTERLY = _reports(("004-RM-20", D(2022, 3, 25), "done"), ("004-RM-20", D(2022, 6, 29), "partial"))


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2022, 3, 1), "due_soon"),
        (D(2022, 5, 1), "done"),  # Q1 done, Q2 ends in 60 days
        (D(2022, 6, 10), "due_soon"),
        (D(2022, 7, 15), "partial"),  # Q2 reported partly done
        (D(2022, 10, 15), "overdue"),  # Q3 passed unreported
    ],
)
def test_a_quarterly_item(as_of: dt.date, expected: str) -> None:
    assert _status(("004-RM-20",), QUARTERLY, as_of) == {"004-RM-20": expected}


# Leningrad RM 9 and RM 11 are verbatim duplicates («01 октября 2021 года, далее ежеквартально»)
LENINGRAD_DUPLICATES = _reports(("003-RM-09", D(2021, 9, 30), "done"), ("003-RM-09", D(2021, 12, 20), "done"),
                                ("003-RM-11", D(2021, 12, 20), "in_progress"))  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2021, 8, 1), {"003-RM-09": "not_started", "003-RM-11": "not_started"}),
        (D(2021, 9, 15), {"003-RM-09": "due_soon", "003-RM-11": "due_soon"}),
        (D(2021, 10, 15), {"003-RM-09": "done", "003-RM-11": "overdue"}),  # the fixed date
        (D(2021, 12, 21), {"003-RM-09": "done", "003-RM-11": "overdue"}),
        # the quarter end of 2021-12-31: 11 reported «в работе» within the quarter, which covers periodic work
        (D(2022, 1, 10), {"003-RM-09": "done", "003-RM-11": "in_progress"}),
    ],
)
def test_fixed_date_then_quarterly_and_duplicate_items(as_of: dt.date, expected: dict[str, str]) -> None:
    assert _status(("003-RM-09", "003-RM-11"), LENINGRAD_DUPLICATES, as_of) == expected


def test_duplicate_items_keep_their_own_reports() -> None:
    result = roadmap.statuses(
        _reference_frame("003-RM-09", "003-RM-11"), LENINGRAD_DUPLICATES, as_of=D(2022, 1, 10)
    ).set_index("id")
    assert result.loc["003-RM-09", "activity"] == result.loc["003-RM-11", "activity"]
    assert result["reported_status"].to_dict() == {"003-RM-09": "done", "003-RM-11": "in_progress"}
    assert result.loc["003-RM-09", "occurrences"] == [D(2021, 10, 1), D(2021, 12, 31)]
    assert result.loc["003-RM-11", "occurrences"] == [D(2021, 10, 1), D(2021, 12, 31)]


ANNUAL_FROM_2025 = _reports(("001-RM-04", D(2023, 8, 20), "done"))


@pytest.mark.parametrize(
    ("as_of", "reports", "expected"),
    [
        (D(2023, 8, 1), NO_REPORTS, "due_soon"),
        (D(2023, 9, 1), NO_REPORTS, "overdue"),
        (D(2024, 12, 31), ANNUAL_FROM_2025, "done"),  # nothing due in 2024
        (D(2025, 12, 10), ANNUAL_FROM_2025, "due_soon"),
        (D(2026, 1, 15), ANNUAL_FROM_2025, "overdue"),  # 2025 passed without a report
        (D(2026, 1, 15), pd.concat([ANNUAL_FROM_2025, _reports(("001-RM-04", D(2025, 12, 1), "done"))]), "done"),
    ],
)
def test_a_fixed_month_then_annually_from_2025(as_of: dt.date, reports: pd.DataFrame, expected: str) -> None:
    # «Август 2023 года, с 2025 года – ежегодно»: the series points past the plan's end (2024)
    assert _status(("001-RM-04",), reports, as_of) == {"001-RM-04": expected}


def test_the_annual_series_starts_in_2025() -> None:
    frame = _reference_frame("001-RM-04")
    [row] = roadmap.statuses(frame, ANNUAL_FROM_2025, as_of=D(2024, 12, 31)).to_dict("records")
    assert (row["last_due"], row["next_due"]) == (D(2023, 8, 31), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("codes", "reports", "expected"),
    [
        (("004-RM-05",), NO_REPORTS, "ongoing"),  # «На постоянной основе»
        (("004-RM-05",), _reports(("004-RM-05", D(2022, 6, 1), "in_progress")), "in_progress"),
        (("004-RM-25",), _reports(("004-RM-25", D(2022, 12, 30), "not_done")), "not_done"),  # «По отдельному плану»
        (("003-PL-04",), NO_REPORTS, "ongoing"),  # «весь период» in the 2021 plan: not a deadline
        (("002-RM-04",), NO_REPORTS, "ongoing"),  # «весь период» without a plan period
        (("002-RM-06",), NO_REPORTS, "ongoing"),  # «регулярно» without a plan period
        (("002-RM-19",), NO_REPORTS, "ongoing"),  # «не реже 1 раза в год» without a plan period
        (("002-RM-18",), _reports(("002-RM-18", D(2022, 6, 1), "done")), "done"),  # «по плану НИКУ»
    ],
)
def test_items_without_a_hard_date(codes: tuple[str, ...], reports: pd.DataFrame, expected: str) -> None:
    result = roadmap.statuses(_reference_frame(*codes), reports, as_of=D(2023, 6, 1))
    assert result["status"].tolist() == [expected]
    assert result["occurrences"].tolist() == [[]]


# --- quantitative targets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        (None, None),
        ("Отчёт", None),
        ("не менее 10 в течение года", (10.0, "")),
        ("не менее 5 в течение года", (5.0, "")),
        ("не менее 2 в течение года", (2.0, "")),
        ("2 региональные методические недели в течение года", (2.0, "региональные методические недели")),
        ("722 чел.", (722.0, "чел.")),
        ("722 чел.; 46 чел.", (768.0, "чел.")),  # teachers and managers together
        ("Не менее 50 педагогов", (50.0, "педагогов")),
        ("не менее 50 педагогических работников", (50.0, "педагогических работников")),
        ("не менее 3-х новостных материалов ежемесячно", (3.0, "новостных материалов")),
        ("не менее 50% сотрудников (планируемых)", (50.0, "%")),
        ("100%", (100.0, "%")),
        ("не менее 2 раз в год", (2.0, "раз")),
        ("1 200 чел.", (1200.0, "чел.")),
        ("12,5 %", (12.5, "%")),
        ("10 чел.; 50%", (10.0, "чел.")),  # different units: the first part
    ],
)
def test_target_quantity(text: str | None, expected: tuple[float, str] | None) -> None:
    assert roadmap.target_quantity(text) == expected


def test_every_curated_target_has_a_number() -> None:
    targets = {item["quantitative_target"] for item in _reference_items()} - {""}
    assert targets and all(roadmap.target_quantity(text) is not None for text in targets)


QUANTITIES = _reports(
    ("001-RM-18", D(2023, 12, 20), "done", 8.0),  # «не менее 10 в течение года»: 8 held
    ("001-RM-13", D(2023, 12, 20), "done", 800.0),  # «722 чел.; 46 чел.»: 800 trained
    ("001-RM-19", D(2023, 12, 20), "done"),  # «не менее 5 в течение года», no number reported
    ("003-RM-03", D(2021, 8, 10), "done", 40.0),  # «не менее 50% сотрудников», due 15 August 2021
)


def test_quantities_against_targets() -> None:
    codes = ("001-RM-18", "001-RM-13", "001-RM-19", "003-RM-03", "001-RM-01")
    result = roadmap.statuses(_reference_frame(*codes), QUANTITIES, as_of=D(2024, 1, 10)).set_index("id")
    assert result["status"].to_dict() == {
        "001-RM-18": "partial",  # done, but below «не менее 10»
        "001-RM-13": "done",
        "001-RM-19": "done",
        "003-RM-03": "partial",  # a dated item partly done stays «выполнено частично» after its date
        "001-RM-01": "overdue",
    }
    assert result["reported_status"].tolist()[:4] == ["done"] * 4
    assert result["target_quantity"].tolist()[:4] == [10.0, 768.0, 5.0, 50.0]
    assert math.isnan(result.loc["001-RM-01", "target_quantity"])
    assert result["actual_quantity"].tolist()[:2] == [8.0, 800.0]
    assert math.isnan(result.loc["001-RM-19", "actual_quantity"])
    assert result["quantity_met"].tolist() == [False, True, None, False, None]


def test_a_short_year_is_partial_for_its_checkpoint_only() -> None:
    # «В течение 2023, 2024 года»: 2023 partly done (8 of 10); 2024 fully done in its own period
    reports = pd.concat([QUANTITIES, _reports(("001-RM-18", D(2024, 12, 1), "done", 12.0))])
    frame = _reference_frame("001-RM-18")
    assert roadmap.statuses(frame, reports, as_of=D(2024, 6, 1))["status"].tolist() == ["partial"]
    after = roadmap.statuses(frame, reports, as_of=D(2025, 1, 10))
    assert (after["status"].tolist(), after["quantity_met"].tolist()) == (["done"], [True])
    assert roadmap.statuses(frame, QUANTITIES, as_of=D(2025, 1, 10))["status"].tolist() == ["overdue"]


def test_statuses_add_their_columns_to_a_minimal_frame() -> None:
    result = roadmap.statuses(ITEMS, REPORTS, as_of=dt.date(2022, 12, 30))
    assert list(result.columns) == ["id", "due_dates", *roadmap.STATUS_COLUMNS]
    assert set(result["status"]) <= set(roadmap.STATUSES)
    assert result["actual_quantity"].isna().all() and result["target_quantity"].isna().all()
    assert result["quantity_met"].isna().all() and result["evidence"].isna().all()


# --- the page's views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("МООО, ОМС (по согласованию), ЦНППМ", ["МООО", "ОМС", "ЦНППМ"]),
        ("КОиПО ЛО ГАОУ ДПО «ЛОИРО» ЦНППМ ММС", ["КОиПО ЛО", "ГАОУ ДПО «ЛОИРО»", "ЦНППМ", "ММС"]),
        ("Университет; ЦНППМ", ["Университет", "ЦНППМ"]),
        ("МООО, ЦНПМ", ["МООО", "ЦНППМ"]),  # the act's other spelling of ЦНППМ
        (
            "БОУ ДПО «ИРООО», органы местного самоуправления Омской области, осуществляющие управление в сфере "
            "образования (далее – ОМС) (по согласованию)",
            ["БОУ ДПО «ИРООО»", "ОМС"],
        ),
        (
            "ЦНППМ, ОМС (по согласованию), ОРОО «АПРОО «СПЕКТР» (по согласованию)",
            ["ЦНППМ", "ОМС", "ОРОО «АПРОО «СПЕКТР»"],
        ),
        (
            "министерство: центр непрерывного повышения (далее – ЦНПМ); ГБОУ ИРО Краснодарского края",
            ["министерство", "ГБОУ ИРО Краснодарского края"],
        ),
        ("", []),
    ],
)
def test_responsible_bodies(text: str, expected: list[str]) -> None:
    assert roadmap.responsible_bodies(text) == expected


def _judged() -> pd.DataFrame:
    codes = ("004-RM-01", "004-RM-12", "004-RM-20", "004-RM-03")
    reports = _reports(("004-RM-01", D(2022, 4, 29), "done"), ("004-RM-03", D(2022, 11, 1), "not_done"))
    frame = _reference_frame(*codes).assign(roadmap_title="Комплекс мер", section="")
    return roadmap.statuses(frame, reports, as_of=D(2023, 1, 10))


def test_summary_filters_and_the_status_table() -> None:
    items = _judged()
    assert dict(zip(items["code"], items["status"], strict=True)) == {
        "004-RM-01": "done",
        "004-RM-12": "overdue",  # «В течение года»: the plan's end passed, nothing reported
        "004-RM-20": "overdue",  # quarterly, nothing reported
        "004-RM-03": "not_done",  # «По отдельному плану»: no hard date, reported not done
    }
    assert roadmap.summary(items) == {
        "total": 4, "done": 1, "partial": 0, "overdue": 3, "due_soon": 0, "in_progress": 0
    }  # fmt: skip
    table = roadmap.display_table(items)
    assert table["Статус"].tolist() == ["просрочено", "просрочено", "не выполнено", "выполнено"]  # late first
    assert table.loc[table["№"] == "1", "Последний отчёт"].item() == "29.04.2022"
    assert roadmap.sections(items) == [roadmap.NO_SECTION]
    only = roadmap.filtered(items, bodies=["МООО"], statuses=["done"])
    assert only["code"].tolist() == ["004-RM-01"]
    bodies = roadmap.by_body(items)
    assert len(bodies) == sum(len(roadmap.responsible_bodies(text)) or 1 for text in items["responsible"])


def test_timeline_points_are_the_occurrences_and_the_cli_table_keeps_codes() -> None:
    items = _judged()
    points = roadmap.timeline_points(items)
    quarterly = points[points["label"].str.startswith("004-RM · 20 ·")]
    assert quarterly["due"].tolist() == [D(2022, 3, 31), D(2022, 6, 30), D(2022, 9, 30), D(2022, 12, 31)]
    cli = roadmap.cli_table(items)
    assert list(cli.columns) == roadmap.CLI_COLUMNS
    assert cli.loc[cli["item_id"] == "004-RM-20", "next_due"].item() is None  # the 2022 plan is over
    assert cli.loc[cli["item_id"] == "004-RM-20", "status"].item() == "overdue"


def test_report_history_newest_first_with_links_only_for_urls() -> None:
    reports = pd.DataFrame(
        {
            "item_id": [7, 7, 8],
            "as_of": [D(2022, 3, 1), D(2022, 6, 1), D(2022, 6, 1)],
            "status": ["in_progress", "done", "done"],
            "actual_quantity": [None, 12.0, None],
            "evidence": ["Приказ № 5", "https://example.org/otchet.pdf", ""],
        }
    )
    history = roadmap.report_history(reports, item_id=7)
    assert history["Дата"].tolist() == ["01.06.2022", "01.03.2022"]
    assert history["Ссылка"].tolist()[0] == "https://example.org/otchet.pdf" and pd.isna(history["Ссылка"][1])
    assert history["Факт"].tolist() == ["12", ""]
    assert "Ссылка" not in roadmap.report_history(reports, item_id=8).columns
