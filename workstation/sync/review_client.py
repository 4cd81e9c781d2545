"""The supervisor review from the facility hub: a `ReviewSource` over the hub's read endpoints.

`open_review_session(target, badge, password)` signs the supervisor in at the hub (the device
token and the supervisor's own password; the hub checks the role) and gives the session token;
`HubReviewSource(target, session)` answers the supervisor window and the reports from the hub,
exactly as `LocalReviewSource` answers from this bench's records file.

Failures are the sync's typed errors (sync/errors.py): `HubUnreachable` (the window falls back to
this bench's records under a banner), `HubBusy` (try again; also a reply that is not what the
protocol says), `HubRefused` (401: the session expired or is unknown, sign in again; 403: the badge
is no longer an active supervisor or admin). `detail` and `seizure` raise NotFound as the Protocol says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeVar
from urllib.parse import quote

from workstation.core.errors import Invalid, NotFound
from workstation.core.review import (
    Counts,
    LogFilter,
    LogRow,
    Lookout,
    OpenDetention,
    RecordDetail,
    SeizureRef,
    SourceInfo,
    SyncProblem,
    Unexamined,
)
from workstation.core.review_wire import from_wire, list_from_wire, zone_name
from workstation.sync.client import HubClient
from workstation.sync.errors import HubBusy, HubRefused
from workstation.sync.rounds import HubTarget

SESSION_HEADER = "X-Review-Session"
ROWS_PER_REQUEST = 5000  # the hub's limit for POST /v1/review/rows

T = TypeVar("T")


def _shaped(status: int, read: Callable[[], T]) -> T:
    """A reply that does not hold what the protocol says is HubBusy (a proxy answering for the hub)."""
    try:
        return read()
    except (Invalid, KeyError, TypeError, ValueError) as exc:
        raise HubBusy(status, None, f"the hub's reply is not what the protocol says ({exc})") from exc


def open_review_session(target: HubTarget, badge: str, password: str) -> str:
    """Sign a supervisor in at the hub; the session token for `HubReviewSource`.

    HubRefused 401 for a wrong badge or password (the hub does not say which), 403 for an officer
    or a disabled badge.
    """
    with HubClient(target.url, target.token, target.ca_file) as client:
        data = client.call("POST", "/v1/review/session", json_body={"badge": badge, "password": password})
    return _shaped(200, lambda: str(data["session"]))


class HubReviewSource:
    """ReviewSource over the hub's `/v1/review/` endpoints, as one signed-in supervisor."""

    def __init__(self, target: HubTarget, session: str, *, timeout: float = 30.0) -> None:
        self.target = target
        self.client = HubClient(target.url, target.token, target.ca_file, timeout=timeout)
        self.client.http.headers[SESSION_HEADER] = session
        self._info = SourceInfo("facility hub", True, None, {"url": target.url})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HubReviewSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def info(self) -> SourceInfo:
        return self._info

    def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return self.client.call("GET", f"/v1/review/{path}", params=params)

    def _one(self, path: str) -> dict[str, Any]:
        """A GET of one thing by id: 404 is the Protocol's NotFound."""
        try:
            return self._get(path)
        except HubRefused as exc:
            if exc.status == 404:
                raise NotFound(exc.reason) from exc
            raise

    # -- ReviewSource -------------------------------------------------------------------------------

    def log_keys(self, f: LogFilter) -> list[int]:
        data = self._get("log", f.as_query())
        return _shaped(200, lambda: [_key(k) for k in data["keys"]])

    def log_rows(self, keys: Sequence[int]) -> list[LogRow]:
        rows: list[LogRow] = []
        wanted = list(keys)
        for n in range(0, len(wanted), ROWS_PER_REQUEST):
            data = self.client.call(
                "POST", "/v1/review/rows", json_body={"keys": wanted[n : n + ROWS_PER_REQUEST]}
            )
            rows += _shaped(200, functools.partial(list_from_wire, LogRow, data.get("rows")))
        return rows

    def detail(self, inspection_id: str) -> RecordDetail:
        data = self._one(f"records/{_segment(inspection_id)}")
        return _shaped(200, lambda: from_wire(RecordDetail, data["detail"]))

    def counts(self, f: LogFilter, zone: tzinfo) -> Counts:
        data = self._get("counts", {**f.as_query(), "zone": zone_name(zone)})
        return _shaped(200, lambda: from_wire(Counts, data["counts"]))

    def seizures(self, f: LogFilter) -> list[SeizureRef]:
        data = self._get("seizures", f.as_query())
        return _shaped(200, lambda: list_from_wire(SeizureRef, data["seizures"]))

    def seizure(self, seizure_id: str) -> SeizureRef:
        data = self._one(f"seizures/{_segment(seizure_id)}")
        return _shaped(200, lambda: from_wire(SeizureRef, data["seizure"]))

    def to_countersign(self, exclude_badge: str | None = None) -> list[SeizureRef]:
        data = self._get("to-countersign", {"exclude": exclude_badge} if exclude_badge else None)
        return _shaped(200, lambda: list_from_wire(SeizureRef, data["seizures"]))

    def unexamined(self, day: date, now: datetime, zone: tzinfo) -> list[Unexamined]:
        params = {"day": day.isoformat(), "now": now.astimezone(UTC).isoformat(), "zone": zone_name(zone)}
        data = self._get("unexamined", params)
        return _shaped(200, lambda: list_from_wire(Unexamined, data["items"]))

    def open_detentions(self) -> list[OpenDetention]:
        data = self._get("open-detentions")
        return _shaped(200, lambda: list_from_wire(OpenDetention, data["detentions"]))

    def lookouts(self, now: datetime) -> list[Lookout]:
        data = self._get("lookouts", {"now": now.astimezone(UTC).isoformat()})
        return _shaped(200, lambda: list_from_wire(Lookout, data["lookouts"]))

    def sync_problems(self) -> list[SyncProblem]:
        data = self._get("sync-problems")
        return _shaped(200, lambda: list_from_wire(SyncProblem, data["problems"]))


def _key(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"a key is a whole number, not {value!r}")
    return value


def _segment(record_id: str) -> str:
    """A record id as one path segment (an id with a slash must not name another route)."""
    return quote(record_id, safe="")
