"""«Журнал действий»: who did what and when, with filters and an XLSX export (administrators only)."""

import datetime as dt
import functools

import streamlit as st

from rsnms import access, audit, export, ui

ui.route_through_app()
engine = ui.get_engine()
ui.require_page(access.administers, "Журнал действий доступен только администратору.")
st.title("Журнал действий")
today = dt.date.today()
since_column, until_column, user_column = st.columns(3)
since = since_column.date_input("С", value=today - dt.timedelta(days=30), format="DD.MM.YYYY", key="audit.since")
until = until_column.date_input("По", value=today, format="DD.MM.YYYY", key="audit.until")
login = user_column.text_input("Пользователь (логин)", key="audit.user")
chosen = st.multiselect(
    "Действия", list(audit.ACTIONS), format_func=audit.ACTIONS.__getitem__, placeholder="все", key="audit.actions"
)
events = audit.events(
    engine,
    since=since if isinstance(since, dt.date) else None,
    until=until if isinstance(until, dt.date) else None,
    user=login.strip() or None,
    actions=chosen,
)
table = audit.display(events)
st.caption(f"Событий: {len(table)}.")
st.dataframe(table, hide_index=True, width="stretch")
st.download_button(
    "Скачать журнал (XLSX)",
    data=functools.partial(export.to_xlsx, {"Журнал действий": table}),
    file_name=f"журнал_действий_{today:%Y-%m-%d}.xlsx",
    mime=ui.XLSX_MIME,
    on_click="ignore",
    key="audit.xlsx",
)
