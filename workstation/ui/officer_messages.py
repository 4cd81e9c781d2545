"""The domain's refusals as an officer reads them: what happened and what to do, never a traceback.

One mapping for the whole window (the save and lookup banners, the lock and sign-in forms). The
four typed errors of `workstation.core.errors` come first; the store's older exceptions
(`PermissionDenied`, `ValidationError`, `ValueError`, `LookupError`) map to the same words until
every path raises the typed ones. Anything else is not a refusal but a fault: the officer is told
it is in the log, and the caller logs it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.core.records import PermissionDenied
from workstation.logs import LOG_DIR, LOG_FILE
from workstation.store.officers import SignInError
from workstation.store.records import ValidationError

# Field paths (as the rules name them) in the words on the forms.
FIELD_NAMES = {
    "tracking_id": "Tracking number",
    "barcode": "Barcode",
    "agency": "Partner agency",
    "agency_or_test": "Agency or test",
    "risk_score": "Risk score",
    "reason": "Reason",
    "violation": "Violation",
    "law_cited": "Law cited",
    "items": "Items seized",
    "photos": "Photos",
    "storage_location": "Storage location",
    "detained_on": "Detention date",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""


def _field(path: str) -> str:
    if path.startswith("items["):  # items[0].quantity -> Items seized, row 1: quantity
        index, _, rest = path[len("items[") :].partition("]")
        row = f"row {int(index) + 1}" if index.isdigit() else "a row"
        return f"Items seized, {row}" + (f" ({rest.lstrip('.').replace('_', ' ')})" if rest else "")
    return FIELD_NAMES.get(path, path.replace("_", " ").capitalize())


def _fields(errors: Mapping[str, str]) -> str:
    parts = [f"{_field(k)}: {v}" if k else v for k, v in errors.items()]
    return "; ".join(parts)


def is_refusal(exc: BaseException) -> bool:
    """A refusal the officer can act on (as opposed to a fault that belongs in the log)."""
    return isinstance(
        exc,
        NotFound | Conflict | Invalid | Forbidden | PermissionDenied | SignInError | ValueError | LookupError,
    ) or _busy(exc)


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def officer_message(exc: BaseException) -> str:
    """What the window says about a refused or failed operation, in words an officer can act on."""
    detail = _first_line(exc)
    if isinstance(exc, SignInError):
        return detail or "Sign-in refused: check the badge id and the password."
    if isinstance(exc, Forbidden | PermissionDenied):
        return f"Not allowed: {detail}." if detail else "Not allowed for your badge: ask a supervisor."
    if isinstance(exc, Invalid | ValidationError):
        return f"Check what was entered. {_fields(exc.errors)}."
    if isinstance(exc, Conflict):
        return (
            f"Already changed: {detail}. Scan the package again to see its current records."
            if detail
            else "Someone changed this record meanwhile: scan the package again."
        )
    if isinstance(exc, NotFound | LookupError):
        return f"Not found: {detail}. Scan the package again." if detail else "Not found: scan again."
    if _busy(exc):
        return "The records are busy (another program is writing them): try again in a moment."
    if isinstance(exc, ValueError):  # the store's untyped refusals, until they are typed
        return f"Check what was entered: {detail}." if detail else "Check what was entered."
    return (
        f"Something went wrong ({type(exc).__name__}). Nothing was changed; it is written to the "
        f"log ({LOG_DIR}/{LOG_FILE} in the data directory). Try again; tell IT if it happens again."
    )
