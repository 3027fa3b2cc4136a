"""Pages through streamlit.testing.v1.AppTest, on real SQLite files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from conftest import seed_deficits, session_user
from sqlalchemy import Engine, text
from streamlit import config
from streamlit.testing.v1 import AppTest

from rsnms import auth, db, demo
from rsnms.access import Actor, Role

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(path.name for path in (ROOT / "pages").glob("*.py"))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    config.set_option("client.showErrorDetails", "full")  # tests want the traceback, users never see it


def _run(target: str, monkeypatch: pytest.MonkeyPatch, url: str, *, role: Role | None = None) -> AppTest:
    monkeypatch.setenv("RSNMS_DATABASE_URL", url)
    monkeypatch.setenv("RSNMS_REGION", "omsk")
    at = AppTest.from_file(str(ROOT / target), default_timeout=60)
    if role is not None:
        at.session_state["user"] = session_user(db.make_engine(url), role)
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
    at = _run("pages/upload.py", monkeypatch, _url(ref_engine), role=Role.CNPPM)
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
    at = _run("pages/upload.py", monkeypatch, _url(ref_engine), role=Role.CNPPM)
    at.file_uploader(key="upload.file").upload("data.xlsx", "МО;Педагогов\nг. Омск;7735\n".encode()).run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("Найдено ошибок: 1")
    assert at.button(key="upload.commit").disabled
    assert at.dataframe[0].value["Вид"].tolist() == ["ошибка"]


def test_history_page_undoes_a_batch(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("pages/uploads_history.py", monkeypatch, _url(small_engine), role=Role.CNPPM)
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
    at = _run("app.py", monkeypatch, _url(ref_engine), role=Role.CNPPM)
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
    at.session_state["user"] = session_user(ref_engine, Role.MINISTRY)
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
    at = _run("pages/deficits.py", monkeypatch, _url(ref_engine), role=Role.CNPPM)
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
        "Не хватает методистов": "24,75 ставки",
        "МО выше нормы": "18 из 33",
        "Педагоги без методиста": "4\u2009677",
    }
    table = at.dataframe[0].value
    assert table["Статус"].iloc[0] == "нет методиста"  # municipalities with teachers and no methodist first
    at.slider(key="methodists.norm").set_value(300).run()
    assert not at.exception, at.exception
    assert {metric.label: metric.value for metric in at.metric}["Не хватает методистов"] == "15,25 ставки"
    assert "Сценарий «что если»: норма 300" in at.info[0].value
    at.slider(key="methodists.norm").set_value(250).run()
    with ref_engine.connect() as conn:
        place = conn.execute(text("SELECT id FROM municipality WHERE name LIKE 'Седельниковский%'")).scalar()
    at.selectbox(key="methodists.place").set_value(place).run()
    at.button(key="methodists.add").click().run()
    assert not at.exception, at.exception
    tiles = {metric.label: metric.value for metric in at.metric}
    assert (tiles["Не хватает методистов"], tiles["МО выше нормы"]) == ("24 ставки", "17 из 33")
    staff = at.dataframe[1].value
    assert staff["Код"].iloc[0] == "РМ-067" and "ФИО" not in staff.columns  # the demo has no names


def test_roadmap_page_as_of_dates_filters_and_status_entry(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load_demo(ref_engine, pseudonym_key="test-key")
    # buttons: the page itself (see the README)
    at = _run("pages/roadmap.py", monkeypatch, _url(ref_engine), role=Role.CNPPM)
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
    at.session_state["user"] = session_user(ref_engine, Role.MINISTRY)
    at.run()
    assert not at.exception, at.exception
    assert not [button for button in at.button if "Сохранить" in str(button.label)]


def _iom_scenario(engine: Engine, name: str, target: float) -> int:
    """A stored Omsk scenario, made by an analyst, whose only override is the 2024 regional ИОМ target."""
    from rsnms import scenario_store  # imported here: these tests are appended to the module
    from rsnms.access import Actor

    iom = pd.DataFrame({"code": ["iom_share"], "year": [2024], "municipality_id": [None], "target": [target]})
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    return scenario_store.create(
        engine, name=name, region="omsk", actor=Actor("analyst1", Role.ANALYST), now=now, targets=iom
    )


def test_scenarios_page_creates_a_scenario_and_an_edited_target_changes_a_status(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run("pages/scenarios.py", monkeypatch, _url(small_engine), role=Role.ANALYST)  # buttons: the page itself
    assert at.title[0].value == "Сценарии «что если»: Омская область"
    at.text_input(key="scenarios.new_name").input("ИОМ пониже")
    next(button for button in at.button if button.label == "Создать сценарий").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Сценарий «ИОМ пониже» создан."
    assert at.warning[0].value == "Сценарий: ИОМ пониже — не официальные значения"
    with small_engine.connect() as conn:
        [(scenario_id,)] = conn.execute(text("SELECT id FROM scenario")).all()
    assert at.selectbox(key="filters.scenario").value == scenario_id
    assert at.query_params["scenario"] == str(scenario_id)

    added = {"Показатель": "Разработаны ИОМ", "Муниципальное образование": "весь регион", "Год": 2024, "Цель": 10}
    at.session_state[at.data_editor[0].key] = {"edited_rows": {}, "added_rows": [added], "deleted_rows": []}
    at.button(key="scenarios.save").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Сценарий сохранён."
    assert {metric.label: metric.value for metric in at.metric}["Муниципалитетов меняют статус"] == "1 из 2"
    changed = next(frame.value for frame in at.dataframe if "Статус (сценарий)" in frame.value.columns)
    assert changed[["Муниципальное образование", "Статус (официальный)", "Статус (сценарий)"]].values.tolist() == [
        ["весь регион", "не выполнен", "выполнен"],
        ["г. Омск", "близко к цели", "выполнен"],
    ]
    with small_engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM scenario_target")).scalar() == 10.0
        official = conn.execute(text("SELECT value FROM indicator_target t JOIN indicator i ON i.id = t.indicator_id "
                                     "WHERE i.code = 'iom_share' AND t.year = 2024")).scalars().all()  # fmt: skip
        assert 20.0 in official and 10.0 not in official

    at.button(key="scenarios.norm_preset").click().run()  # «Норма 200»
    assert not at.exception, at.exception
    assert "Нанять ставок при норме сценария 200" in {metric.label for metric in at.metric}


def test_a_scenario_link_switches_the_indicators_page_and_back(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_id = _iom_scenario(small_engine, "ИОМ 10", 10.0)
    monkeypatch.setenv("RSNMS_DATABASE_URL", _url(small_engine))
    monkeypatch.setenv("RSNMS_REGION", "omsk")
    at = AppTest.from_file(str(ROOT / "pages" / "indicators.py"), default_timeout=60)
    at.query_params["scenario"] = str(scenario_id)
    at.run()
    assert not at.exception, at.exception
    assert at.warning[0].value == "Сценарий: ИОМ 10 — не официальные значения"
    assert at.selectbox(key="filters.scenario").value == scenario_id
    card = at.dataframe[0].value.set_index("Показатель")
    assert (card.loc["Разработаны ИОМ", "Цель"], card.loc["Разработаны ИОМ", "Статус"]) == ("10,0\u00a0%", "выполнен")

    at.selectbox(key="filters.scenario").set_value(0).run()  # «официальные цели»
    assert not at.exception, at.exception
    assert not at.warning and "scenario" not in at.query_params
    assert at.dataframe[0].value.set_index("Показатель").loc["Разработаны ИОМ", "Статус"] == "не выполнен"

    at.query_params["scenario"] = "999"  # a stale link
    at.run()
    assert "Сценарий по ссылке (№ 999) не найден" in at.warning[0].value


def test_methodists_page_saves_its_norm_as_a_scenario(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load_demo(ref_engine, pseudonym_key="test-key")
    at = _run("pages/methodists.py", monkeypatch, _url(ref_engine), role=Role.ANALYST)
    at.slider(key="methodists.norm").set_value(300).run()
    at.text_input(key="methodists.scenario_name").input("Норма 300 для коллегии")
    at.button(key="methodists.save").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Сценарий «Норма 300 для коллегии» сохранён: норма 300."
    assert at.warning[0].value == "Сценарий: Норма 300 для коллегии — не официальные значения"
    assert at.slider(key="methodists.norm").value == 300  # the scenario's norm is the page's norm now
    assert {metric.label: metric.value for metric in at.metric}["Не хватает методистов"] == "15,25 ставки"
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT code, value FROM scenario_constant")).all() == [("methodist_norm", 300.0)]
        assert conn.execute(text("SELECT COUNT(*) FROM scenario_target")).scalar() == 0
        assert conn.execute(text("SELECT user_login FROM audit_event WHERE action = 'scenario_change'")).scalar() == (
            "test-analyst"
        )


def test_scenarios_page_is_read_only_for_the_ministry(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario_id = _iom_scenario(small_engine, "Чужой", 10.0)
    monkeypatch.setenv("RSNMS_DATABASE_URL", _url(small_engine))
    at = AppTest.from_file(str(ROOT / "pages" / "scenarios.py"), default_timeout=60)
    at.query_params["scenario"] = str(scenario_id)
    at.run()  # not signed in: read as the ministry
    assert not at.exception, at.exception
    keys = {button.key for button in at.button}
    assert not keys & {"scenarios.save", "scenarios.raise", "scenarios.delete"}
    assert at.data_editor[0].value["Цель"].tolist() == [10.0]


# --- access: sign-in, navigation per role, municipal filtering -------------------------------------------------


def _app(monkeypatch: pytest.MonkeyPatch, url: str, user: dict[str, object] | None = None) -> AppTest:
    monkeypatch.setenv("RSNMS_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user is not None:
        at.session_state["user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


READ_PAGES = [
    "pages/overview.py", "pages/indicators.py", "pages/deficits.py", "pages/methodists.py", "pages/roadmap.py",
    "pages/scenarios.py", "pages/report.py", "pages/login.py",
]  # fmt: skip
DATA_PAGES = ["pages/upload.py", "pages/uploads_history.py"]
ADMIN_PAGES = ["pages/audit.py"]
ALL_PAGES = [*READ_PAGES, *DATA_PAGES, *ADMIN_PAGES]
# The role matrix of pages: (role or None for a visitor who has not signed in) → the pages it is offered.
PAGE_MATRIX = {
    None: READ_PAGES,
    Role.MINISTRY: READ_PAGES,
    Role.ANALYST: READ_PAGES,
    Role.MUNICIPAL: READ_PAGES,
    Role.CNPPM: [*READ_PAGES, *DATA_PAGES],
    Role.ADMIN: ALL_PAGES,
}


@pytest.mark.parametrize("role", list(PAGE_MATRIX), ids=lambda role: role.value if role else "anonymous")
def test_navigation_is_built_for_the_role(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, role: Role | None
) -> None:
    place = "г. Омск" if role == Role.MUNICIPAL else None
    at = _app(monkeypatch, _url(small_engine), session_user(small_engine, role, place) if role else None)
    for page in ALL_PAGES:
        if page in PAGE_MATRIX[role]:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page)


def test_protected_pages_refuse_other_roles_on_the_server(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for page in ("pages/upload.py", "pages/uploads_history.py", "pages/audit.py"):
        at = _run(page, monkeypatch, _url(small_engine), role=Role.MINISTRY)  # a deep link past the navigation
        assert at.warning and not at.title, page


def test_production_mode_shows_only_the_sign_in(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RSNMS_AUTH", "required")
    at = _app(monkeypatch, _url(small_engine))
    assert at.title[0].value == "Вход в РСНМС-Монитор"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/overview.py")


def test_sign_in_and_out(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    auth.add_user(
        small_engine, login="ivanova", password="correct horse 1", role=Role.CNPPM, actor=Actor(None, Role.ADMIN),
        now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    at = _run("pages/login.py", monkeypatch, _url(small_engine))
    at.text_input(key="auth.login").set_value("ivanova")
    at.text_input(key="auth.password").set_value("wrong password")
    at.button[0].click().run()
    assert "Неверный логин или пароль" in at.error[0].value and "user" not in at.session_state
    at.text_input(key="auth.password").set_value("correct horse 1")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["user"]["role"] == "cnppm"
    assert at.title[0].value == "Учётная запись"
    at.button(key="auth.sign_out.page").click().run()
    assert "user" not in at.session_state
    with small_engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_event ORDER BY id")).scalars().all()
    assert actions == ["user_change", "login_failed", "login", "logout"]


def test_an_idle_session_ends(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RSNMS_DATABASE_URL", _url(small_engine))
    at = AppTest.from_file(str(ROOT / "pages" / "login.py"), default_timeout=60)
    at.session_state["user"] = session_user(small_engine, Role.CNPPM)
    at.session_state["user_seen"] = dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
    at.run()
    assert "user" not in at.session_state
    assert "Сеанс завершён" in at.info[0].value


def test_a_municipal_account_sees_its_own_municipality_only(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_deficits(ref_engine)
    user = session_user(ref_engine, Role.MUNICIPAL, "г. Омск")
    at = _app(monkeypatch, _url(ref_engine), user)
    at.switch_page("pages/deficits.py").run()
    assert not at.exception, at.exception
    assert set(_chart_rows(at, 0)["row"]) == {"г. Омск"}  # no other municipality, no regional row
    assert not [box for box in at.selectbox if box.key == "filters.region"]  # the region is fixed
    assert "Данные по отдельным организациям доступны сотрудникам ЦНППМ." in [info.value for info in at.info]


def test_audit_page_for_the_administrator(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    auth.add_user(
        small_engine, login="ivanova", password="correct horse 1", role=Role.CNPPM, actor=Actor("root", Role.ADMIN),
        now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    at = _run("pages/audit.py", monkeypatch, _url(small_engine), role=Role.ADMIN)
    assert at.title[0].value == "Журнал действий"
    events = at.dataframe[0].value
    assert ["root", "пользователь"] in events[["Пользователь", "Действие"]].values.tolist()
    at.multiselect(key="audit.actions").set_value(["login"]).run()
    assert at.dataframe[0].value.empty


def test_a_municipal_account_sees_its_own_methodist_load(small_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    user = session_user(small_engine, Role.MUNICIPAL, "г. Омск")
    at = _app(monkeypatch, _url(small_engine), user)
    at.switch_page("pages/methodists.py").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Муниципалитет"].tolist() == ["г. Омск"]
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert not at.metric  # no regional tiles: its own scorecard only
    assert at.subheader[0].value.endswith(": г. Омск")
