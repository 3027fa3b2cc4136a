"""Roles and what each may see and do (design.md §9.10), checked on the server for every protected action.

* ``admin``: everything, users and the audit log;
* ``cnppm``: uploads, undo, status entry, the deficit scale, organisation-level views, small cells;
* ``ministry``: every page read-only, aggregates only (small cells hidden, no organisation level);
* ``analyst``: read-only like the ministry, plus scenarios;
* ``municipal``: read-only, filtered to its own municipality everywhere, exports included.

With ``RSNMS_AUTH=off`` a visitor who has not signed in reads the pages as the ministry does
(``ANONYMOUS_ROLE``); uploads and every other change still need a signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rsnms.errors import RsnmsError


class Role(StrEnum):
    """A user's role; the values are stored in ``app_user.role``."""

    ADMIN = "admin"
    CNPPM = "cnppm"
    MINISTRY = "ministry"
    ANALYST = "analyst"
    MUNICIPAL = "municipal"


ROLE_NAMES = {
    Role.ADMIN: "администратор",
    Role.CNPPM: "ЦНППМ",
    Role.MINISTRY: "министерство",
    Role.ANALYST: "аналитик",
    Role.MUNICIPAL: "муниципалитет",
}
ANONYMOUS_ROLE = Role.MINISTRY
_FULL_DETAIL = frozenset({Role.ADMIN, Role.CNPPM})


@dataclass(frozen=True)
class Actor:
    """Who does something: the signed-in login (None for a script) and the role it acts with."""

    login: str | None
    role: Role


def sees_small_cells(role: Role) -> bool:
    """Whether the role sees counts of fewer people than the suppression threshold."""
    return role in _FULL_DETAIL


def sees_organisations(role: Role) -> bool:
    """Whether the role may open organisation-level views."""
    return role in _FULL_DETAIL


def sees_names(role: Role) -> bool:
    """Whether the role sees the restricted name columns (a methodist's name)."""
    return role in _FULL_DETAIL


def uploads(role: Role) -> bool:
    """Whether the role may upload, undo a batch or erase its personal data."""
    return role in _FULL_DETAIL


def enters_statuses(role: Role) -> bool:
    """Whether the role may record a roadmap item's status on the page."""
    return role in _FULL_DETAIL


def edits_settings(role: Role) -> bool:
    """Whether the role may change shared settings such as the deficit scale."""
    return role in _FULL_DETAIL


def edits_scenarios(role: Role) -> bool:
    """Whether the role may create, change and delete what-if scenarios."""
    return role in {Role.ADMIN, Role.CNPPM, Role.ANALYST}


def administers(role: Role) -> bool:
    """Whether the role manages users and reads the audit log."""
    return role == Role.ADMIN


def require(allowed: bool, action: str) -> None:
    """Refuse an action the role may not take (``action``: «загружать данные», in the infinitive)."""
    if not allowed:
        raise RsnmsError(f"Недостаточно прав: {action} может только пользователь с соответствующей ролью.")
