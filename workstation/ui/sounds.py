"""Three distinct sounds: scan accepted, look closer, error. Missing audio never stops a scan.

QtMultimedia is imported here, at run time, and only here: on Linux it links libpulse, and a
bench PC without it (or without any audio device) must still start, scan and flash its colours.
What is wrong is said once, through `problem_found`, in words IT can act on.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import QObject, QUrl, Signal, Slot

from workstation.core.bench import Feedback
from workstation.resources import resource_path

log = logging.getLogger(__name__)
MultimediaLoader = Callable[[], tuple[ModuleType | None, str | None]]
FILES = {Feedback.ACCEPT: "accept.wav", Feedback.ATTENTION: "attention.wav", Feedback.ERROR: "error.wav"}


def install_hint() -> str:
    """What to install for QtMultimedia's audio on this platform."""
    if sys.platform.startswith("linux"):
        return "install libpulse0 (apt-get install libpulse0)"
    if sys.platform == "win32":
        return "check the Windows audio service and the bench's output device"
    return "check the audio output device"


def load_multimedia() -> tuple[ModuleType | None, str | None]:
    """PySide6.QtMultimedia, or None and the reason it cannot load (a missing shared library)."""
    try:
        return importlib.import_module("PySide6.QtMultimedia"), None
    except (ImportError, OSError) as exc:
        return None, f"sounds off: {install_hint()}; QtMultimedia cannot load ({exc})"


class Sounds(QObject):
    """Plays the three sounds; `played` records what was asked for, heard or not."""

    problem_found = Signal(str)  # once, the first time sound is found not to work

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        enabled: bool = True,
        loader: MultimediaLoader = load_multimedia,
    ) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self.played: list[Feedback] = []  # what was asked for, in order: the window's audible history
        self.problem: str | None = None
        self._effects: dict[Feedback, object] = {}
        if not enabled:
            return
        multimedia, reason = loader()
        if multimedia is None:
            self._fail(reason)
            return
        if multimedia.QMediaDevices.defaultAudioOutput().isNull():
            self._fail("sounds off: this PC has no audio output device; plug in speakers or headphones")
            return
        for feedback, name in FILES.items():
            effect = multimedia.QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds/" + name))))
            effect.setVolume(0.9)
            effect.statusChanged.connect(self._status_changed)
            self._effects[feedback] = effect

    @property
    def working(self) -> bool:
        return self.enabled and self.problem is None

    def play(self, feedback: Feedback) -> None:
        self.played.append(feedback)
        if not self.working:
            return
        effect = self._effects[feedback]
        effect.stop()  # type: ignore[attr-defined]
        effect.play()  # type: ignore[attr-defined]

    @Slot()
    def _status_changed(self) -> None:
        effect = self.sender()
        status = effect.status()  # type: ignore[attr-defined]
        if status.name == "Error":
            source = effect.source().toLocalFile()  # type: ignore[attr-defined]
            self._fail(f"sounds off: the audio device refused {source}; check the PC's sound output")

    def _fail(self, reason: str | None) -> None:
        if self.problem is not None:
            return  # said once
        self.problem = reason or "sounds off"
        log.warning("%s", self.problem)
        self.problem_found.emit(self.problem)
