"""The hub's HTTP face (protocol v1, docs/sync-protocol.md): routes decode, call storage, encode.

Nothing is kept between requests but the storage's connection pool, so any number of hub
processes can serve one database. Storage calls block, so they run on Starlette's thread pool.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workstation.core.errors import Invalid
from workstation.hub import review_routes
from workstation.hub.http import (
    MAX_BODY,
    Handler,
    Refused,
    guarded,
    read_body,
    reply,
    token_sha256,
)
from workstation.hub.model import (
    MAX_AUDIT,
    MAX_EVENTS,
    CursorExpired,
    read_audit,
    read_events,
)
from workstation.hub.storage import REFERENCE_PAGE_MAX, HubStorage, open_storage

__all__ = ["MAX_BODY", "Refused", "add_device", "create_app", "new_device_token", "reply", "token_sha256"]

PROTOCOL = 1
DATABASE_ENV = "WORKSTATION_HUB_DATABASE"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def new_device_token() -> str:
    """A device token: 256 random bits, prefixed so that it never starts with "-" (a command line
    would take it for an option) and is recognisable in a config file."""
    return "wsd_" + secrets.token_urlsafe(32)


def add_device(storage: HubStorage, name: str) -> str:
    """Add the device (the bench `name`) with a new token; the token, shown once: only its hash is kept."""
    token = new_device_token()
    storage.add_device(name, token_sha256(token))
    return token


# -- routes -----------------------------------------------------------------------------------


async def get_time(request: Request, storage: HubStorage, device: str) -> Response:
    return reply({"protocol": PROTOCOL})


def _upload(storage: HubStorage, device: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise Refused(400, "the body is nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Refused(400, "the body is a JSON object with bench, events and audit")
    bench = data.get("bench", device)
    if bench != device:
        raise Refused(400, f"bench: {bench!r} is not this device ({device!r})")
    events = data.get("events", [])
    audit = data.get("audit", [])
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise Refused(400, f"events: a list of at most {MAX_EVENTS} messages")
    if not isinstance(audit, list) or len(audit) > MAX_AUDIT:
        raise Refused(400, f"audit: a list of at most {MAX_AUDIT} entries")
    try:
        entries = read_audit(audit)
    except Invalid as exc:
        raise Refused(400, str(exc)) from exc
    # The storage projects what it accepts and publishes lookouts, in the upload's transaction.
    outcome = storage.upload(device, read_events(events, device), entries)
    return {"results": [r.as_dict() for r in outcome.results], "anchor": outcome.anchor.as_dict()}


async def post_events(request: Request, storage: HubStorage, device: str) -> Response:
    body = await read_body(request)
    return reply(await run_in_threadpool(_upload, storage, device, body))


async def get_anchor(request: Request, storage: HubStorage, device: str) -> Response:
    anchor = await run_in_threadpool(storage.anchor, device)
    return reply({"seq": anchor.seq, "hash": anchor.hash})


def parse_cursor(text: str) -> tuple[int, int | None]:
    """A reference cursor: "S" (horizon 0) or "H.S"; "0" is a start from nothing (any horizon)."""
    horizon_text, _, seq_text = text.rpartition(".")
    if not seq_text.isdigit() or (horizon_text and not horizon_text.isdigit()):
        raise Refused(400, f"cursor: {text!r} is not a cursor this hub gave")
    seq = int(seq_text)
    if seq == 0 and not horizon_text:
        return 0, None
    return seq, int(horizon_text or 0)


def make_cursor(seq: int, horizon: int) -> str:
    return f"{horizon}.{seq}" if horizon else str(seq)


def _whole(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise Refused(400, f"{name}: a whole number from {low} to {high}")
    return int(text)


async def get_reference(request: Request, storage: HubStorage, device: str) -> Response:
    given = request.query_params.get("cursor", "0")
    seq, horizon = parse_cursor(given)
    limit = _whole(request.query_params.get("limit", str(REFERENCE_PAGE_MAX)), "limit", 1, REFERENCE_PAGE_MAX)
    try:
        page = await run_in_threadpool(storage.reference_page, seq, limit, horizon)
    except CursorExpired as exc:
        raise Refused(410, "cursor expired") from exc
    etag = f'"{given}-{page.max_seq}"'
    if etag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers={"ETag": etag})
    cursor = make_cursor(page.cursor, page.horizon)
    return reply({"records": page.records, "cursor": cursor, "more": page.more}, headers={"ETag": etag})


def _tags(header: str) -> set[str]:
    tags = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/")
        if tag:
            tags.add(tag if tag.startswith('"') else f'"{tag}"')
    return tags


async def get_officers(request: Request, storage: HubStorage, device: str) -> Response:
    cursor = _whole(request.query_params.get("cursor", "0"), "cursor", 0, 1 << 62)
    officers = await run_in_threadpool(storage.officers_since, cursor)
    after = max((o.version for o in officers), default=cursor)
    return reply({"officers": [o.as_dict() for o in officers], "cursor": str(after)})


def _photo_sha(request: Request) -> str:
    sha = str(request.path_params["sha"])
    if not _SHA256.fullmatch(sha):
        raise Refused(400, "a photo is addressed by the SHA-256 of its bytes, 64 lower-case hex digits")
    return sha


async def photo(request: Request, storage: HubStorage, device: str) -> Response:
    sha = _photo_sha(request)
    if request.method == "HEAD":
        state = await run_in_threadpool(storage.photo_state, sha)
        if state.complete:
            return Response(status_code=200, headers={"Upload-Offset": str(state.held)})
        return Response(status_code=404, headers={"Upload-Offset": str(state.held)})
    offset = _whole(request.headers.get("upload-offset", ""), "Upload-Offset", 0, MAX_BODY * 1024)
    length = _whole(request.headers.get("upload-length", ""), "Upload-Length", 1, MAX_BODY * 1024)
    data = await read_body(request)
    outcome = await run_in_threadpool(storage.append_photo, sha, offset, length, data)
    held = {"Upload-Offset": str(outcome.held)}
    if outcome.status == "complete":
        return reply({"sha256": sha, "size": outcome.size}, headers=held)
    if outcome.status == "partial":
        return reply({"sha256": sha, "offset": outcome.held, "size": outcome.size}, 200, held)
    if outcome.status == "offset_mismatch":
        raise Refused(409, f"Upload-Offset: the hub holds {outcome.held} bytes of this photo", held)
    raise Refused(422, "the bytes do not have the SHA-256 they are addressed by; the upload was discarded")


async def not_found(request: Request, exc: Exception) -> Response:
    return reply({"error": f"no such path: {request.url.path}"}, 404)


def create_app(storage: HubStorage, *, close_storage: bool = False) -> Starlette:
    """The hub's ASGI app over a storage; `close_storage` closes it when the app shuts down."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if close_storage:
            storage.close()

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, guarded(storage, handler), methods=methods)

    return Starlette(
        routes=[
            route("/v1/time", get_time, ["GET"]),
            route("/v1/events", post_events, ["POST"]),
            route("/v1/anchor", get_anchor, ["GET"]),
            route("/v1/reference", get_reference, ["GET"]),
            route("/v1/officers", get_officers, ["GET"]),
            route("/v1/photos/{sha}", photo, ["HEAD", "PATCH"]),
            *(route(path, handler, methods) for path, handler, methods in review_routes.ROUTES),
        ],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """For uvicorn's worker processes: each opens its own storage from $WORKSTATION_HUB_DATABASE."""
    return create_app(open_storage(os.environ[DATABASE_ENV]), close_storage=True)
