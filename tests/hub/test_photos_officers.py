"""Photos uploaded by SHA-256, resumable; the officer directory managed on the hub and pulled."""

from __future__ import annotations

import hashlib
import json
import os

import httpx
import pytest
from hub_process import HubProcess
from workstation_process import run_workstation

from workstation.store.officers import Argon2Hasher, default_hasher
from workstation.sync.client import HubClient
from workstation.sync.errors import HubRefused

PHOTO = os.urandom(300_000)
SHA = hashlib.sha256(PHOTO).hexdigest()


def test_a_photo_upload_resumes_from_what_the_hub_holds(
    client: HubClient, hub: HubProcess, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{hub.url}/v1/photos/{SHA}"
    assert httpx.head(url, headers=auth).headers["upload-offset"] == "0"
    half = httpx.patch(
        url, content=PHOTO[:100_000], headers={**auth, "Upload-Offset": "0", "Upload-Length": str(len(PHOTO))}
    )
    assert half.status_code == 200
    head = httpx.head(url, headers=auth)
    assert (head.status_code, head.headers["upload-offset"]) == (404, "100000")
    wrong_offset = httpx.patch(
        url,
        content=PHOTO[50_000:],
        headers={**auth, "Upload-Offset": "50000", "Upload-Length": str(len(PHOTO))},
    )
    assert (wrong_offset.status_code, wrong_offset.headers["upload-offset"]) == (409, "100000")
    client.upload_photo(SHA, PHOTO, chunk_size=64 * 1024)  # resumes at 100,000
    assert httpx.head(url, headers=auth).status_code == 200
    client.upload_photo(SHA, PHOTO)  # already whole: nothing to send


def test_bytes_that_do_not_match_their_hash_are_refused_and_discarded(
    client: HubClient, hub: HubProcess, token: str
) -> None:
    other = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(HubRefused) as caught:
        client.upload_photo(other, PHOTO, chunk_size=100_000)
    assert caught.value.status == 422
    head = httpx.head(f"{hub.url}/v1/photos/{other}", headers={"Authorization": f"Bearer {token}"})
    assert (head.status_code, head.headers["upload-offset"]) == (404, "0")


def hub_cli(hub: HubProcess, *args: str, **env: str) -> tuple[int, list[dict[str, object]], str]:
    done = run_workstation(hub.data_dir, "hub", *args, "--database", hub.database, **env)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_officers_added_on_the_hub_reach_the_bench_with_hashes_that_verify(
    client: HubClient, hub: HubProcess
) -> None:
    code, out, err = hub_cli(
        hub, "officers", "add", "A1001", "--name", "Ann Admin", "--role", "admin",
        WORKSTATION_NEW_PASSWORD="correct horse",
    )  # fmt: skip
    assert code == 0, err
    assert out[0]["added"]["role"] == "admin"  # type: ignore[index]
    code, _, err = hub_cli(
        hub,
        "officers",
        "add",
        "A1001",
        "--name",
        "Ann",
        "--role",
        "officer",
        WORKSTATION_NEW_PASSWORD="another one",
    )
    assert code == 5
    hub_cli(
        hub,
        "officers",
        "add",
        "O2002",
        "--name",
        "Olu",
        "--role",
        "officer",
        WORKSTATION_NEW_PASSWORD="pass word 2",
    )
    page = client.officers("0")
    assert [o["badge"] for o in page.officers] == ["A1001", "O2002"]
    assert Argon2Hasher(default_hasher()).matches(page.officers[0]["password_hash"], "correct horse")
    assert client.officers(page.cursor).officers == []
    code, _, err = hub_cli(hub, "officers", "disable", "O2002")
    assert code == 0, err
    code, _, err = hub_cli(
        hub, "officers", "reset-password", "A1001", WORKSTATION_NEW_PASSWORD="a new secret"
    )
    assert code == 0, err
    changed = client.officers(page.cursor)
    assert [(o["badge"], o["active"]) for o in changed.officers] == [("O2002", False), ("A1001", True)]
    assert Argon2Hasher(default_hasher()).matches(changed.officers[1]["password_hash"], "a new secret")
    code, listed, _ = hub_cli(hub, "officers", "list")
    assert [o["badge"] for o in listed] == ["A1001", "O2002"]
    assert all("password_hash" not in o for o in listed)
    code, _, err = hub_cli(
        hub, "officers", "add", "B3", "--name", "x", "--role", "officer", WORKSTATION_NEW_PASSWORD="short"
    )
    assert code == 2


def test_adding_a_badge_that_exists_is_a_conflict_in_one_statement(hub_database: str) -> None:
    from workstation.core.errors import Conflict
    from workstation.hub.storage import open_storage

    storage = open_storage(hub_database)
    try:
        first = storage.save_officer("K1", "Kim One", "officer", True, "$argon2id$first", None, new=True)
        with pytest.raises(Conflict, match="K1 already exists"):
            storage.save_officer("K1", "Someone Else", "admin", True, "$argon2id$second", None, new=True)
        kept = storage.officer("K1")
        assert kept is not None
        assert (kept.name, kept.role, kept.password_hash, kept.version) == (
            "Kim One", "officer", "$argon2id$first", first.version,
        )  # fmt: skip
        # Changing an officer (disable, reset) still updates in place.
        changed = storage.save_officer("K1", "Kim One", "officer", False, "$argon2id$first", None)
        assert changed.version > first.version
    finally:
        storage.close()
