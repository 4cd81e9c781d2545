"""Sign-in, lockout and unlock with a clock the test moves; rehash; shift hand-over."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from records_support import FAST_HASHER, PASSWORD, FakeClock, open_directory

from workstation.config import SecuritySettings
from workstation.core.records import InspectionDraft, Outcome, PermissionDenied, Role
from workstation.store.officers import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    OfficerDirectory,
    SignInError,
    SignInReason,
    default_hasher,
)


def kinds(directory: OfficerDirectory) -> list[str]:
    return [r[0] for r in directory.store.conn.execute("SELECT kind FROM audit_log ORDER BY seq")]


def setup(data_dir: Path, security: SecuritySettings | None = None) -> tuple[OfficerDirectory, FakeClock]:
    _store, directory, clock = open_directory(data_dir, security=security)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    admin = directory.sign_in("A1", PASSWORD, "DESK")
    directory.add(admin, "O1", "Olga Officer", Role.OFFICER, PASSWORD)
    directory.add(admin, "O2", "Omar Officer", Role.OFFICER, PASSWORD)
    return directory, clock


def test_sign_in_reasons(data_dir: Path) -> None:
    directory, _ = setup(data_dir)
    session = directory.sign_in("O1", PASSWORD, "B1")
    assert session.officer.badge == "O1"
    assert session.bench_id == "B1"
    with pytest.raises(SignInError) as err:
        directory.sign_in("nobody", PASSWORD, "B1")
    assert err.value.reason is SignInReason.UNKNOWN_BADGE
    with pytest.raises(SignInError) as err:
        directory.sign_in("O1", "wrong", "B1")
    assert err.value.reason is SignInReason.WRONG_PASSWORD
    assert "wrong password" in str(err.value)
    admin = directory.sign_in("A1", PASSWORD, "DESK")
    directory.disable(admin, "O2")
    with pytest.raises(SignInError) as err:
        directory.sign_in("O2", PASSWORD, "B2")
    assert err.value.reason is SignInReason.DISABLED
    assert {"sign_in", "sign_in_failed", "sign_in_refused", "officer_disabled"} <= set(kinds(directory))
    directory.store.close()


def test_five_failures_lock_the_badge_for_five_minutes(data_dir: Path) -> None:
    directory, clock = setup(data_dir)
    for _ in range(4):
        with pytest.raises(SignInError) as err:
            directory.sign_in("O1", "wrong", "B1")
        assert err.value.reason is SignInReason.WRONG_PASSWORD
    with pytest.raises(SignInError) as err:
        directory.sign_in("O1", "wrong", "B1")
    assert err.value.reason is SignInReason.LOCKED
    until = err.value.locked_until
    assert until == clock.now + timedelta(minutes=5)
    assert f"locked until {until.astimezone().strftime('%H:%M')}" in str(err.value)
    clock.advance(minutes=4, seconds=59)
    with pytest.raises(SignInError) as err:
        directory.sign_in("O1", PASSWORD, "B1")  # even the right password, while locked
    assert err.value.reason is SignInReason.LOCKED
    clock.advance(seconds=2)
    assert directory.sign_in("O1", PASSWORD, "B1").officer.badge == "O1"
    assert "lockout" in kinds(directory)
    directory.store.close()


def test_a_success_resets_the_count_and_limits_are_configurable(data_dir: Path) -> None:
    directory, clock = setup(data_dir, SecuritySettings(max_failed_sign_ins=2, lockout_minutes=1))
    with pytest.raises(SignInError):
        directory.sign_in("O1", "wrong", "B1")
    directory.sign_in("O1", PASSWORD, "B1")
    with pytest.raises(SignInError) as err:
        directory.sign_in("O1", "wrong", "B1")
    assert err.value.reason is SignInReason.WRONG_PASSWORD  # the earlier failure was forgiven
    with pytest.raises(SignInError) as err:
        directory.sign_in("O1", "wrong", "B1")
    assert err.value.reason is SignInReason.LOCKED
    clock.advance(minutes=1, seconds=1)
    directory.sign_in("O1", PASSWORD, "B1")
    directory.store.close()


def test_unlock_with_password_or_pin_and_events_are_audited(data_dir: Path) -> None:
    directory, clock = setup(data_dir, SecuritySettings(max_failed_sign_ins=3, lockout_minutes=5))
    session = directory.sign_in("O1", PASSWORD, "B1")
    directory.set_pin(session, "4321")
    with pytest.raises(ValueError, match="PIN"):
        directory.set_pin(session, "12a4")
    directory.record_security_event(session, "lock", "idle 5 minutes")
    assert directory.unlock(session, PASSWORD)
    assert directory.unlock(session, "4321")
    assert not directory.unlock(session, "0000")
    assert not directory.unlock(session, "1111")
    assert not directory.unlock(session, "2222")  # third failure: locked
    assert not directory.unlock(session, PASSWORD)  # refused while locked
    clock.advance(minutes=5, seconds=1)
    assert directory.unlock(session, "4321")
    k = kinds(directory)
    assert k.count("lock") == 1
    assert k.count("unlock") == 3
    assert {"unlock_failed", "lockout", "unlock_refused", "pin_set"} <= set(k)
    assert directory.store.verify_audit().ok
    directory.store.close()


def test_hash_is_upgraded_at_sign_in_when_parameters_change(data_dir: Path) -> None:
    directory, _ = setup(data_dir)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    upgraded = OfficerDirectory(directory.store, hasher=stronger)
    before = directory.store.conn.execute("SELECT password_hash FROM officers WHERE badge = 'O1'").fetchone()[
        0
    ]
    assert "t=1" in before
    upgraded.sign_in("O1", PASSWORD, "B1")
    after = directory.store.conn.execute("SELECT password_hash FROM officers WHERE badge = 'O1'").fetchone()[
        0
    ]
    assert after != before
    assert "m=16,t=2,p=1" in after
    assert not stronger.check_needs_rehash(after)
    upgraded.sign_in("O1", PASSWORD, "B1")  # and the new hash verifies
    assert kinds(directory).count("password_rehashed") == 1
    directory.store.close()


def test_the_real_parameters_meet_owasp_and_verify(data_dir: Path) -> None:
    assert ARGON2_TIME_COST >= 2
    assert ARGON2_MEMORY_KIB >= 19 * 1024
    assert ARGON2_PARALLELISM >= 1
    hasher = default_hasher()
    store, _, _ = open_directory(data_dir)
    directory = OfficerDirectory(store, hasher=hasher)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    stored = store.conn.execute("SELECT password_hash FROM officers").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert f"m={ARGON2_MEMORY_KIB},t={ARGON2_TIME_COST}" in stored
    assert directory.sign_in("A1", PASSWORD, "DESK").officer.role is Role.ADMIN
    store.close()


def test_hand_over_ends_the_previous_session_and_records_the_shift(data_dir: Path) -> None:
    directory, clock = setup(data_dir)
    store = directory.store
    first = directory.sign_in("O1", PASSWORD, "B1")
    store.save_inspection(first, InspectionDraft("X1", Outcome.RELEASED))
    clock.advance(hours=8)
    second = directory.sign_in("O2", PASSWORD, "B1")
    assert second.shift_id != first.shift_id
    with pytest.raises(PermissionDenied, match="ended"):
        store.save_inspection(first, InspectionDraft("X2", Outcome.RELEASED))
    end = store.conn.execute("SELECT how FROM shift_ends WHERE id = ?", (first.shift_id,)).fetchone()
    assert end == ("handed over to O2",)
    handed = store.conn.execute(
        "SELECT handed_over_from FROM shifts WHERE id = ?", (second.shift_id,)
    ).fetchone()
    assert handed == (first.shift_id,)
    assert store.shift_count(second) == 0
    assert store.shift_count(first) == 1
    again = directory.sign_in("O2", PASSWORD, "B1")  # the same officer again: the shift goes on
    assert again.shift_id == second.shift_id
    directory.sign_out(again)
    with pytest.raises(PermissionDenied, match="signed out"):
        store.save_inspection(again, InspectionDraft("X3", Outcome.RELEASED))
    assert store.verify_audit().ok
    store.close()


def test_bootstrap_only_when_empty_and_only_an_admin(data_dir: Path) -> None:
    store, directory, _ = open_directory(data_dir)
    with pytest.raises(PermissionDenied, match="first officer must be an admin"):
        directory.add(None, "O1", "Olga", Role.OFFICER, PASSWORD)
    directory.add(None, "A1", "Ada", Role.ADMIN, PASSWORD)
    with pytest.raises(PermissionDenied, match="only an admin"):
        directory.add(None, "A2", "Eve", Role.ADMIN, PASSWORD)
    with pytest.raises(ValueError, match="at least 8"):
        directory.add(directory.sign_in("A1", PASSWORD, "D"), "O1", "Olga", Role.OFFICER, "short")
    store.close()


def test_demo_officers(data_dir: Path) -> None:
    store, _, _ = open_directory(data_dir)
    directory = OfficerDirectory(store, hasher=FAST_HASHER)
    added = directory.ensure_demo_officers()
    assert {o.role for o in added} == set(Role)
    assert directory.ensure_demo_officers() == []
    assert directory.sign_in("D1001", "demo", "B1").officer.name == "Demo Officer"
    store.close()
