"""«Дефициты»: where teachers' professional deficits are, by municipality, organisation and competency area."""

import functools
from typing import Any

import streamlit as st

from rsnms import access, deficits, formatting, ui

TOOLTIP = [("n_assessed", "Оценено, чел."), ("n_with_deficit", "С дефицитом, чел."), ("mean_score", "Средний балл")]
DRILL_ROWS = 40  # organisations drawn before «показать все»
CHANGE_TOOLTIP = [("share_before", "Доля в начале, %"), ("share", "Доля в конце, %")]

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)
municipality_id, _ = ui.select_municipality(region)
role = ui.current_role()

st.title(f"Профессиональные дефициты: {region_name}")
if year is None:
    st.info("По этому региону ещё нет данных: тепловая карта появится после загрузки результатов диагностики.")
    st.stop()
scale = ui.load_scale(url)
filters = ui.deficit_filters(region)
sort_column, view_column = st.columns([3, 2])
sort = sort_column.segmented_control(
    "Порядок строк", list(deficits.SORTS), format_func=deficits.SORTS.__getitem__, default="total", key="deficits.sort"
)
full_detail = access.sees_small_cells(role)
as_ministry = full_detail and view_column.toggle(
    "Как увидит министерство", help="Скрыть группы меньше порога, как для руководства.", key="deficits.as_ministry"
)
suppress = ui.settings().suppress_below if as_ministry or not full_detail else None

grid = ui.load_deficit_matrix(url, region, year, None, filters, suppress)
own = ui.own_municipality()
if own is not None:  # a municipal account sees its own municipality only
    grid = deficits.only_row(grid, own)
order = deficits.row_order(grid, sort or "total")
areas = list(dict.fromkeys(grid["area"]))
st.subheader(f"Доля педагогов с дефицитом, {year} год")
if (grid["state"] == deficits.NO_DATA).all():
    st.info(f"За {year} год нет результатов диагностики по выбранным условиям.")
chart: dict[str, Any] = {"rows": order, "columns": areas, "row_title": "Муниципалитет", "tooltip": TOOLTIP}
picked = ui.render_chart("heatmap", grid, key="deficits.map", **chart)
notes = {
    "Регион": region_name,
    "Год": str(year),
    "Кто учтён": filters.describe(),
    "Правило дефицита": scale.rule(),
    **({"Малые группы": f"скрыты ячейки, где оценено меньше {suppress} человек"} if suppress else {}),
}
st.caption(
    f"{scale.rule()} Учтены: {filters.describe()}. В ячейке — последний результат каждого педагога "
    f"{'в кампании' if filters.campaign else 'в году'}; "
    "педагог, не проходивший диагностику по компетенции, не входит в её знаменатель."
    + (" Сводные данные муниципалитетов без персональных результатов в отбор не входят." if filters.active else "")
    + (f" Ячейки, где оценено меньше {suppress} человек, скрыты («< {suppress}»)." if suppress else "")
)
name = f"дефициты_{region}_{year}"
sheets = functools.partial(deficits.workbook, grid, order, row_title="Муниципалитет", notes=notes)
ui.chart_downloads("heatmap", grid, sheets, name=name, key="deficits.map", **chart)

worst_areas, worst_places = st.columns(2)
worst_areas.markdown("**Самые дефицитные компетенции**")
worst_areas.dataframe(deficits.ranked(grid, by="area"), hide_index=True, width="stretch")
worst_places.markdown("**Муниципалитеты с наибольшей долей дефицитов**")
worst_places.dataframe(deficits.ranked(grid, by="row"), hide_index=True, width="stretch")

st.subheader("Изменение между годами")
earlier = [y for y in ui.load_deficit_years(url, region) if y < year]
if not earlier:
    st.info("Для сравнения нужен более ранний год с результатами диагностики.")
else:
    base = st.selectbox("Сравнить с годом", earlier, key="deficits.base")
    before = ui.load_deficit_matrix(url, region, base, None, filters, suppress)
    before = before if own is None else deficits.only_row(before, own)
    change = deficits.change(before, grid)
    options: dict[str, Any] = {**chart, "tooltip": CHANGE_TOOLTIP, "value": "change", "diverging": True}
    ui.render_chart("heatmap", change, **options)
    st.caption(
        f"Изменение доли педагогов с дефицитом с {base} по {year} год в процентных пунктах: красным — доля выросла, "
        "синим — снизилась. Сравниваются только ячейки, где есть данные за оба года."
    )
    change_notes = {**notes, "Год": f"{base} → {year}"}
    change_sheets = functools.partial(
        deficits.workbook, change, order, row_title="Муниципалитет", notes=change_notes, value="change"
    )
    ui.chart_downloads(
        "heatmap", change, change_sheets, name=f"изменение_{region}_{base}_{year}", key="deficits.change", **options
    )

with st.expander("Правило дефицита и шкала уровней"):
    st.markdown(scale.rule())
    if access.edits_settings(role):
        ui.render_scale_editor(scale)
    else:
        st.dataframe(scale.bands(), hide_index=True)

st.subheader("По организациям муниципалитета")
if not access.sees_organisations(role):
    st.info("Данные по отдельным организациям доступны сотрудникам ЦНППМ.")
else:
    places = ui.load_municipalities(url, region)
    names = dict(zip(places["id"], places["name"], strict=True))
    if picked and picked[0] in names and st.session_state.get("deficits.picked") != picked[0]:
        st.session_state["deficits.picked"] = st.session_state["deficits.drill"] = int(picked[0])
    elif "deficits.drill" not in st.session_state or st.session_state["deficits.drill"] not in names:
        st.session_state["deficits.drill"] = municipality_id or int(places["id"].iloc[0])
    chosen = st.selectbox(
        "Муниципалитет (или щёлкните строку на карте)", list(names), format_func=names.__getitem__, key="deficits.drill"
    )
    organisation_threshold = ui.settings().suppress_below_organisation if suppress else None
    shown, empty = ui.load_organisation_matrix(url, region, year, int(chosen), filters, organisation_threshold)
    if len(shown) == len(shown[shown["row_total"]]):
        st.info(f"В муниципалитете нет результатов диагностики по организациям за {year} год.")
    else:
        every = deficits.row_order(shown, sort or "total")
        rows = every
        if len(every) > DRILL_ROWS + 1 and not st.toggle(
            f"Показать все организации ({formatting.number(len(every) - 1)})", key="deficits.all_organisations"
        ):
            rows = every[: DRILL_ROWS + 1]
            st.caption(f"Показаны первые {DRILL_ROWS} организаций в выбранном порядке строк; в XLSX — все.")
        drawn = shown[shown["row"].isin(rows)]
        drill: dict[str, Any] = {**chart, "rows": rows, "row_title": "Организация"}
        ui.render_chart("heatmap", drawn, **drill)
        if empty:
            st.caption(
                f"Без результатов диагностики за {year} год: {formatting.number(len(empty))} организаций "
                f"({', '.join(empty[:10])}{'…' if len(empty) > 10 else ''})."
            )
        if organisation_threshold:
            st.caption(f"Ячейки, где оценено меньше {organisation_threshold} человек, скрыты.")
        drill_notes = {**notes, "Муниципалитет": names[chosen]}
        drill_sheets = functools.partial(deficits.workbook, shown, every, row_title="Организация", notes=drill_notes)
        ui.chart_downloads(
            "heatmap", drawn, drill_sheets, name=f"дефициты_оо_{region}_{year}", key="deficits.drill", **drill
        )
