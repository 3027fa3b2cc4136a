"""The streamlit-aware part of rsnms (this package alone imports streamlit): engine, settings, the session
and sign-in, the shared sidebar selectors, charts and downloads. Page-specific views live in the submodules
(``rsnms.ui.deficit_views`` …), which import this one."""

from __future__ import annotations

import datetime as dt
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
    export,
    queries,
)
from rsnms.config import Settings, load_settings
from rsnms.errors import RsnmsError

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
