"""A roadmap item's status entered on the page: a dated report, committed as its own batch, never an overwrite.

Each entry is a batch like an upload (the «Журнал загрузок» lists it and can undo it) and an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, text

from rsnms import access, audit, store
from rsnms.errors import RsnmsError
from rsnms.models import REPORT_STATUSES

KIND = "roadmap_status_entry"
TITLE = "Статус мероприятия (ввод на странице)"


@dataclass(frozen=True)
class Entry:
    """What the form gives: the item, the report date, the status code, the quantity done and an evidence link."""

    item_id: int
    as_of: dt.date
    status: str
    quantity: float | None = None
    evidence: str = ""


def problems(entry: Entry, *, today: dt.date) -> list[str]:
    """What is wrong with an entry, in Russian (empty when it can be recorded)."""
    found = []
    if entry.status not in REPORT_STATUSES:
        found.append("Выберите статус мероприятия.")
    if entry.as_of > today:
        found.append("Дата отчёта не может быть позже сегодняшнего дня.")
    if entry.quantity is not None and (math.isnan(entry.quantity) or entry.quantity < 0):
        found.append("Фактическое значение — число не меньше нуля.")
    if len(entry.evidence) > 1000:
        found.append("Подтверждение — не длиннее 1000 символов (ссылка или реквизиты документа).")
    return found


def record(engine: Engine, entry: Entry, *, actor: access.Actor, now: dt.datetime) -> int:
    """Store the entry as a new report and return its batch id.

    Raises:
        RsnmsError: the role may not enter statuses, the entry is invalid, or the item already has a report of
            that date (a report is never overwritten: choose another date).
    """
    access.require(access.enters_statuses(actor.role), "вносить статус мероприятия")
    found = problems(entry, today=now.astimezone().date())  # the server's own date, as the form's calendar
    if found:
        raise RsnmsError(" ".join(found))
    with engine.begin() as conn:
        item = conn.execute(
            text(
                "SELECT ri.code, rm.region_id FROM roadmap_item ri JOIN roadmap rm ON rm.id = ri.roadmap_id "
                "WHERE ri.id = :item"
            ),
            {"item": entry.item_id},
        ).one_or_none()
        if item is None:
            raise RsnmsError("Мероприятие не найдено: обновите страницу.")
        taken = conn.execute(
            text("SELECT 1 FROM roadmap_report WHERE item_id = :item AND as_of = :day"),
            {"item": entry.item_id, "day": entry.as_of},
        ).first()
        if taken:
            raise RsnmsError(
                f"На {entry.as_of:%d.%m.%Y} по этому мероприятию уже есть отчёт; "
                "отчёты не перезаписываются — укажите другую дату."
            )
        row = pd.DataFrame(
            [
                {
                    "item_id": entry.item_id,
                    "as_of": entry.as_of,
                    "status": entry.status,
                    "actual_quantity": entry.quantity,
                    "evidence": entry.evidence.strip(),
                }
            ]
        )
        values = ("status", "actual_quantity", "evidence")
        write = store.Write("roadmap_report", "Отчёты по дорожной карте", row, ("item_id", "as_of"), values)
        fingerprint = hashlib.sha256(repr(sorted(entry.__dict__.items())).encode()).hexdigest()
        batch = {
            "kind": KIND,
            "kinds": TITLE,
            "region_id": item.region_id,
            "file_name": f"ввод на странице: {item.code}",
            "sha256": fingerprint,
            "user_login": actor.login,
            "created_at": now,
            "year": entry.as_of.year,
            "data_as_of": entry.as_of,
            "n_rejected": 0,
            "state": "committed",
            "is_demo": False,
        }
        committed = store.commit(conn, [write], batch=batch)
        detail = f"{item.code}: {entry.status} на {entry.as_of.isoformat()}"
        audit.record(
            conn, action="roadmap_status", user=actor.login, detail=detail, at=now, batch_id=committed.batch_id
        )
    return committed.batch_id
