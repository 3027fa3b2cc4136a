"""«Показатели»: every effectiveness indicator of the region's act, by year and municipality."""

import streamlit as st

from rsnms import monitoring, overview, ui

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)
municipality_id, municipality = ui.select_municipality(region)
scenario = ui.select_scenario(region)

st.title(f"Показатели эффективности: {region_name}")
if scenario is not None:
    ui.render_scenario_badge(scenario)
exported = "" if scenario is None else f"_сценарий_{scenario.id}"  # never mistaken for official figures
if year is None:
    st.info("По этому региону ещё нет фактических данных: значения появятся после загрузки данных ЦНППМ.")
    st.stop()
scored = ui.load_scored(url, region) if scenario is None else ui.load_scenario_scored(url, region, scenario.id)
if scored.empty:
    st.info("В акте этого региона нет перечня показателей эффективности РСНМС.")
    st.stop()

card = monitoring.scope_rows(scored, year=year, municipality_id=municipality_id)
previous = monitoring.scope_rows(scored, year=year - 1, municipality_id=municipality_id)
st.subheader(f"{municipality.capitalize() if municipality_id is None else municipality}, {year} год")
if card.empty:
    st.info(f"За {year} год данных по этому муниципалитету нет: значения появятся после загрузки данных ЦНППМ.")
    st.stop()
ui.render_scorecard(card, previous if not previous.empty else None)
st.caption("Источник значений: " + ", ".join(sorted(set(card["source"].dropna()))) + ".")
bars = card.assign(label=card["short_name"])[["label", "value", "target", "status", "unit", "numerator", "denominator"]]
ui.render_chart("bullet", bars)
scorecard_table = overview.display_scorecard(card, previous if not previous.empty else None)
ui.chart_downloads(
    "bullet", bars, scorecard_table, name=f"показатели_{region}_{year}{exported}", key="indicators.scorecard"
)

st.subheader("Сравнение муниципалитетов и динамика")
codes = dict(zip(card["code"], card["short_name"], strict=True))
code = st.selectbox("Показатель", list(codes), format_func=codes.__getitem__, key="indicators.indicator")
chosen = monitoring.scope_rows(scored, year=year, municipality_id=None)
chosen = chosen[chosen["code"] == code].iloc[0]
places = ui.ranking_rows(scored, region=region, year=year, code=code)
if ui.own_municipality() is not None:
    st.info("Сравнение с другими муниципалитетами и организациями недоступно муниципальной учётной записи.")
elif chosen["scope"] == "provider":
    providers = ui.load_providers(url, region, year, float(chosen["target"]))
    ui.render_chart(
        "ranking",
        providers.rename(columns={"provider": "municipality"}),
        title=f"{codes[code]}: по организациям ДПО",
        region_value=float(chosen["value"]),
        target=float(chosen["target"]),
        label_title="Организация ДПО",
    )
elif places.empty:
    st.info("Этот показатель считается по региону в целом, а не по муниципалитетам.")
else:
    lines = {"region_value": float(chosen["value"]), "target": float(chosen["target"]), "title": codes[code]}
    options = {**lines, "ascending": bool(chosen["polarity"] == "at_most_target")}
    ui.render_chart("ranking", places, **options)
    table = overview.display_places(places, str(chosen["unit"]))
    ui.chart_downloads("ranking", places, table, name=f"{code}_{year}{exported}", key="indicators.ranking", **options)

past = monitoring.history(scored, code=code, municipality_id=municipality_id)
target_year, target = ui.final_target(url, region, code, scenario.id if scenario else None)
if past["value"].notna().any():
    path = monitoring.target_path(past, target=target, target_year=target_year) if target_year else None
    ahead = monitoring.forecast(past, until_year=max(target_year or 0, int(past["year"].max()) + 2))
    ui.render_chart("trend", past, target_path=path, forecast=ahead, title=f"{codes[code]}: {municipality}")
    st.caption("«Прогноз» — линейный тренд по фактическим значениям, не официальная цель.")
else:
    st.info("Динамики нет: по этому показателю ещё нет фактических значений.")

# computed on demand: it scores every region
if ui.own_municipality() is None and st.toggle("Сравнить регионы", key="indicators.compare"):
    st.dataframe(ui.load_region_comparison(url, year), hide_index=True, width="stretch")
