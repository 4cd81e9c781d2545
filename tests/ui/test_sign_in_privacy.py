"""A password typed into the badge field at the lock screen or the sign-in dialog is refused as an
unknown badge, is not shown back, and leaves only a fingerprint in the records file (real threads).
"""

from __future__ import annotations

import json
import sqlite3

from pytestqt.qtbot import QtBot

from workstation.ui.bench_app import Bench
from workstation.ui.lock import SignInDialog

SECRET = "CorrectHorse1!"


def test_a_password_in_the_badge_field_is_never_stored_nor_shown(bench: Bench, qtbot: QtBot) -> None:
    records = bench.ctx.data_dir / "records.sqlite"
    watcher = sqlite3.connect(records)  # keeps the write-ahead log on disk to be read
    watcher.execute("SELECT 1 FROM audit_log").fetchall()

    bench.lock()
    bench.lock_screen.form.badge.setText(SECRET)
    bench.lock_screen.form.secret.setText("demo")
    bench.lock_screen.form.button.click()
    qtbot.waitUntil(lambda: "unknown badge" in bench.lock_screen.form.error.text(), timeout=10_000)
    assert SECRET not in bench.lock_screen.form.error.text()
    assert bench.locked

    dialog = SignInDialog(
        lambda badge, password: bench.runner.run(
            lambda res: res.officers.sign_in(badge, password, "bench-7"), "sign-in"
        )
    )
    qtbot.addWidget(dialog)
    dialog.form.badge.setText(f"  {SECRET}")
    dialog.form.secret.setText("demo")
    dialog.form.button.click()
    qtbot.waitUntil(lambda: "unknown badge" in dialog.form.error.text(), timeout=10_000)
    assert SECRET not in dialog.form.error.text()
    assert dialog.session is None

    details = [
        json.loads(d)
        for (d,) in watcher.execute("SELECT detail FROM audit_log WHERE kind = 'sign_in_failed' ORDER BY seq")
    ]
    assert [(d["badge_length"], d["reason"]) for d in details] == [(len(SECRET), "unknown badge")] * 2
    for path in records.parent.glob("records.sqlite*"):
        assert SECRET.encode() not in path.read_bytes(), path.name
    watcher.close()
