"""The serial scanner reader, through a real pseudo-terminal pair: the test holds the scanner's end."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning.serial_reader import SerialReader, SerialStatus


class Recorder:
    def __init__(self) -> None:
        self.scans: queue.Queue[ScanEvent] = queue.Queue()
        self.statuses: queue.Queue[tuple[SerialStatus, str]] = queue.Queue()

    def scan(self, event: ScanEvent) -> None:
        self.scans.put(event)

    def status(self, status: SerialStatus, detail: str) -> None:
        self.statuses.put((status, detail))

    def next_scan(self) -> str:
        return self.scans.get(timeout=5).code

    def wait_status(self, wanted: SerialStatus) -> str:
        while True:
            status, detail = self.statuses.get(timeout=5)
            if status is wanted:
                return detail


class Pty:
    """A pseudo-terminal whose slave is reachable through a stable path, like /dev/serial/by-id."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, self.slave = os.openpty()
        link.symlink_to(os.ttyname(self.slave))

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        self.link.unlink()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def port(tmp_path: Path) -> Iterator[Pty]:
    pty = Pty(tmp_path / "scanner")
    yield pty
    if pty.link.is_symlink():
        pty.unplug()


@pytest.fixture
def reader(port: Pty, recorder: Recorder) -> Iterator[SerialReader]:
    reader = SerialReader(str(port.link), recorder.scan, recorder.status, retry_seconds=0.05)
    reader.start()
    recorder.wait_status(SerialStatus.OPENED)
    yield reader
    reader.stop()
    assert not reader.running


def test_each_terminated_code_is_one_serial_scan(port: Pty, recorder: Recorder, reader: SerialReader) -> None:
    port.send(b"1Z5R89390357567127\r")
    event = recorder.scans.get(timeout=5)
    assert event.code == "1Z5R89390357567127"
    assert event.source is ScanSource.SERIAL


def test_cr_lf_and_split_writes_give_whole_codes_and_no_empty_ones(
    port: Pty, recorder: Recorder, reader: SerialReader
) -> None:
    port.send(b"RB1234")
    port.send(b"56785GB\r\n")
    port.send(b"986578788855\n\r\n")
    port.send(b"  \r")
    port.send(b"]C1420100019400111206206406260787\r")
    assert recorder.next_scan() == "RB123456785GB"
    assert recorder.next_scan() == "986578788855"
    assert recorder.next_scan() == "]C1420100019400111206206406260787"
    assert recorder.scans.empty()


def test_unplugging_is_reported_and_the_reader_keeps_trying_until_replugged(
    tmp_path: Path, port: Pty, recorder: Recorder, reader: SerialReader
) -> None:
    port.unplug()
    assert recorder.wait_status(SerialStatus.LOST)
    assert recorder.wait_status(SerialStatus.UNAVAILABLE)
    assert reader.running

    replugged = Pty(port.link)
    try:
        recorder.wait_status(SerialStatus.OPENED)
        replugged.send(b"9611020987654312345672\r")
        assert recorder.next_scan() == "9611020987654312345672"
    finally:
        reader.stop()
        replugged.unplug()
    assert recorder.wait_status(SerialStatus.STOPPED)


def test_a_missing_port_is_a_status_not_an_exception(recorder: Recorder) -> None:
    reader = SerialReader("/dev/no-such-scanner", recorder.scan, recorder.status, retry_seconds=0.05)
    reader.start()
    try:
        detail = recorder.wait_status(SerialStatus.UNAVAILABLE)
        assert "/dev/no-such-scanner" in detail
        assert reader.running
    finally:
        reader.stop()
    assert not reader.running
    assert recorder.wait_status(SerialStatus.STOPPED)


def test_a_failing_callback_does_not_kill_the_reader(port: Pty, recorder: Recorder) -> None:
    seen: list[str] = []

    def flaky(event: ScanEvent) -> None:
        seen.append(event.code)
        if len(seen) == 1:
            raise RuntimeError("consumer bug")
        recorder.scan(event)

    reader = SerialReader(str(port.link), flaky, recorder.status, retry_seconds=0.05)
    reader.start()
    try:
        recorder.wait_status(SerialStatus.OPENED)
        port.send(b"first1\rsecond2\r")
        assert recorder.next_scan() == "second2"
    finally:
        reader.stop()
    assert seen == ["first1", "second2"]
