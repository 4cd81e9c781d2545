"""The hub's officer directory applied on a bench: sign-in with the hub's hashes, audited, no echo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from records_support import FAST_HASHER, PASSWORD, Bench, open_bench

from workstation.core.messages import OfficerChanged, SecurityEvent
from workstation.store.officer_directory import apply_officer_directory
from workstation.store.officers import SignInError


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    b.store.outbox.mark_sent(p.id for p in b.store.outbox.pending(1000))
    yield b
    b.close()


def hub_officer(badge: str, password: str, *, version: int = 1, **over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "badge": badge, "name": f"Hub {badge}", "role": "officer", "active": True,
        "password_hash": FAST_HASHER.hash(password), "pin_hash": None, "version": version,
    }  # fmt: skip
    row.update(over)
    return row


def apply(b: Bench, officers: list[dict[str, object]], cursor: str) -> tuple[str, ...]:
    return apply_officer_directory(b.store, b.store.sync_state, officers, cursor, "B9").changed


def test_a_hub_officer_signs_in_here_and_the_change_is_audited_without_an_officer_message(
    bench: Bench,
) -> None:
    assert apply(bench, [hub_officer("H1", "hub password 1")], "5") == ("H1",)
    session = bench.directory.sign_in("H1", "hub password 1", "B9")
    assert session.officer.name == "Hub H1"
    assert bench.store.sync_state.officer_cursor() == "5"
    assert bench.store.verify_audit().ok
    queued = [p.message for p in bench.store.outbox.pending(100)]
    assert not any(isinstance(m, OfficerChanged) for m in queued)
    applied = [m for m in queued if isinstance(m, SecurityEvent) and m.event == "officer_directory_applied"]
    assert len(applied) == 1
    assert applied[0].detail == {"officers": 1, "cursor": "5"}


def test_the_same_page_again_writes_nothing(bench: Bench) -> None:
    page = [hub_officer("H1", "hub password 1")]
    apply(bench, page, "5")
    head, waiting = bench.store.audit_head(), bench.store.outbox.count()
    assert apply(bench, page, "5") == ()
    assert (bench.store.audit_head(), bench.store.outbox.count()) == (head, waiting)


def test_a_change_at_the_hub_disables_and_resets_here(bench: Bench) -> None:
    apply(bench, [hub_officer("O1", "new hub password", version=3, name="Olga O.")], "8")
    with pytest.raises(SignInError):
        bench.directory.sign_in("O1", PASSWORD, "B9")
    assert bench.directory.sign_in("O1", "new hub password", "B9").officer.name == "Olga O."
    apply(bench, [hub_officer("O1", "new hub password", version=4, active=False)], "9")
    with pytest.raises(SignInError, match="disabled"):
        bench.directory.sign_in("O1", "new hub password", "B9")
    assert bench.store.verify_audit().ok
    # An officer the hub does not list (added here) stays as it was.
    assert bench.directory.sign_in("O2", PASSWORD, "B9").officer.badge == "O2"


def test_a_malformed_entry_is_refused_and_the_rest_applied(bench: Bench) -> None:
    result = apply_officer_directory(
        bench.store,
        bench.store.sync_state,
        [hub_officer("H2", "x" * 10, role="root"), hub_officer("H3", "hub password 3"), {"badge": "H4"}],
        "11",
        "B9",
    )
    assert result.changed == ("H3",)
    assert len(result.refused) == 2
    assert "'role'" in result.refused[0]
    assert bench.directory.get("H2") is None
    assert bench.store.verify_audit().ok


def test_the_directory_cursor_is_kept_per_hub(bench: Bench) -> None:
    state = bench.store.sync_state
    changed = apply_officer_directory(
        bench.store, state, [hub_officer("H2", "hub password 2")], "7", "B9", "https://hub-a.local"
    ).changed
    assert changed == ("H2",)
    assert state.officer_cursor("https://hub-a.local") == "7"
    # A bench moved to another (or a rebuilt) hub takes that hub's whole directory, from 0.
    assert state.officer_cursor("https://hub-b.local") == "0"
    state.set_officer_cursor("3", "https://hub-b.local")
    assert (state.officer_cursor("https://hub-a.local"), state.officer_cursor("https://hub-b.local")) == (
        "7",
        "3",
    )
    # A cursor kept before cursors were per hub stays under no hub's name.
    state.set({"officer_cursor": "12"})
    assert (state.officer_cursor(""), state.officer_cursor("https://hub-a.local")) == ("12", "0")
