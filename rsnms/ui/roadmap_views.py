"""«Дорожная карта» views: the as-of date, cached statuses, tiles, the item card and the status form."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    export,
    formatting,
    labels,
    queries,
    roadmap,
    status_entry,
    ui,
)
from rsnms.errors import RsnmsError
from rsnms.ui import indicator_views


def select_as_of() -> dt.date:
    """The sidebar «по состоянию на» date of the roadmap (today by default), kept across pages."""
    remembered = st.session_state.get("as_of", dt.date.today())
    chosen = st.sidebar.date_input("По состоянию на", value=remembered, format="DD.MM.YYYY", key="filters.as_of")
    day = chosen if isinstance(chosen, dt.date) else remembered
    st.session_state["as_of"] = day
    return day


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Собираем статусы мероприятий…")
def load_roadmap_status(database_url: str, region: str, as_of: dt.date) -> pd.DataFrame:
    """Cached ``roadmap.statuses`` of every item of the region's roadmaps as of a date."""
    engine = db.get_engine(database_url)
    items = queries.roadmap_items(engine, region=region)
    return roadmap.statuses(items, queries.roadmap_reports(engine, region=region), as_of=as_of)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_roadmap_reports(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``queries.roadmap_reports`` (every report of the region, for an item's history)."""
    return queries.roadmap_reports(db.get_engine(database_url), region=region)


def render_roadmap_tiles(summary: dict[str, int], *, as_of: dt.date) -> None:
    """Counts by status: all items, done, overdue, due soon, in progress (with «постоянно»)."""
    total, done, overdue, soon, working = st.columns(5)
    total.metric("Мероприятий", formatting.number(summary["total"]))
    done.metric(
        "Выполнено", formatting.number(summary["done"]), help="В том числе частично: " + str(summary["partial"])
    )
    overdue.metric(
        "Просрочено",
        formatting.number(summary["overdue"]),
        help=f"Срок прошёл до {as_of:%d.%m.%Y}, а мероприятие не выполнено (или отмечено как невыполненное).",
    )
    soon.metric("Срок скоро", formatting.number(summary["due_soon"]), help="Срок в ближайшие 30 дней.")
    working.metric("В работе", formatting.number(summary["in_progress"]), help="В том числе постоянные и не начатые.")


def render_status_table(table: pd.DataFrame) -> None:
    """A roadmap status table with its status cells coloured."""
    fills = labels.ROADMAP_STATUS_FILLS
    styled = table.style.map(lambda status: f"background-color: {fills.get(status, '')}", subset=["Статус"])
    st.dataframe(styled, hide_index=True, width="stretch")


def roadmap_workbook(table: pd.DataFrame, *, region_name: str, as_of: dt.date) -> bytes:
    """The status table as an XLSX for a meeting: the table, and a sheet saying what it is."""
    about = pd.DataFrame(
        {
            "Параметр": ["Регион", "По состоянию на", "Мероприятий"],
            "Значение": [region_name, formatting.long_date(as_of), formatting.number(len(table))],
        }
    )
    return export.to_xlsx({"Дорожная карта": table, "Условия": about})


def render_roadmap_item(item: pd.Series, *, region: str, as_of: dt.date) -> None:
    """One item: the act's wording, deadline, expected result, status, linked indicators, report history."""
    st.markdown(f"**{item['activity']}**")
    st.markdown(
        f"**Срок (как в акте):** {item['deadline_raw'] or '—'}  \n"
        f"**Ответственные:** {item['responsible'] or '—'}  \n"
        f"**Ожидаемый результат:** {item['expected_result'] or '—'}"
        + (f"  \n**Количественный показатель:** {item['quantitative_target']}" if item["quantitative_target"] else "")
    )
    status, _ = labels.ROADMAP_STATUS[str(item["status"])]
    st.markdown(f"**Статус на {as_of:%d.%m.%Y}:** {status}")
    linked = [code for code in str(item["indicator_codes"] or "").split(",") if code]
    if linked:
        card = indicator_views.load_scorecard(ui.settings().database_url, region, as_of.year)
        st.markdown("**Связанные показатели:**")
        indicator_views.render_scorecard(card[card["code"].isin(linked)])
    history = load_roadmap_reports(ui.settings().database_url, region)
    st.markdown("**Отчёты**")
    reports = roadmap.report_history(history, item_id=int(str(item.name)))
    if reports.empty:
        st.caption("Отчётов ещё нет.")
    else:
        st.dataframe(
            reports,
            hide_index=True,
            width="stretch",
            column_config={"Ссылка": st.column_config.LinkColumn("Ссылка", display_text="открыть")},
        )


def render_status_form(item_id: int, *, as_of: dt.date) -> None:
    """The ЦНППМ's short form: a new dated report on the item (never an overwrite of an old one)."""
    with st.form(f"roadmap.entry.{item_id}", clear_on_submit=True):
        st.markdown("**Внести статус**")
        status_column, date_column = st.columns(2)
        status = status_column.selectbox(
            "Статус",
            list(labels.REPORT_STATUS),
            format_func=labels.REPORT_STATUS.__getitem__,
            key="roadmap.entry.status",
        )
        today = dt.date.today()
        day = date_column.date_input(
            "Дата отчёта", value=min(as_of, today), max_value=today, format="DD.MM.YYYY", key="roadmap.entry.date"
        )
        quantity = st.number_input("Фактическое значение (если есть)", min_value=0.0, value=None, key="roadmap.entry.n")
        evidence = st.text_input("Подтверждение: ссылка или реквизиты документа", key="roadmap.entry.evidence")
        if st.form_submit_button("Сохранить отчёт"):
            entry = status_entry.Entry(item_id, day, status, quantity, evidence)
            try:
                batch = status_entry.record(
                    ui.get_engine(), entry, actor=ui.current_actor(), now=dt.datetime.now(dt.UTC)
                )
            except RsnmsError as error:
                st.error(str(error))
            else:
                ui.clear_caches()
                st.success(f"Отчёт сохранён (запись № {batch} в журнале загрузок).")
