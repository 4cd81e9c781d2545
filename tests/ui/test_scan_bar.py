"""The scan bar and status bar: the shift count, and what an optional part that is missing says."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest
from conftest import BenchFactory
from pytestqt.qtbot import QtBot

from workstation.config import Settings
from workstation.core.records import InspectionDraft, Outcome
from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning import decoders
from workstation.ui.bench_app import Bench
from workstation.ui.operations import SaveRequest
from workstation.ui.sounds import Sounds, load_multimedia

SETTINGS = Settings(bench_id="bench-3")


def _scan(bench: Bench, qtbot: QtBot, code: str) -> None:
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(code, ScanSource.MANUAL))


def test_the_shift_count_counts_every_record_of_the_shift_not_the_recent_list(
    make_bench: BenchFactory, qtbot: QtBot
) -> None:
    bench = make_bench(SETTINGS)
    session = bench.session
    saved: list[int] = []

    def save_many(res: object) -> int:
        for n in range(57):
            res.records.save_inspection(session, InspectionDraft(f"LOAD{n:04d}", Outcome.RELEASED))  # type: ignore[attr-defined]
        return 57

    bench.runner.run(save_many).on_success(saved.append)
    qtbot.waitUntil(lambda: saved == [57], timeout=20_000)
    bench.window.refresh_shift()
    qtbot.waitUntil(lambda: bench.window.count_label.text() == "This shift: 57", timeout=10_000)
    assert bench.window.recent.rowCount() == 50  # the list shows the newest; the count is all of them

    # A save through the window counts from the store too, not from the list's length.
    codes: list[str] = []
    bench.runner.run(
        lambda res: res.cache.db.conn.execute("SELECT tracking_id FROM items LIMIT 1").fetchone()[0]
    ).on_success(codes.append)
    qtbot.waitUntil(lambda: bool(codes), timeout=10_000)
    _scan(bench, qtbot, codes[0])
    result = bench.window.result
    assert result is not None
    draft = bench.window._draft(result, Outcome.RELEASED, frozenset(), None, "")
    with qtbot.waitSignal(bench.window.record_saved, timeout=10_000):
        bench.window.save(SaveRequest(draft))
    bench.runner.wait_idle()  # the save's Changes re-query the count
    assert bench.window.count_label.text() == "This shift: 58"


@pytest.fixture
def no_multimedia(monkeypatch: pytest.MonkeyPatch) -> None:
    """QtMultimedia fails to import, as it does on Linux without libpulse0."""
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)


@pytest.mark.usefixtures("no_multimedia")
def test_without_a_sound_backend_the_bench_scans_flashes_and_says_so_once(
    make_bench: BenchFactory, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        bench = make_bench(SETTINGS, sounds=True)
        codes: list[str] = []
        bench.runner.run(
            lambda res: res.cache.db.conn.execute("SELECT tracking_id FROM items LIMIT 2").fetchall()
        ).on_success(lambda rows: codes.extend(r[0] for r in rows))
        qtbot.waitUntil(lambda: len(codes) == 2, timeout=10_000)
        for code in codes:
            _scan(bench, qtbot, code)
            assert bench.window.card.tracking_id.text() == code
            assert bench.window.card._flash_colour is not None  # the colour still says it
    window = bench.window
    assert not bench.sounds.working
    assert window.statusBar().isVisible()
    assert "sounds off: install libpulse0" in window.notice_label.text()
    assert len(bench.sounds.played) == 2  # asked for; nothing to hear, nothing broken
    said = [r.getMessage() for r in caplog.records if "sounds off" in r.getMessage()]
    assert len(said) == 1, said
    assert said[0] == window.notices["sounds"]


def test_a_sound_device_failure_later_is_said_once(make_bench: BenchFactory, qtbot: QtBot) -> None:
    bench = make_bench(SETTINGS)  # sounds disabled: no device here; the failure path is what counts
    bench.sounds.problem_found.emit("sounds off: the audio device refused accept.wav")
    bench.sounds.problem_found.emit("sounds off: the audio device refused accept.wav")
    assert bench.window.notice_label.text() == "sounds off: the audio device refused accept.wav"
    assert list(bench.window.notices) == ["sounds"]


@pytest.fixture
def no_zbar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pyzbar cannot load, as on a PC without libzbar0."""
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    decoders._zbar_loaded.cache_clear()
    yield
    decoders._zbar_loaded.cache_clear()


@pytest.mark.usefixtures("no_zbar")
def test_without_libzbar_the_bench_names_the_package(make_bench: BenchFactory, qtbot: QtBot) -> None:
    bench = make_bench(SETTINGS)
    qtbot.waitUntil(lambda: "pyzbar" in bench.window.notices, timeout=10_000)
    text = bench.window.notice_label.text()
    assert "second barcode reader off" in text
    assert "libzbar0" in text
    assert bench.window.statusBar().isVisible()


def test_the_real_sound_backend_works_or_says_what_to_install(qtbot: QtBot) -> None:
    """Whatever this PC has: the sounds work, or the reason names what to install or plug in."""
    module, reason = load_multimedia()
    sounds = Sounds(enabled=True)
    try:
        if module is None:
            assert sounds.problem is not None
            assert "libpulse0" in sounds.problem
        else:
            assert sounds.problem is None or "audio" in sounds.problem
        assert reason is None or "install" in reason
    finally:
        sounds.deleteLater()


@pytest.mark.usefixtures("libpulse")
def test_qtmultimedia_loads_where_libpulse_is_installed() -> None:
    module, reason = load_multimedia()
    assert module is not None, reason
    assert reason is None
