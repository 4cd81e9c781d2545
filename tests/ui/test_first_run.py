"""The first-run dialog writes a config file that load_settings reads back; About shows the version."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from workstation.config import Context, Settings, load_settings
from workstation.ui.about import about_html, app_version
from workstation.ui.first_run import FirstRunDialog, maybe_run_first_run, needs_first_run


def _save(dialog: FirstRunDialog) -> QDialogButtonBox:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_dialog_writes_the_file(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "conf" / "workstation.toml"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    assert not _save(dialog).isEnabled()  # facility and bench are required
    qtbot.keyClicks(dialog.facility, "JFK-IMF")
    qtbot.keyClicks(dialog.bench, "bench-07")
    qtbot.keyClicks(dialog.hub, "https://hub.facility.local:8443")
    assert _save(dialog).isEnabled()
    with qtbot.waitSignal(dialog.settings_written) as blocker:
        qtbot.mouseClick(_save(dialog), Qt.MouseButton.LeftButton)
    settings = load_settings(path)
    assert (settings.facility_id, settings.bench_id, settings.hub_url) == (
        "JFK-IMF",
        "bench-07",
        "https://hub.facility.local:8443",
    )
    assert blocker.args == [settings]


def test_bad_hub_address_is_shown_and_nothing_written(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.facility, "F")
    qtbot.keyClicks(dialog.bench, "B")
    qtbot.keyClicks(dialog.hub, "hub.local")
    qtbot.mouseClick(_save(dialog), Qt.MouseButton.LeftButton)
    assert "http://" in dialog.error.text()
    assert not path.exists()


def test_not_shown_in_demo_offscreen_or_with_a_config(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = Context(settings=Settings(), data_dir=tmp_path, demo=False)
    missing = tmp_path / "workstation.toml"
    # Offscreen (tests, CI) nobody could answer it: it never opens, so this returns at once.
    assert needs_first_run(ctx, missing) is False
    assert maybe_run_first_run(ctx, missing) is False
    assert maybe_run_first_run(Context(Settings(), tmp_path, demo=True), missing) is False
    missing.write_text('facility_id = "F"\n')
    assert maybe_run_first_run(ctx, missing) is False
    assert not (tmp_path / "workstation.toml.new").exists()


def test_about_names_the_version(qtbot: QtBot) -> None:
    text = about_html({"Data folder": "/var/<x>"})
    assert app_version() in text
    assert "Inspection Workstation" in text
    assert "/var/&lt;x&gt;" in text


def test_after_the_first_run_the_settings_are_read_back_from_the_config_path_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--config FILE` reaches the first-run dialog: it writes FILE, and FILE is what is reread."""
    from workstation.config_writer import write_settings
    from workstation.ui import root

    given = tmp_path / "facility" / "bench.toml"
    asked: list[Path | None] = []

    def first_run(ctx: Context, path: Path | None = None) -> bool:
        asked.append(path)
        assert path is not None
        write_settings(path, {"facility_id": "JFK-IMF", "bench_id": "bench-07"})
        return True

    monkeypatch.setattr(root, "maybe_run_first_run", first_run)
    ctx = root.settings_after_first_run(Context(Settings(), tmp_path, config_path=given))
    assert asked == [given]
    assert (ctx.settings.bench_id, ctx.settings.source) == ("bench-07", str(given))
    assert ctx.config_path == given
