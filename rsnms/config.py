"""Settings from RSNMS_* environment variables, read once by whoever needs them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'rsnms.db'}"
REGION_CODES = ("kirov", "ivanovo", "krasnodar", "leningrad", "omsk")
# A development key: fine for the demo, which holds no real people. Production sets its own.
DEV_PSEUDONYM_KEY = "rsnms-dev-key-change-me"


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field is listed in the README's settings table."""

    database_url: str = DEFAULT_DATABASE_URL
    region: str = "omsk"
    pseudonym_key: str = DEV_PSEUDONYM_KEY
    max_upload_mb: int = 20
    suppress_below: int = 5
    suppress_below_organisation: int = 10
    auth: str = "off"
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    session_minutes: int = 480
    echo_sql: bool = False


def normalize_database_url(url: str) -> str:
    """Make PostgreSQL URLs use the psycopg 3 driver; leave the rest as given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Build settings from RSNMS_* environment variables, falling back to defaults."""
    region = environ.get("RSNMS_REGION", Settings.region)
    if region not in REGION_CODES:
        raise ValueError(f"RSNMS_REGION must be one of {', '.join(REGION_CODES)}, got {region!r}")
    auth = environ.get("RSNMS_AUTH", Settings.auth)
    if auth not in ("off", "required"):
        raise ValueError(f"RSNMS_AUTH must be 'off' or 'required', got {auth!r}")
    return Settings(
        database_url=normalize_database_url(environ.get("RSNMS_DATABASE_URL", Settings.database_url)),
        region=region,
        pseudonym_key=environ.get("RSNMS_PSEUDONYM_KEY", Settings.pseudonym_key),
        max_upload_mb=int(environ.get("RSNMS_MAX_UPLOAD_MB", Settings.max_upload_mb)),
        suppress_below=int(environ.get("RSNMS_SUPPRESS_BELOW", Settings.suppress_below)),
        suppress_below_organisation=int(
            environ.get("RSNMS_SUPPRESS_BELOW_ORGANISATION", Settings.suppress_below_organisation)
        ),
        auth=auth,
        lockout_attempts=int(environ.get("RSNMS_LOCKOUT_ATTEMPTS", Settings.lockout_attempts)),
        lockout_minutes=int(environ.get("RSNMS_LOCKOUT_MINUTES", Settings.lockout_minutes)),
        session_minutes=int(environ.get("RSNMS_SESSION_MINUTES", Settings.session_minutes)),
        echo_sql=environ.get("RSNMS_ECHO_SQL") == "1",
    )
