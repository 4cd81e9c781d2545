"""A supervisor's session at the hub: the password and role checked against the hub's directory,
then a signed token every read endpoint wants beside the device token. A real hub process, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from hub_process import HubProcess, add_device
from hub_support import BENCH

from workstation.hub import review_auth
from workstation.hub.storage import open_storage

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse"


def directory(database: str, *officers: tuple[str, str, bool]) -> None:
    """Officers at the hub: (badge, role, active), all with PASSWORD."""
    storage = open_storage(database)
    try:
        for badge, role, active in officers:
            storage.save_officer(badge, f"Name {badge}", role, active, FAST.hash(PASSWORD), None)
    finally:
        storage.close()


def sign_in(hub: HubProcess, token: str, badge: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/v1/review/session",
        json={"badge": badge, "password": password},
        headers={"Authorization": f"Bearer {token}"},
    )


def read_log(hub: HubProcess, token: str, session: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if session is not None:
        headers["X-Review-Session"] = session
    return httpx.get(f"{hub.url}/v1/review/log", headers=headers)


@pytest.fixture
def staff(hub: HubProcess) -> None:
    directory(
        hub.database,
        ("S1", "supervisor", True),
        ("A1", "admin", True),
        ("O1", "officer", True),
        ("S9", "supervisor", False),
    )


@pytest.mark.usefixtures("staff")
def test_a_supervisor_or_an_admin_gets_a_session_that_reads(hub: HubProcess, token: str) -> None:
    for badge in ("S1", "A1"):
        reply = sign_in(hub, token, badge)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        expires = datetime.fromisoformat(body["expires_at"])
        assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
        log = read_log(hub, token, body["session"])
        assert log.status_code == 200, log.text
        assert log.json()["keys"] == []


@pytest.mark.usefixtures("staff")
def test_a_wrong_password_and_an_unknown_badge_get_the_same_401(hub: HubProcess, token: str) -> None:
    wrong = sign_in(hub, token, "S1", "not it")
    unknown = sign_in(hub, token, "NOBODY", PASSWORD)
    not_a_badge = sign_in(hub, token, "S1 ; drop", PASSWORD)
    assert [r.status_code for r in (wrong, unknown, not_a_badge)] == [401, 401, 401]
    assert wrong.json()["error"] == unknown.json()["error"] == not_a_badge.json()["error"]
    assert "session" not in wrong.json()


@pytest.mark.usefixtures("staff")
def test_an_officer_or_a_disabled_badge_is_refused_with_403(hub: HubProcess, token: str) -> None:
    officer = sign_in(hub, token, "O1")
    assert officer.status_code == 403
    assert officer.json()["error"] == "only a supervisor or admin reads the facility's records"
    disabled = sign_in(hub, token, "S9")
    assert disabled.status_code == 403
    assert "disabled" in disabled.json()["error"]


@pytest.mark.usefixtures("staff")
def test_reading_needs_a_good_session_of_this_device(hub: HubProcess, token: str) -> None:
    session = sign_in(hub, token, "S1").json()["session"]
    missing = read_log(hub, token, None)
    assert missing.status_code == 401
    assert "X-Review-Session" in missing.json()["error"]
    tampered = session[:-1] + ("0" if session[-1] != "0" else "1")
    assert read_log(hub, token, tampered).status_code == 401
    assert read_log(hub, token, "garbage").status_code == 401
    # The same session from another device: refused (a token is good only where it was issued).
    other = add_device(hub.data_dir, hub.database, "bench-08")
    assert read_log(hub, other, session).status_code == 401
    # No device token at all: refused before the session is looked at.
    bare = httpx.get(f"{hub.url}/v1/review/log", headers={"X-Review-Session": session})
    assert bare.status_code == 401
    assert read_log(hub, token, session).status_code == 200


@pytest.mark.usefixtures("staff")
def test_a_session_ends_when_the_directory_disables_or_demotes_the_badge(hub: HubProcess, token: str) -> None:
    s1 = sign_in(hub, token, "S1").json()["session"]
    a1 = sign_in(hub, token, "A1").json()["session"]
    directory(hub.database, ("S1", "supervisor", False), ("A1", "officer", True))
    disabled = read_log(hub, token, s1)
    demoted = read_log(hub, token, a1)
    assert disabled.status_code == 403
    assert "no longer active" in disabled.json()["error"]
    assert demoted.status_code == 403
    assert demoted.json()["error"] == "only a supervisor or admin reads the facility's records"


def test_the_session_endpoint_wants_a_badge_and_a_password(hub: HubProcess, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    for body in (b"{nope", b"[]", b'{"badge": "S1"}', b'{"password": "x"}'):
        reply = httpx.post(f"{hub.url}/v1/review/session", content=body, headers=auth)
        assert reply.status_code == 400, body


def test_a_token_expires_and_names_its_badge_and_device() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    token, expires = review_auth.issue("secret", "S1", BENCH, now)
    assert expires == now + timedelta(hours=12)
    held = review_auth.read("secret", token, BENCH, now + timedelta(hours=11, minutes=59))
    assert held is not None
    assert held.badge == "S1"
    assert review_auth.read("secret", token, BENCH, now + timedelta(hours=12)) is None
    assert review_auth.read("other secret", token, BENCH, now) is None
    assert review_auth.read("secret", token, "bench-08", now) is None
    # The badge cannot be changed without the signature failing.
    body, _, signature = token.partition(".")
    forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(body).replace(b"S1", b"S2")).decode()
    assert review_auth.read("secret", f"{forged}.{signature}", BENCH, now) is None
