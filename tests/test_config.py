"""Settings from the environment, and the README's settings table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rsnms.config import DEFAULT_DATABASE_URL, Settings, load_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.region, settings.suppress_below, settings.auth) == ("omsk", 5, "off")


def test_environment_overrides() -> None:
    settings = load_settings(
        {
            "RSNMS_DATABASE_URL": "postgresql://u@h/db",
            "RSNMS_REGION": "ivanovo",
            "RSNMS_PSEUDONYM_KEY": "secret",
            "RSNMS_MAX_UPLOAD_MB": "20",
            "RSNMS_SUPPRESS_BELOW": "10",
            "RSNMS_AUTH": "required",
            "RSNMS_ECHO_SQL": "1",
        }
    )
    assert settings == Settings(
        database_url="postgresql+psycopg://u@h/db",
        region="ivanovo",
        pseudonym_key="secret",
        max_upload_mb=20,
        suppress_below=10,
        auth="required",
        echo_sql=True,
    )


@pytest.mark.parametrize(("name", "value"), [("RSNMS_REGION", "moscow"), ("RSNMS_AUTH", "maybe")])
def test_bad_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: value})


def test_every_setting_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for field in dataclasses.fields(Settings):
        assert f"`RSNMS_{field.name.upper()}`" in readme, field.name
