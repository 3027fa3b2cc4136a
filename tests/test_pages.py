"""Pages through streamlit.testing.v1.AppTest, on real SQLite files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from conftest import seed_deficits
from sqlalchemy import Engine, text
from streamlit import config
from streamlit.testing.v1 import AppTest

from rsnms import db, demo
from rsnms.access import Role

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(path.name for path in (ROOT / "pages").glob("*.py"))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    config.set_option("client.showErrorDetails", "full")  # tests want the traceback, users never see it


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
        "Просрочено мероприятий": "14 из 27",
    }
    assert at.caption[0].value == "Данные на 20.01.2025, загрузка № 1."
    assert at.selectbox(key="filters.year").value == 2024
    scorecard = at.dataframe[0].value
    assert scorecard["Показатель"].tolist()[0] == "Прошли диагностику дефицитов"
    assert len(scorecard) == 7


def test_switching_to_a_region_without_data_says_so(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("app.py", monkeypatch, _url(small_engine))
    at.selectbox(key="filters.region").select("kirov").run()
    assert not at.exception
    assert at.title[0].value == "Обзор РСНМС: Кировская область"
    assert "ещё нет фактических данных" in at.info[0].value
    assert len(at.metric) == 0


def test_unprepared_database_gives_a_russian_instruction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("app.py", monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}")
    assert "База данных не подготовлена" in at.error[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(page: str, small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(f"pages/{page}", monkeypatch, _url(small_engine))


def test_engine_url_helper_round_trips(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _url(db.make_engine(url)) == url


def test_upload_page_previews_and_commits_a_real_file(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("pages/upload.py", monkeypatch, _url(ref_engine))
    content = (ROOT / "tests" / "data" / "pokazateli_2023.xlsx").read_bytes()
    at.file_uploader(key="upload.file").upload("pokazateli_2023.xlsx", content).run()
    assert not at.exception, at.exception
    counts = at.dataframe[1].value
    assert counts.to_dict("records") == [
        {"Данные": "Сводные показатели", "Новых": 330, "Изменится": 0, "Без изменений": 0}
    ]
    assert any("**Регион:** Омская область (по названиям муниципалитетов)" in m.value for m in at.markdown)
    at.button(key="upload.commit").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Загружено: загрузка № 1. Новых строк: 330")
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM aggregate_count")).scalar() == 330


def test_upload_page_shows_russian_errors_for_a_bad_file(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("pages/upload.py", monkeypatch, _url(ref_engine))
    at.file_uploader(key="upload.file").upload("data.xlsx", "МО;Педагогов\nг. Омск;7735\n".encode()).run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("Найдено ошибок: 1")
    assert at.button(key="upload.commit").disabled
    assert at.dataframe[0].value["Вид"].tolist() == ["ошибка"]


def test_history_page_undoes_a_batch(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("pages/uploads_history.py", monkeypatch, _url(small_engine))
    table = at.dataframe[0].value
    assert table[["№", "Файл", "Состояние"]].to_dict("records") == [
        {"№": 1, "Файл": "pokazateli_2024.xlsx", "Состояние": "загружена"}
    ]
    at.checkbox(key="history.confirm").check().run()
    at.button(key="history.undo").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Загрузка № 1 отменена."
    assert at.dataframe[0].value["Состояние"].tolist() == ["отменена"]
    with small_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM aggregate_count")).scalar() == 0


def test_indicators_page_scorecard_for_the_demo_region(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load_demo(ref_engine, pseudonym_key="test-key")
    at = _run("app.py", monkeypatch, _url(ref_engine))
    at.switch_page("pages/indicators.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Показатели эффективности: Омская область"
    card = at.dataframe[0].value
    assert dict(zip(card["Показатель"], card["Статус"], strict=True)) == {
        "Прошли диагностику дефицитов": "выполнен",
        "Разработаны ИОМ": "не выполнен",
        "Освоили программы ФР ДППО": "выполнен",
        "Управленческие команды прошли ПК": "не выполнен",
        "Молодые педагоги в формах поддержки": "выполнен",
        "Программы ДПО в ФР ДППО": "близко к цели",
        "ОО с целевой моделью наставничества": "выполнен",
    }
    assert card.loc[0, "Изменение к прошлому году"] == "+8,2 п.п."
    at.selectbox(key="indicators.indicator").select("fr_dpo_programs_share").run()  # per ДПО provider
    assert not at.exception, at.exception
    at.selectbox(key="filters.year").select(2022).run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value.loc[0, "Значение"] == "14,4\u00a0%"
    with ref_engine.connect() as conn:
        city = conn.execute(text("SELECT id FROM municipality WHERE name = 'г. Омск'")).scalar()
    at.selectbox(key="filters.municipality").set_value(city).run()  # drill down to г. Омск
    assert not at.exception, at.exception
    assert at.subheader[0].value == "г. Омск, 2022 год"


def test_indicators_page_compares_regions_on_demand(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("app.py", monkeypatch, _url(small_engine))
    at.switch_page("pages/indicators.py").run()
    tables = len(at.dataframe)
    at.toggle(key="indicators.compare").set_value(True).run()
    assert not at.exception, at.exception
    comparison = at.dataframe[tables].value
    assert list(comparison.columns) == ["Показатель", "Формулировки", "Омская область"]
    assert comparison.set_index("Показатель").loc["Прошли диагностику дефицитов", "Омская область"] == pytest.approx(
        330 / 1220 * 100
    )


def _chart_rows(at: AppTest, index: int) -> pd.DataFrame:
    """The rows the index-th Vega-Lite chart of the page draws (Streamlit ships them as Arrow datasets)."""
    proto = at.get("vega_lite_chart")[index].proto
    frames = [pa.ipc.open_stream(dataset.data.data).read_pandas() for dataset in proto.datasets]
    return pd.concat([frame for frame in frames if not frame.empty], ignore_index=True)


def _labels(rows: pd.DataFrame, row: str) -> dict[str, str]:
    return dict(zip(rows.loc[rows["row"] == row, "area"], rows.loc[rows["row"] == row, "label"], strict=True))


def test_deficits_page_heatmap_filters_change_and_drill_down(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_deficits(ref_engine)
    at = _run("app.py", monkeypatch, _url(ref_engine))
    at.switch_page("pages/deficits.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Профессиональные дефициты: Омская область"
    assert at.selectbox(key="filters.year").value == 2024
    heatmap = _chart_rows(at, 0)
    assert _labels(heatmap, "г. Омск")["цифровая"] == "33\u00a0%"
    assert _labels(heatmap, "Тарский")["цифровая"] == "нет данных"
    assert any("ниже 70 из 100" in caption.value for caption in at.caption)
    worst = at.dataframe[0].value
    assert worst.iloc[0].tolist() == ["предметная", "100\u00a0%", "1"]
    change = _chart_rows(at, 1)  # 2024 against 2023
    assert _labels(change, "г. Омск")["цифровая"] == "\u221266,7"
    organisations = _chart_rows(at, 2)  # the drill-down defaults to the first municipality, г. Омск
    assert set(organisations["row"]) == {"Весь муниципалитет", "СОШ № 1", "Детский сад № 2"}

    at.selectbox(key="deficits.category").set_value("manager").run()
    assert not at.exception, at.exception
    assert _labels(_chart_rows(at, 0), "г. Омск")["цифровая"] == "100\u00a0%"
    assert any("управленческие кадры" in caption.value for caption in at.caption)
    at.selectbox(key="deficits.category").set_value(None).run()

    at.button_group(key="deficits.sort").set_value("name").run()
    assert not at.exception, at.exception
    at.toggle(key="deficits.as_ministry").set_value(True).run()  # what the ministry will see
    assert not at.exception, at.exception
    assert _labels(_chart_rows(at, 0), "г. Омск")["цифровая"] == "< 5"
    assert _labels(_chart_rows(at, 2), "СОШ № 1")["цифровая"] == "< 10"


def test_deficits_page_for_the_ministry_hides_small_cells_and_organisations(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_deficits(ref_engine)
    monkeypatch.setenv("RSNMS_DATABASE_URL", _url(ref_engine))
    at = AppTest.from_file(str(ROOT / "pages" / "deficits.py"), default_timeout=60)
    at.session_state["role"] = Role.MINISTRY.value
    at.run()
    assert not at.exception, at.exception
    assert _labels(_chart_rows(at, 0), "г. Омск")["цифровая"] == "< 5"
    assert "Данные по отдельным организациям доступны сотрудникам ЦНППМ." in [info.value for info in at.info]
    assert len(at.get("vega_lite_chart")) == 2  # the map and the change, no organisations
    assert not [toggle for toggle in at.toggle if toggle.key == "deficits.as_ministry"]
    assert not [button for button in at.button if button.key == "deficits.save_scale"]  # the scale is read-only
    assert "70 и выше" in at.dataframe[-1].value["Баллы"].tolist()


def test_deficits_page_edits_the_scale(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_deficits(ref_engine)
    at = _run("pages/deficits.py", monkeypatch, _url(ref_engine))
    at.button(key="deficits.save_scale").click().run()  # saving the scale as it is: valid, recounted
    assert not at.exception, at.exception
    assert "Шкала сохранена" in at.success[0].value
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = 'deficit_scale'")).scalar() == 1


def test_methodists_page_tiles_and_what_if(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load_demo(ref_engine, pseudonym_key="test-key")
    at = _run("pages/methodists.py", monkeypatch, _url(ref_engine))  # buttons: the page itself (see the README)
    assert at.title[0].value == "Нагрузка региональных методистов: Омская область"
    tiles = {metric.label: metric.value for metric in at.metric}
    assert tiles == {
        "Педагогов на 1 методиста": "310",
        "Не хватает методистов": "33,25 ставки",
        "МО выше нормы": "18 из 33",
        "Педагоги без методиста": "4\u2009677",
    }
    table = at.dataframe[0].value
    assert table["Статус"].iloc[0] == "нет методиста"  # municipalities with teachers and no methodist first
    at.slider(key="methodists.norm").set_value(300).run()
    assert not at.exception, at.exception
    assert {metric.label: metric.value for metric in at.metric}["Не хватает методистов"] == "22,5 ставки"
    assert "Сценарий «что если»: норма 300" in at.info[0].value
    at.slider(key="methodists.norm").set_value(250).run()
    with ref_engine.connect() as conn:
        place = conn.execute(text("SELECT id FROM municipality WHERE name LIKE 'Седельниковский%'")).scalar()
    at.selectbox(key="methodists.place").set_value(place).run()
    at.button(key="methodists.add").click().run()
    assert not at.exception, at.exception
    tiles = {metric.label: metric.value for metric in at.metric}
    assert (tiles["Не хватает методистов"], tiles["МО выше нормы"]) == ("32,25 ставки", "17 из 33")
    staff = at.dataframe[1].value
    assert staff["Код"].iloc[0] == "РМ-067" and "ФИО" not in staff.columns  # the demo has no names


def test_roadmap_page_as_of_dates_filters_and_status_entry(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load_demo(ref_engine, pseudonym_key="test-key")
    at = _run("pages/roadmap.py", monkeypatch, _url(ref_engine))  # buttons: the page itself (see the README)
    assert at.title[0].value == "Дорожная карта РСНМС: Омская область"

    def tiles() -> dict[str, str]:
        return {metric.label: metric.value for metric in at.metric}

    at.date_input(key="filters.as_of").set_value(dt.date(2022, 12, 31)).run()
    assert not at.exception, at.exception
    assert tiles() == {"Мероприятий": "27", "Выполнено": "16", "Просрочено": "5", "Срок скоро": "1", "В работе": "5"}
    late = at.dataframe[0].value
    assert set(late["Статус"]) == {"просрочено", "не выполнено"} and len(late) == 5
    at.date_input(key="filters.as_of").set_value(dt.date(2022, 6, 30)).run()
    assert tiles()["Просрочено"] == "4"

    at.multiselect(key="roadmap.bodies").set_value(["МООО"]).run()
    assert not at.exception, at.exception
    assert tiles()["Мероприятий"] == "5"
    at.multiselect(key="roadmap.bodies").set_value([]).run()

    with ref_engine.connect() as conn:
        item = conn.execute(text("SELECT id FROM roadmap_item WHERE code = '004-RM-03'")).scalar()
    at.selectbox(key="roadmap.item").set_value(item).run()
    at.selectbox(key="roadmap.entry.status").set_value("done").run()
    at.date_input(key="roadmap.entry.date").set_value(dt.date(2022, 6, 30))
    at.text_input(key="roadmap.entry.evidence").set_value("https://example.org/prikaz-3.pdf")
    at.button[-1].click().run()  # «Сохранить отчёт»
    assert not at.exception, at.exception
    assert "Отчёт сохранён" in at.success[-1].value
    with ref_engine.connect() as conn:
        saved = conn.execute(
            text("SELECT status, evidence FROM roadmap_report WHERE item_id = :i AND as_of = '2022-06-30'"), {"i": item}
        ).one()
    assert tuple(saved) == ("done", "https://example.org/prikaz-3.pdf")


def test_roadmap_page_for_the_ministry_has_no_status_form(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RSNMS_DATABASE_URL", _url(ref_engine))
    at = AppTest.from_file(str(ROOT / "pages" / "roadmap.py"), default_timeout=60)
    at.session_state["role"] = Role.MINISTRY.value
    at.run()
    assert not at.exception, at.exception
    assert not [button for button in at.button if "Сохранить" in str(button.label)]
