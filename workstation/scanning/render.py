"""Drawing barcodes into images: labels and camera frames for demo data, tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import zxingcpp

Gray = npt.NDArray[np.uint8]

_FORMATS = {
    "Code128": zxingcpp.BarcodeFormat.Code128,
    "QRCode": zxingcpp.BarcodeFormat.QRCode,
    "DataMatrix": zxingcpp.BarcodeFormat.DataMatrix,
    "PDF417": zxingcpp.BarcodeFormat.PDF417,
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "ITF": zxingcpp.BarcodeFormat.ITF,
}


def barcode(text: str, symbology: str = "Code128", scale: int = 2) -> Gray:
    """A black-on-white barcode with its quiet zone, `scale` pixels per module."""
    symbol = zxingcpp.create_barcode(text, _FORMATS[symbology])
    image: Gray = np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=scale, add_quiet_zones=True))
    return np.ascontiguousarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class Placed:
    text: str
    symbology: str
    x: int
    y: int
    scale: int = 2


def label(items: list[Placed], size: tuple[int, int] = (600, 800)) -> Gray:
    """A white label of (height, width) with each barcode pasted at its top-left (x, y)."""
    canvas = np.full(size, 255, dtype=np.uint8)
    for item in items:
        paste(canvas, barcode(item.text, item.symbology, item.scale), item.x, item.y)
    return canvas


def paste(canvas: Gray, image: Gray, x: int, y: int) -> None:
    """Copy `image` into `canvas` at (x, y), clipped to the canvas."""
    h = min(image.shape[0], canvas.shape[0] - y)
    w = min(image.shape[1], canvas.shape[1] - x)
    if h > 0 and w > 0:
        canvas[y : y + h, x : x + w] = image[:h, :w]


def noisy_frame(
    rng: np.random.Generator, size: tuple[int, int] = (720, 1280), background: int = 110, sigma: float = 12.0
) -> Gray:
    """A grey camera frame with sensor noise: the desk the label lies on."""
    noise = rng.normal(background, sigma, size)
    return np.clip(noise, 0, 255).astype(np.uint8)


def add_noise(image: Gray, rng: np.random.Generator, sigma: float = 10.0) -> Gray:
    noisy = image.astype(np.float32) + rng.normal(0.0, sigma, image.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def frame_with_label(
    rng: np.random.Generator, text: str, x: int = 400, y: int = 250, size: tuple[int, int] = (720, 1280)
) -> Gray:
    """A noisy camera frame with one Code 128 tracking label on it (paper, then bars, then noise)."""
    frame = noisy_frame(rng, size, sigma=0.0)
    code = barcode(text, "Code128", scale=2)
    paper = np.full((code.shape[0] + 60, code.shape[1] + 40), 235, dtype=np.uint8)
    paste(paper, np.where(code > 127, 235, 20).astype(np.uint8), 20, 30)
    paste(frame, paper, x, y)
    return add_noise(frame, rng, 8.0)
