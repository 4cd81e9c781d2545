"""Keyboard wedge: scanner bursts recognised, human typing never taken for a scan.

Scanner bursts: tracking numbers typed at 5-20 ms per key (uniform, per key), then Enter.
Human typing: words, numbers and tracking numbers typed at 80-400 ms per key, then Enter.
Both fed with synthetic timestamps to the Qt-free `WedgeBuffer` (default settings: 35 ms, 6 keys),
then a smaller run through the Qt filter (`WedgeFilter` with an injected clock, offscreen).

Usage: uv run python benchmarks/wedge.py      The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import string

from workstation.config import ScannerSettings
from workstation.core.tracking import make_gs1, make_s10, make_ups
from workstation.scanning.wedge import WedgeBuffer

SETTINGS = ScannerSettings()
WORDS = ["seal", "torn", "box", "wet", "opened", "re-taped", "x-ray", "ok", "watch", "42", "1/2", "USPS"]


def tracking_codes(rng: random.Random, n: int) -> list[str]:
    codes = []
    for _ in range(n):
        kind = rng.randrange(3)
        if kind == 0:
            codes.append(make_ups("".join(rng.choices(string.ascii_uppercase + string.digits, k=15))))
        elif kind == 1:
            codes.append(make_s10("RB", "".join(rng.choices(string.digits, k=8)), "GB"))
        else:
            codes.append(make_gs1("9400" + "".join(rng.choices(string.digits, k=17))))
    return codes


def human_texts(rng: random.Random, n: int, codes: list[str]) -> list[str]:
    texts = []
    for i in range(n):
        if i % 3 == 0:
            texts.append(codes[i % len(codes)])  # an officer typing a tracking number by hand
        else:
            texts.append(" ".join(rng.choices(WORDS, k=rng.randint(1, 5))))
    return texts


def run_buffer(text: str, intervals: list[float]) -> tuple[str | None, str]:
    """Feed `text` then Enter; return (scan, what the widget received)."""
    buffer: WedgeBuffer[str] = WedgeBuffer(
        SETTINGS.wedge_max_key_interval_ms, SETTINGS.wedge_min_length, frozenset(SETTINGS.wedge_terminators)
    )
    delivered: list[str] = []
    at = 0.0
    for ch, gap in zip(text, intervals, strict=False):
        delivered += buffer.feed_text(ch, at, ch).release
        at += gap
    result = buffer.feed_terminator("enter", at, "\n")
    delivered += result.release
    if result.scan is None and not result.held:
        delivered.append("\n")
    delivered += buffer.flush().release
    return result.scan, "".join(delivered)


def buffer_figures(n: int = 5000) -> dict[str, float]:
    rng = random.Random(2024)
    codes = tracking_codes(rng, n)
    recognised = 0
    for code in codes:
        scan, typed = run_buffer(code, [rng.uniform(5, 20) for _ in code])
        recognised += scan == code and typed == ""
    humans = human_texts(rng, n, codes)
    taken, intact = 0, 0
    for text in humans:
        scan, typed = run_buffer(text, [rng.uniform(80, 400) for _ in text])
        taken += scan is not None
        intact += typed == text + "\n"
    figures = {
        "bursts": n,
        "bursts_recognised_pct": round(100 * recognised / n, 2),
        "human_sequences": n,
        "human_taken_as_scan_pct": round(100 * taken / n, 2),
        "human_text_intact_pct": round(100 * intact / n, 2),
    }
    print(f"buffer: {n} scanner bursts at 5-20 ms/key: {figures['bursts_recognised_pct']}% recognised")
    print(
        f"buffer: {n} typed sequences at 80-400 ms/key: {figures['human_taken_as_scan_pct']}% taken as a "
        f"scan, {figures['human_text_intact_pct']}% reached the widget intact"
    )
    return figures


def qt_figures(n: int = 100) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Plain key events with the timestamps a scanner or a person would give them.
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication, QLineEdit

    from workstation.ui.wedge_filter import WedgeFilter

    app = QApplication.instance() or QApplication([])
    now = [0.0]
    wedge = WedgeFilter(SETTINGS, clock=lambda: now[0])
    wedge.install(app)
    scans: list[str] = []
    wedge.scan_received.connect(lambda event: scans.append(event.code))
    line = QLineEdit()
    line.show()
    line.activateWindow()
    line.setFocus()
    app.processEvents()
    rng = random.Random(7)

    def key(code: int, text: str) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(line, QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, text))

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def type_line(text: str, low: float, high: float) -> str:
        line.clear()
        before = len(scans)
        for ch in text:
            now[0] += rng.uniform(low, high)
            key(ord(ch.upper()), ch)
        now[0] += rng.uniform(low, high)
        key(Qt.Key.Key_Return, "\r")
        wait(2 * SETTINGS.wedge_max_key_interval_ms + 20)  # let the flush timer release held keys
        return scans[before] if len(scans) > before else ""

    codes = tracking_codes(rng, n)
    recognised = sum(type_line(code, 5, 20) == code and line.text() == "" for code in codes)
    taken = intact = 0
    for text in human_texts(rng, n, codes):
        taken += type_line(text, 80, 400) != ""
        intact += line.text() == text
    wedge.remove(app)
    figures = {
        "qt_bursts": n,
        "qt_bursts_recognised_pct": round(100 * recognised / n, 2),
        "qt_human_taken_as_scan_pct": round(100 * taken / n, 2),
        "qt_human_text_intact_pct": round(100 * intact / n, 2),
    }
    print(
        f"Qt filter: {n} bursts {figures['qt_bursts_recognised_pct']}% recognised; {n} typed sequences "
        f"{figures['qt_human_taken_as_scan_pct']}% taken as a scan, {figures['qt_human_text_intact_pct']}% intact"
    )
    return figures


def main() -> None:
    figures: dict[str, object] = {
        "max_key_interval_ms": SETTINGS.wedge_max_key_interval_ms,
        "min_length": SETTINGS.wedge_min_length,
    }
    figures.update(buffer_figures())
    figures.update(qt_figures())
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
