"""Decode rate per symbology on the zxing-cpp sample images, false positives, wrong reads, frame time.

Three decoders in one run: zxing-cpp alone (library defaults, grayscale input), pyzbar alone
(defaults, grayscale), and the project's thorough pipeline (`workstation.scanning.decoders.decode`).
Then the camera fast path on a noisy 1280x720 frame with one Code 128 label, on one core.

Counting (data README): right when the expected text (`<stem>.txt`, or the bytes of `<stem>.bin`)
is among the results, ignoring GS (0x1D) and surrounding white space; a UPC-A read as EAN-13 with a
leading 0 counts. A wrong read is a labelled image where the decoder returned something but not the
expected text. The structured-append sets (pdf417-4, and the `01-0N` images of qrcode-7) have no
per-image expected text: they are left out, which gives the README's 502 labelled images.

Usage: uv run python benchmarks/decode.py [DATA_DIR]      The last line is one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from workstation.scanning import decoders
from workstation.scanning.render import frame_with_label

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "barcodes" / "zxing-cpp"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
SYMBOLOGIES = {
    "code128": "Code 128",
    "datamatrix": "DataMatrix",
    "qrcode": "QR",
    "pdf417": "PDF417",
    "itf": "ITF",
    "ean13": "EAN-13",
    "ean8": "EAN-8",
    "upca": "UPC-A",
    "upce": "UPC-E",
}

Decoder = Callable[[np.ndarray], list[bytes]]


def zxing_alone(gray: np.ndarray) -> list[bytes]:
    out = []
    for b in zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain):
        out += [b.text.encode(), bytes(b.bytes)]
    return out


def pyzbar_alone(gray: np.ndarray) -> list[bytes]:
    from pyzbar import pyzbar

    return [s.data for s in pyzbar.decode(gray)]


def pipeline(gray: np.ndarray) -> list[bytes]:
    out = []
    for s in decoders.decode(gray):
        out += [s.text.encode(), s.raw]
    return out


DECODERS: dict[str, Decoder] = {"zxing-cpp": zxing_alone, "pyzbar": pyzbar_alone, "pipeline": pipeline}


def _clean(value: bytes) -> bytes:
    return value.replace(b"\x1d", b"").strip()


def is_right(expected: bytes, results: list[bytes]) -> bool:
    want = _clean(expected)
    return any(_clean(r) in (want, b"0" + want) for r in results)


def samples(root: Path) -> tuple[list[tuple[str, Path, bytes]], list[Path]]:
    labelled, negatives = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for image in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            if folder.name.startswith("falsepositives"):
                negatives.append(image)
                continue
            if folder.name == "pdf417-4":
                continue  # structured-append sets: left out (see the module docstring)
            txt, bin_ = image.with_suffix(".txt"), image.with_suffix(".bin")
            expected = txt.read_bytes() if txt.exists() else bin_.read_bytes() if bin_.exists() else None
            if expected is None:
                continue  # qrcode-7 01-0N: one part of a structured-append message
            labelled.append((folder.name.split("-")[0], image, expected))
    return labelled, negatives


def read_gray(path: Path) -> np.ndarray | None:
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    return image


def rates(root: Path) -> dict[str, object]:
    labelled, negatives = samples(root)
    right = {name: {key: 0 for key in SYMBOLOGIES} for name in DECODERS}
    total = dict.fromkeys(SYMBOLOGIES, 0)
    wrong: dict[str, list[str]] = {name: [] for name in DECODERS}
    false_pos: dict[str, list[str]] = {name: [] for name in DECODERS}
    seconds = dict.fromkeys(DECODERS, 0.0)
    for kind, path, expected in labelled:
        gray = read_gray(path)
        total[kind] += 1
        for name, decode in DECODERS.items():
            start = time.perf_counter()
            results = decode(gray) if gray is not None else []
            seconds[name] += time.perf_counter() - start
            if is_right(expected, results):
                right[name][kind] += 1
            elif results:
                wrong[name].append(f"{path.parent.name}/{path.name}")
    for path in negatives:
        gray = read_gray(path)
        for name, decode in DECODERS.items():
            if gray is not None and min(gray.shape) >= 8 and decode(gray):
                false_pos[name].append(f"{path.parent.name}/{path.name}")
    n = len(labelled)
    print(f"{n} labelled images, {len(negatives)} false-positive images\n")
    print(f"{'symbology':<12}{'images':>7}" + "".join(f"{name:>12}" for name in DECODERS))
    for kind, label in SYMBOLOGIES.items():
        cells = "".join(f"{100 * right[name][kind] / total[kind]:>11.0f}%" for name in DECODERS)
        print(f"{label:<12}{total[kind]:>7}{cells}")
    overall = {name: 100 * sum(right[name].values()) / n for name in DECODERS}
    print(f"{'all':<12}{n:>7}" + "".join(f"{overall[name]:>11.1f}%" for name in DECODERS))
    print(f"{'false pos.':<12}{len(negatives):>7}" + "".join(f"{len(false_pos[n_]):>12}" for n_ in DECODERS))
    print(f"{'wrong reads':<12}{'':>7}" + "".join(f"{len(wrong[name]):>12}" for name in DECODERS))
    print(f"{'seconds':<12}{'':>7}" + "".join(f"{seconds[name]:>12.1f}" for name in DECODERS))
    for name in DECODERS:
        if wrong[name]:
            print(f"  wrong reads by {name}: {', '.join(wrong[name])}")
    return {
        "images": n,
        "false_positive_images": len(negatives),
        "structured_append": "left out (pdf417-4, qrcode-7 01-0N)",
        "rate_pct": {name: round(overall[name], 1) for name in DECODERS},
        "rate_by_symbology_pct": {
            name: {kind: round(100 * right[name][kind] / total[kind], 1) for kind in SYMBOLOGIES}
            for name in DECODERS
        },
        "false_positives": {name: len(false_pos[name]) for name in DECODERS},
        "wrong_reads": {name: len(wrong[name]) for name in DECODERS},
        "seconds": {name: round(seconds[name], 2) for name in DECODERS},
    }


def frame_times(repeats: int = 200) -> dict[str, object]:
    """Median ms per noisy 1280x720 frame with one Code 128 tracking label."""
    cv2.setNumThreads(1)
    rng = np.random.default_rng(7)
    text = "1Z5R89390357567127"
    frames = [frame_with_label(rng, text, x=200 + 40 * i, y=150 + 20 * i) for i in range(10)]
    out: dict[str, object] = {}
    for name, decode in (
        ("fast_path", decoders.decode_frame),
        ("zxing_defaults", lambda g: zxingcpp.read_barcodes(g)),
    ):
        times, reads = [], 0
        for i in range(repeats):
            frame = frames[i % len(frames)]
            start = time.perf_counter()
            found = decode(frame)
            times.append((time.perf_counter() - start) * 1000)
            reads += any(getattr(s, "text", "") == text for s in found)
        out[f"{name}_median_ms"] = round(statistics.median(times), 2)
        out[f"{name}_p95_ms"] = round(sorted(times)[int(0.95 * len(times))], 2)
        out[f"{name}_read_pct"] = round(100 * reads / repeats, 1)
        median, p95, read = (out[f"{name}_{k}"] for k in ("median_ms", "p95_ms", "read_pct"))
        print(f"{name}: median {median} ms, p95 {p95} ms, read {read}%")
    return out


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA
    figures = rates(root)
    print()
    figures["frame_1280x720"] = frame_times()
    figures["zbar_available"] = decoders.zbar_available()
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
