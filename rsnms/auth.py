"""Users, passwords and sign-in: argon2 hashes, lockout after repeated failures, every attempt audited.

Passwords are stored only as argon2id hashes (argon2-cffi). An account is locked for
``RSNMS_LOCKOUT_MINUTES`` after ``RSNMS_LOCKOUT_ATTEMPTS`` failed sign-ins in a row. The demo accounts that
``rsnms demo`` creates (``DEMO_USERS``) sign in only while ``RSNMS_AUTH=off``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, text

from rsnms import audit, queries
from rsnms.access import ROLE_NAMES, Actor, Role, administers, require
from rsnms.config import Settings
from rsnms.errors import RsnmsError

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# Demo accounts for the local demo (RSNMS_AUTH=off only): login → (role, password, municipality).
DEMO_USERS = {
    "demo-admin": (Role.ADMIN, "demo-admin-2026", None),
    "demo-cnppm": (Role.CNPPM, "demo-cnppm-2026", None),
    "demo-ministry": (Role.MINISTRY, "demo-ministry-2026", None),
    "demo-analyst": (Role.ANALYST, "demo-analyst-2026", None),
    "demo-municipal": (Role.MUNICIPAL, "demo-municipal-2026", "Тарский муниципальный район"),
}
# The one answer to a refused sign-in, whatever the reason (no hint whether a login exists); the reason is
# in the audit log. After several failures in a row an account is locked for a while.
SIGN_IN_REFUSED = (
    "Неверный логин или пароль. После нескольких неудачных попыток подряд вход на время блокируется; "
    "если не получается войти, обратитесь к администратору."
)


@dataclass(frozen=True)
class User:
    """A signed-in user: login, role, and for a municipal user the region and municipality."""

    login: str
    role: Role
    region: str | None = None
    municipality_id: int | None = None
    municipality: str | None = None

    @property
    def actor(self) -> Actor:
        """The user as the one who acts."""
        return Actor(self.login, self.role)


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the policy (Russian error otherwise)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RsnmsError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")
    return _HASHER.hash(password)


def _place(conn: Connection, region: str | None, municipality: str | None) -> tuple[int | None, int | None]:
    if municipality is None:
        region_id = conn.execute(text("SELECT id FROM region WHERE code = :r"), {"r": region}).scalar()
        return (int(region_id) if region_id is not None else None), None
    found = conn.execute(
        text(
            "SELECT m.region_id, m.id FROM municipality m JOIN region r ON r.id = m.region_id "
            "WHERE m.name = :m AND (CAST(:r AS VARCHAR(20)) IS NULL OR r.code = :r)"
        ),
        {"m": municipality, "r": region},
    ).all()
    if len(found) != 1:
        raise RsnmsError(f"Муниципальное образование «{municipality}» не найдено (или неоднозначно без региона).")
    return int(found[0][0]), int(found[0][1])


def add_user(
    engine: Engine,
    *,
    login: str,
    password: str,
    role: Role,
    region: str | None = None,
    municipality: str | None = None,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Create a user; a municipal user needs its municipality. Only an administrator (or the command line) may."""
    require(administers(actor.role), "управлять пользователями")
    login = login.strip()
    if not login or len(login) > 80:
        raise RsnmsError("Логин — от 1 до 80 символов.")
    if (role == Role.MUNICIPAL) != (municipality is not None):
        raise RsnmsError("Муниципальное образование указывается для роли «муниципалитет», и только для неё.")
    digest = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM app_user WHERE login = :l"), {"l": login}).first():
            raise RsnmsError(f"Пользователь «{login}» уже есть.")
        region_id, municipality_id = _place(conn, region, municipality)
        conn.execute(
            text(
                "INSERT INTO app_user (login, password_hash, role, region_id, municipality_id, is_active, "
                "failed_logins, created_at) VALUES (:l, :h, :role, :rid, :mid, true, 0, :now)"
            ),
            {"l": login, "h": digest, "role": role.value, "rid": region_id, "mid": municipality_id, "now": now},
        )
        audit.record(
            conn, action="user_change", user=actor.login, detail=f"создан {login} ({ROLE_NAMES[role]})", at=now
        )


def set_password(engine: Engine, *, login: str, password: str, actor: Actor, now: dt.datetime) -> None:
    """Give a user a new password (and unlock the account)."""
    require(administers(actor.role), "управлять пользователями")
    digest = hash_password(password)
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE app_user SET password_hash = :h, failed_logins = 0, locked_until = NULL WHERE login = :l"),
            {"h": digest, "l": login},
        ).rowcount
        if not changed:
            raise RsnmsError(f"Пользователь «{login}» не найден.")
        audit.record(conn, action="user_change", user=actor.login, detail=f"новый пароль: {login}", at=now)


def set_active(engine: Engine, *, login: str, active: bool, actor: Actor, now: dt.datetime) -> None:
    """Disable (or enable again) a user; a disabled user cannot sign in."""
    require(administers(actor.role), "управлять пользователями")
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE app_user SET is_active = :a WHERE login = :l"), {"a": active, "l": login}
        ).rowcount
        if not changed:
            raise RsnmsError(f"Пользователь «{login}» не найден.")
        state = "включён" if active else "отключён"
        audit.record(conn, action="user_change", user=actor.login, detail=f"{state}: {login}", at=now)


def users(engine: Engine) -> pd.DataFrame:
    """Every user: login, role, region, municipality, active, locked until, created (never the hash)."""
    sql = """
        SELECT u.login, u.role, r.code AS region, m.name AS municipality, u.is_active, u.locked_until, u.created_at
        FROM app_user u LEFT JOIN region r ON r.id = u.region_id LEFT JOIN municipality m ON m.id = u.municipality_id
        ORDER BY u.login
    """
    return queries.sql_frame(engine, sql)


def _aware(value: object) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite gives it back naive or as text)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def _signed_in(conn: Connection, row: Any, login: str, password: str | None, now: dt.datetime, how: str) -> User:
    """Reset the failure count, refresh an outdated hash, audit the sign-in and return the user."""
    conn.execute(text("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = :i"), {"i": row.id})
    if password is not None and _HASHER.check_needs_rehash(row.password_hash):
        conn.execute(
            text("UPDATE app_user SET password_hash = :h WHERE id = :i"), {"h": _HASHER.hash(password), "i": row.id}
        )
    audit.record(conn, action="login", user=login, detail=f"{ROLE_NAMES[Role(row.role)]}{how}", at=now)
    municipality_id = int(row.municipality_id) if row.municipality_id is not None else None
    return User(login, Role(row.role), row.code, municipality_id, row.name)  # as refreshed() builds it


_USER_SQL = """
    SELECT u.id, u.password_hash, u.role, u.is_active, u.failed_logins, u.locked_until, r.code, u.municipality_id,
           m.name FROM app_user u LEFT JOIN region r ON r.id = u.region_id
    LEFT JOIN municipality m ON m.id = u.municipality_id WHERE u.login = :l
"""


def refreshed(engine: Engine, login: str) -> User | None:
    """The user as the store has it now (role and place), or None when the login is gone or disabled.

    A session re-reads its user with this, so a disabled account or a changed role takes effect at once.
    """
    with engine.connect() as conn:
        row = conn.execute(text(_USER_SQL), {"l": login}).one_or_none()
    if row is None or not row.is_active:
        return None
    municipality_id = int(row.municipality_id) if row.municipality_id is not None else None
    return User(login, Role(row.role), row.code, municipality_id, row.name)


def single_sign_on(engine: Engine, *, login: str, settings: Settings, now: dt.datetime) -> User:
    """The user an identity provider vouched for (``st.login``): the same login in the users table gives the role.

    Raises RsnmsError when there is no such active user (an identity alone gives no rights).
    """
    with engine.begin() as conn:
        row = conn.execute(text(_USER_SQL), {"l": login}).one_or_none()
        missing = "Для этой учётной записи нет пользователя РСНМС-Монитора. Обратитесь к администратору."
        refusal = missing if row is None else _refusal(row, login, settings, now)
        if refusal is not None:
            audit.record(conn, action="login_failed", user=login, detail=f"единый вход: {refusal}", at=now)
        else:
            return _signed_in(conn, row, login, None, now, " (единый вход)")
    raise RsnmsError(refusal)


def authenticate(engine: Engine, *, login: str, password: str, settings: Settings, now: dt.datetime) -> User:
    """The user for a login and password, or RsnmsError with ``SIGN_IN_REFUSED`` whatever was wrong.

    Every attempt is audited; failures in a row lock the account for a while; a disabled user, a locked
    account and a demo account outside the demo mode are refused.
    """
    login = login.strip()
    with engine.begin() as conn:
        row = conn.execute(text(_USER_SQL), {"l": login}).one_or_none()
        refusal = _refusal(row, login, settings, now)
        if refusal is None and row is not None:
            try:
                _HASHER.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                refusal = "неверный пароль"
                failures = int(row.failed_logins) + 1
                locked = now + dt.timedelta(minutes=settings.lockout_minutes)
                lock = failures >= settings.lockout_attempts
                conn.execute(
                    text("UPDATE app_user SET failed_logins = :f, locked_until = :u WHERE id = :i"),
                    {"f": 0 if lock else failures, "u": locked if lock else None, "i": row.id},
                )
                if lock:
                    refusal = f"Слишком много неудачных попыток: вход заблокирован на {settings.lockout_minutes} мин."
        if refusal is not None:
            action = "login_locked" if "заблокирован" in refusal else "login_failed"
            audit.record(conn, action=action, user=login or None, detail=refusal, at=now)
    if refusal is not None:
        raise RsnmsError(SIGN_IN_REFUSED)  # the reason stays in the audit log
    assert row is not None
    with engine.begin() as conn:
        return _signed_in(conn, row, login, password, now, "")


def _refusal(row: object, login: str, settings: Settings, now: dt.datetime) -> str | None:
    """Why a sign-in is refused before the password is checked (for the audit log), or None."""
    if row is None:
        _HASHER.hash("timing-equaliser")  # as slow as a real check: no hint that the login does not exist
        return "логин не найден"
    if not row.is_active:  # type: ignore[attr-defined]
        return "Учётная запись отключена. Обратитесь к администратору."
    locked_until = _aware(row.locked_until)  # type: ignore[attr-defined]
    if locked_until is not None and locked_until > now:
        return f"Вход заблокирован до {locked_until:%H:%M} (UTC) после неудачных попыток."
    if login in DEMO_USERS and settings.auth != "off":
        return "Демонстрационные учётные записи работают только в демонстрационном режиме (RSNMS_AUTH=off)."
    return None


def add_demo_users(engine: Engine, *, now: dt.datetime) -> int:
    """Create the demo accounts that do not exist yet (for the local demo); returns how many were created."""
    existing = set(users(engine)["login"])
    script = Actor(None, Role.ADMIN)
    created = 0
    for login, (role, password, municipality) in DEMO_USERS.items():
        if login not in existing:
            region = "omsk" if municipality else None
            add_user(
                engine, login=login, password=password, role=role, region=region, municipality=municipality,
                actor=script, now=now,
            )  # fmt: skip
            created += 1
    return created
