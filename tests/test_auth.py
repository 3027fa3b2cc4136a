"""Users, sign-in, lockout, the role matrix of protected actions, and the audit they leave."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from rsnms import access, actions, auth, deficits, status_entry
from rsnms.access import Actor, Role
from rsnms.config import Settings
from rsnms.errors import RsnmsError
from tests.test_ingest import prepare, sample

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
ADMIN = Actor(None, Role.ADMIN)
SETTINGS = Settings(lockout_attempts=3, lockout_minutes=15)


def _events(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, user_login FROM audit_event ORDER BY id")).all()
    return [(str(action), login) for action, login in rows]


@pytest.fixture
def users_engine(store_engine: Engine) -> Engine:
    auth.add_user(store_engine, login="ivanova", password="correct horse 1", role=Role.CNPPM, actor=ADMIN, now=NOW)
    auth.add_user(
        store_engine, login="tara", password="tara-password-1", role=Role.MUNICIPAL, region="omsk",
        municipality="Тарский муниципальный район", actor=ADMIN, now=NOW,
    )  # fmt: skip
    return store_engine


def test_passwords_are_argon2_hashes_and_never_listed(users_engine: Engine) -> None:
    with users_engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM app_user WHERE login = 'ivanova'")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    listed = auth.users(users_engine)
    assert list(listed["login"]) == ["ivanova", "tara"] and "password_hash" not in listed.columns
    assert listed.set_index("login").loc["tara", "municipality"] == "Тарский муниципальный район"
    with pytest.raises(RsnmsError, match="не короче 10"):
        auth.hash_password("short")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"login": "ivanova", "role": Role.MINISTRY}, "уже есть"),
        ({"login": "mun", "role": Role.MUNICIPAL}, "для роли «муниципалитет»"),
        ({"login": "min", "role": Role.MINISTRY, "municipality": "Тарский муниципальный район"}, "и только для неё"),
        ({"login": "x", "role": Role.MUNICIPAL, "municipality": "Атлантида"}, "не найдено"),
        ({"login": " ", "role": Role.MINISTRY}, "Логин"),
    ],
)
def test_adding_a_user_is_validated(users_engine: Engine, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RsnmsError, match=message):
        auth.add_user(users_engine, password="long enough 1", actor=ADMIN, now=NOW, **kwargs)


def test_sign_in_and_lockout_after_failures(users_engine: Engine) -> None:
    user = auth.authenticate(users_engine, login="tara", password="tara-password-1", settings=SETTINGS, now=NOW)
    assert (user.role, user.region, user.municipality) == (Role.MUNICIPAL, "omsk", "Тарский муниципальный район")
    refused = re.escape(auth.SIGN_IN_REFUSED)  # the same words whatever the reason: no hint a login exists
    for _ in range(3):  # the third failure in a row locks
        with pytest.raises(RsnmsError, match=refused):
            auth.authenticate(users_engine, login="ivanova", password="wrong", settings=SETTINGS, now=NOW)
    later = NOW + dt.timedelta(minutes=5)
    with pytest.raises(RsnmsError, match=refused):  # even the right password while locked
        auth.authenticate(users_engine, login="ivanova", password="correct horse 1", settings=SETTINGS, now=later)
    after = NOW + dt.timedelta(minutes=16)
    assert auth.authenticate(users_engine, login="ivanova", password="correct horse 1", settings=SETTINGS, now=after)
    with pytest.raises(RsnmsError, match=refused):
        auth.authenticate(users_engine, login="nobody", password="whatever", settings=SETTINGS, now=NOW)
    with users_engine.connect() as conn:
        reasons = conn.execute(text("SELECT detail FROM audit_event WHERE action LIKE 'login_%' ORDER BY id")).scalars()
        details = list(reasons)
    assert details[2].startswith("Слишком много") and details[3].startswith("Вход заблокирован до")
    assert details[-1] == "логин не найден"  # the reason is in the audit log only
    assert [action for action, _ in _events(users_engine)][-7:] == [
        "login", "login_failed", "login_failed", "login_locked", "login_locked", "login", "login_failed"
    ]  # fmt: skip


def test_disabled_users_and_demo_accounts_outside_the_demo_are_refused(users_engine: Engine) -> None:
    auth.set_active(users_engine, login="ivanova", active=False, actor=ADMIN, now=NOW)
    with pytest.raises(RsnmsError, match=re.escape(auth.SIGN_IN_REFUSED)):
        auth.authenticate(users_engine, login="ivanova", password="correct horse 1", settings=SETTINGS, now=NOW)
    assert auth.refreshed(users_engine, "ivanova") is None  # an open session of a disabled user ends
    auth.set_active(users_engine, login="ivanova", active=True, actor=ADMIN, now=NOW)
    auth.set_password(users_engine, login="ivanova", password="a new password", actor=ADMIN, now=NOW)
    assert auth.authenticate(users_engine, login="ivanova", password="a new password", settings=SETTINGS, now=NOW)
    assert auth.add_demo_users(users_engine, now=NOW) == len(auth.DEMO_USERS)
    assert auth.add_demo_users(users_engine, now=NOW) == 0  # once
    demo_login, (_, password, _) = next(iter(auth.DEMO_USERS.items()))
    assert auth.authenticate(users_engine, login=demo_login, password=password, settings=SETTINGS, now=NOW)
    production = Settings(auth="required")
    with pytest.raises(RsnmsError, match=re.escape(auth.SIGN_IN_REFUSED)):
        auth.authenticate(users_engine, login=demo_login, password=password, settings=production, now=NOW)


# --- the role matrix of protected actions --------------------------------------------------------------------


def _upload(engine: Engine, actor: Actor) -> None:
    actions.commit_upload(engine, prepare(engine, sample("pokazateli_2023.xlsx")), actor=actor, now=NOW)


def _undo(engine: Engine, actor: Actor) -> None:
    committed = actions.commit_upload(engine, prepare(engine, sample("pokazateli_2023.xlsx")), actor=ADMIN, now=NOW)
    actions.undo_batch(engine, batch_id=committed.batch_id, actor=actor, now=NOW)


def _erase(engine: Engine, actor: Actor) -> None:
    committed = actions.commit_upload(engine, prepare(engine, sample("diagnostika_2023.xlsx")), actor=ADMIN, now=NOW)
    actions.erase_batch(engine, batch_id=committed.batch_id, actor=actor, now=NOW)


def _status(engine: Engine, actor: Actor) -> None:
    with engine.connect() as conn:
        item = conn.execute(text("SELECT id FROM roadmap_item WHERE code = '004-RM-01'")).scalar_one()
    status_entry.record(engine, status_entry.Entry(item, dt.date(2022, 4, 29), "done"), actor=actor, now=NOW)


def _scale(engine: Engine, actor: Actor) -> None:
    levels = deficits.scale(engine).levels
    edits = [
        {"code": lv.code, "name": lv.name, "min_score": lv.min_score, "is_deficit": lv.is_deficit} for lv in levels
    ]
    deficits.save_scale(engine, edits, actor=actor)


def _user(engine: Engine, actor: Actor) -> None:
    auth.add_user(engine, login="new-user", password="long enough 1", role=Role.MINISTRY, actor=actor, now=NOW)


ACTIONS: dict[str, tuple[Callable[[Engine, Actor], None], frozenset[Role]]] = {
    "upload": (_upload, frozenset({Role.ADMIN, Role.CNPPM})),
    "undo": (_undo, frozenset({Role.ADMIN, Role.CNPPM})),
    "erase": (_erase, frozenset({Role.ADMIN, Role.CNPPM})),
    "status entry": (_status, frozenset({Role.ADMIN, Role.CNPPM})),
    "deficit scale": (_scale, frozenset({Role.ADMIN, Role.CNPPM})),
    "user management": (_user, frozenset({Role.ADMIN})),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_role_matrix_of_protected_actions(ref_engine: Engine, role: Role, name: str) -> None:
    run, allowed = ACTIONS[name]
    if role in allowed:
        run(ref_engine, Actor(f"u-{role.value}", role))
        assert f"u-{role.value}" in {login for _, login in _events(ref_engine)}  # done, and audited
    else:
        with pytest.raises(RsnmsError, match="Недостаточно прав"):
            run(ref_engine, Actor(f"u-{role.value}", role))


def test_views_by_role() -> None:
    assert [role for role in Role if access.sees_small_cells(role)] == [Role.ADMIN, Role.CNPPM]
    assert [role for role in Role if access.sees_organisations(role)] == [Role.ADMIN, Role.CNPPM]
    assert [role for role in Role if access.edits_scenarios(role)] == [Role.ADMIN, Role.CNPPM, Role.ANALYST]
    assert access.ANONYMOUS_ROLE == Role.MINISTRY  # an anonymous visitor of the open demo reads as the ministry


def test_uploads_and_undos_are_audited(ref_engine: Engine) -> None:
    actor = Actor("ivanova", Role.CNPPM)
    committed = actions.commit_upload(
        ref_engine, prepare(ref_engine, sample("pokazateli_2023.xlsx")), actor=actor, now=NOW
    )
    actions.undo_batch(ref_engine, batch_id=committed.batch_id, actor=actor, now=NOW)
    assert _events(ref_engine) == [("upload", "ivanova"), ("undo", "ivanova")]
    with ref_engine.connect() as conn:
        assert conn.execute(text("SELECT user_login FROM upload_batch")).scalar_one() == "ivanova"


def test_single_sign_on_maps_the_identity_to_a_user(users_engine: Engine) -> None:
    user = auth.single_sign_on(users_engine, login="ivanova", settings=SETTINGS, now=NOW)
    assert (user.login, user.role) == ("ivanova", Role.CNPPM)
    with pytest.raises(RsnmsError, match="нет пользователя"):  # an identity alone gives no rights
        auth.single_sign_on(users_engine, login="stranger@example.org", settings=SETTINGS, now=NOW)
    auth.set_active(users_engine, login="ivanova", active=False, actor=ADMIN, now=NOW)
    with pytest.raises(RsnmsError, match="отключена"):
        auth.single_sign_on(users_engine, login="ivanova", settings=SETTINGS, now=NOW)
    assert _events(users_engine)[-4:-1] == [("login", "ivanova"), ("login_failed", "stranger@example.org"),
                                            ("user_change", None)]  # fmt: skip
