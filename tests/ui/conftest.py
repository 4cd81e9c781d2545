"""Fixtures for the bench: a seeded demo cache and a running bench over a fresh data directory,
and the check that no test leaves a window or a running timer behind."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workstation.config import Context, Settings
from workstation.core.records import Session
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.ui.bench_app import Bench
from workstation.ui.root import Workstation

BenchFactory = Callable[..., Bench]  # (settings, **Bench keyword arguments)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo cache, built once; each bench copies it."""
    d = tmp_path_factory.mktemp("seeded")
    cache = ManifestCache(open_cache(d))
    seed_cache(cache, 400)
    cache.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.db.conn.close()
    return d


def _alive(obj: object) -> bool:
    return obj is not None and shiboken6.isValid(obj)


@pytest.fixture(autouse=True)
def _no_leaked_widgets_or_timers(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level window or a running timer behind (napari's conftest).

    Windows closed with deleteLater are gone once the deferred deletes are processed; only what
    is still there after that is a leak.
    """
    before = {id(w) for w in QApplication.topLevelWidgets()}
    started: list[weakref.ReferenceType[QTimer]] = []
    start = QTimer.start

    def tracked_start(self: QTimer, *args: Any) -> None:
        started.append(weakref.ref(self))
        start(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QTimer, "start", tracked_start)
        yield
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in QApplication.topLevelWidgets() if id(w) not in before and _alive(w)]
    running = [t for ref in started if _alive(t := ref()) and t is not None and t.isActive()]
    for w in leaked:
        w.close()
        w.deleteLater()
    for t in running:
        t.stop()
    assert not leaked, (
        f"test left window(s) open: {[type(w).__name__ + ' ' + w.windowTitle() for w in leaked]}"
    )
    assert not running, f"test left timer(s) running: {[(t.objectName(), t.interval()) for t in running]}"


@pytest.fixture
def make_workstation(seeded: Path, tmp_path: Path, qtbot: QtBot) -> Iterator[Callable[..., Workstation]]:
    """The composition root over a fresh data directory (a copy of the seeded cache), closed after."""
    made: list[Workstation] = []

    def make(settings: Settings, **options: Any) -> Workstation:
        data_dir = tmp_path / f"data{len(made)}"
        data_dir.mkdir()
        (data_dir / "cache.sqlite").write_bytes((seeded / "cache.sqlite").read_bytes())
        ctx = Context(settings=settings, data_dir=data_dir, demo=True)
        root = Workstation(ctx, **({"sounds": False} | options))
        made.append(root)
        return root

    yield make
    for root in made:
        root.close()


@pytest.fixture
def make_bench(make_workstation: Callable[..., Workstation], qtbot: QtBot) -> BenchFactory:
    """Start a bench signed in as demo officer D1001, built by the composition root, real threads."""

    def make(settings: Settings, **options: Any) -> Bench:
        root = make_workstation(settings, **options)
        sessions: list[Session] = []
        root.demo_sign_in().on_success(sessions.append)
        qtbot.waitUntil(lambda: bool(sessions), timeout=10_000)
        b = root.start(sessions[0])
        qtbot.addWidget(b.window)
        qtbot.waitExposed(b.window)
        return b

    return make


@pytest.fixture
def bench(make_bench: BenchFactory) -> Bench:
    return make_bench(Settings(bench_id="bench-7"))
