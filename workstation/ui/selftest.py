"""The self-test's Qt checks: the GUI toolkit starts, and the sounds load in QSoundEffect.

Each returns (ok, detail) and never raises; the command layer names and prints them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

SOUND_LOAD_TIMEOUT_S = 3.0


def _application() -> object:
    from PySide6.QtWidgets import QApplication

    from workstation.ui.errors import log_qt_messages

    # Qt's own chatter (audio backends it probes, a sound server that is not running) goes to
    # the log file: the self-test's lines already say what works and what does not.
    log_qt_messages(file_only=True)
    return QApplication.instance() or QApplication(sys.argv[:1])


def qt_starts() -> tuple[bool, str]:
    """A QApplication starts on this machine's platform plugin and a window can be shown."""
    try:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QLabel

        _application()
        label = QLabel("self-test")
        label.show()
        QGuiApplication.processEvents()
        shown = label.isVisible()
        label.close()
        label.deleteLater()
        QGuiApplication.processEvents()
    except Exception as exc:  # a missing xcb library surfaces as an ImportError or a plugin abort
        return False, f"Qt does not start: {type(exc).__name__}: {exc}"
    platform = QGuiApplication.platformName()
    if not shown:
        return False, f"Qt {qVersion()} on '{platform}': a window could not be shown"
    return True, f"Qt {qVersion()} (PySide6 {pyside_version}), platform '{platform}'"


def sounds_load(paths: list[Path]) -> tuple[bool, str]:
    """Each sound reaches QSoundEffect's Ready status; without an audio output, that cannot be asked."""
    try:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
    except ImportError as exc:  # e.g. libpulse.so.0 missing on Linux: the app would be silent
        from workstation.ui.sounds import install_hint

        return False, f"QtMultimedia cannot load ({exc}); {install_hint()}"
    _application()
    if QMediaDevices.defaultAudioOutput().isNull():
        # QSoundEffect reports Error on every file when there is no device to play it on.
        return False, "no audio output device: the bench will be silent; plug in speakers or headphones"
    loading = (QSoundEffect.Status.Null, QSoundEffect.Status.Loading)
    effects = []
    for path in paths:
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effects.append((path, effect))
    deadline = time.monotonic() + SOUND_LOAD_TIMEOUT_S
    while any(e.status() in loading for _, e in effects) and time.monotonic() < deadline:
        QGuiApplication.processEvents()
        time.sleep(0.01)
    device = QMediaDevices.defaultAudioOutput().description()
    for path, effect in effects:
        if effect.status() != QSoundEffect.Status.Ready:
            return False, f"{path.name}: QSoundEffect status {effect.status().name} on '{device}'"
    return True, f"{len(effects)} sounds ready on '{device}'"
