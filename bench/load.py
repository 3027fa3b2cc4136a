"""Load check: concurrent viewers against one `streamlit run app.py` process on the demo region.

Each viewer is its own browser context (its own websocket session) in Debian's chromium, driven by
Playwright: it opens «Обзор» and waits for the tiles, then follows the sidebar link to «Показатели» and
waits for the scorecard. Prints errors and the median / 90th percentile of each step; asserts nothing.

Run: `make bench` (or `.venv/bin/python -m bench.load --viewers 20`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
BUSY = '() => !!document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSpinner"]\')'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(database: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "RSNMS_DATABASE_URL": f"sqlite:///{database}", "RSNMS_AUTH": "off"}
    for command in (["init"], ["demo"]):
        subprocess.run([sys.executable, "-m", "rsnms", *command, "--format", "csv"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise TimeoutError("streamlit did not start")


async def _settled(page: object) -> None:
    idle = 0
    while idle < 4:
        await page.wait_for_timeout(250)  # type: ignore[attr-defined]
        idle = 0 if await page.evaluate(BUSY) else idle + 1  # type: ignore[attr-defined]


async def _viewer(browser: Browser, url: str) -> tuple[float, float]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(180_000)
    try:
        start = time.perf_counter()
        await page.goto(url)
        await page.get_by_text("Показатели выполнены").wait_for()
        await _settled(page)
        opened = time.perf_counter() - start
        start = time.perf_counter()
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Показатели").click()
        await page.get_by_text("Сравнение муниципалитетов и динамика").wait_for()
        await _settled(page)
        return opened, time.perf_counter() - start
    finally:
        await context.close()


async def _run(url: str, viewers: int) -> list[tuple[float, float] | BaseException]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("chromium is not installed (Debian package `chromium`)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=ARGS)
        await _viewer(browser, url)  # one warm-up visit: the caches are filled, as on a server in use
        results = await asyncio.gather(*(_viewer(browser, url) for _ in range(viewers)), return_exceptions=True)
        await browser.close()
    return list(results)


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.2f} s, p90 {p90:.2f} s, max {ordered[-1]:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        process, url = _start(Path(directory) / "load.db")
        try:
            started = time.perf_counter()
            results = asyncio.run(_run(url, args.viewers))
            wall = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=20)
    done = [result for result in results if isinstance(result, tuple)]
    errors = [result for result in results if not isinstance(result, tuple)]
    print(f"{args.viewers} concurrent viewers, one streamlit process, demo region; {wall:.1f} s in all")
    print(f"errors: {len(errors)}" + "".join(f"\n  {type(error).__name__}: {error}" for error in errors[:5]))
    if done:
        print(f"open «Обзор» until its tiles and scorecard are drawn: {_figures([opened for opened, _ in done])}")
        print(f"then «Показатели» through the sidebar: {_figures([moved for _, moved in done])}")


if __name__ == "__main__":
    main()
