"""A scanner in serial (USB COM) mode: bytes on a port, one code per terminator.

The reader runs on its own thread and calls back from it: `on_scan(ScanEvent)` per code and
`on_status(SerialStatus, detail)` when the port opens, is missing, or goes away. Unplugging is
normal at a bench: the reader says so and tries again every `retry_seconds`, never raising.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum

import serial

from workstation.core.scan import ScanEvent, ScanSource

log = logging.getLogger(__name__)


class SerialStatus(Enum):
    OPENED = "opened"
    UNAVAILABLE = "unavailable"  # cannot open: missing, busy, no permission
    LOST = "lost"  # was open, then failed: unplugged
    STOPPED = "stopped"


ScanCallback = Callable[[ScanEvent], None]
StatusCallback = Callable[[SerialStatus, str], None]

# A code longer than this without a terminator is line noise (wrong baud rate): dropped.
MAX_CODE_BYTES = 512


class SerialReader:
    """Reads codes from a serial port on a worker thread until `stop()`."""

    def __init__(
        self,
        port: str,
        on_scan: ScanCallback,
        on_status: StatusCallback | None = None,
        baud: int = 9600,
        terminator: str = "\r",
        retry_seconds: float = 2.0,
    ) -> None:
        self.port = port
        self.baud = baud
        # CR, LF or CRLF all end a code: scanners differ, and the pair must not make an empty scan.
        self._terminators = set(terminator.encode("latin-1")) | {0x0D, 0x0A}
        self.retry_seconds = retry_seconds
        self._on_scan = on_scan
        self._on_status = on_status or (lambda status, detail: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the serial reader is already running")
        self._thread = threading.Thread(target=self._run, name=f"serial-reader {self.port}")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading and wait for the thread to end (it notices within a read timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        last: SerialStatus | None = None
        while not self._stop.is_set():
            try:
                port = serial.Serial(self.port, self.baud, timeout=0.1)
            except (serial.SerialException, OSError, ValueError) as exc:
                if last is not SerialStatus.UNAVAILABLE:  # say it once, not every retry
                    self._status(SerialStatus.UNAVAILABLE, f"{self.port}: {exc}")
                    last = SerialStatus.UNAVAILABLE
                self._stop.wait(self.retry_seconds)
                continue
            self._status(SerialStatus.OPENED, f"{self.port} at {self.baud} baud")
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                self._status(SerialStatus.LOST, f"{self.port}: {exc}")
                last = SerialStatus.LOST
                self._stop.wait(self.retry_seconds)
            finally:
                port.close()
        self._status(SerialStatus.STOPPED, self.port)

    def _read(self, port: serial.Serial) -> None:
        pending = bytearray()
        while not self._stop.is_set():
            chunk = port.read(port.in_waiting or 1)
            for byte in chunk:
                if byte in self._terminators:
                    self._emit(bytes(pending))
                    pending.clear()
                elif len(pending) < MAX_CODE_BYTES:
                    pending.append(byte)
                else:
                    log.warning("%s: %d bytes without a terminator: dropped", self.port, len(pending))
                    pending.clear()

    def _emit(self, raw: bytes) -> None:
        code = raw.decode("latin-1").strip()
        if code:
            self._callback(self._on_scan, ScanEvent(code, ScanSource.SERIAL))

    def _status(self, status: SerialStatus, detail: str) -> None:
        self._callback(self._on_status, status, detail)

    @staticmethod
    def _callback(fn: Callable[..., None], *args: object) -> None:
        # A consumer's bug must not kill the reader thread.
        try:
            fn(*args)
        except Exception:
            log.exception("serial reader callback failed")
