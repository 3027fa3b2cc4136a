"""Cold start of `make run`: preparing the database and serving the first health check.

Measures, on a fresh and then on a warm database file, the time of each step `make run` takes
(`rsnms init`, `rsnms demo --if-empty`, Streamlit until /_stcore/health answers) and prints them.
Run: `make bench` (or `.venv/bin/python -m bench.cold_start`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from rsnms import db, overview

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _serve_until_healthy(env: dict[str, str]) -> float:
    port = _free_port()
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < HEALTH_TIMEOUT_S:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Streamlit did not answer its health check in time")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _overview_seconds(database_url: str) -> float:
    """What the first «Обзор» render computes (tiles + scorecard), uncached, in this process."""
    engine = db.make_engine(database_url)
    start = time.perf_counter()
    overview.headline(engine, region="omsk", year=2024, today=dt.date.today())
    overview.scorecard(engine, region="omsk", year=2024)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def measure(env: dict[str, str]) -> dict[str, float]:
    """Seconds per step of `make run` for the database named in ``env``."""
    figures = {
        "init": _timed(["-m", "rsnms", "init", "--format", "csv"], env),
        "demo --if-empty": _timed(["-m", "rsnms", "demo", "--if-empty", "--format", "csv"], env),
        "streamlit to health": _serve_until_healthy(env),
    }
    figures["total"] = sum(figures.values())
    figures["overview figures (first render)"] = _overview_seconds(env["RSNMS_DATABASE_URL"])
    return figures


def main() -> None:
    """Print the fresh and warm figures."""
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "RSNMS_DATABASE_URL": f"sqlite:///{directory}/bench.db"}
        for label in ("fresh database", "warm database"):
            figures = measure(env)
            print(f"{label}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in figures.items()))


if __name__ == "__main__":
    main()
