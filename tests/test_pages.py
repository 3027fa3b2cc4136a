"""Pages through streamlit.testing.v1.AppTest, on real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from rsnms import db

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(path.name for path in (ROOT / "pages").glob("*.py"))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def _run(target: str, monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("RSNMS_DATABASE_URL", url)
    monkeypatch.setenv("RSNMS_REGION", "omsk")
    at = AppTest.from_file(str(ROOT / target), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_opens_the_overview_with_tiles_from_the_store(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run("app.py", monkeypatch, _url(small_engine))
    assert at.title[0].value == "Обзор РСНМС: Омская область"
    tiles = {metric.label: metric.value for metric in at.metric}
    assert tiles == {
        "Показатели выполнены": "2 из 4",
        "Прошли диагностику": "27,0\u00a0%",
        "Педагогов на 1 методиста": "275",
        "Просрочено мероприятий": "10 из 27",
    }
    assert at.caption[0].value == "Данные на 31.12.2024, загрузка № 1"
    assert at.selectbox(key="filters.year").value == 2024
    scorecard = at.dataframe[0].value
    assert scorecard["Показатель"].tolist()[0] == "Прошли диагностику дефицитов"
    assert len(scorecard) == 7


def test_switching_to_a_region_without_data_says_so(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run("app.py", monkeypatch, _url(small_engine))
    at.selectbox(key="filters.region").select("kirov").run()
    assert not at.exception
    assert at.title[0].value == "Обзор РСНМС: Кировская область"
    assert "ещё нет фактических данных" in at.info[0].value
    assert len(at.metric) == 0


def test_unprepared_database_gives_a_russian_instruction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run("app.py", monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}")
    assert "База данных не подготовлена" in at.error[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(
    page: str, small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(f"pages/{page}", monkeypatch, _url(small_engine))


def test_engine_url_helper_round_trips(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _url(db.make_engine(url)) == url
