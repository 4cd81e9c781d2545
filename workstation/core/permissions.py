"""Who may do what: the rules the service layer enforces, whatever the UI shows.

Each check raises PermissionDenied with a reason an officer can read, or returns None.
"""

from __future__ import annotations

from workstation.core.records import Officer, PermissionDenied, Role

RECORDING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


def _active(officer: Officer) -> None:
    if not officer.active:
        raise PermissionDenied(f"badge {officer.badge} is disabled")


def require_recorder(officer: Officer) -> None:
    """Officers and supervisors record outcomes; an admin account manages officers only."""
    _active(officer)
    if officer.role not in RECORDING_ROLES:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is an admin account: "
            "records are made by officers and supervisors"
        )


def require_corrector(officer: Officer) -> None:
    """Only a supervisor voids or corrects a record; an officer asks one."""
    _active(officer)
    if officer.role is not Role.SUPERVISOR:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is {_article(officer.role)}: "
            "only a supervisor can void or correct a record"
        )


def require_countersigner(officer: Officer, seizing_badge: str) -> None:
    """A supervisor countersigns a seizure, never one they made."""
    _active(officer)
    if officer.role is not Role.SUPERVISOR:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is {_article(officer.role)}: "
            "only a supervisor countersigns a seizure"
        )
    if seizing_badge == officer.badge:
        raise PermissionDenied("a supervisor cannot countersign their own seizure")


def require_reviewer(officer: Officer, seizing_badge: str, action: str) -> None:
    """A supervisor reviews (`action`: "return for correction", ...) a seizure, never one they made."""
    _active(officer)
    if officer.role is not Role.SUPERVISOR:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is {_article(officer.role)}: "
            f"only a supervisor can {action} a seizure"
        )
    if seizing_badge == officer.badge:
        raise PermissionDenied(f"a supervisor cannot {action} their own seizure")


def require_lookout_keeper(officer: Officer) -> None:
    """Only a supervisor adds or removes a facility lookout (an admin manages accounts, not cases)."""
    _active(officer)
    if officer.role is not Role.SUPERVISOR:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is {_article(officer.role)}: "
            "only a supervisor adds or removes a facility lookout"
        )


def require_admin(officer: Officer) -> None:
    """Only an admin adds, disables or resets officers."""
    _active(officer)
    if officer.role is not Role.ADMIN:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is {_article(officer.role)}: only an admin manages officers"
        )


def _article(role: Role) -> str:
    return f"an {role.value}" if role.value[0] in "aeiou" else f"a {role.value}"
