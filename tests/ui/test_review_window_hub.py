"""The supervisor window over a real hub process: another bench's records, synced there, facility-wide."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "store", HERE.parent / "hub", HERE.parent / "sync"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from desk_support import DeskBench, desk_bench, hub_officers  # noqa: E402
from hub_process import HubProcess, add_device  # noqa: E402
from records_support import FAST_HASHER  # noqa: E402

from workstation.config import Settings  # noqa: E402
from workstation.core.records import Session  # noqa: E402
from workstation.core.tracking import make_s10  # noqa: E402
from workstation.hub.storage import open_storage  # noqa: E402
from workstation.sync.rounds import HubTarget  # noqa: E402
from workstation.ui.bench_app import Bench  # noqa: E402
from workstation.ui.review_window import ReviewWindow  # noqa: E402
from workstation.ui.root import Workstation  # noqa: E402

SEIZED = make_s10("LX", "60000006", "HK")
RELEASED = make_s10("RB", "70000007", "CN")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    """A real hub on SQLite (the engine makes no difference to the window)."""
    folder = tmp_path / "hub"
    folder.mkdir()
    process = HubProcess(folder, f"sqlite:///{folder / 'hub.sqlite'}").start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def other_bench(hub: HubProcess, tmp_path: Path) -> Iterator[DeskBench]:
    """BENCH-2: an officer's seizure and a release there, synced to the hub."""
    desk = desk_bench(tmp_path / "bench2", "BENCH-2", hub)
    hub_officers(hub.database)
    desk.seize("O1", SEIZED)
    desk.release("O2", RELEASED)
    desk.sync(hub)
    try:
        yield desk
    finally:
        desk.close()


def _supervisor_at_hub(
    make_workstation: Callable[..., Workstation], hub: HubProcess, qtbot: QtBot, password: str
) -> ReviewWindow:
    """The demo supervisor, known at the hub too, opens the review at bench-7 with `password`."""
    storage = open_storage(hub.database)
    try:
        storage.save_officer("D2001", "Demo Supervisor", "supervisor", True, FAST_HASHER.hash("demo"), None)
    finally:
        storage.close()
    token = add_device(hub.data_dir, hub.database, "bench-7")
    root = make_workstation(Settings(bench_id="bench-7"))
    sessions: list[Session] = []
    root.demo_sign_in("D2001").on_success(sessions.append)
    qtbot.waitUntil(lambda: bool(sessions), timeout=10_000)
    bench: Bench = root.start(sessions[0])
    qtbot.addWidget(bench.window)
    bench.review.hub_target = lambda: HubTarget(hub.url, token)
    bench.review.ask_password = lambda: password  # type: ignore[method-assign]
    window = bench.review.open()
    assert window is not None
    qtbot.addWidget(window)
    return window


def test_a_wrong_password_shows_this_benchs_records_under_the_hubs_refusal(
    make_workstation: Callable[..., Workstation], hub: HubProcess, other_bench: DeskBench, qtbot: QtBot
) -> None:
    window = _supervisor_at_hub(make_workstation, hub, qtbot, "not the password")
    qtbot.waitUntil(lambda: window.choice_banner is not None, timeout=20_000)
    assert window.banner.text().startswith(
        "The hub refused the facility records: showing this bench's records only ("
    )
    tab = window.log_tab
    with qtbot.waitSignal(tab.keys_loaded, timeout=20_000):
        tab.filters.set_all_days()
    assert tab.count_label.text() == "0 records"  # this bench's own: BENCH-2's are at the hub only


def test_the_window_reads_the_hub_and_countersigns_another_benchs_seizure(
    make_workstation: Callable[..., Workstation], hub: HubProcess, other_bench: DeskBench, qtbot: QtBot
) -> None:
    window = _supervisor_at_hub(make_workstation, hub, qtbot, "demo")
    qtbot.waitUntil(lambda: window.choice_banner is None and window.banner.isHidden(), timeout=20_000)
    tab = window.log_tab
    with qtbot.waitSignal(tab.keys_loaded, timeout=20_000):
        tab.filters.set_all_days()  # the other bench's records are from its own (fixed) clock's day
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2 and tab.model.row_at(1) is not None, timeout=20_000)
    shown = {(r.tracking_id, r.bench_id) for r in (tab.model.row_at(n) for n in range(2)) if r is not None}
    assert shown == {(SEIZED, "BENCH-2"), (RELEASED, "BENCH-2")}  # another bench's, from the hub

    countersign = window.countersign_tab
    qtbot.waitUntil(lambda: [s.tracking_id for s in countersign.seizures] == [SEIZED], timeout=20_000)
    countersign.select(countersign.seizures[0].id)
    countersign.countersign.click()
    # Recorded at this bench (the hub hears of it with the next sync): no longer offered here.
    qtbot.waitUntil(lambda: window.status.text().startswith("Countersigned:"), timeout=20_000)
    qtbot.waitUntil(lambda: not countersign.seizures, timeout=20_000)
    assert countersign.message.text() == ""
