"""Page reruns on the demo region: cold (empty caches) and warm, through streamlit's AppTest.

Run: `make bench` (or `.venv/bin/python -m bench.pages`). Prints median times; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from rsnms import db, demo
from rsnms.config import load_settings
from rsnms.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("pages/overview.py", "pages/indicators.py")
WARM_RUNS = 10


def _timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return time.perf_counter() - start


def reruns(at: AppTest, runs: int) -> tuple[float, float]:
    """Seconds of the page's first run (with the caches as they are) and the median of ``runs`` reruns after it."""
    first = _timed(at)
    return first, statistics.median(_timed(at) for _ in range(runs))


def main() -> None:
    """Load the demo region into a temporary SQLite file and time each page."""
    with tempfile.TemporaryDirectory() as directory:
        os.environ["RSNMS_DATABASE_URL"] = f"sqlite:///{directory}/bench.db"
        engine = db.make_engine(load_settings().database_url)
        db.migrate(engine)
        load_reference(engine)
        demo.load_demo(engine, pseudonym_key=load_settings().pseudonym_key)
        for page in PAGES:
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / page), default_timeout=120)
            cold, warm = reruns(at, WARM_RUNS)
            print(f"{page}: cold {cold * 1000:.0f} ms, warm rerun median {warm * 1000:.0f} ms ({WARM_RUNS} runs)")


if __name__ == "__main__":
    main()
