"""«Дорожная карта»: every measure of the region's roadmaps — done, in progress, overdue — by responsible body."""

import functools
from typing import Any

import streamlit as st

from rsnms import access, formatting, labels, roadmap, ui

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
as_of = ui.select_as_of()
role = ui.current_role()

st.title(f"Дорожная карта РСНМС: {region_name}")
items = ui.load_roadmap_status(url, region, as_of)
if items.empty:
    st.info("Для этого региона дорожная карта не загружена: загрузите её на странице «Загрузка данных».")
    st.stop()
for plan in roadmap.plans(items):
    st.caption(plan)

section_column, body_column, status_column = st.columns(3)
sections = section_column.multiselect("Раздел", roadmap.sections(items), placeholder="все", key="roadmap.sections")
bodies = body_column.multiselect("Ответственный", roadmap.bodies(items), placeholder="все", key="roadmap.bodies")
chosen_statuses = status_column.multiselect(
    "Статус",
    list(labels.ROADMAP_STATUS),
    format_func=lambda code: labels.ROADMAP_STATUS[code][0],
    placeholder="все",
    key="roadmap.statuses",
)
shown = roadmap.filtered(items, sections=sections, bodies=bodies, statuses=chosen_statuses)
ui.render_roadmap_tiles(roadmap.summary(shown), as_of=as_of)

overdue = shown[shown["status"].isin(roadmap.LATE_STATUSES)]
st.subheader(f"Просрочено и не выполнено на {formatting.long_date(as_of)}")
if overdue.empty:
    st.success("Просроченных и невыполненных мероприятий нет.")
else:
    ui.render_status_table(roadmap.display_table(overdue))

summary_tab, timeline_tab, table_tab, item_tab = st.tabs(["Сводка", "Сроки", "Все мероприятия", "Мероприятие"])
with summary_tab:
    options: dict[str, Any] = {"statuses": labels.ROADMAP_STATUS, "category_title": "Раздел"}
    by_section = roadmap.by_section(shown)
    ui.render_chart("status_bars", by_section, category="section", title="По разделам дорожной карты", **options)
    by_body = roadmap.by_body(shown)
    options["category_title"] = "Ответственный"
    ui.render_chart("status_bars", by_body, category="body", title="По ответственным исполнителям", **options)
    st.caption("Мероприятие с несколькими ответственными учтено у каждого из них.")
with timeline_tab:
    points = roadmap.timeline_points(shown)
    if points.empty:
        st.info("У выбранных мероприятий нет календарных сроков (постоянные, по отдельному плану).")
    else:
        ui.render_chart("timeline", points, as_of=as_of, statuses=labels.ROADMAP_STATUS, title="Сроки мероприятий")
        undated = len(shown) - points["label"].nunique()
        if undated:
            st.caption(f"Без календарного срока (постоянно, по отдельному плану): {undated}.")
with table_tab:
    table = roadmap.display_table(shown)
    ui.render_status_table(table)
    st.download_button(
        "Скачать таблицу (XLSX)",
        data=functools.partial(ui.roadmap_workbook, table, region_name=region_name, as_of=as_of),
        file_name=f"дорожная_карта_{region}_{as_of:%Y-%m-%d}.xlsx",
        mime=ui.XLSX_MIME,
        on_click="ignore",
        key="roadmap.xlsx",
    )
with item_tab:
    codes = dict(zip(shown["id"], roadmap.item_labels(shown), strict=True))
    if not codes:
        st.info("Нет мероприятий по выбранным условиям.")
    else:
        item_id = st.selectbox("Мероприятие", list(codes), format_func=codes.__getitem__, key="roadmap.item")
        item = shown.set_index("id").loc[item_id]
        ui.render_roadmap_item(item, region=region, as_of=as_of)
        if access.enters_statuses(role):
            ui.render_status_form(int(item_id), as_of=as_of)
