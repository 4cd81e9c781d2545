"""Write the shipped images: the self-test's sample label and the app icon (deterministic).

- resources/samples/label-code128.png: a Code 128 barcode of a valid UPU S10 tracking number,
  drawn by zxing-cpp, with the number printed under it as on a real label. `workstation
  self-test` checks that each decoder (zxing-cpp, pyzbar) reads it.
- resources/icons/workstation.png: 256x256 icon (a magnifier over barcode bars), and the same
  image as resources/icons/workstation.ico for the Windows executable and installer.

    uv run python packaging/make_images.py
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parents[1] / "resources"
SAMPLE_TEXT = "RB123456785GB"  # S10 with a valid mod-11 check digit (5)


def sample_label() -> np.ndarray:
    barcode = zxingcpp.create_barcode(SAMPLE_TEXT, zxingcpp.BarcodeFormat.Code128)
    bars = np.array(zxingcpp.write_barcode_to_image(barcode, scale=3, add_quiet_zones=True))
    bars = cv2.resize(bars, (bars.shape[1], 120), interpolation=cv2.INTER_NEAREST)
    margin = 30
    canvas = np.full((bars.shape[0] + 2 * margin + 40, bars.shape[1] + 2 * margin), 255, np.uint8)
    canvas[margin : margin + bars.shape[0], margin : margin + bars.shape[1]] = bars
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, _), _ = cv2.getTextSize(SAMPLE_TEXT, font, 0.9, 2)
    x = (canvas.shape[1] - w) // 2
    cv2.putText(canvas, SAMPLE_TEXT, (x, canvas.shape[0] - margin), font, 0.9, 0, 2, cv2.LINE_AA)
    return canvas


def icon(size: int = 256) -> np.ndarray:
    img = np.zeros((size, size, 4), np.uint8)  # transparent
    navy, white, amber = (90, 50, 20, 255), (255, 255, 255, 255), (0, 170, 255, 255)
    cv2.rectangle(img, (16, 16), (size - 16, size - 16), navy, -1, cv2.LINE_AA)
    x = 44
    for width in (6, 3, 9, 3, 6, 12, 3, 6, 3, 9, 6, 3):
        cv2.rectangle(img, (x, 56), (x + width - 1, 170), white, -1)
        x += width + 5
    cv2.circle(img, (150, 140), 52, amber, 12, cv2.LINE_AA)
    cv2.line(img, (188, 178), (224, 214), amber, 20, cv2.LINE_AA)
    return img


def write_ico(path: Path, png: bytes, size: int = 256) -> None:
    """An .ico holding one PNG image (Windows Vista and later read PNG-compressed icons)."""
    header = struct.pack("<HHH", 0, 1, 1)
    dim = 0 if size >= 256 else size  # 0 means 256 in an icon directory entry
    entry = struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), 6 + 16)
    path.write_bytes(header + entry + png)


def main() -> None:
    outputs = {
        ROOT / "samples" / "label-code128.png": sample_label(),
        ROOT / "icons" / "workstation.png": icon(),
    }
    for path, image in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise SystemExit(f"cannot write {path}")
        print(f"{path}: {image.shape[1]}x{image.shape[0]}")
    ico = ROOT / "icons" / "workstation.ico"
    write_ico(ico, (ROOT / "icons" / "workstation.png").read_bytes())
    print(f"{ico}: 256x256 PNG icon")


if __name__ == "__main__":
    main()
