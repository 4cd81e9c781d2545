"""The self-test's Qt-free checks: data directory, databases, decoders, cameras, sound files, hub.

Each check returns one `CheckResult` and never raises: what went wrong goes into `detail`, in
words an administrator can act on. The Qt checks (the GUI starts, sounds load) are in
`workstation.ui.selftest`; `workstation.commands.selftest` runs both and prints them.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workstation.resources import resource_path

SAMPLE_LABEL = "samples/label-code128.png"
SAMPLE_TEXT = "RB123456785GB"
SOUND_FILES = ("sounds/accept.wav", "sounds/attention.wav", "sounds/error.wav")
CAMERA_INDICES = range(4)
HUB_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome. A required check that fails stops a bench; a recommended one warns."""

    name: str
    ok: bool
    detail: str
    ms: float = 0.0
    required: bool = True

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "fail" if self.required else "warn"

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.name,
            "ok": self.ok,
            "status": self.status,
            "required": self.required,
            "detail": self.detail,
            "ms": round(self.ms, 1),
        }


def timed(name: str, check: Callable[[], tuple[bool, str]], *, required: bool = True) -> CheckResult:
    """Run one check, timing it; an unexpected exception is a failure that names its type."""
    start = time.perf_counter()
    try:
        ok, detail = check()
    except Exception as exc:  # a self-test reports every failure, whatever it is
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return CheckResult(name, ok, detail, (time.perf_counter() - start) * 1000, required)


def data_dir_writable(data_dir: Path) -> tuple[bool, str]:
    """The data directory exists (or can be made) and a file can be written, synced and removed."""
    probe = data_dir / f".self-test-{os.getpid()}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as fh:
            fh.write(b"self-test")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc
        return False, f"{data_dir}: cannot write there ({reason}); check the folder's permissions"
    return True, str(data_dir)


def databases_open(data_dir: Path) -> tuple[bool, str]:
    """Both SQLite files open and pass their checks (creating them when they are not there yet)."""
    from workstation.store.db import StoreUnavailableError, open_cache, open_records_connection

    try:
        cache = open_cache(data_dir)
        cache.conn.close()
        try:  # the records store, once there, runs its own migrations on open
            records_module = importlib.import_module("workstation.store.records")
        except ImportError:
            conn = open_records_connection(data_dir, "move it aside and restore the latest backup")
            conn.close()
        else:
            store = records_module.RecordsStore.open(data_dir)
            close = getattr(store, "close", None)
            if close is not None:
                close()
    except (StoreUnavailableError, sqlite3.Error) as exc:
        return False, str(exc)
    except OSError as exc:
        return False, f"{data_dir}: cannot open the databases there ({exc.strerror or exc})"
    return True, "cache.sqlite, records.sqlite"


def _sample(sample: Path | None) -> tuple[Path, str | None]:
    """The image to decode and the text it must give (None: any barcode will do)."""
    if sample is not None:
        return sample, None
    return resource_path(SAMPLE_LABEL), SAMPLE_TEXT


def _judge(decoder: str, path: Path, texts: list[str], expected: str | None) -> tuple[bool, str]:
    if not texts:
        return False, f"{decoder} read no barcode in {path}"
    if expected is not None and expected not in texts:
        return False, f"{decoder} read {texts} in {path}, expected {expected!r}"
    return True, f"read {texts[0]!r} from {path.name}"


def zxing_reads_sample(sample: Path | None = None) -> tuple[bool, str]:
    """zxing-cpp alone reads the sample label."""
    from workstation.scanning.decoders import decode_frame, load_gray

    path, expected = _sample(sample)
    return _judge("zxing-cpp", path, [s.text for s in decode_frame(load_gray(path))], expected)


def pyzbar_reads_sample(sample: Path | None = None) -> tuple[bool, str]:
    """pyzbar (libzbar) alone reads the sample label; a missing libzbar is named."""
    from workstation.scanning.decoders import load_gray

    path, expected = _sample(sample)
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:
        from workstation.scanning.decoders import zbar_install_hint

        return False, f"pyzbar cannot load libzbar ({exc}); {zbar_install_hint()}"
    texts = [s.data.decode("utf-8", errors="replace") for s in pyzbar.decode(load_gray(path))]
    return _judge("pyzbar", path, texts, expected)


def cameras_listed(configured_source: str) -> tuple[bool, str]:
    """Probe device indices 0-3; none is fine, unless the config names a device index that is absent."""
    import cv2

    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    found = []
    for index in CAMERA_INDICES:
        if sys.platform.startswith("linux"):
            if not Path(f"/dev/video{index}").exists():
                continue
            cap = cv2.VideoCapture(index, cv2.CAP_V4L2)
        elif sys.platform == "win32":
            cap = cv2.VideoCapture(index, cv2.CAP_DSHOW)  # Media Foundation takes seconds per index
        else:
            cap = cv2.VideoCapture(index)
        try:
            if cap.isOpened():
                w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
                found.append(f"{index} ({w}x{h})")
        finally:
            cap.release()
    listed = ", ".join(found) if found else "none"
    detail = f"devices {CAMERA_INDICES.start}-{CAMERA_INDICES.stop - 1}: {listed}"
    if configured_source.isdigit() and not any(f.startswith(configured_source + " ") for f in found):
        return False, f"{detail}; the config's camera source {configured_source} is not there"
    return True, detail


def sound_files_valid() -> tuple[bool, str]:
    """Each shipped sound is a readable, non-empty PCM WAV file."""
    described = []
    for name in SOUND_FILES:
        path = resource_path(name)
        try:
            with wave.open(str(path), "rb") as wav:
                frames, rate = wav.getnframes(), wav.getframerate()
                width, channels = wav.getsampwidth(), wav.getnchannels()
        except (wave.Error, EOFError, OSError) as exc:
            return False, f"{path}: not a valid WAV file ({exc})"
        if frames == 0:
            return False, f"{path}: no audio in it"
        described.append(f"{Path(name).stem} {frames / rate:.2f}s/{width * 8}bit/{channels}ch")
    return True, ", ".join(described)


def hub_reachable(
    hub_url: str, token: str = "", ca_file: str = "", timeout: float = HUB_TIMEOUT_S
) -> tuple[bool, str]:
    """The hub answers `GET /v1/time` to this device's token, over TLS checked against the CA file;
    with no hub configured there is nothing to check."""
    if not hub_url:
        return True, "no hub configured (standalone bench)"
    if not token:
        return False, f"{hub_url}: no device token: set [sync] token (from `workstation hub add-device`)"
    from workstation.sync.client import HubClient, hub_time_skew
    from workstation.sync.errors import SyncError

    try:
        with HubClient(hub_url, token, ca_file=ca_file or None, timeout=timeout) as client:
            hub_time = client.time()
    except SyncError as exc:
        return False, f"{hub_url}: {exc}"
    return (
        True,
        f"{hub_url}: answers, this token accepted, clock {hub_time_skew(hub_time):+.1f} s from the hub's",
    )


def qt_platform_for_headless() -> str | None:
    """On Linux with no display, Qt must render offscreen; returns the platform set, if any."""
    if not sys.platform.startswith("linux"):
        return None
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return "offscreen"
