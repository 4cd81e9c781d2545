"""Write the app's three feedback sounds into resources/sounds/ (stdlib only, deterministic).

accept: one short high beep. attention: a rising two-tone chime, longer, so "look closer" is
heard as different from "fine". error: a low buzz (square-ish wave), longest. 16-bit PCM mono
44.1 kHz, which every platform's audio stack and QSoundEffect play without a codec.

    uv run python packaging/make_sounds.py
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Callable
from pathlib import Path

RATE = 44_100
OUT = Path(__file__).resolve().parents[1] / "resources" / "sounds"
FADE_S = 0.008  # a short fade in and out, so the tones start and stop without a click


def _envelope(i: int, n: int) -> float:
    fade = int(FADE_S * RATE)
    return min(1.0, i / fade, (n - 1 - i) / fade)


def _tone(freq: float, seconds: float, volume: float, wave_fn: Callable[[float], float]) -> list[float]:
    n = int(seconds * RATE)
    return [volume * _envelope(i, n) * wave_fn(2 * math.pi * freq * i / RATE) for i in range(n)]


def _sine(phase: float) -> float:
    return math.sin(phase)


def _buzz(phase: float) -> float:
    # The first odd harmonics of a square wave: a buzz, without the harshness of a true square.
    return sum(math.sin(k * phase) / k for k in (1, 3, 5, 7)) * 0.8


def _silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


SOUNDS: dict[str, list[float]] = {
    "accept.wav": _tone(1760, 0.12, 0.5, _sine),
    "attention.wav": _tone(660, 0.16, 0.6, _sine) + _silence(0.03) + _tone(990, 0.16, 0.6, _sine),
    "error.wav": _tone(150, 0.5, 0.55, _buzz),
}


def write(path: Path, samples: list[float]) -> None:
    frames = b"".join(struct.pack("<h", round(max(-1.0, min(1.0, s)) * 32767)) for s in samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, samples in SOUNDS.items():
        write(OUT / name, samples)
        print(f"{OUT / name}: {len(samples) / RATE:.2f} s")


if __name__ == "__main__":
    main()
