"""The audit log: who did what and when (logins, uploads, undos, status entries, scenario and user changes)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, text

from rsnms import queries

ACTIONS = {
    "login": "вход",
    "login_failed": "неудачный вход",
    "login_locked": "вход заблокирован",
    "logout": "выход",
    "upload": "загрузка",
    "undo": "отмена загрузки",
    "erase_personal": "удаление персональных данных",
    "roadmap_status": "статус мероприятия",
    "deficit_scale": "шкала дефицитов",
    "scenario_change": "сценарий",
    "user_change": "пользователь",
}


def record(
    conn: Connection, *, action: str, user: str | None, detail: str, at: dt.datetime, batch_id: int | None = None
) -> None:
    """Write one event in the caller's transaction (so an action and its record stand or fall together)."""
    conn.execute(
        text(
            "INSERT INTO audit_event (at, user_login, action, detail, batch_id) "
            "VALUES (:at, :user, :action, :detail, :batch)"
        ),
        {"at": at, "user": user, "action": action, "detail": detail, "batch": batch_id},
    )


def events(
    engine: Engine,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    user: str | None = None,
    actions: list[str] | None = None,
) -> pd.DataFrame:
    """The events, newest first, within the dates (inclusive), of one login and of the actions when given."""
    conditions: list[str] = []
    params: dict[str, object] = {}
    if since is not None:
        conditions.append("at >= :since")
        params["since"] = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
    if until is not None:
        conditions.append("at < :until")
        params["until"] = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    if user:
        conditions.append("user_login = :user")
        params["user"] = user
    for index, action in enumerate(actions or []):
        params[f"a{index}"] = action
    if actions:
        conditions.append(f"action IN ({', '.join(f':a{index}' for index in range(len(actions)))})")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT id, at, user_login, action, detail, batch_id FROM audit_event {where} ORDER BY at DESC, id DESC"
    return queries.sql_frame(engine, sql, **params)


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """The events as the audit page and its XLSX show them."""
    when = pd.to_datetime(frame["at"], utc=True).dt.strftime("%d.%m.%Y %H:%M:%S")
    return pd.DataFrame(
        {
            "Когда (UTC)": when,
            "Пользователь": frame["user_login"].fillna("—"),
            "Действие": [ACTIONS.get(str(action), str(action)) for action in frame["action"]],
            "Подробности": frame["detail"],
            "Загрузка №": [str(int(batch)) if pd.notna(batch) else "" for batch in frame["batch_id"]],
        }
    )
