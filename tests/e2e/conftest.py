"""A real app in a real browser: `streamlit run app.py` on a free port with its own database, driven by
Debian's chromium through Playwright (``playwright install`` is never needed).

Without chromium the journeys are skipped, unless ``RSNMS_E2E_REQUIRED=1`` (set by .ci/run) makes that a
failure. Screenshots of every step go to tests/e2e/screenshots/ (ignored by git; CI keeps them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit did not answer /_stcore/health")


@pytest.fixture(scope="session")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the app under test: a fresh SQLite file with the reference data and the demo."""
    database = tmp_path_factory.mktemp("e2e") / "e2e.db"
    env = {**os.environ, "RSNMS_DATABASE_URL": f"sqlite:///{database}", "RSNMS_AUTH": "off", "RSNMS_REGION": "omsk"}
    env.pop("RSNMS_TEST_DATABASE_URL", None)
    for command in (["init"], ["demo"]):
        subprocess.run([sys.executable, "-m", "rsnms", *command, "--format", "csv"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    return env


@pytest.fixture(scope="session")
def app_url(app_env: dict[str, str]) -> Iterator[str]:
    """The base URL of `streamlit run app.py`, started for the session and stopped after it."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=app_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("RSNMS_E2E_REQUIRED") == "1":
            pytest.fail("chromium is not installed: the browser journeys cannot run")
        pytest.skip("chromium is not installed (Debian package `chromium`): browser journeys skipped")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU", accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    context.close()


class Journey:
    """Steps of one journey in the browser, each with a numbered screenshot."""

    def __init__(self, page: Page, url: str, name: str) -> None:
        self.page, self.url, self.name, self.step = page, url, name, 0
        SCREENSHOTS.mkdir(exist_ok=True)

    def shot(self, what: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{what}.png"), full_page=True)

    def settle(self) -> None:
        """Wait until Streamlit has finished its rerun: no running status and no spinner for a moment."""
        busy = '() => !!document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSpinner"]\')'
        idle, deadline = 0, time.monotonic() + 90
        while idle < 4 and time.monotonic() < deadline:
            self.page.wait_for_timeout(250)
            idle = 0 if self.page.evaluate(busy) else idle + 1

    def choose(self, label: str, option: str, *, sidebar: bool = False) -> None:
        """Pick ``option`` in the selectbox labelled ``label``."""
        area = self.page.get_by_test_id("stSidebar") if sidebar else self.page
        box = area.get_by_role("combobox", name=label, exact=True)
        box.click()
        box.fill(option)  # the list is virtual: typing brings a far option into it
        self.page.get_by_role("option", name=option, exact=True).click()
        self.settle()

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.url}/{path}")
        self.page.get_by_test_id("stSidebarNav").wait_for()
        self.settle()

    def go(self, title: str) -> None:
        """Follow a sidebar link (the session, and so the sign-in, is kept)."""
        self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        self.settle()

    def sign_in(self, login: str, password: str) -> None:
        self.go("Вход")
        self.page.get_by_label("Логин").fill(login)
        self.page.get_by_label("Пароль").fill(password)
        self.page.get_by_role("button", name="Войти", exact=True).click()
        self.settle()
        self.page.get_by_text(f"Вы вошли как {login}").first.wait_for()


@pytest.fixture
def journey(page: Page, app_url: str, request: pytest.FixtureRequest) -> Journey:
    return Journey(page, app_url, request.node.name.removeprefix("test_"))
