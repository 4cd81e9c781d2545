"""Shared fixtures. Qt runs offscreen: set before anything imports Qt."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from workstation.app import library_loads

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI runs the same examples every time (a landing must not hang on a lucky draw); developers'
# runs keep exploring new ones, and hypothesis's database replays what they found.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO_ROOT = Path(__file__).resolve().parents[1]
# A few of the shared sample images, copied in so that a fresh clone tests on its own.
TEST_DATA = REPO_ROOT / "tests" / "data"
# CI sets this: there a test that would skip for a missing system package fails instead.
STRICT = os.environ.get("WORKSTATION_TEST_STRICT") == "1"


def require_system(available: bool, package: str, what: str) -> None:
    """Skip a test whose system package is missing here, naming it; under WORKSTATION_TEST_STRICT=1, fail."""
    if available:
        return
    message = f"needs the system package {package} ({what}): apt-get install {package}"
    if STRICT:
        pytest.fail(f"{message}; WORKSTATION_TEST_STRICT=1 does not allow the skip", pytrace=False)
    pytest.skip(message)


def has_program(name: str) -> bool:
    return shutil.which(name) is not None


def has_library(soname: str) -> bool:
    """Whether the dynamic loader finds this library (e.g. libpulse.so.0)."""
    return library_loads(soname)


def has_libzbar() -> bool:
    name = ctypes.util.find_library("zbar")
    return name is not None and has_library(name)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, empty data directory on disk (real files, real WAL)."""
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def libzbar() -> None:
    """The test needs libzbar, pyzbar's library (the second barcode reader)."""
    require_system(has_libzbar(), "libzbar0", "pyzbar, the second barcode reader, loads it")


@pytest.fixture
def libpulse() -> None:
    """The test needs libpulse, which QtMultimedia (the sounds) links on Linux."""
    require_system(has_library("libpulse.so.0"), "libpulse0", "QtMultimedia, the sounds, links it")


@pytest.fixture
def pdftoppm() -> None:
    require_system(has_program("pdftoppm"), "poppler-utils", "pdftoppm turns a PDF into images")


@pytest.fixture
def real_x() -> None:
    """The test starts a real X server and types into it."""
    require_system(has_program("Xvfb"), "xvfb", "a real X server for the window")
    require_system(has_program("xdotool"), "xdotool", "types at the X server as a scanner would")


@pytest.fixture
def samples() -> Path:
    """Labelled barcode images (zxing-cpp's test images, Apache-2.0: tests/data/barcodes/LICENSE)."""
    return TEST_DATA / "barcodes"


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a Python thread running (napari's leak check, for threads)."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    for t in leaked:
        t.join(timeout=2.0)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test leaked running thread(s): {still}"


@pytest.fixture(autouse=True)
def _no_default_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run without --data-dir log to the default data directory: a temporary one here,
    never the developer's own (tests that want another set WORKSTATION_DATA_DIR themselves)."""
    if "WORKSTATION_DATA_DIR" not in os.environ:
        monkeypatch.setenv("WORKSTATION_DATA_DIR", str(tmp_path_factory.mktemp("default-data")))


# -- PostgreSQL (the hub's engine) ------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """The session's PostgreSQL server (see tests/postgres_server.py); skips when none is installed."""
    import postgres_server

    server = postgres_server.start()
    require_system(server is not None, "postgresql-15", "the hub's database engine")
    assert server is not None
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(pg_server: object) -> str:
    """A fresh, empty database of its own on the session's PostgreSQL server."""
    import postgres_server

    return postgres_server.fresh_database(pg_server.url)  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A hub database URL, once on SQLite (the one-site demo) and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))
