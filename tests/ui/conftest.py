"""Fixtures for the bench: a seeded demo cache and a running bench over a fresh data directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from workstation.config import Context, Settings
from workstation.core.records import Session
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.ui.bench_app import Bench, make_runner

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


@pytest.fixture
def make_bench(seeded: Path, tmp_path: Path, qtbot: QtBot) -> Iterator[BenchFactory]:
    """Start a bench signed in as demo officer D1001, with the real task runner's threads."""
    started: list[tuple[Bench, object]] = []

    def make(settings: Settings, **options: Any) -> Bench:
        data_dir = tmp_path / f"data{len(started)}"
        data_dir.mkdir()
        (data_dir / "cache.sqlite").write_bytes((seeded / "cache.sqlite").read_bytes())
        ctx = Context(settings=settings, data_dir=data_dir, demo=True)
        runner = make_runner(ctx)

        def sign_in(res: object) -> Session:
            res.officers.ensure_demo_officers()  # type: ignore[attr-defined]
            return res.officers.sign_in("D1001", "demo", settings.bench_id)  # type: ignore[attr-defined]

        sessions: list[Session] = []
        runner.run(sign_in).on_success(sessions.append)
        qtbot.waitUntil(lambda: bool(sessions), timeout=10_000)
        b = Bench(ctx, runner, sessions[0], **({"sounds": False} | options))
        qtbot.addWidget(b.window)
        b.window.show()
        qtbot.waitExposed(b.window)
        started.append((b, runner))
        return b

    yield make
    for b, runner in started:
        b.close()
        runner.shutdown()  # type: ignore[attr-defined]


@pytest.fixture
def bench(make_bench: BenchFactory) -> Bench:
    return make_bench(Settings(bench_id="bench-7"))
