"""The only streamlit-aware module of rsnms: engine, settings, the session and sign-in, the shared sidebar
selectors, charts and downloads, then the views of each page, section by section."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from streamlit.runtime.pages_manager import PagesManager

from rsnms import (
    access,
    audit,
    auth,
    charts,
    db,
    deficits,
    export,
    formatting,
    labels,
    methodists,
    monitoring,
    overview,
    queries,
    recommendations,
    report,
    roadmap,
    scenario_store,
    scenarios,
    status_entry,
)
from rsnms.config import Settings, load_settings
from rsnms.errors import RsnmsError
from rsnms.ingest import pipeline, templates
from rsnms.ingest.schemas import Schema

CACHE_TTL_SECONDS = 600
REGION_WIDE = "весь регион"
WHOLE_REGION = 0  # the municipality selector's «весь регион»
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def settings() -> Settings:
    """Settings from the environment (cheap; read on every rerun so tests can change them)."""
    return load_settings()


def route_through_app() -> None:
    """Run a page through app.py's navigation even when the first visit after start is a deep link.

    Streamlit runs a bare page script (the old multipage mode, chosen because pages/ sits beside app.py)
    until some session has run app.py's ``st.navigation``; such a run has no page config and lists files
    in the sidebar. Every page calls this first: it switches the server to app.py's navigation and reruns.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_engine() -> Engine:
    """The process-wide engine; stops the page with a Russian message if the store is not set up."""
    current = settings()
    engine = db.get_engine(current.database_url, echo=current.echo_sql)
    if not db.is_migrated(engine):
        st.error(
            "База данных не подготовлена. Выполните `make run` (или `python -m rsnms init` "
            "и `python -m rsnms demo`) и обновите страницу."
        )
        st.stop()
    return engine


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_regions(database_url: str) -> pd.DataFrame:
    """Cached ``queries.regions``."""
    return queries.regions(db.get_engine(database_url))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_years(database_url: str, region: str) -> list[int]:
    """Cached ``queries.data_years``."""
    return queries.data_years(db.get_engine(database_url), region=region)


def clear_caches() -> None:
    """Forget every cached figure (after a committed upload, so data are fresh at once)."""
    st.cache_data.clear()


def remembered_select(
    label: str, options: Sequence[Any], name: str, *, format_func: Callable[[Any], str] = str, default: Any = None
) -> Any:
    """A sidebar selectbox whose choice survives page switches (kept in ``st.session_state[name]``).

    Streamlit forgets a widget's state when another page is shown, so the choice lives under its own key,
    is copied back into the widget before it is drawn, and is updated by the widget's callback.
    """
    key = f"filters.{name}"
    remembered = st.session_state.get(name, default)
    st.session_state[key] = remembered if remembered in options else options[0]

    def remember() -> None:
        st.session_state[name] = st.session_state[key]

    chosen = st.sidebar.selectbox(label, options, format_func=format_func, key=key, on_change=remember)
    st.session_state[name] = chosen
    return chosen


def own_municipality() -> int | None:
    """A municipal user's municipality id (every view is filtered to it), else None."""
    user = current_user()
    return user.municipality_id if user is not None and user.role == access.Role.MUNICIPAL else None


def select_region() -> tuple[str, str]:
    """The sidebar region selector, shared by every page; returns (code, name). A municipal user's is fixed."""
    regions = load_regions(settings().database_url)
    names = dict(zip(regions["code"], regions["name"], strict=True))
    user = current_user()
    fixed = user.region if user is not None and own_municipality() is not None else None
    if fixed is not None and fixed in names:
        st.sidebar.caption(f"Регион: {names[fixed]}")
        return fixed, names[fixed]
    codes = list(names)
    code = remembered_select("Регион", codes, "region", format_func=names.__getitem__, default=settings().region)
    return code, names[code]


def select_year(region: str) -> int | None:
    """The sidebar year selector over the years with data; None when the region has none."""
    years = load_years(settings().database_url, region)
    if not years:
        return None
    return int(remembered_select("Год", years, "year"))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_municipalities(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``queries.municipalities``."""
    return queries.municipalities(db.get_engine(database_url), region=region)


def select_municipality(region: str) -> tuple[int | None, str]:
    """The sidebar municipality selector (drill-down), shared by pages; (None, «весь регион») by default.

    A municipal user's municipality is fixed.
    """
    municipalities = load_municipalities(settings().database_url, region)
    names = dict(zip(municipalities["id"], municipalities["name"], strict=True))
    own = own_municipality()
    if own is not None and own in names:
        st.sidebar.caption(f"Муниципальное образование: {names[own]}")
        return own, names[own]
    options = [WHOLE_REGION, *(int(m) for m in names)]  # not None: a selectbox reads None as «nothing chosen»
    chosen = remembered_select(
        "Муниципальное образование", options, "municipality", format_func=lambda m: names.get(m, REGION_WIDE)
    )
    return (int(chosen), names[chosen]) if chosen != WHOLE_REGION else (None, REGION_WIDE)


@st.cache_data(max_entries=256, show_spinner=False)
def _chart_spec(builder: str, frame: pd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = getattr(charts, builder)(frame, **options).to_dict(validate=False)
    return spec


def render_chart(builder: str, frame: pd.DataFrame, *, key: str | None = None, **options: Any) -> list[Any]:
    """Draw ``charts.<builder>(frame, **options)``; the Vega-Lite spec is cached, so a rerun does not rebuild it.

    With ``key`` a click on a heatmap cell selects its row: the selected ``row_id`` values are returned.
    """
    spec = _chart_spec(builder, frame, options)
    if key is None:
        st.vega_lite_chart(spec, width="stretch", theme=None)
        return []
    event = st.vega_lite_chart(
        spec, width="stretch", theme=None, key=key, on_select="rerun", selection_mode=[charts.ROW_SELECTION]
    )
    points = event.selection.get(charts.ROW_SELECTION, []) if event is not None else []
    return [point["row_id"] for point in points if isinstance(point, dict) and "row_id" in point]


def chart_downloads(
    builder: str,
    frame: pd.DataFrame,
    table: pd.DataFrame | Callable[[], Mapping[str, pd.DataFrame]],
    *,
    name: str,
    key: str,
    **options: Any,
) -> None:
    """«Скачать PNG» and «Скачать XLSX» buttons for a chart and its table, or a function making the sheets.

    Both files are made only when clicked.
    """

    def sheets() -> Mapping[str, pd.DataFrame]:
        return {name[:31]: table} if isinstance(table, pd.DataFrame) else table()

    png, xlsx = st.columns(2)
    png.download_button(
        "Скачать график (PNG)",
        data=lambda: charts.to_png(getattr(charts, builder)(frame, **options)),
        file_name=f"{name}.png",
        mime="image/png",
        on_click="ignore",
        key=f"{key}.png",
    )
    xlsx.download_button(
        "Скачать таблицу (XLSX)",
        data=lambda: export.to_xlsx(sheets()),
        file_name=f"{name}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=f"{key}.xlsx",
    )


SESSION_USER, SESSION_SEEN = "user", "user_seen"
USER_CHECK_SECONDS = 30  # how stale the session's copy of its user may be (disable, role change)


@st.cache_data(ttl=USER_CHECK_SECONDS, show_spinner=False)
def _refreshed(database_url: str, login: str) -> auth.User | None:
    return auth.refreshed(db.get_engine(database_url), login)


def current_user() -> auth.User | None:
    """The signed-in user, or None; a session idle for longer than ``RSNMS_SESSION_MINUTES`` ends.

    The user is re-read from the store (at most ``USER_CHECK_SECONDS`` old): a disabled account is
    signed out and a changed role applies without a new sign-in.
    """
    stored = st.session_state.get(SESSION_USER)
    if not stored and st.user.get("is_logged_in"):  # back from the identity provider (single sign-on)
        stored = _single_sign_on()
    if not stored:
        return None
    now = dt.datetime.now(dt.UTC)
    seen = st.session_state.get(SESSION_SEEN, now)
    if now - seen > dt.timedelta(minutes=settings().session_minutes):
        _end_session("Сеанс завершён из-за бездействия: войдите снова.")
        return None
    user = _refreshed(settings().database_url, str(stored["login"]))
    if user is None:
        _end_session("Учётная запись отключена: обратитесь к администратору.")
        return None
    st.session_state[SESSION_SEEN] = now
    return user


def _end_session(message: str) -> None:
    """Sign out (at the identity provider too) and say why on the next page."""
    sign_out()
    st.session_state["auth.message"] = message
    if st.user.get("is_logged_in"):
        st.logout()


def sso_configured() -> bool:
    """Whether an identity provider is set up for ``st.login`` (an ``[auth]`` section in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def _single_sign_on() -> dict[str, Any] | None:
    """Map the identity ``st.login`` brought back to a user of the same login; refuse (and log out) otherwise."""
    identity = str(st.user.get("preferred_username") or st.user.get("email") or "")
    try:
        user = auth.single_sign_on(get_engine(), login=identity, settings=settings(), now=dt.datetime.now(dt.UTC))
    except RsnmsError as error:
        st.session_state["auth.message"] = str(error)
        st.logout()
        return None
    sign_in(user)
    stored: dict[str, Any] = st.session_state[SESSION_USER]
    return stored


def current_role() -> access.Role:
    """The signed-in user's role; a visitor who has not signed in reads as ``access.ANONYMOUS_ROLE``."""
    user = current_user()
    return user.role if user else access.ANONYMOUS_ROLE


def sign_in(user: auth.User) -> None:
    """Keep the user in the session (login, role and place only: never the password)."""
    st.session_state[SESSION_USER] = {
        "login": user.login,
        "role": user.role.value,
        "region": user.region,
        "municipality_id": user.municipality_id,
        "municipality": user.municipality,
    }
    st.session_state[SESSION_SEEN] = dt.datetime.now(dt.UTC)
    if user.region:
        st.session_state["region"] = user.region


def sign_out() -> None:
    """Forget the signed-in user (and the page choices tied to them)."""
    for key in (SESSION_USER, SESSION_SEEN, "municipality"):
        st.session_state.pop(key, None)


def current_actor() -> access.Actor:
    """Who acts on this page: the signed-in user, or an anonymous visitor with ``access.ANONYMOUS_ROLE``."""
    user = current_user()
    return user.actor if user else access.Actor(None, access.ANONYMOUS_ROLE)


def require_page(allowed: Callable[[access.Role], bool], refusal: str) -> access.Actor:
    """The signed-in actor if their role may use this page; otherwise a Russian refusal and the page stops."""
    user = current_user()
    if user is None or not allowed(user.role):
        st.warning(refusal)
        st.stop()
    return user.actor


def render_sign_in() -> None:
    """The sign-in form (login and password), with the refusal in Russian when it fails."""
    if "auth.message" in st.session_state:
        st.info(st.session_state.pop("auth.message"))
    with st.form("auth.form"):
        login = st.text_input("Логин", key="auth.login")
        password = st.text_input("Пароль", type="password", key="auth.password")
        submitted = st.form_submit_button("Войти", type="primary")
    if sso_configured() and st.button("Войти через единый вход", key="auth.sso"):
        st.login()
    if submitted:
        try:
            user = auth.authenticate(
                get_engine(), login=login, password=password, settings=settings(), now=dt.datetime.now(dt.UTC)
            )
        except RsnmsError as error:
            st.error(str(error))
        else:
            sign_in(user)
            st.rerun()


def render_account(user: auth.User | None, *, sidebar: bool = True) -> None:
    """Who is signed in, and «Выйти» (on the sidebar of every page, or in the page's body)."""
    if user is None:
        return
    area = st.sidebar if sidebar else st.container()
    place = f", {user.municipality}" if user.municipality else ""
    area.caption(f"Вы вошли как **{user.login}** ({access.ROLE_NAMES[user.role]}{place}).")
    if area.button("Выйти", key=f"auth.sign_out.{'sidebar' if sidebar else 'page'}"):
        with get_engine().begin() as conn:
            audit.record(conn, action="logout", user=user.login, detail="", at=dt.datetime.now(dt.UTC))
        sign_out()
        if st.user.get("is_logged_in"):
            st.logout()
        st.rerun()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_constant(database_url: str, code: str) -> float:
    """Cached ``queries.constant`` (the methodist norm, the status band)."""
    return queries.constant(db.get_engine(database_url), code=code)


# --- «Обзор» and «Показатели» ----------------------------------------------------------------------------


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_freshness(database_url: str, region: str) -> queries.Freshness:
    """Cached ``queries.freshness``."""
    return queries.freshness(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем показатели…")
def load_headline(database_url: str, region: str, year: int, today: dt.date) -> overview.Headline:
    """Cached ``overview.headline``, from the same cached scorecard the page shows."""
    card = load_scorecard(database_url, region, year)
    return overview.headline(db.get_engine(database_url), region=region, year=year, today=today, card=card)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scorecard(database_url: str, region: str, year: int) -> pd.DataFrame:
    """Cached full-catalogue ``overview.scorecard`` of a year (``overview.act_rows`` keeps the act's)."""
    return overview.scorecard(db.get_engine(database_url), region=region, year=year, include_all=True)


def freshness_caption(fresh: queries.Freshness) -> str:
    """«демонстрационные данные» or «данные на 31.12.2024, загрузка № 7»."""
    if fresh.batch_id is None:
        return "Фактические данные ещё не загружены: показаны справочные данные из акта региона."
    demo = "Демонстрационные данные (условные, не относятся к реальным людям и организациям)"
    if fresh.is_demo:
        return f"{demo}."
    when = f"Данные на {formatting.short_date(fresh.created_at.date())}, " if fresh.created_at else ""
    return f"{when}загрузка № {fresh.batch_id}" + ("; в базе также демонстрационные данные." if fresh.has_demo else ".")


def render_headline(figures: overview.Headline) -> None:
    """The four headline tiles of the «Обзор» page."""
    met, diagnosed, load, overdue = st.columns(4)
    if figures.indicators_with_target:
        met.metric(
            "Показатели выполнены",
            f"{figures.indicators_met} из {figures.indicators_with_target}",
            help=f"Показатели акта с целью на {figures.year} год; без данных: {figures.indicators_no_data}.",
        )
    else:
        met.metric("Показатели выполнены", "цели не установлены", help="Целевые значения на год не заданы.")
    diagnosed.metric(
        "Прошли диагностику",
        formatting.percent(figures.diagnosed_share),
        delta=overview.target_gap(figures.diagnosed_share, figures.diagnosed_target),
        help="Доля педагогических работников и управленческих кадров, прошедших диагностику "
        "профессиональных дефицитов в ЦНППМ.",
    )
    load.metric(
        "Педагогов на 1 методиста",
        formatting.number(figures.teachers_per_methodist),
        delta=overview.norm_gap(figures.teachers_per_methodist, figures.methodist_norm),
        delta_color="inverse",
        help=f"Норма — не более {formatting.number(figures.methodist_norm)} педагогических работников "
        "на 1 регионального методиста (ставку).",
    )
    overdue.metric(
        "Просрочено мероприятий",
        f"{figures.roadmap_overdue} из {figures.roadmap_items}",
        help=f"Мероприятия дорожной карты региона на {formatting.long_date(figures.roadmap_as_of)}: срок прошёл, "
        "а мероприятие не выполнено, или отмечено как невыполненное.",
    )


def render_scorecard(card: pd.DataFrame, previous: pd.DataFrame | None = None) -> None:
    """The indicator scorecard with traffic-light status cells."""
    colours = labels.INDICATOR_STATUS_COLOURS
    styled = overview.display_scorecard(card, previous).style.map(
        lambda status: f"background-color: {colours.get(status, '')}", subset=["Статус"]
    )
    st.dataframe(styled, hide_index=True, width="stretch")


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем показатели…")
def load_scored(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``monitoring.scored`` over every year with data."""
    engine = db.get_engine(database_url)
    return monitoring.scored(engine, region=region, years=sorted(queries.data_years(engine, region=region)))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_region_comparison(database_url: str, year: int) -> pd.DataFrame:
    """Cached ``monitoring.compare_regions``."""
    return monitoring.compare_regions(db.get_engine(database_url), year=year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_targets(database_url: str, region: str) -> pd.DataFrame:
    """Cached official targets of every year the product knows (2021–2030)."""
    return queries.targets(db.get_engine(database_url), region=region, years=list(range(2021, 2031)))


def ranking_rows(scored: pd.DataFrame, *, region: str, year: int, code: str) -> pd.DataFrame:
    """The municipalities' values of one indicator and year, named, for the ranking chart and its table."""
    rows = scored[(scored["year"] == year) & (scored["code"] == code) & scored["municipality_id"].notna()]
    names = load_municipalities(settings().database_url, region)[["id", "short_name"]]
    named = rows.merge(
        names.rename(columns={"id": "municipality_id", "short_name": "municipality"}), on="municipality_id"
    )
    return named[["municipality", "numerator", "denominator", "value", "target", "status"]]


def final_target(database_url: str, region: str, code: str, scenario_id: int | None = None) -> tuple[int | None, float]:
    """The last region-level target of an indicator, official or under a scenario: (year, value), or (None, NaN)."""
    targets = load_targets(database_url, region)
    if scenario_id is not None:
        targets = scenarios.effective_targets(targets, load_scenario(database_url, scenario_id).target_frame())
    own = targets[(targets["code"] == code) & targets["municipality_id"].isna()].sort_values("year")
    if own.empty:
        return None, float("nan")
    return int(own["year"].iloc[-1]), float(own["target"].iloc[-1])


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_providers(database_url: str, region: str, year: int, target: float) -> pd.DataFrame:
    """Cached ``monitoring.providers`` (the ФР ДППО share per ДПО provider)."""
    engine = db.get_engine(database_url)
    band = queries.constant(engine, code="status_close_band")
    return monitoring.providers(engine, region=region, year=year, target=target, close_band=band)


# --- «Загрузка данных» and «Журнал загрузок» -------------------------------------------------------------


def render_problems(preview: pipeline.Preview) -> None:
    """Errors and warnings of an upload: a summary by kind, the full table and the error-rows file."""
    errors, warnings = len(preview.errors), len(preview.problems) - len(preview.errors)
    if errors:
        st.error(f"Найдено ошибок: {errors}. Ничего не будет загружено, пока они не исправлены.")
    if warnings:
        st.warning(f"Предупреждений: {warnings}. Они не мешают загрузке.")
    frame = preview.problems_frame()
    st.dataframe(frame, hide_index=True, width="stretch", key="upload.problems")
    st.download_button(
        "Скачать строки с ошибками",
        data=preview.error_rows_xlsx,
        on_click="ignore",
        file_name=f"ошибки_{preview.file_name.rsplit('.', 1)[0]}.xlsx",
        mime=XLSX_MIME,
        key="upload.error_rows",
    )


def render_preview(preview: pipeline.Preview) -> None:
    """What an upload would do: recognised sheets, region and year, counts, a sample, problems."""
    if preview.sheets:
        sheets = pd.DataFrame(
            [(s.name, s.title, s.header_row, s.rows) for s in preview.sheets],
            columns=["Лист", "Распознан как", "Строка заголовка", "Строк данных"],
        )
        st.dataframe(sheets, hide_index=True, width="stretch")
    regions = load_regions(settings().database_url)
    region = dict(zip(regions["code"], regions["name"], strict=True)).get(preview.region or "", "не определён")
    year = preview.year or "не определён"
    st.markdown(
        f"**Регион:** {region} ({preview.region_source or 'выберите вручную'}) · "
        f"**Год:** {year} ({preview.year_source or 'выберите вручную'})"
    )
    for column in preview.dropped_columns:
        st.info(f"Столбец с персональными данными не загружается: {column}")
    if preview.same_file_batch:
        st.info(f"Этот файл уже загружался (загрузка № {preview.same_file_batch}).")
    if preview.changes:
        st.dataframe(preview.counts(), hide_index=True, width="stretch", key="upload.counts")
        for change in preview.changes:
            if len(change.created):
                with st.expander(f"{change.write.label}: первые новые строки"):
                    shown = list(dict.fromkeys((*change.write.key, *change.write.values)))  # not derived columns
                    st.dataframe(change.created[shown].head(10), hide_index=True)
    if preview.problems:
        render_problems(preview)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_batches(database_url: str) -> pd.DataFrame:
    """Cached ``queries.batches``."""
    return queries.batches(db.get_engine(database_url))


def display_batches(history: pd.DataFrame) -> pd.DataFrame:
    """The batches as the journal shows them (Russian headers and states)."""
    when = pd.to_datetime(history["created_at"], utc=True).dt.strftime("%d.%m.%Y %H:%M")
    state = history["state"].map(labels.BATCH_STATE).where(history["erased_at"].isna(), "персональные данные удалены")
    return pd.DataFrame(
        {
            "№": history["id"],
            "Файл": history["file_name"],
            "Данные": history["kinds"].where(history["kinds"] != "", history["kind"]),
            "Регион": history["region_name"],
            "Год": [str(int(year)) if pd.notna(year) else "—" for year in history["year"]],
            "Загрузил": history["user_login"].fillna("—"),
            "Когда (UTC)": when,
            "Новых": history["n_created"],
            "Изменено": history["n_updated"],
            "Без изменений": history["n_unchanged"],
            "Состояние": state,
        }
    )


def batch_label(history: pd.DataFrame, batch_id: int) -> str:
    """«№ 7 · pokazateli_2024.xlsx · Омская область»."""
    row = history.set_index("id").loc[batch_id]
    return f"№ {batch_id} · {row['file_name']} · {row['region_name'] or ''}"


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_template(database_url: str, kind: str, region: str) -> bytes:
    """Cached ``templates.region_template``."""
    return templates.region_template(db.get_engine(database_url), kind, region=region)


def render_templates(schemas: Sequence[Schema], *, region: str) -> None:
    """One line per upload kind with its description and a «Скачать шаблон» button."""
    for schema in schemas:
        text, button = st.columns([4, 1])
        text.markdown(f"**{schema.title}.** {schema.description}")
        button.download_button(
            "Скачать шаблон",
            data=functools.partial(load_template, settings().database_url, schema.kind, region),  # built on click
            file_name=templates.template_file_name(schema.kind),
            mime=XLSX_MIME,
            on_click="ignore",
            key=f"upload.template.{schema.kind}",
        )


# --- «Дефициты» ------------------------------------------------------------------------------------------


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем дефициты…")
def load_deficit_matrix(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    filters: deficits.Filters,
    suppress_below: int | None,
) -> pd.DataFrame:
    """Cached ``deficits.matrix``."""
    return deficits.matrix(
        db.get_engine(database_url),
        region=region,
        year=year,
        municipality_id=municipality_id,
        filters=filters,
        suppress_below=suppress_below,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем дефициты…")
def load_organisation_matrix(
    database_url: str, region: str, year: int, municipality_id: int, filters: deficits.Filters, suppress: int | None
) -> tuple[pd.DataFrame, list[str]]:
    """Cached organisation × area grid of one municipality without its empty rows, and those rows' labels."""
    grid = load_deficit_matrix(database_url, region, year, municipality_id, filters, suppress)
    return deficits.without_empty_rows(grid)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scale(database_url: str) -> deficits.Scale:
    """Cached ``deficits.scale``."""
    return deficits.scale(db.get_engine(database_url))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_deficit_years(database_url: str, region: str) -> list[int]:
    """Cached ``deficits.years``."""
    return deficits.years(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_filter_options(database_url: str, region: str) -> tuple[list[str], list[str]]:
    """Cached ``deficits.filter_options``."""
    return deficits.filter_options(db.get_engine(database_url), region=region)


def deficit_filters(region: str) -> deficits.Filters:
    """The filter row of the «Дефициты» page: campaign, staff category, subject, organisation kind, young teachers."""
    subjects, kinds = load_filter_options(settings().database_url, region)
    campaign, category, subject, kind = st.columns(4)
    chosen_campaign = campaign.selectbox(
        "Кампания",
        [None, *deficits.CAMPAIGNS],
        format_func=lambda code: "весь год" if code is None else deficits.CAMPAIGN_NAMES[code].capitalize(),
        key="deficits.campaign",
        help="Весь год — последний результат педагога по компетенции за год; кампания — только её результаты.",
    )
    chosen_category = category.selectbox(
        "Категория",
        [None, *labels.CATEGORY],
        format_func=lambda code: "все" if code is None else labels.CATEGORY[code],
        key="deficits.category",
    )
    chosen_subject = subject.selectbox(
        "Предмет", [None, *subjects], format_func=lambda s: "все" if s is None else s, key="deficits.subject"
    )
    chosen_kind = kind.selectbox(
        "Вид организации",
        [None, *kinds],
        format_func=lambda k: "все" if k is None else labels.ORGANISATION_KIND.get(k, k),
        key="deficits.kind",
    )
    young = st.checkbox(
        f"Только молодые педагоги (до {deficits.YOUNG_AGE} лет или первые {deficits.YOUNG_YEARS} года работы)",
        key="deficits.young",
    )
    return deficits.Filters(
        category=chosen_category,
        subject=chosen_subject,
        young=young,
        organisation_kind=chosen_kind,
        campaign=chosen_campaign,
    )


def render_scale_editor(scale: deficits.Scale) -> None:
    """The level scale as a table the ЦНППМ may edit: names, lower bounds and deficit flags; saved on a button."""
    current = pd.DataFrame(
        {
            "code": [level.code for level in scale.levels],
            "name": [level.name for level in scale.levels],
            "min_score": [level.min_score for level in scale.levels],
            "is_deficit": [level.is_deficit for level in scale.levels],
        }
    )
    edited = st.data_editor(
        current,
        hide_index=True,
        num_rows="fixed",
        disabled=["code"],
        column_config={
            "code": None,
            "name": st.column_config.TextColumn("Уровень", required=True),
            "min_score": st.column_config.NumberColumn("От балла", min_value=0, max_value=100, step=1, required=True),
            "is_deficit": st.column_config.CheckboxColumn("Дефицит"),
        },
        key="deficits.scale_editor",
    )
    st.caption("Каждый уровень действует от своего балла до начала следующего; верхний — без ограничения.")
    if st.button("Сохранить шкалу", key="deficits.save_scale"):
        try:
            deficits.save_scale(get_engine(), edited.to_dict("records"), actor=current_actor())
        except RsnmsError as error:
            st.error(str(error))
        else:
            clear_caches()
            st.success("Шкала сохранена: тепловые карты пересчитаны по новому правилу.")


# --- «Нагрузка методистов» -------------------------------------------------------------------------------


FTE_FORMS = ("ставка", "ставки", "ставок")


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем нагрузку методистов…")
def load_methodist_base(database_url: str, region: str, year: int) -> pd.DataFrame:
    """Cached ``methodists.base``: teachers, methodist FTE and assigned teachers per municipality."""
    return methodists.base(db.get_engine(database_url), region=region, year=year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_methodists(database_url: str, region: str, year: int, norm: float) -> pd.DataFrame:
    """Cached ``methodists.methodists``."""
    return methodists.methodists(db.get_engine(database_url), region=region, year=year, norm=norm)


def render_load_tiles(figures: dict[str, Any]) -> None:
    """The four tiles of the «Нагрузка методистов» page."""
    load, missing, over, unassigned = st.columns(4)
    load.metric(
        "Педагогов на 1 методиста",
        formatting.number(figures["teachers_per_methodist"]),
        delta=overview.norm_gap(figures["teachers_per_methodist"], figures["norm"]),
        delta_color="inverse",
        help=f"Все педагогические работники региона на все ставки региональных методистов; норма — не более "
        f"{formatting.number(figures['norm'])}.",
    )
    missing.metric(
        "Не хватает методистов",
        f"{formatting.short_number(figures['shortfall'], 2)} {formatting.plural(figures['shortfall'], FTE_FORMS)}",
        help="Сумма по муниципалитетам, где нагрузка выше нормы: педагоги ÷ норма (с округлением вверх до 0,25 "
        "ставки) − ставки методистов.",
    )
    over.metric(
        "МО выше нормы",
        f"{figures['over_norm']} из {figures['municipalities']}",
        help=f"В том числе без единого методиста: {figures['without_methodist']}.",
    )
    unassigned.metric(
        "Педагоги без методиста",
        formatting.number(figures["unassigned"]),
        help="Педагогические работники, не закреплённые ни за одним региональным методистом.",
    )


# --- «Дорожная карта» ------------------------------------------------------------------------------------


def select_as_of() -> dt.date:
    """The sidebar «по состоянию на» date of the roadmap (today by default), kept across pages."""
    remembered = st.session_state.get("as_of", dt.date.today())
    chosen = st.sidebar.date_input("По состоянию на", value=remembered, format="DD.MM.YYYY", key="filters.as_of")
    day = chosen if isinstance(chosen, dt.date) else remembered
    st.session_state["as_of"] = day
    return day


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Собираем статусы мероприятий…")
def load_roadmap_status(database_url: str, region: str, as_of: dt.date) -> pd.DataFrame:
    """Cached ``roadmap.statuses`` of every item of the region's roadmaps as of a date."""
    engine = db.get_engine(database_url)
    items = queries.roadmap_items(engine, region=region)
    return roadmap.statuses(items, queries.roadmap_reports(engine, region=region), as_of=as_of)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
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
        card = load_scorecard(settings().database_url, region, as_of.year)
        st.markdown("**Связанные показатели:**")
        render_scorecard(card[card["code"].isin(linked)])
    history = load_roadmap_reports(settings().database_url, region)
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
                batch = status_entry.record(get_engine(), entry, actor=current_actor(), now=dt.datetime.now(dt.UTC))
            except RsnmsError as error:
                st.error(str(error))
            else:
                clear_caches()
                st.success(f"Отчёт сохранён (запись № {batch} в журнале загрузок).")


# --- «Сценарии» ------------------------------------------------------------------------------------------


OFFICIAL_SCENARIO = 0  # the scenario selector's «официальные цели» (not None: a selectbox reads None as nothing)
SCENARIO_LINK = "scenario"  # the URL query parameter that shares a scenario by link
SCENARIO_MESSAGE = "scenarios.message"


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scenarios(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``scenarios.listing``."""
    return scenario_store.listing(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scenario(database_url: str, scenario_id: int) -> scenarios.Scenario:
    """Cached ``scenarios.load``."""
    return scenario_store.load(db.get_engine(database_url), scenario_id=scenario_id)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_catalogue(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``queries.indicator_catalogue`` (the indicators of the region's act)."""
    return queries.indicator_catalogue(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Применяем сценарий…")
def load_scenario_scored(database_url: str, region: str, scenario_id: int) -> pd.DataFrame:
    """Cached ``load_scored`` with a scenario's targets and statuses."""
    return scenarios.apply(
        load_scored(database_url, region),
        official=load_targets(database_url, region),
        overrides=load_scenario(database_url, scenario_id).target_frame(),
        close_band=load_constant(database_url, "status_close_band"),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Сравниваем сценарий с официальными целями…")
def load_scenario_analysis(database_url: str, region: str, scenario_id: int, year: int) -> scenarios.Analysis:
    """Cached ``scenarios.analyse`` from the cached official figures."""
    return scenarios.analyse(
        load_scored(database_url, region),
        scenario=load_scenario(database_url, scenario_id),
        official=load_targets(database_url, region),
        base=load_methodist_base(database_url, region, year),
        official_norm=load_constant(database_url, scenarios.NORM_CODE),
        close_band=load_constant(database_url, "status_close_band"),
        year=year,
    )


def select_scenario(region: str) -> scenarios.Scenario | None:
    """The sidebar «Сценарий» selector (official targets by default), kept across pages and in the URL.

    A link with ``?scenario=ID`` selects that scenario once; the choice then lives in the session like the
    other filters, and the URL always shows it, so the address can be shared.
    """
    listed = load_scenarios(settings().database_url, region)
    names = {OFFICIAL_SCENARIO: "официальные цели", **dict(zip(listed["id"].astype(int), listed["name"], strict=True))}
    link = st.query_params.get(SCENARIO_LINK)
    if link is not None and link != st.session_state.get("scenario_link"):
        if link.isdigit() and int(link) in names:
            st.session_state["scenario"] = int(link)
        else:
            st.warning(f"Сценарий по ссылке (№ {link}) не найден в этом регионе: показаны официальные цели.")
    chosen = int(remembered_select("Сценарий", list(names), "scenario", format_func=names.__getitem__))
    if chosen == OFFICIAL_SCENARIO:
        st.query_params.pop(SCENARIO_LINK, None)
    else:
        st.query_params[SCENARIO_LINK] = str(chosen)
    st.session_state["scenario_link"] = st.query_params.get(SCENARIO_LINK)
    return None if chosen == OFFICIAL_SCENARIO else load_scenario(settings().database_url, chosen)


def render_scenario_badge(scenario: scenarios.Scenario) -> None:
    """The warning at the top of a page showing a scenario, so it is never taken for official data."""
    st.warning(f"Сценарий: {scenario.name} — не официальные значения", icon=":material/science:")


def _scenario_changed(message: str, *, select: int | None = None) -> None:
    """After a stored change: fresh caches, the message kept for the next run, the scenario chosen, a rerun."""
    clear_caches()
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
                        get_engine(),
                        name=name,
                        region=region,
                        actor=current_actor(),
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
                    get_engine(),
                    upload.getvalue(),
                    file_name=upload.name,
                    region=region,
                    actor=current_actor(),
                    now=dt.datetime.now(dt.UTC),
                    max_mb=settings().max_upload_mb,
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
        now, actor = dt.datetime.now(dt.UTC), current_actor()
        try:
            if rename.button("Сохранить название", key="scenarios.rename"):
                scenario_store.rename(
                    get_engine(), scenario_id=scenario.id, name=name, description=description, actor=actor, now=now
                )
                _scenario_changed(f"Сценарий переименован: «{name.strip()}».")
            if copy.button("Копировать", key="scenarios.copy"):
                new = scenario_store.copy(
                    get_engine(), scenario_id=scenario.id, name=f"{scenario.name} (копия)", actor=actor, now=now
                )
                _scenario_changed(f"Создана копия «{scenario.name} (копия)».", select=new)
            confirm = remove.checkbox("Да, удалить сценарий", key="scenarios.confirm_delete")
            if remove.button("Удалить", disabled=not confirm, key="scenarios.delete"):
                scenario_store.delete_scenario(get_engine(), scenario_id=scenario.id, actor=actor, now=now)
                _scenario_changed(f"Сценарий «{scenario.name}» удалён.", select=OFFICIAL_SCENARIO)
        except RsnmsError as error:
            st.error(str(error))


def _save_scenario(scenario: scenarios.Scenario, targets: pd.DataFrame, norm: float | None, message: str) -> None:
    constants = {} if norm is None else {scenarios.NORM_CODE: norm}
    try:
        scenario_store.save_overrides(
            get_engine(),
            scenario_id=scenario.id,
            targets=targets,
            constants=constants,
            actor=current_actor(),
            now=dt.datetime.now(dt.UTC),
        )
    except RsnmsError as error:
        st.error(str(error))
    else:
        _scenario_changed(message)


def render_scenario_editor(scenario: scenarios.Scenario, *, region: str, editable: bool) -> None:
    """The overrides as an editable table with the norm, three presets and «Сохранить»."""
    url = settings().database_url
    catalogue, places = load_catalogue(url, region), load_municipalities(url, region)
    official, official_norm = load_targets(url, region), load_constant(url, scenarios.NORM_CODE)
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
    places = load_municipalities(settings().database_url, region)
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
    url = settings().database_url
    places = load_municipalities(url, region)
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
    past = monitoring.history(load_scored(url, region), code=code, municipality_id=municipality_id)
    scope = pd.DataFrame({"code": [code], "municipality_id": [municipality_id]})
    official = load_targets(url, region)
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
            render_chart(
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
        f"{formatting.plural(scenario_gap - official_gap, FTE_FORMS)} к официальной норме",
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
    url = settings().database_url
    st.download_button(
        "Скачать сценарий и сравнение (XLSX)",
        data=lambda: scenarios.to_xlsx(
            scenario,
            analysis,
            catalogue=load_catalogue(url, region),
            municipalities=load_municipalities(url, region),
            region_name=region_name,
            year=year,
        ),
        file_name=f"сценарий_{scenario.id}_{year}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key="scenarios.download",
    )


def save_norm_scenario(name: str, *, region: str, norm: float) -> None:
    """«Сохранить как сценарий» of the methodist page: a new scenario holding only the norm, then chosen."""
    try:
        new = scenario_store.create(
            get_engine(),
            name=name,
            region=region,
            actor=current_actor(),
            now=dt.datetime.now(dt.UTC),
            constants={scenarios.NORM_CODE: norm},
        )
    except RsnmsError as error:
        st.error(str(error))
    else:
        _scenario_changed(f"Сценарий «{name.strip()}» сохранён: норма {formatting.number(norm)}.", select=new)


# --- «Аналитическая справка» -----------------------------------------------------------------------------


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Собираем данные для справки…")
def load_report_figures(
    database_url: str, region: str, year: int, municipality_id: int | None, suppress_below: int | None, today: dt.date
) -> recommendations.Figures:
    """Cached ``report.gather`` (the page previews the recommendations from it)."""
    return report.gather(
        db.get_engine(database_url),
        region=region,
        year=year,
        today=today,
        municipality_id=municipality_id,
        suppress_below=suppress_below,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4, show_spinner="Готовим справку…")
def load_report(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    suppress_below: int | None,
    today: dt.date,
    sections: tuple[str, ...],
) -> report.Report:
    """Cached ``report.build`` from the cached figures: the charts are drawn once for both files."""
    figures = load_report_figures(database_url, region, year, municipality_id, suppress_below, today)
    return report.build(figures, rules=recommendations.load_rules(), today=today, sections=sections)


def render_report_downloads(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    suppress_below: int | None,
    sections: Sequence[str],
    *,
    name: str,
) -> None:
    """«Скачать справку (DOCX)» and «(PDF)»: the справка is made when a button is clicked."""
    build = functools.partial(
        load_report, database_url, region, year, municipality_id, suppress_below, dt.date.today(), tuple(sections)
    )
    editable, printable = st.columns(2)
    editable.download_button(
        "Скачать справку (DOCX)",
        data=lambda: report.to_docx(build()),
        file_name=f"{name}.docx",
        mime=DOCX_MIME,
        on_click="ignore",
        type="primary",
        key="report.docx",
    )
    printable.download_button(
        "Скачать справку (PDF)",
        data=lambda: report.to_pdf(build()),
        file_name=f"{name}.pdf",
        mime=PDF_MIME,
        on_click="ignore",
        key="report.pdf",
    )
