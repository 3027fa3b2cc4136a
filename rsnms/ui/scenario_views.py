"""«Сценарии» views: the scenario selector and badge, editing, comparison, pace and downloads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    formatting,
    labels,
    monitoring,
    queries,
    scenario_store,
    scenarios,
    ui,
)
from rsnms.errors import RsnmsError
from rsnms.ui import indicator_views, methodist_views

# --- Scenarios ----------------------------------------------------------------------------------------------

OFFICIAL_SCENARIO = 0  # the scenario selector's «официальные цели» (not None: a selectbox reads None as nothing)
SCENARIO_LINK = "scenario"  # the URL query parameter that shares a scenario by link
SCENARIO_MESSAGE = "scenarios.message"


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_scenarios(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``scenarios.listing``."""
    return scenario_store.listing(db.get_engine(database_url), region=region)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_scenario(database_url: str, scenario_id: int) -> scenarios.Scenario:
    """Cached ``scenarios.load``."""
    return scenario_store.load(db.get_engine(database_url), scenario_id=scenario_id)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_catalogue(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``queries.indicator_catalogue`` (the indicators of the region's act)."""
    return queries.indicator_catalogue(db.get_engine(database_url), region=region)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Применяем сценарий…")
def load_scenario_scored(database_url: str, region: str, scenario_id: int) -> pd.DataFrame:
    """Cached ``load_scored`` with a scenario's targets and statuses."""
    return scenarios.apply(
        indicator_views.load_scored(database_url, region),
        official=indicator_views.load_targets(database_url, region),
        overrides=load_scenario(database_url, scenario_id).target_frame(),
        close_band=ui.load_constant(database_url, "status_close_band"),
    )


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Сравниваем сценарий с официальными целями…")
def load_scenario_analysis(database_url: str, region: str, scenario_id: int, year: int) -> scenarios.Analysis:
    """Cached ``scenarios.analyse`` from the cached official figures."""
    return scenarios.analyse(
        indicator_views.load_scored(database_url, region),
        scenario=load_scenario(database_url, scenario_id),
        official=indicator_views.load_targets(database_url, region),
        base=methodist_views.load_methodist_base(database_url, region, year),
        official_norm=ui.load_constant(database_url, scenarios.NORM_CODE),
        close_band=ui.load_constant(database_url, "status_close_band"),
        year=year,
    )


def select_scenario(region: str) -> scenarios.Scenario | None:
    """The sidebar «Сценарий» selector (official targets by default), kept across pages and in the URL.

    A link with ``?scenario=ID`` selects that scenario once; the choice then lives in the session like the
    other filters, and the URL always shows it, so the address can be shared.
    """
    listed = load_scenarios(ui.settings().database_url, region)
    names = {OFFICIAL_SCENARIO: "официальные цели", **dict(zip(listed["id"].astype(int), listed["name"], strict=True))}
    link = st.query_params.get(SCENARIO_LINK)
    if link is not None and link != st.session_state.get("scenario_link"):
        if link.isdigit() and int(link) in names:
            st.session_state["scenario"] = int(link)
        else:
            st.warning(f"Сценарий по ссылке (№ {link}) не найден в этом регионе: показаны официальные цели.")
    chosen = int(ui.remembered_select("Сценарий", list(names), "scenario", format_func=names.__getitem__))
    if chosen == OFFICIAL_SCENARIO:
        st.query_params.pop(SCENARIO_LINK, None)
    else:
        st.query_params[SCENARIO_LINK] = str(chosen)
    st.session_state["scenario_link"] = st.query_params.get(SCENARIO_LINK)
    return None if chosen == OFFICIAL_SCENARIO else load_scenario(ui.settings().database_url, chosen)


def render_scenario_badge(scenario: scenarios.Scenario) -> None:
    """The warning at the top of a page showing a scenario, so it is never taken for official data."""
    st.warning(f"Сценарий: {scenario.name} — не официальные значения", icon=":material/science:")


def _scenario_changed(message: str, *, select: int | None = None) -> None:
    """After a stored change: fresh caches, the message kept for the next run, the scenario chosen, a rerun."""
    ui.clear_caches()
    st.session_state[SCENARIO_MESSAGE] = message
    if select is not None:
        st.session_state["scenario"] = select
    st.rerun()


def render_scenario_message() -> None:
    """The message a change left before its rerun."""
    if SCENARIO_MESSAGE in st.session_state:
        st.success(st.session_state.pop(SCENARIO_MESSAGE))


def render_scenario_create(region: str) -> None:
    """«Новый сценарий» (a name and description) and «Загрузить из XLSX», for the roles that edit scenarios."""
    with st.expander("Новый сценарий или загрузка из файла", expanded=False):
        with st.form("scenarios.create", clear_on_submit=True):
            name = st.text_input("Название", max_chars=scenarios.MAX_NAME, key="scenarios.new_name")
            description = st.text_area("Описание", key="scenarios.new_description")
            if st.form_submit_button("Создать сценарий"):
                try:
                    new = scenario_store.create(
                        ui.get_engine(),
                        name=name,
                        region=region,
                        actor=ui.current_actor(),
                        now=dt.datetime.now(dt.UTC),
                        description=description,
                    )
                except RsnmsError as error:
                    st.error(str(error))
                else:
                    _scenario_changed(f"Сценарий «{name.strip()}» создан.", select=new)
        upload = st.file_uploader(
            "Сценарий из XLSX (выгруженный на этой странице)", type=["xlsx"], key="scenarios.file"
        )
        if upload is not None and st.button("Загрузить сценарий", key="scenarios.import"):
            try:
                new = scenario_store.import_xlsx(
                    ui.get_engine(),
                    upload.getvalue(),
                    file_name=upload.name,
                    region=region,
                    actor=ui.current_actor(),
                    now=dt.datetime.now(dt.UTC),
                    max_mb=ui.settings().max_upload_mb,
                )
            except RsnmsError as error:
                st.error(str(error))
            else:
                _scenario_changed(f"Сценарий загружен из файла {upload.name}.", select=new)


def render_scenario_manage(scenario: scenarios.Scenario) -> None:
    """Rename, copy or delete the scenario."""
    with st.expander("Переименовать, копировать, удалить", expanded=False):
        name = st.text_input("Название", value=scenario.name, key=f"scenarios.name.{scenario.id}")
        description = st.text_area("Описание", value=scenario.description, key=f"scenarios.description.{scenario.id}")
        rename, copy, remove = st.columns(3)
        now, actor = dt.datetime.now(dt.UTC), ui.current_actor()
        try:
            if rename.button("Сохранить название", key="scenarios.rename"):
                scenario_store.rename(
                    ui.get_engine(), scenario_id=scenario.id, name=name, description=description, actor=actor, now=now
                )
                _scenario_changed(f"Сценарий переименован: «{name.strip()}».")
            if copy.button("Копировать", key="scenarios.copy"):
                new = scenario_store.copy(
                    ui.get_engine(), scenario_id=scenario.id, name=f"{scenario.name} (копия)", actor=actor, now=now
                )
                _scenario_changed(f"Создана копия «{scenario.name} (копия)».", select=new)
            confirm = remove.checkbox("Да, удалить сценарий", key="scenarios.confirm_delete")
            if remove.button("Удалить", disabled=not confirm, key="scenarios.delete"):
                scenario_store.delete_scenario(ui.get_engine(), scenario_id=scenario.id, actor=actor, now=now)
                _scenario_changed(f"Сценарий «{scenario.name}» удалён.", select=OFFICIAL_SCENARIO)
        except RsnmsError as error:
            st.error(str(error))


def _save_scenario(scenario: scenarios.Scenario, targets: pd.DataFrame, norm: float | None, message: str) -> None:
    constants = {} if norm is None else {scenarios.NORM_CODE: norm}
    try:
        scenario_store.save_overrides(
            ui.get_engine(),
            scenario_id=scenario.id,
            targets=targets,
            constants=constants,
            actor=ui.current_actor(),
            now=dt.datetime.now(dt.UTC),
        )
    except RsnmsError as error:
        st.error(str(error))
    else:
        _scenario_changed(message)


def render_scenario_editor(scenario: scenarios.Scenario, *, region: str, editable: bool) -> None:
    """The overrides as an editable table with the norm, three presets and «Сохранить»."""
    url = ui.settings().database_url
    catalogue, places = load_catalogue(url, region), ui.load_municipalities(url, region)
    official, official_norm = indicator_views.load_targets(url, region), ui.load_constant(url, scenarios.NORM_CODE)
    current = scenario.target_frame()
    norm_now = dict(scenario.constants).get(scenarios.NORM_CODE)
    if editable:
        raised, moved, lowered = st.columns(3)
        if raised.button(f"Цели +{formatting.short_number(scenarios.PRESET_POINTS)} п.п.", key="scenarios.raise"):
            new = scenarios.raise_targets(current, official=official, catalogue=catalogue)
            points = formatting.short_number(scenarios.PRESET_POINTS)
            _save_scenario(scenario, new, norm_now, f"Доли-цели подняты на {points} п.п. (не выше 100\u00a0%).")
        source, until = scenarios.PRESET_SHIFT
        if moved.button(f"Перенести цели {source} на {until}", key="scenarios.shift"):
            new = scenarios.shift_targets(current, official=official, catalogue=catalogue)
            _save_scenario(scenario, new, norm_now, f"Цели {source} года перенесены на {until} год.")
        if lowered.button(f"Норма {formatting.number(scenarios.PRESET_NORM)}", key="scenarios.norm_preset"):
            preset = formatting.number(scenarios.PRESET_NORM)
            message = f"Норма нагрузки методистов сценария: {preset}."
            _save_scenario(scenario, current, scenarios.PRESET_NORM, message)
    stamp = scenario.updated_at.timestamp() if scenario.updated_at else 0
    edited = st.data_editor(
        scenarios.editor_frame(current, catalogue=catalogue, municipalities=places),
        num_rows="dynamic" if editable else "fixed",
        disabled=not editable,
        hide_index=True,
        width="stretch",
        column_config={
            "Показатель": st.column_config.SelectboxColumn(options=list(catalogue["short_name"]), required=True),
            "Муниципальное образование": st.column_config.SelectboxColumn(
                options=[scenarios.WHOLE_REGION, *places["name"]], required=True, default=scenarios.WHOLE_REGION
            ),
            "Год": st.column_config.NumberColumn(
                min_value=scenarios.FIRST_YEAR, max_value=scenarios.LAST_YEAR, step=1, format="%d", required=True
            ),
            "Цель": st.column_config.NumberColumn(min_value=0, step=0.1, format="localized", required=True),
        },
        key=f"scenarios.targets.{scenario.id}.{stamp}",  # a new table after every save, so old edits never linger
    )
    st.caption(
        f"Годы {scenarios.FIRST_YEAR}–{scenarios.LAST_YEAR}; доли — от 0 до 100. Цель муниципалитета важнее цели "
        "региона; строки, которых нет в таблице, остаются официальными."
    )
    keep_norm = st.checkbox(
        "Своя норма нагрузки методистов", value=norm_now is not None, disabled=not editable, key="scenarios.has_norm"
    )
    low, high = scenarios.NORM_RANGE
    norm = st.number_input(
        f"Норма: педагогов на 1 методиста (официальная — {formatting.number(official_norm)})",
        min_value=low,
        max_value=high,
        value=int(norm_now if norm_now is not None else official_norm),
        step=10,
        disabled=not (editable and keep_norm),
        key=f"scenarios.norm.{scenario.id}.{stamp}",
    )
    if editable and st.button("Сохранить изменения", type="primary", key="scenarios.save"):
        try:
            targets = scenarios.from_editor(edited, catalogue=catalogue, municipalities=places)
        except RsnmsError as error:
            st.error(str(error))
        else:
            _save_scenario(scenario, targets, float(norm) if keep_norm else None, "Сценарий сохранён.")


def render_scenario_comparison(analysis: scenarios.Analysis, *, region: str, year: int) -> None:
    """Official against scenario statuses of a year: the counts of changes and the full table."""
    places = ui.load_municipalities(ui.settings().database_url, region)
    summary = scenarios.changes(analysis.comparison)
    changed = scenarios.changed_municipalities(analysis.comparison)
    st.metric(
        "Муниципалитетов меняют статус",
        f"{changed} из {analysis.comparison['municipality_id'].nunique()}",
        help="Хотя бы по одному показателю статус по целям сценария не такой, как по официальным.",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Показатель": summary["short_name"],
                "МО меняют статус": [
                    f"{c} из {n}" for c, n in zip(summary["changed"], summary["municipalities"], strict=True)
                ],
                "Регион меняет статус": ["да" if c else "нет" for c in summary["region_changed"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    only_changed = st.toggle("Только строки, где статус меняется", value=True, key="scenarios.only_changed")
    rows = analysis.comparison[analysis.comparison["changed"]] if only_changed else analysis.comparison
    colours = labels.INDICATOR_STATUS_COLOURS
    styled = scenarios.display_comparison(rows, places).style.map(
        lambda status: f"background-color: {colours.get(status, '')}",
        subset=["Статус (официальный)", "Статус (сценарий)"],
    )
    st.dataframe(styled, hide_index=True, width="stretch")
    st.caption(f"Значения {year} года; меняются только цели, значения — фактические.")


def render_scenario_pace(
    analysis: scenarios.Analysis, scenario: scenarios.Scenario, *, region: str, municipality_id: int | None
) -> None:
    """The pace table, the trajectories of one indicator under both, and the methodists to hire."""
    url = ui.settings().database_url
    places = ui.load_municipalities(url, region)
    behind = st.toggle("Только где тренда не хватает", value=False, key="scenarios.only_behind")
    rows = analysis.pace[analysis.pace["state"] == "behind"] if behind else analysis.pace
    st.dataframe(scenarios.display_pace(rows, places), hide_index=True, width="stretch")
    st.caption(
        "Нужный темп — от последнего фактического значения до последней цели (сценария, а где её нет — "
        "официальной), поровну по годам; тренд — линейный по фактическим годам."
    )
    catalogue = load_catalogue(url, region)
    codes = dict(zip(catalogue["code"], catalogue["short_name"], strict=True))
    code = st.selectbox("Показатель для графика", list(codes), format_func=codes.__getitem__, key="scenarios.indicator")
    past = monitoring.history(indicator_views.load_scored(url, region), code=code, municipality_id=municipality_id)
    scope = pd.DataFrame({"code": [code], "municipality_id": [municipality_id]})
    official = indicator_views.load_targets(url, region)
    official_column, scenario_column = st.columns(2)
    trajectories = (
        []
        if not past["value"].notna().any()
        else [
            (official_column, official, "официальные цели"),
            (
                scenario_column,
                scenarios.effective_targets(official, scenario.target_frame()),
                f"сценарий «{scenario.name}»",
            ),
        ]
    )
    if not trajectories:
        st.info("Траекторий нет: по этому показателю ещё нет фактических значений.")
    for column, targets, title in trajectories:
        final = scenarios.final_targets(targets, scope).iloc[0]
        path = None
        if pd.notna(final["target_year"]):
            path = monitoring.target_path(past, target=float(final["target"]), target_year=int(final["target_year"]))
        until = max(int(final["target_year"]) if pd.notna(final["target_year"]) else 0, int(past["year"].max()) + 2)
        with column:
            ui.render_chart(
                "trend", past, target_path=path, forecast=monitoring.forecast(past, until_year=until), title=title
            )

    st.subheader("Методисты по норме сценария")
    official_gap = float(analysis.hiring["shortfall_official"].sum())
    scenario_gap = float(analysis.hiring["shortfall_scenario"].sum())
    now, then = st.columns(2)
    now.metric(
        f"Нанять ставок при официальной норме {formatting.number(analysis.official_norm)}",
        formatting.short_number(official_gap, 2),
    )
    then.metric(
        f"Нанять ставок при норме сценария {formatting.number(analysis.scenario_norm)}",
        formatting.short_number(scenario_gap, 2),
        delta=f"{formatting.short_number(scenario_gap - official_gap, 2)} "
        f"{formatting.plural(scenario_gap - official_gap, methodist_views.FTE_FORMS)} к официальной норме",
        delta_color="inverse",
    )
    hiring = scenarios.display_hiring(
        analysis.hiring, official_norm=analysis.official_norm, scenario_norm=analysis.scenario_norm
    )
    st.dataframe(hiring, hide_index=True, width="stretch")


def render_scenario_download(
    scenario: scenarios.Scenario, analysis: scenarios.Analysis, *, region: str, region_name: str, year: int
) -> None:
    """«Скачать сценарий (XLSX)»: the scenario and its comparison, made when clicked."""
    url = ui.settings().database_url
    st.download_button(
        "Скачать сценарий и сравнение (XLSX)",
        data=lambda: scenarios.to_xlsx(
            scenario,
            analysis,
            catalogue=load_catalogue(url, region),
            municipalities=ui.load_municipalities(url, region),
            region_name=region_name,
            year=year,
        ),
        file_name=f"сценарий_{scenario.id}_{year}.xlsx",
        mime=ui.XLSX_MIME,
        on_click="ignore",
        key="scenarios.download",
    )


def save_norm_scenario(name: str, *, region: str, norm: float) -> None:
    """«Сохранить как сценарий» of the methodist page: a new scenario holding only the norm, then chosen."""
    try:
        new = scenario_store.create(
            ui.get_engine(),
            name=name,
            region=region,
            actor=ui.current_actor(),
            now=dt.datetime.now(dt.UTC),
            constants={scenarios.NORM_CODE: norm},
        )
    except RsnmsError as error:
        st.error(str(error))
    else:
        _scenario_changed(f"Сценарий «{name.strip()}» сохранён: норма {formatting.number(norm)}.", select=new)
