"""The key user journeys in a real browser (see conftest.py): the ЦНППМ's upload and undo, the ministry's
reading, a bad file refused in Russian with nothing changed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from rsnms.auth import DEMO_USERS
from tests.e2e.conftest import Journey

DATA = Path(__file__).resolve().parents[1] / "data"


def _password(login: str) -> str:
    return DEMO_USERS[login][1]


def _count(env: dict[str, str], sql: str) -> int:
    engine = create_engine(env["RSNMS_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_cnppm_uploads_a_workbook_sees_the_heatmap_change_and_undoes_it(
    journey: Journey, app_env: dict[str, str]
) -> None:
    page = journey.page
    journey.open()
    journey.shot("overview-anonymous")
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Загрузка данных")).to_have_count(0)
    journey.sign_in("demo-cnppm", _password("demo-cnppm"))
    journey.shot("signed-in")

    journey.go("Загрузка данных")
    page.get_by_text("Шаблоны и виды данных").click()
    with page.expect_download() as template:
        page.get_by_role("button", name="Скачать шаблон").first.click()
    assert template.value.suggested_filename.endswith(".xlsx")
    journey.shot("template")

    before = _count(app_env, "SELECT COUNT(*) FROM diagnostic_result")
    page.locator("input[type=file]").set_input_files(str(DATA / "diagnostika_2023.xlsx"))
    journey.settle()
    expect(page.get_by_text("Предпросмотр")).to_be_visible()
    journey.shot("preview")
    page.get_by_role("button", name="Загрузить в базу").click()
    journey.settle()
    expect(page.get_by_text("Загружено: загрузка №")).to_be_visible()
    journey.shot("committed")
    assert _count(app_env, "SELECT COUNT(*) FROM diagnostic_result") > before

    journey.go("Дефициты")
    expect(page.get_by_text("Доля педагогов с дефицитом")).to_be_visible()
    journey.shot("heatmap")

    journey.go("Журнал загрузок")
    page.get_by_text("Да, отменить эту загрузку").click()
    journey.settle()
    page.get_by_role("button", name="Отменить загрузку").click()
    journey.settle()
    expect(page.get_by_text("отменена")).to_be_visible()
    journey.shot("undone")
    assert _count(app_env, "SELECT COUNT(*) FROM diagnostic_result") == before


def test_ministry_reads_the_overview_an_indicator_and_a_municipality(journey: Journey) -> None:
    page = journey.page
    journey.open()
    journey.sign_in("demo-ministry", _password("demo-ministry"))
    journey.go("Обзор")
    expect(page.get_by_text("Показатели выполнены")).to_be_visible()
    journey.shot("overview")

    journey.go("Показатели")
    expect(page.get_by_role("heading", name="Показатели эффективности: Омская область")).to_be_visible()
    journey.shot("indicators")
    journey.choose("Муниципальное образование", "Тарский муниципальный район", sidebar=True)
    expect(page.get_by_role("heading", name="Тарский муниципальный район, 2024 год")).to_be_visible()
    journey.shot("municipality")

    journey.go("Дефициты")
    expect(page.get_by_text("Данные по отдельным организациям доступны сотрудникам ЦНППМ.")).to_be_visible()
    journey.shot("deficits-without-organisations")

    journey.go("Аналитическая справка")
    with page.expect_download(timeout=180_000) as report:
        page.get_by_role("button", name="Скачать справку (PDF)").click()
    path = report.value.path()
    assert report.value.suggested_filename.endswith(".pdf") and path.read_bytes().startswith(b"%PDF")
    journey.shot("report")


def test_a_bad_file_gets_a_russian_error_and_changes_nothing(
    journey: Journey, app_env: dict[str, str], tmp_path: Path
) -> None:
    page = journey.page
    fake = tmp_path / "показатели.xlsx"
    fake.write_text("Муниципалитет;Педагогов\nг. Омск;100\n", encoding="utf-8")  # a CSV renamed .xlsx
    batches = _count(app_env, "SELECT COUNT(*) FROM upload_batch")
    journey.open()
    journey.sign_in("demo-cnppm", _password("demo-cnppm"))
    journey.go("Загрузка данных")
    page.locator("input[type=file]").set_input_files(str(fake))
    journey.settle()
    expect(page.get_by_text("Найдено ошибок: 1")).to_be_visible()
    expect(page.get_by_role("button", name="Загрузить в базу")).to_be_disabled()
    journey.shot("refused")
    assert _count(app_env, "SELECT COUNT(*) FROM upload_batch") == batches


def test_analyst_creates_a_scenario_and_sees_statuses_change(journey: Journey, app_env: dict[str, str]) -> None:
    page = journey.page
    journey.open()
    journey.sign_in("demo-analyst", _password("demo-analyst"))
    journey.go("Сценарии")
    page.get_by_text("Новый сценарий или загрузка из файла").click()
    page.get_by_label("Название").first.fill("Цели выше на 10 п.п.")
    page.get_by_role("button", name="Создать сценарий").click()
    journey.settle()
    expect(page.get_by_text("Сценарий: Цели выше на 10 п.п. — не официальные значения")).to_be_visible()
    journey.shot("created")
    page.get_by_role("button", name="Цели +10 п.п.").click()
    journey.settle()
    page.get_by_role("tab", name="Сравнение с официальными").click()
    journey.settle()
    changed = page.get_by_test_id("stMetric").filter(has_text="Муниципалитетов меняют статус")
    expect(changed).to_be_visible()
    assert not changed.inner_text().split("\n")[-1].startswith("0 из")  # the raised targets change statuses
    journey.shot("comparison")
    assert _count(app_env, "SELECT COUNT(*) FROM scenario_target") > 0
    assert _count(app_env, "SELECT COUNT(*) FROM indicator_target WHERE batch_id IS NULL AND source = ''") == 0
