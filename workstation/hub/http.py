"""What every hub route shares: the refusal that ends a request, the JSON reply, the device check.

`guarded` authenticates the device token, runs the handler, and maps every refusal to its HTTP
status once (a Refused to its own, Invalid to 400, NotFound to 404, Forbidden to 403, an
unreachable database to 503 with Retry-After, anything else to 500).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workstation.core.errors import Forbidden, Invalid, NotFound
from workstation.hub.model import StorageUnavailable, hub_time
from workstation.hub.storage import HubStorage

log = logging.getLogger("workstation.hub")

MAX_BODY = 16 * 1024 * 1024
RETRY_AFTER_SECONDS = 2


class Refused(Exception):
    """Ends a request with an HTTP status and a reason."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def reply(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({**body, "hub_time": hub_time()}, status, headers)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


Handler = Callable[[Request, HubStorage, str], Awaitable[Response]]


def guarded(storage: HubStorage, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate the device, run the handler, map every refusal to its status once."""

    async def endpoint(request: Request) -> Response:
        try:
            auth = request.headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Refused(401, "a device token is required (Authorization: Bearer TOKEN)")
            device = await run_in_threadpool(storage.device_for, token_sha256(token.strip()))
            if device is None:
                raise Refused(401, "the device token is not valid")
            return await handler(request, storage, device)
        except Refused as exc:
            return reply({"error": exc.reason}, exc.status, exc.headers)
        except Invalid as exc:
            return reply({"error": str(exc), "errors": exc.errors}, 400)
        except NotFound as exc:
            return reply({"error": str(exc)}, 404)
        except Forbidden as exc:
            return reply({"error": str(exc)}, 403)
        except StorageUnavailable as exc:
            log.warning("database unavailable: %s", exc)
            return reply(
                {"error": "the hub's database is unavailable; try again later"},
                503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        except Exception:
            log.exception("hub fault on %s %s", request.method, request.url.path)
            return reply({"error": "hub fault"}, 500)

    return endpoint


async def read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise Refused(413, f"the body is over {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"the body is over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
