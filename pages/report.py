"""«Аналитическая справка»: the yearly monitoring report with адресные рекомендации, as DOCX and PDF."""

import datetime as dt

import streamlit as st

from rsnms import access, recommendations, report, ui
from rsnms.errors import RsnmsError

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)
municipality_id, municipality = ui.select_municipality(region)
role = ui.current_role()

st.title(f"Аналитическая справка: {region_name}")
if year is None:
    st.info("По этому региону ещё нет данных: справку составить не из чего.")
    st.stop()
own = ui.own_municipality()
scope = own if own is not None else municipality_id  # a municipal account: its own municipality only
st.caption(
    f"Справка по результатам мониторинга РСНМС за {year} год: {municipality}. Регион, год и муниципалитет "
    "выбираются слева; разделы и формат — здесь."
)
sections = st.multiselect(
    "Разделы",
    list(report.SECTIONS),
    default=list(report.SECTIONS),
    format_func=report.SECTIONS.__getitem__,
    key="report.sections",
)
if scope is not None and "municipalities" in sections:
    st.caption("В справке по одному муниципалитету его показатели, дефициты и нагрузка — в основных разделах.")
full_detail = access.sees_small_cells(role)
as_ministry = full_detail and st.toggle(
    "Как для министерства", help="Скрыть группы меньше порога, как их видит руководство.", key="report.as_ministry"
)
suppress = ui.settings().suppress_below if as_ministry or not full_detail else None
try:
    rules = recommendations.load_rules()
    figures = ui.load_report_figures(url, region, year, scope, suppress, dt.date.today())
except RsnmsError as error:
    st.error(str(error))
    st.stop()

found = recommendations.recommend(figures, rules)
st.subheader("Адресные рекомендации")
if found:
    st.dataframe(recommendations.display(found), hide_index=True, width="stretch", key="report.recommendations")
    st.caption("Так они войдут в справку: каждая со ссылкой на данные, по которым она дана.")
else:
    st.info("По действующим правилам рекомендаций нет.")
with st.expander("Правила и пороги"):
    st.dataframe(recommendations.describe(rules), hide_index=True, width="stretch")
    st.caption(
        "Пороги задаются в файле data/reference/recommendations.yaml (командная строка принимает и другой файл: "
        "--rules); справка перечисляет действующие в приложении."
    )

st.subheader("Скачать")
place = region if scope is None else f"{region}_{municipality}".replace(" ", "_")
ui.render_report_downloads(url, region, year, scope, suppress, sections, name=f"аналитическая_справка_{place}_{year}")
st.caption(
    "Файл собирается при нажатии (для всего региона — несколько секунд). DOCX можно отредактировать перед "
    "подписанием; PDF — для рассылки." + (f" Группы меньше {suppress} человек в справке скрыты." if suppress else "")
)
