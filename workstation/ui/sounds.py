"""Three distinct sounds: scan accepted, look closer, error. Missing audio never stops a scan."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl
from PySide6.QtMultimedia import QSoundEffect

from workstation.core.bench import Feedback
from workstation.resources import resource_path

log = logging.getLogger(__name__)
FILES = {Feedback.ACCEPT: "accept.wav", Feedback.ATTENTION: "attention.wav", Feedback.ERROR: "error.wav"}


class Sounds(QObject):
    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self.played: list[Feedback] = []  # what was asked for, in order: the window's audible history
        self._effects: dict[Feedback, QSoundEffect] = {}
        for feedback, name in FILES.items():
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds/" + name))))
            effect.setVolume(0.9)
            self._effects[feedback] = effect

    def play(self, feedback: Feedback) -> None:
        self.played.append(feedback)
        if not self.enabled:
            return
        effect = self._effects[feedback]
        effect.stop()
        effect.play()
