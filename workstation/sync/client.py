"""The bench's HTTP client for the hub (protocol v1, docs/sync-protocol.md), over httpx.

One method per route; every failure is a typed SyncError (workstation/sync/errors.py) saying
whether to retry. With a CA file the hub's certificate is checked against exactly that CA.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import json
import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from workstation.core.audit import AuditEntry
from workstation.core.messages import Message, encode
from workstation.logs import FILE_ONLY
from workstation.sync.errors import CursorExpired, HubBusy, HubRefused, HubUnreachable

log = logging.getLogger(__name__)

BUSY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_OFFSET_RETRIES = 3


@dataclass(frozen=True)
class EventResult:
    event_id: str
    kind: str
    status: str  # accepted, duplicate, conflict, rejected
    reason: str | None
    hub_seq: int | None


@dataclass(frozen=True)
class AnchorReply:
    status: str  # anchored, unchanged, gap, broken; "held" for GET /v1/anchor
    seq: int
    hash: str
    receipt: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class UploadReply:
    results: list[EventResult]
    anchor: AnchorReply
    hub_time: str


@dataclass(frozen=True)
class ReferencePage:
    records: list[dict[str, Any]]
    cursor: str
    more: bool
    etag: str
    hub_time: str


@dataclass(frozen=True)
class OfficerPage:
    officers: list[dict[str, Any]]
    cursor: str
    hub_time: str


def _entry(e: AuditEntry) -> dict[str, Any]:
    """An audit entry on the wire (`asdict` deep-copies every field: ten times slower)."""
    return {**e.body(), "prev_hash": e.prev_hash, "hash": e.hash}


def hub_time_skew(hub_time: str) -> float:
    """Seconds the hub's clock is ahead of this one (negative: behind)."""
    at = datetime.fromisoformat(hub_time)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at - datetime.now(UTC)).total_seconds()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _untrusted(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _loopback(url: str) -> bool:
    """A hub on this PC (the demo's, a test's): nothing travels over a network."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Hub addresses already warned about (plain http), once per process.
_WARNED_PLAIN: set[str] = set()

R = TypeVar("R")


def _reply_shape(method: Callable[..., R]) -> Callable[..., R]:
    """A reply that is JSON but not of the protocol's shape (a proxy or captive portal answering
    for the hub) is a typed, retryable error, never a KeyError out of the round."""

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> R:
        try:
            return method(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise HubBusy(200, None, f"the hub's reply is not what the protocol says ({exc!r})") from exc

    return checked


class HubClient:
    """A connection to one hub as one device (its bearer token)."""

    def __init__(self, url: str, token: str, ca_file: str | None = None, timeout: float = 10.0) -> None:
        verify: ssl.SSLContext | bool = True
        if ca_file is not None:
            # Exactly this CA: the system store is not consulted.
            try:
                verify = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise HubUnreachable(f"cannot use the CA file {ca_file} ([sync] ca_file): {exc}") from exc
        elif url.startswith("http://") and not _loopback(url) and url not in _WARNED_PLAIN:
            _WARNED_PLAIN.add(url)
            log.warning(
                "sync: the hub address %s is plain http: the device token and the records travel "
                "unencrypted; use https with [sync] ca_file outside a test bench",
                url,
                extra=FILE_ONLY,  # the log file's: a command's stderr keeps its one line
            )
        self.url = url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            verify=verify,
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise HubUnreachable(
                f"the hub at {self.url} did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            bad_cert = _untrusted(exc)
            if bad_cert is not None:
                raise HubUnreachable(
                    f"the hub's certificate was not trusted ({bad_cert.verify_message or bad_cert}): "
                    "check [sync] ca_file"
                ) from exc
            raise HubUnreachable(f"cannot reach the hub at {self.url}: {exc or type(exc).__name__}") from exc
        return response

    def _checked(self, response: httpx.Response, *, allow: frozenset[int] = frozenset()) -> httpx.Response:
        status = response.status_code
        if status < 300 or status in allow:
            return response
        reason = self._reason(response)
        if status == 410:
            raise CursorExpired(reason)
        if status in BUSY_STATUSES:
            raise HubBusy(status, _retry_after(response.headers.get("retry-after")), reason)
        raise HubRefused(status, reason)

    @staticmethod
    def _reason(response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        text = body.get("error") if isinstance(body, dict) else None
        return f"hub said {response.status_code}: {text or response.reason_phrase or 'no reason given'}"

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise HubBusy(response.status_code, None, "the hub's reply is not JSON") from exc
        if not isinstance(body, dict):
            raise HubBusy(response.status_code, None, "the hub's reply is not a JSON object")
        return body

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Any JSON route of the hub: the reply's object, or the typed SyncError of a failure."""
        response = self._request(method, path, params=params, json=json_body, headers=headers)
        return self._json(self._checked(response))

    # -- routes -----------------------------------------------------------------------------------

    @_reply_shape
    def time(self) -> str:
        """The hub's clock (GET /v1/time): also a cheap check that the hub is there."""
        return str(self._json(self._checked(self._request("GET", "/v1/time")))["hub_time"])

    def send(self, bench: str, messages: Sequence[Message], audit: Sequence[AuditEntry]) -> UploadReply:
        """Upload a batch of messages (oldest first) and the audit entries since the last anchor."""
        return self.send_encoded(bench, [encode(m) for m in messages], audit)

    @_reply_shape
    def send_encoded(self, bench: str, payloads: Sequence[str], audit: Sequence[AuditEntry]) -> UploadReply:
        """`send` for messages already in canonical JSON (`encode`), as the outbox holds them."""
        body = (
            f'{{"bench":{json.dumps(bench)},"events":[{",".join(payloads)}],'
            f'"audit":{json.dumps([_entry(e) for e in audit], ensure_ascii=False)}}}'
        )
        headers = {"Content-Type": "application/json"}
        response = self._request("POST", "/v1/events", content=body.encode("utf-8"), headers=headers)
        data = self._json(self._checked(response))
        results = [
            EventResult(r["event_id"], r["kind"], r["status"], r.get("reason"), r.get("hub_seq"))
            for r in data["results"]
        ]
        return UploadReply(results, _anchor(data["anchor"]), str(data["hub_time"]))

    @_reply_shape
    def anchor(self) -> AnchorReply:
        """The hub's last anchor for this device (GET /v1/anchor)."""
        data = self._json(self._checked(self._request("GET", "/v1/anchor")))
        return AnchorReply("held", int(data["seq"]), str(data["hash"]))

    @_reply_shape
    def reference(self, cursor: str, limit: int = 5000, etag: str | None = None) -> ReferencePage | None:
        """The next page of reference records after `cursor`; None when unchanged since `etag` (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._checked(
            self._request("GET", "/v1/reference", params={"cursor": cursor, "limit": limit}, headers=headers),
            allow=frozenset({304}),
        )
        if response.status_code == 304:
            return None
        data = self._json(response)
        return ReferencePage(
            list(data["records"]),
            str(data["cursor"]),
            bool(data["more"]),
            response.headers.get("etag", ""),
            str(data["hub_time"]),
        )

    @_reply_shape
    def officers(self, cursor: str) -> OfficerPage:
        """The officers changed since `cursor` ("0": all of them), with their Argon2id hashes."""
        data = self._json(self._checked(self._request("GET", "/v1/officers", params={"cursor": cursor})))
        return OfficerPage(list(data["officers"]), str(data["cursor"]), str(data["hub_time"]))

    @_reply_shape
    def upload_photo(self, sha256: str, data: bytes, chunk_size: int = 1 << 20) -> None:
        """Upload a photo by its SHA-256, resuming from what the hub already holds."""
        path = f"/v1/photos/{sha256}"
        head = self._checked(self._request("HEAD", path), allow=frozenset({404}))
        if head.status_code == 200:
            return
        offset = int(head.headers.get("upload-offset", "0"))
        retries = 0
        total = len(data)
        while True:
            piece = data[offset : offset + chunk_size]
            response = self._checked(
                self._request(
                    "PATCH",
                    path,
                    content=piece,
                    headers={"Upload-Offset": str(offset), "Upload-Length": str(total)},
                ),
                allow=frozenset({409}),
            )
            held = int(response.headers.get("upload-offset", offset + len(piece)))
            if response.status_code == 409:
                retries += 1
                if retries > MAX_OFFSET_RETRIES:
                    raise HubRefused(409, self._reason(response))
                offset = held
                continue
            if held >= total:
                return
            offset = held


def _anchor(data: dict[str, Any]) -> AnchorReply:
    return AnchorReply(
        str(data["status"]), int(data["seq"]), str(data["hash"]), data.get("receipt"), data.get("reason")
    )
