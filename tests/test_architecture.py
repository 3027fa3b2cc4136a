"""Invariants of the code base: who imports streamlit, which pages are registered."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_IMPORT = re.compile(r"^\s*(import|from)\s+streamlit\b", re.M)


def test_only_ui_module_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "rsnms").rglob("*.py")
        if path.relative_to(ROOT / "rsnms") != Path("ui.py")
        and STREAMLIT_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_page_file_is_registered_in_app() -> None:
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    registered = set(re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', app))
    assert registered == {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")}


def test_pages_reach_the_database_only_through_rsnms() -> None:
    for page in (ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(sqlalchemy|sqlmodel)\b", text, re.M), page.name


def test_nothing_reads_the_shared_folder_at_run_time() -> None:
    for path in [ROOT / "app.py", *(ROOT / "rsnms").rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        assert "shared/" not in path.read_text(encoding="utf-8"), path.name
