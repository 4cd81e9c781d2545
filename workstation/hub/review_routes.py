"""The supervisor review's read endpoints (`/v1/review/...`): the facility's records for the
supervisor window and the reports, as the bench's own `LocalReviewSource` reads its file.

Every route needs the device token (`guarded`) and, except the one that opens it, a supervisor's
session (`X-Review-Session`, see review_auth.py). Queries are store/review_query.py's, run on the
hub's projection (hub/projection.py) in the storage's dialect inside one read-only transaction;
answers are core.review's types in their wire form (core/review_wire.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from workstation.core.errors import Invalid
from workstation.core.review import LogFilter, SyncProblem
from workstation.core.review_wire import to_wire, zone_from_name
from workstation.hub import review_auth
from workstation.hub.http import Handler, Refused, read_body, reply
from workstation.hub.storage import Execute, HubStorage
from workstation.store.review_query import ReviewQueries, ReviewReader, TargetedItem

T = TypeVar("T")
MAX_KEYS = 5000  # rows asked for at once (the window asks for a screenful)
MAX_PROBLEMS = 1000

_passwords = review_auth.PasswordCheck()


def hub_targeted(execute: Execute, dialect: str) -> Callable[[date, date], list[TargetedItem]]:
    """The reference data's targeted items that arrived from one day to another (ref_targets)."""
    mark = "%s" if dialect == "postgresql" else "?"
    sql = (
        "SELECT tracking_id, arrival_date, target_reason, lane, score FROM ref_targets "
        f"WHERE targeted = 1 AND arrival_date >= {mark} AND arrival_date <= {mark} "
        "ORDER BY arrival_date, tracking_id"
    )

    def targeted(first: date, last: date) -> list[TargetedItem]:
        return [
            TargetedItem(tid, date.fromisoformat(arrival), reason, lane or "", int(score or 0))
            for tid, arrival, reason, lane, score in execute(sql, (first.isoformat(), last.isoformat()))
        ]

    return targeted


def reader(storage: HubStorage, execute: Execute) -> ReviewReader:
    """The bench's review reader over the hub's projection."""
    return ReviewReader(
        ReviewQueries(storage.dialect, key="row_seq"),
        execute,
        targeted=hub_targeted(execute, storage.dialect),
    )


_PROBLEMS_SQL = (
    "SELECT bench, kind, event_id, 'rejected', reason, received_at, id FROM rejections "
    "UNION ALL SELECT bench, kind, event_id, 'conflict', '', received_at, id FROM event_conflicts "
    "ORDER BY 6 DESC, 7 DESC"
)


def sync_problems(execute: Execute) -> list[SyncProblem]:
    """What the hub refused (rejections) or kept aside (conflicts), newest first, with the reason."""
    out = []
    for bench, kind, event_id, status, reason, received_at, _ in execute(_PROBLEMS_SQL, ())[:MAX_PROBLEMS]:
        if status == "conflict":  # the words the bench was given (model.classify)
            reason = f"{kind} {event_id} arrived before with a different payload; this one is kept aside on the hub"
        at = received_at if isinstance(received_at, datetime) else datetime.fromisoformat(received_at)
        out.append(SyncProblem(bench, kind, event_id, status, reason, at.astimezone(UTC)))
    return out


# -- request parts --------------------------------------------------------------------------------


def _zone(name: str | None) -> tzinfo:
    if not name:
        raise Invalid({"zone": "the facility's time zone is required (an IANA name, e.g. America/Chicago)"})
    return zone_from_name(name)


def _time(name: str, text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid({name: f"{text!r} is not an ISO 8601 time"}) from None
    if at.tzinfo is None:
        raise Invalid({name: f"{text!r} has no time zone"})
    return at


def _filter(request: Request, *extra: str) -> LogFilter:
    params = {k: v for k, v in request.query_params.items() if k not in extra}
    return LogFilter.from_query(params)


async def _read(
    request: Request, storage: HubStorage, device: str, work: Callable[[ReviewReader, Execute], T]
) -> T:
    """Check the session, then run `work` on a reader inside one read transaction."""
    token = request.headers.get(review_auth.SESSION_HEADER)

    def run() -> T:
        review_auth.session_badge(storage, token, device)
        return storage.review_read(lambda execute: work(reader(storage, execute), execute))

    return await run_in_threadpool(run)


# -- routes ---------------------------------------------------------------------------------------


async def open_session(request: Request, storage: HubStorage, device: str) -> Response:
    try:
        data = json.loads(await read_body(request))
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is a JSON object with badge and password") from None
    if not isinstance(data, dict) or not isinstance(data.get("badge"), str):
        raise Refused(400, "the body is a JSON object with badge and password")
    password = data.get("password")
    if not isinstance(password, str):
        raise Refused(400, "password: expected text")
    token, expires = await run_in_threadpool(
        _passwords.open_session, storage, data["badge"], password, device
    )
    return reply({"session": token, "expires_at": expires.isoformat(), "badge": data["badge"]})


async def log_keys(request: Request, storage: HubStorage, device: str) -> Response:
    f = _filter(request)
    keys = await _read(request, storage, device, lambda r, _: r.log_keys(f))
    return reply({"keys": keys})


async def log_rows(request: Request, storage: HubStorage, device: str) -> Response:
    try:
        data = json.loads(await read_body(request))
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is a JSON object with keys") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, int) and not isinstance(k, bool) for k in keys):
        raise Refused(400, "keys: a list of whole numbers")
    if len(keys) > MAX_KEYS:
        raise Refused(400, f"keys: at most {MAX_KEYS} at once")
    rows = await _read(request, storage, device, lambda r, _: r.log_rows(keys))
    return reply({"rows": to_wire(rows)})


async def record(request: Request, storage: HubStorage, device: str) -> Response:
    inspection_id = str(request.path_params["id"])
    detail = await _read(request, storage, device, lambda r, _: r.detail(inspection_id))
    return reply({"detail": to_wire(detail)})


async def counts(request: Request, storage: HubStorage, device: str) -> Response:
    zone = _zone(request.query_params.get("zone"))
    f = _filter(request, "zone")
    result = await _read(request, storage, device, lambda r, _: r.counts(f, zone))
    return reply({"counts": to_wire(result)})


async def seizures(request: Request, storage: HubStorage, device: str) -> Response:
    f = _filter(request)
    result = await _read(request, storage, device, lambda r, _: r.seizures(f))
    return reply({"seizures": to_wire(result)})


async def seizure(request: Request, storage: HubStorage, device: str) -> Response:
    seizure_id = str(request.path_params["id"])
    result = await _read(request, storage, device, lambda r, _: r.seizure(seizure_id))
    return reply({"seizure": to_wire(result)})


async def to_countersign(request: Request, storage: HubStorage, device: str) -> Response:
    exclude = request.query_params.get("exclude") or None
    result = await _read(request, storage, device, lambda r, _: r.to_countersign(exclude))
    return reply({"seizures": to_wire(result)})


async def unexamined(request: Request, storage: HubStorage, device: str) -> Response:
    text = request.query_params.get("day", "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid({"day": f"{text!r} is not an ISO date (YYYY-MM-DD)"}) from None
    zone = _zone(request.query_params.get("zone"))
    now = _time("now", request.query_params.get("now"))
    result = await _read(request, storage, device, lambda r, _: r.unexamined(day, now, zone))
    return reply({"items": to_wire(result)})


async def open_detentions(request: Request, storage: HubStorage, device: str) -> Response:
    result = await _read(request, storage, device, lambda r, _: r.open_detentions())
    return reply({"detentions": to_wire(result)})


async def lookouts(request: Request, storage: HubStorage, device: str) -> Response:
    now = _time("now", request.query_params.get("now"))
    result = await _read(request, storage, device, lambda r, _: r.lookouts(now))
    return reply({"lookouts": to_wire(result)})


async def problems(request: Request, storage: HubStorage, device: str) -> Response:
    result = await _read(request, storage, device, lambda _, execute: sync_problems(execute))
    return reply({"problems": to_wire(result)})


ROUTES: Sequence[tuple[str, Handler, list[str]]] = (
    ("/v1/review/session", open_session, ["POST"]),
    ("/v1/review/log", log_keys, ["GET"]),
    ("/v1/review/rows", log_rows, ["POST"]),
    ("/v1/review/records/{id:path}", record, ["GET"]),
    ("/v1/review/counts", counts, ["GET"]),
    ("/v1/review/seizures", seizures, ["GET"]),
    ("/v1/review/seizures/{id:path}", seizure, ["GET"]),
    ("/v1/review/to-countersign", to_countersign, ["GET"]),
    ("/v1/review/unexamined", unexamined, ["GET"]),
    ("/v1/review/open-detentions", open_detentions, ["GET"]),
    ("/v1/review/lookouts", lookouts, ["GET"]),
    ("/v1/review/sync-problems", problems, ["GET"]),
)
