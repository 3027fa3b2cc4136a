"""Roadmap item status as of a date: pure pandas over items and their reports.

An item's reported status is its latest report on or before the date. A dated item that is not
done by a due date already passed is «просрочено»; one due within ``DUE_SOON_DAYS`` is «срок
скоро». Items without a hard date (continuous, periodic, external schedule) are «постоянно»
unless a report says otherwise.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

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


# --- deadlines as the acts write them --------------------------------------------------------------

MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_MONTH = r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_EXACT = re.compile(rf"(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})|(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})")
_MONTH_GROUP = re.compile(rf"((?:{_MONTH}\s*(?:[-,]|и)?\s*)+)(\d{{4}})")
_DURING_YEARS = re.compile(r"в течение\s+((?:\d{4}\s*(?:,|и)?\s*)+)\s*год")
_YEAR_RANGE = re.compile(r"(\d{4})\s*-\s*(\d{4})")
RECURRENCE_WORDS = (
    ("twice_monthly", ("2 раза в месяц", "дважды в месяц")),
    ("monthly", ("ежемесячно",)),
    ("quarterly", ("ежеквартально",)),
    ("yearly", ("ежегодно", "раза в год", "раз в год")),
    ("regular", ("регулярно",)),
    ("continuous", ("весь период", "на постоянной основе", "постоянно")),
    ("external", ("по отдельному плану", "по плану", "в соответствии с графиком")),
)


@dataclass(frozen=True)
class Deadline:
    """The due dates (checkpoints) and recurrence a deadline text means."""

    due_dates: tuple[dt.date, ...]
    recurrence: str

    def text(self) -> str:
        """The stored form «2023-11-30; 2024-11-30»."""
        return "; ".join(due.isoformat() for due in self.due_dates)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_number(word: str) -> int:
    return next(number for number, stem in enumerate(MONTHS, start=1) if word.startswith(stem))


def parse_deadline(text: str, *, plan_end: dt.date | None) -> Deadline:
    """Due dates and recurrence of a roadmap deadline («Ноябрь 2023 года Март, ноябрь 2024 года», «Ежеквартально»).

    A month is due at its end, a range of months at the end of the last one, «в течение 2023, 2024 года»
    at the end of each year, «в течение года» and «весь период» at the plan's end when the plan has one.
    """
    value = " ".join(text.lower().replace("ё", "е").replace("–", "-").replace("—", "-").split())
    recurrence = next((code for code, words in RECURRENCE_WORDS if any(word in value for word in words)), "none")
    dates: list[dt.date] = []
    for found in _EXACT.finditer(value):
        if found.group(1):
            dates.append(dt.date(int(found.group(3)), _month_number(found.group(2)), int(found.group(1))))
        else:
            dates.append(dt.date(int(found.group(6)), int(found.group(5)), int(found.group(4))))
    value = _EXACT.sub(" ", value)
    during = _DURING_YEARS.search(value)
    if during:
        dates += [dt.date(int(year), 12, 31) for year in re.findall(r"\d{4}", during.group(1))]
    elif (span := _YEAR_RANGE.search(value)) and not dates:
        dates.append(dt.date(int(span.group(2)), 12, 31))
    for group in _MONTH_GROUP.finditer(value):
        year = int(group.group(2))
        for part in re.split(r"\s*(?:,|\sи\s)\s*", group.group(1).strip()):
            months = re.findall(_MONTH, part)
            if months:
                dates.append(_month_end(year, _month_number(months[-1])))
    if not dates and plan_end and ("в течение года" in value or "весь период" in value):
        dates.append(plan_end)
    if recurrence == "none" and len(dates) > 1 and not during:
        recurrence = "checkpoints"
    return Deadline(tuple(sorted(set(dates))), recurrence)
