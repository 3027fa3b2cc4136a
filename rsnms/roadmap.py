"""Roadmap item status as of a date: pure pandas over items and their reports.

Occurrences. The hard dates (checkpoints) of an item come from its deadline (``occurrences``):

- fixed dates: a day; a month → its last day; a range of months → the last day of the last month;
  «В течение 2023, 2024 года» → each year's end; «Ноябрь 2023 года Март, ноябрь 2024 года» → every month's
  end. «В течение года» is the plan's end when the plan states a period (as curated; none otherwise);
- a series for periodic deadlines, the ends of the periods: «ежемесячно» month ends; «2 раза в месяц»,
  «дважды в месяц» the 15th and the month end; «ежеквартально» quarter ends; «ежегодно», «не реже 1 раза
  в год» and «регулярно» (read as at least once a year) 31 December. The series runs within the plan
  period. A fixed date followed by periodicity («01 октября 2021 года, далее ежеквартально») continues the
  series after that date, up to the plan's end; a stated start («Август 2023 года, с 2025 года – ежегодно»)
  runs the series from that year on, past the plan's end. A series with neither a plan period nor a stated
  start (Kirov, Krasnodar) has no hard dates;
- none for permanent or externally scheduled work («весь период», «на постоянной основе», «по отдельному
  плану», «по плану НИКУ», «в соответствии с графиком …»), even where the plan's end was stored as a fallback.

Reports. Only reports dated on or before the date count; the latest one gives ``reported_status``. Every
quantitative target is read as a minimum («не менее 10», «722 чел.», «100%»): a «done» report whose quantity
is below it counts as «partial» (выполнено частично).

Status (codes; Russian labels for the page in brackets):

- no hard date: the latest report's status, else ``ongoing`` (постоянно);
- one hard date (today's rules): ``done`` / ``partial`` by the latest report; else ``overdue`` (просрочено)
  once the date has passed; ``due_soon`` (срок скоро) within ``DUE_SOON_DAYS``; else the reported status
  (``in_progress`` в работе, ``not_done`` не выполнено, …), ``not_started`` (не начато) when nothing is reported;
- several hard dates (checkpoints, one per year, a series) are judged per occurrence. Before the first one
  passes, as for one hard date. Then the latest passed occurrence must be covered by a «done» (or «partial»)
  report dated within its period: on or after the occurrence before it (any earlier date for the first one)
  and on or before itself (for periodic work a report «в работе» within the period covers it too); else
  ``overdue`` (a late report counts for the next period, not the missed one).
  When it is covered: a «done» report dated after it (the current period) gives ``done``; else the next occurrence
  within ``DUE_SOON_DAYS`` gives ``due_soon``; else the current period's latest report gives its status; else
  the covered period's ``done`` / ``partial``.

An occurrence on the date itself has not passed yet (it is the next one).

«Обзор», the roadmap page and the CLI all judge items by these rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rsnms import formatting, labels

DUE_SOON_DAYS = 30
CLOSED_STATUSES = ("done", "partial")
SERIES_RECURRENCES = ("monthly", "twice_monthly", "quarterly", "yearly", "regular")
NO_HARD_DATE_RECURRENCES = ("continuous", "external")
STATUS_COLUMNS = (
    "occurrences", "last_due", "next_due", "reported_status", "report_date", "actual_quantity", "evidence",
    "target_quantity", "quantity_met", "status",
)  # fmt: skip
STATUSES = ("done", "partial", "in_progress", "not_started", "not_done", "overdue", "due_soon", "ongoing")


def due_dates(text: str) -> list[dt.date]:
    """Parse the stored «2023-11-30; 2024-11-30» list of checkpoints."""
    return [dt.date.fromisoformat(part.strip()) for part in text.split(";") if part.strip()]


# --- occurrences ------------------------------------------------------------------------------------


def _period_ends(recurrence: str, after: dt.date) -> Iterator[dt.date]:
    """The ends of a series' periods after a date, without end."""
    for index in itertools.count(after.year * 12 + after.month - 1):
        year, month = divmod(index, 12)
        month += 1
        if recurrence == "monthly":
            ends = [_month_end(year, month)]
        elif recurrence == "twice_monthly":
            ends = [dt.date(year, month, 15), _month_end(year, month)]
        elif recurrence == "quarterly":
            ends = [_month_end(year, month)] if month % 3 == 0 else []
        else:  # yearly, regular
            ends = [dt.date(year, 12, 31)] if month == 12 else []
        yield from (end for end in ends if end > after)


def _series_window(
    fixed: Sequence[dt.date], *, plan_start: dt.date | None, plan_end: dt.date | None, series_after: dt.date | None
) -> tuple[dt.date, dt.date | None] | None:
    """Where a series runs: after a date (exclusive) up to a last date (``None``: without end)."""
    after = series_after or (max(fixed) if fixed else None)
    if after is None:
        if plan_start is not None:
            after = plan_start - dt.timedelta(days=1)
        elif plan_end is not None:
            after = dt.date(plan_end.year - 1, 12, 31)
        else:
            return None
    return after, plan_end if plan_end is not None and plan_end > after else None


def iter_occurrences(
    due: Sequence[dt.date],
    recurrence: str,
    *,
    plan_start: dt.date | None,
    plan_end: dt.date | None,
    series_after: dt.date | None = None,
) -> Iterator[dt.date]:
    """Every occurrence of an item in order, without end for an open series (see ``occurrences``)."""
    if recurrence in NO_HARD_DATE_RECURRENCES:
        return
    fixed = sorted(set(due))
    window = _series_window(fixed, plan_start=plan_start, plan_end=plan_end, series_after=series_after)
    if recurrence not in SERIES_RECURRENCES or window is None:
        yield from fixed
        return
    after, last = window
    ends = _period_ends(recurrence, after)
    if last is not None:
        ends = itertools.takewhile(lambda end: end <= last, ends)
    previous = None
    for day in heapq.merge(fixed, ends):
        if day != previous:
            yield day
        previous = day


def occurrences(
    due: Sequence[dt.date],
    recurrence: str,
    *,
    plan_start: dt.date | None,
    plan_end: dt.date | None,
    until: dt.date,
    series_after: dt.date | None = None,
) -> list[dt.date]:
    """The checkpoints of an item up to ``until`` (inclusive): its fixed dates plus, for a series, the period ends.

    Args:
        due: the fixed due dates (``Deadline.due_dates`` or the stored ``due_dates``).
        recurrence: ``Deadline.recurrence``.
        plan_start, plan_end: the plan period (``None`` where the act states none).
        until: the last day to list.
        series_after: a series runs after this date («с 2025 года» → 2024-12-31, «…, далее ежеквартально» →
            the fixed date; ``Deadline.series_after``). Without it, a periodic item with a fixed date continues
            after that date and one without runs within the plan period.
    """
    found = iter_occurrences(due, recurrence, plan_start=plan_start, plan_end=plan_end, series_after=series_after)
    return list(itertools.takewhile(lambda day: day <= until, found))


# --- quantitative targets ------------------------------------------------------------------------------

_TARGET = re.compile(r"(\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?)(?:-[а-яё]+)?\s*(%?)\s*(.*)", re.IGNORECASE)
_UNIT_END = re.compile(
    r"\s*(?:\(|,|;|\bв течение\b|\bежемесячно|\bежеквартально|\bежегодно|\bв (?:год|месяц|квартал)\b)",
    re.IGNORECASE,
)


def target_quantity(text: object) -> tuple[float, str] | None:
    """The number and unit of a quantitative target («не менее 10 в течение года» → (10.0, "")).

    «722 чел.» → (722.0, "чел."); «не менее 50% сотрудников (планируемых)» → (50.0, "%"); «не менее 3-х
    новостных материалов ежемесячно» → (3.0, "новостных материалов"); «не менее 2 раз в год» → (2.0, "раз").
    Parts with the same unit are added («722 чел.; 46 чел.» → (768.0, "чел.")); otherwise the first part counts.
    ``None`` for an empty or non-numeric text.
    """
    if not isinstance(text, str):
        return None
    parts = []
    for part in text.split(";"):
        found = _TARGET.search(part)
        if found:
            number = float(re.sub(r"[ \u00a0]", "", found.group(1)).replace(",", "."))
            rest = found.group(3)
            unit = "%" if found.group(2) else _UNIT_END.split(rest, maxsplit=1)[0].strip()
            parts.append((number, unit))
    if not parts:
        return None
    if all(unit == parts[0][1] for _, unit in parts):
        return sum(number for number, _ in parts), parts[0][1]
    return parts[0]


# --- status ----------------------------------------------------------------------------------------------


def item_status(reported: str | None, checkpoints: list[dt.date], *, as_of: dt.date) -> str:
    """One item's status as of a date from its reported status and due dates (the rule for one hard date)."""
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


@dataclass(frozen=True)
class _Report:
    day: dt.date
    status: str  # as reported
    effective: str  # «done» below the target counts as «partial»
    quantity: float
    evidence: str | None


def _periodic_status(
    passed: Sequence[dt.date],
    next_due: dt.date | None,
    reports: Sequence[_Report],
    *,
    as_of: dt.date,
    series: bool = False,
) -> str:
    """The status of an item with several occurrences, judged per occurrence (``reports`` sorted by date).

    For a ``series`` (periodic work) a report of work «в работе» within the period covers it too.
    """
    if not passed:
        return item_status(reports[-1].effective if reports else None, [next_due] if next_due else [], as_of=as_of)
    last, previous = passed[-1], passed[-2] if len(passed) > 1 else None
    period = [report for report in reports if (previous is None or report.day >= previous) and report.day <= last]
    window = {report.effective for report in period}
    covering = (*CLOSED_STATUSES, "in_progress") if series else CLOSED_STATUSES
    covered = next((status for status in covering if status in window), None)
    if covered is None:
        return "overdue"
    current = [report for report in reports if report.day > last]
    if current and current[-1].effective == "done":
        return "done"
    if next_due is not None and (next_due - as_of).days <= DUE_SOON_DAYS:
        return "due_soon"
    return current[-1].effective if current else covered


def _date(value: object) -> dt.date | None:
    """A plan period bound as a date (tolerates ``None``, NaN, ISO text and timestamps)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)) if str(value).strip() else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _float(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def _reports_by_item(reports: pd.DataFrame, *, as_of: dt.date, targets: dict[Any, float]) -> dict[Any, list[_Report]]:
    known = reports[reports["as_of"] <= as_of].sort_values(["item_id", "as_of"], kind="stable")
    n = len(known)
    quantities = known["actual_quantity"] if "actual_quantity" in known.columns else [None] * n
    evidence = known["evidence"] if "evidence" in known.columns else [None] * n
    result: dict[Any, list[_Report]] = {}
    for item_id, day, status, quantity, proof in zip(
        known["item_id"], known["as_of"], known["status"], quantities, evidence, strict=True
    ):
        amount, target = _float(quantity), targets.get(item_id, math.nan)
        effective = "partial" if status == "done" and amount < target else str(status)
        report = _Report(day, str(status), effective, amount, proof if isinstance(proof, str) else None)
        result.setdefault(item_id, []).append(report)
    return result


def statuses(items: pd.DataFrame, reports: pd.DataFrame, *, as_of: dt.date) -> pd.DataFrame:
    """Add the occurrences, the latest report, the quantity check and the ``status`` of every item.

    Args:
        items: ``id``, ``due_dates`` («YYYY-MM-DD; …», empty for no hard date) and, where known, ``recurrence``,
            ``deadline_raw``, ``quantitative_target``, ``period_start``, ``period_end`` (absent → none).
        reports: ``item_id``, ``as_of``, ``status`` and, where known, ``actual_quantity``, ``evidence``.
        as_of: the date to judge at.

    Returns:
        ``items`` plus ``occurrences`` (the occurrences before ``as_of`` and the next one), ``last_due`` (the
        latest passed one or ``None``), ``next_due`` (the first on or after ``as_of`` or ``None``),
        ``reported_status``, ``report_date``, ``actual_quantity`` (NaN when none), ``evidence`` (the latest
        report's, ``None`` when there is none), ``target_quantity`` (NaN when none), ``quantity_met``
        (``True`` / ``False`` / ``None`` when either number is missing) and ``status`` (one of ``STATUSES``).
    """
    n = len(items)

    def column(name: str) -> list[Any]:
        return list(items[name]) if name in items.columns else [None] * n

    targets = [target_quantity(text) for text in column("quantitative_target")]
    target_values = [math.nan if target is None else target[0] for target in targets]
    by_item = _reports_by_item(reports, as_of=as_of, targets=dict(zip(column("id"), target_values, strict=True)))
    rows: list[dict[str, Any]] = []
    for item_id, stored, recurrence, raw, start, end, target in zip(
        column("id"),
        column("due_dates"),
        column("recurrence"),
        column("deadline_raw"),
        column("period_start"),
        column("period_end"),
        target_values,
        strict=True,
    ):
        plan_start, plan_end = _date(start), _date(end)
        recurrence = _text(recurrence) or "none"
        series_after = parse_deadline(raw, plan_end=plan_end).series_after if isinstance(raw, str) else None
        found = iter_occurrences(
            due_dates(_text(stored)),
            recurrence,
            plan_start=plan_start,
            plan_end=plan_end,
            series_after=series_after,
        )
        passed: list[dt.date] = []
        next_due = None
        for day in found:
            if day >= as_of:
                next_due = day
                break
            passed.append(day)
        history = by_item.get(item_id, [])
        latest = history[-1] if history else None
        shown = passed + ([next_due] if next_due is not None else [])
        if len(shown) > 1:
            periodic = recurrence in SERIES_RECURRENCES
            status = _periodic_status(passed, next_due, history, as_of=as_of, series=periodic)
        else:
            status = item_status(latest.effective if latest else None, shown, as_of=as_of)
        actual = latest.quantity if latest else math.nan
        rows.append(
            {
                "occurrences": shown,
                "last_due": passed[-1] if passed else None,
                "next_due": next_due,
                "reported_status": latest.status if latest else None,
                "report_date": latest.day if latest else None,
                "actual_quantity": actual,
                "evidence": latest.evidence if latest else None,
                "target_quantity": target,
                "quantity_met": None if math.isnan(actual) or math.isnan(target) else bool(actual >= target),
                "status": status,
            }
        )
    added = pd.DataFrame(rows, columns=list(STATUS_COLUMNS), index=items.index, dtype=object)
    added[["actual_quantity", "target_quantity"]] = added[["actual_quantity", "target_quantity"]].astype(float)
    return pd.concat([items.drop(columns=[name for name in STATUS_COLUMNS if name in items.columns]), added], axis=1)


# --- deadlines as the acts write them --------------------------------------------------------------

MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_MONTH = r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_EXACT = re.compile(rf"(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})|(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})")
_MONTH_GROUP = re.compile(rf"((?:{_MONTH}\s*(?:[-,]|и)?\s*)+)(\d{{4}})")
_DURING_YEARS = re.compile(r"в течение\s+((?:\d{4}\s*(?:,|и)?\s*)+)\s*год")
_YEAR_RANGE = re.compile(r"(\d{4})\s*-\s*(\d{4})")
_SERIES_FROM = re.compile(r"(?<![а-я])с\s+(\d{4})\s*г")
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
    series_after: dt.date | None = None  # a periodic series runs after it («с 2025 года», «…, далее ежеквартально»)

    def text(self) -> str:
        """The stored form «2023-11-30; 2024-11-30»."""
        return "; ".join(due.isoformat() for due in self.due_dates)

    def occurrences(self, *, plan_start: dt.date | None, plan_end: dt.date | None, until: dt.date) -> list[dt.date]:
        """The checkpoints up to ``until`` (see the module function ``occurrences``)."""
        return occurrences(
            self.due_dates,
            self.recurrence,
            plan_start=plan_start,
            plan_end=plan_end,
            until=until,
            series_after=self.series_after,
        )


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_number(word: str) -> int:
    return next(number for number, stem in enumerate(MONTHS, start=1) if word.startswith(stem))


def parse_deadline(text: str, *, plan_end: dt.date | None) -> Deadline:
    """Due dates and recurrence of a roadmap deadline («Ноябрь 2023 года Март, ноябрь 2024 года», «Ежеквартально»).

    A month is due at its end, a range of months at the end of the last one, «в течение 2023, 2024 года»
    at the end of each year, «в течение года» and «весь период» at the plan's end when the plan has one.
    A periodic series that starts at a stated point sets ``series_after``: «с 2025 года – ежегодно» → 2024-12-31,
    «01 октября 2021 года, далее ежеквартально» → 2021-10-01.
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
    series_after = None
    if recurrence in SERIES_RECURRENCES:
        if stated := _SERIES_FROM.search(value):
            series_after = dt.date(int(stated.group(1)) - 1, 12, 31)
        elif "далее" in value and dates:
            series_after = max(dates)
    return Deadline(tuple(sorted(set(dates))), recurrence, series_after)


# --- what the «Дорожная карта» page and the CLI show -------------------------------------------------------

LATE_STATUSES = ("overdue", "not_done")  # counted together as «Просрочено» on the page
STATUS_ORDER = ("overdue", "due_soon", "not_done", "not_started", "in_progress", "ongoing", "partial", "done")
NO_SECTION = "без раздела"
_BODY_SPLIT = re.compile(r"[;,](?![^«]*»)(?![^(]*\))")  # commas and semicolons outside «…» and (…)
_BODY_NOTES = re.compile(r"\s*\(по согласованию\)", re.IGNORECASE)
_BODY_CLAUSE = re.compile(r"(?:осуществляющ|являющ|реализующ|котор|в том числе|в части)", re.IGNORECASE)
_BODY_SHORT = re.compile(r"\(далее\s*[-–—]\s*([^)]+)\)")
# Names a roadmap runs together with spaces only («КОиПО ЛО ГАОУ ДПО «ЛОИРО» ЦНППМ ММС»), longest first.
KNOWN_BODIES = (
    "Ассоциация молодых педагогов ЛО",
    "ГБОУ ИРО Краснодарского края (ЦНППМ)",
    "ГБОУ ИРО Краснодарского края",
    "ГАОУ ДПО «ЛОИРО»",
    "ГБУ КК НМЦ",
    "КОиПО ЛО",
    "Университет",
    "ЦНППМ",
    "ОМСУ",
    "ММС",
)
BODY_ALIASES = {"ЦНПМ": "ЦНППМ", "ГБОУ ИРО Краснодарского края (ЦНПМ)": "ГБОУ ИРО Краснодарского края (ЦНППМ)"}


def responsible_bodies(text: object) -> list[str]:
    """The bodies a «Ответственный исполнитель» cell names, each once («МООО, ОМС (по согласованию), ЦНППМ»).

    A clause that goes on describing the part before it («органы местного самоуправления, осуществляющие
    управление …») stays with it; «… (далее – ОМС)» gives the short name;
    «министерство: центр …» the name before the colon.
    """
    parts: list[str] = []
    for part in (piece.strip() for piece in _BODY_SPLIT.split(_text(text))):
        if parts and _BODY_CLAUSE.match(part):
            parts[-1] = f"{parts[-1]}, {part}"
        elif part:
            parts.append(part)
    found: list[str] = []
    for part in parts:
        short = _BODY_SHORT.search(part)
        if ":" in part:
            name = part.split(":", 1)[0]
        elif short:
            name = short.group(1)
        else:
            name = _BODY_NOTES.sub("", part)
        name = " ".join(name.split())
        rest, pieces = name, []
        while rest:
            known = next((body for body in KNOWN_BODIES if rest.startswith(body)), None)
            if known is None:
                pieces = [name]
                break
            pieces.append(known)
            rest = rest[len(known) :].strip()
        found += [BODY_ALIASES.get(piece, piece) for piece in pieces if piece]
    return list(dict.fromkeys(found))


def plans(items: pd.DataFrame) -> list[str]:
    """One line per roadmap of the items: its title and period («… на 2022 год (2022)»)."""
    lines = []
    for row in items.drop_duplicates("roadmap_code").to_dict("records"):
        start, end = _date(row.get("period_start")), _date(row.get("period_end"))
        period = f" ({start.year}–{end.year})" if start and end and start.year != end.year else ""
        period = period or (f" ({end.year} год)" if end else " (срок действия в акте не указан)")
        lines.append(f"{row['roadmap_code']}: {row['roadmap_title']}{period}")
    return lines


def sections(items: pd.DataFrame) -> list[str]:
    """The sections of the items in their order («без раздела» for items outside any)."""
    return list(dict.fromkeys(_section(value) for value in items["section"]))


def _section(value: object) -> str:
    return _text(value) or NO_SECTION


def bodies(items: pd.DataFrame) -> list[str]:
    """Every responsible body of the items, by name."""
    return sorted({body for text in items["responsible"] for body in responsible_bodies(text)})


def filtered(
    items: pd.DataFrame, *, sections: Sequence[str] = (), bodies: Sequence[str] = (), statuses: Sequence[str] = ()
) -> pd.DataFrame:
    """The items in any of the given sections, of any of the bodies and with any of the statuses (empty: all)."""
    keep = pd.Series(True, index=items.index)
    if sections:
        keep &= items["section"].map(_section).isin(sections)
    if bodies:
        keep &= items["responsible"].map(lambda text: bool(set(responsible_bodies(text)) & set(bodies)))
    if statuses:
        keep &= items["status"].isin(statuses)
    return items[keep]


def summary(items: pd.DataFrame) -> dict[str, int]:
    """Counts for the page's tiles: total, done, partial, overdue, due soon, in progress (with ongoing, not started)."""
    counts = items["status"].value_counts()
    return {
        "total": len(items),
        "done": int(counts.get("done", 0) + counts.get("partial", 0)),
        "partial": int(counts.get("partial", 0)),
        "overdue": int(sum(counts.get(status, 0) for status in LATE_STATUSES)),
        "due_soon": int(counts.get("due_soon", 0)),
        "in_progress": int(counts.get("in_progress", 0) + counts.get("ongoing", 0) + counts.get("not_started", 0)),
    }


def by_section(items: pd.DataFrame) -> pd.DataFrame:
    """``section``, ``status``: one row per item."""
    return pd.DataFrame({"section": items["section"].map(_section), "status": items["status"]})


def by_body(items: pd.DataFrame) -> pd.DataFrame:
    """``body``, ``status``: one row per item and responsible body (an item with three bodies counts for each)."""
    rows = [
        {"body": body, "status": status}
        for text, status in zip(items["responsible"], items["status"], strict=True)
        for body in responsible_bodies(text) or ["не указан"]
    ]
    return pd.DataFrame(rows, columns=["body", "status"])


def item_labels(items: pd.DataFrame) -> list[str]:
    """«004-RM · 3 · Определение ответственного …» for a selector."""
    return [
        f"{plan} · {number or '—'} · {_shortened(activity, 90)}"
        for plan, number, activity in zip(items["roadmap_code"], items["item_no"], items["activity"], strict=True)
    ]


def _shortened(text: object, limit: int) -> str:
    value = " ".join(_text(text).split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def timeline_points(items: pd.DataFrame) -> pd.DataFrame:
    """``label``, ``due``, ``status``: one row per item and occurrence (items without a hard date left out)."""
    rows = [
        {"label": label, "due": due, "status": status}
        for label, dates, status in zip(
            [f"{plan} · {number or '—'} · {_shortened(activity, 50)}" for plan, number, activity in
             zip(items["roadmap_code"], items["item_no"], items["activity"], strict=True)],
            items["occurrences"],
            items["status"],
            strict=True,
        )
        for due in dates
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["label", "due", "status"])


def _day_text(value: object) -> str:
    day = _date(value)
    return day.strftime("%d.%m.%Y") if day else "—"


def _quantity_text(actual: object, target: object) -> str:
    done, wanted = _float(actual), _float(target)
    if math.isnan(done) and math.isnan(wanted):
        return ""
    shown = ["—" if math.isnan(number) else formatting.short_number(number) for number in (done, wanted)]
    return " из ".join(shown) if not math.isnan(wanted) else shown[0]


def display_table(items: pd.DataFrame) -> pd.DataFrame:
    """The items as the page and its XLSX show them: overdue first, then by how urgent, in the plan's order."""
    rank = {status: index for index, status in enumerate(STATUS_ORDER)}
    ordered = items.assign(_rank=items["status"].map(rank)).sort_values("_rank", kind="stable")
    return pd.DataFrame(
        {
            "План": ordered["roadmap_code"],
            "№": ordered["item_no"].fillna(""),
            "Мероприятие": ordered["activity"],
            "Ответственные": ordered["responsible"],
            "Срок (как в акте)": ordered["deadline_raw"],
            "Ближайший срок": [_day_text(day) for day in ordered["next_due"]],
            "Прошедший срок": [_day_text(day) for day in ordered["last_due"]],
            "Статус": [labels.ROADMAP_STATUS[str(code)][0] for code in ordered["status"]],
            "Последний отчёт": [_day_text(day) for day in ordered["report_date"]],
            "Факт / цель": [
                _quantity_text(actual, target)
                for actual, target in zip(ordered["actual_quantity"], ordered["target_quantity"], strict=True)
            ],
            "Подтверждение": ordered["evidence"].fillna(""),
        }
    ).reset_index(drop=True)


def report_history(reports: pd.DataFrame, *, item_id: int) -> pd.DataFrame:
    """An item's reports, newest first: date, status, quantity, evidence, and «Ссылка» when any evidence is a URL."""
    own = reports[reports["item_id"] == item_id].sort_values("as_of", ascending=False)
    evidence = own["evidence"].fillna("").astype(str)
    links = [text if text.startswith(("http://", "https://")) else None for text in evidence]
    return pd.DataFrame(
        {
            "Дата": [_day_text(day) for day in own["as_of"]],
            "Статус": [labels.REPORT_STATUS.get(str(code), str(code)) for code in own["status"]],
            "Факт": [formatting.short_number(value) if pd.notna(value) else "" for value in own["actual_quantity"]],
            "Подтверждение": evidence,
            **({"Ссылка": links} if any(links) else {}),
        }
    ).reset_index(drop=True)


CLI_COLUMNS = ["item_id", "plan", "item_no", "activity", "responsible", "deadline_raw", "next_due", "status"]


def cli_table(items: pd.DataFrame) -> pd.DataFrame:
    """The items as design.md §10 lists them for ``rsnms roadmap``: codes, dates in ISO form, status codes."""
    return pd.DataFrame(
        {
            "item_id": items["code"],
            "plan": items["roadmap_code"],
            "item_no": items["item_no"].fillna(""),
            "activity": items["activity"],
            "responsible": items["responsible"],
            "deadline_raw": items["deadline_raw"],
            "next_due": [day.isoformat() if day else None for day in map(_date, items["next_due"])],
            "status": items["status"],
        }
    ).reset_index(drop=True)
