"""Barcode decoding: zxing-cpp first, pyzbar second, OpenCV only to load and prepare images.

Two paths: `decode_frame` is the camera's fast path (the symbologies that matter, no rotation,
downscale or inversion search); `decode` is the thorough path for photos and files, which tries
several image strategies and pyzbar until something reads. `choose_tracking` picks the tracking
number among the several barcodes a shipping label carries.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from workstation.core.tracking import CheckDigit, is_usable, parse
from workstation.scanning.image_header import image_size

log = logging.getLogger(__name__)

Gray = npt.NDArray[np.uint8]
Point = tuple[int, int]

# The symbologies found on parcels and their labels: tracking (Code 128 / GS1-128, ITF), carrier
# 2D codes (DataMatrix, QR, PDF417) and retail codes on the goods (EAN/UPC).
LINEAR_FORMATS: tuple[Any, ...] = (
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.ITF,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.EAN8,
    zxingcpp.BarcodeFormat.UPCA,
    zxingcpp.BarcodeFormat.UPCE,
)
MATRIX_FORMATS: tuple[Any, ...] = (
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.PDF417,
)
FORMATS = LINEAR_FORMATS + MATRIX_FORMATS
# Retail symbologies carry product codes, never tracking numbers: chosen last.
RETAIL = frozenset({"EAN13", "EAN8", "UPCA", "UPCE"})
# pyzbar's names for the same symbologies; what zbar reads beyond these is dropped.
_ZBAR_NAMES = {
    "CODE128": "Code128",
    "QRCODE": "QRCode",
    "I25": "ITF",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
}
# Above this many pixels on the long side an image is not upscaled, and pyzbar sees a reduced copy
# (zbar's time grows with the area; zxing-cpp does its own downscaling).
_MAX_UPSCALE_SIDE = 1600
_MAX_ZBAR_SIDE = 2400
# A label photo is a few megapixels; a file claiming more is a mistake or an attack (a 165 KB PNG
# can claim 144 megapixels and take 800 MB to decode). `[decode] max_image_pixels` in the config.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
# OpenCV's own limit, checked after it reads a header: the second guard, for the formats that
# image_header does not know. OpenCV reads it when it is loaded: workstation/__init__.py sets it.
OPENCV_PIXELS_ENV = "OPENCV_IO_MAX_IMAGE_PIXELS"


class UnreadableImageError(Exception):
    """An image file that does not exist or cannot be decoded as an image."""


class ImageTooLargeError(UnreadableImageError):
    """An image whose header claims more pixels than the configured limit: never decoded."""


@dataclass(frozen=True)
class Symbol:
    """One barcode read from an image."""

    text: str  # the content as a scanner would send it: GS (0x1D) between GS1 fields
    symbology: str  # zxing-cpp's format name: "Code128", "QRCode", "EAN13", ...
    # Corners in image pixels: top-left, top-right, bottom-right, bottom-left.
    box: tuple[Point, Point, Point, Point]
    raw: bytes = b""
    decoder: str = "zxing"

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """Axis-aligned (x, y, width, height) around the box."""
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "symbology": self.symbology, "box": [list(p) for p in self.box]}


# --- the two decoders ----------------------------------------------------------------------


def zbar_install_hint() -> str:
    """What to install so that pyzbar finds libzbar on this platform."""
    if sys.platform.startswith("linux"):
        return "install libzbar0 (apt-get install libzbar0)"
    if sys.platform == "win32":
        return "install the Visual C++ 2013 runtime (vcredist_x64.exe)"
    return "install zbar (brew install zbar)"


@functools.cache
def _zbar_loaded() -> tuple[ModuleType | None, str | None]:
    try:
        # pyzbar finds libzbar with ctypes on import: a missing library is an ImportError or OSError.
        return importlib.import_module("pyzbar.pyzbar"), None
    except (ImportError, OSError) as exc:
        reason = f"second barcode reader off: {zbar_install_hint()}; pyzbar unavailable ({exc})"
        log.warning("%s; decoding with zxing-cpp only", reason)
        return None, reason


def _zbar() -> ModuleType | None:
    """pyzbar, or None when it or libzbar is missing (warned once: zxing-cpp carries on alone)."""
    return _zbar_loaded()[0]


def zbar_available() -> bool:
    return _zbar() is not None


def zbar_problem() -> str | None:
    """Why pyzbar cannot be used here, in words IT can act on; None when it works."""
    return _zbar_loaded()[1]


def _zxing(gray: npt.NDArray[Any], scale: float = 1.0, *, fast: bool = False, **options: Any) -> list[Symbol]:
    if fast:
        options = {"try_rotate": False, "try_downscale": False, "try_invert": False, **options}
    options.setdefault("formats", FORMATS)
    found = zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain, **options)
    out = []
    for b in found:
        pos = b.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        box = tuple((round(p.x / scale), round(p.y / scale)) for p in corners)
        out.append(Symbol(b.text, b.format.name, box, bytes(b.bytes), "zxing"))  # type: ignore[arg-type]
    return out


def _pyzbar(gray: Gray, scale: float = 1.0) -> list[Symbol]:
    zbar = _zbar()
    if zbar is None:
        return []
    long_side = max(gray.shape[:2])
    if long_side > _MAX_ZBAR_SIDE:
        factor = _MAX_ZBAR_SIDE / long_side
        gray = _resized(gray, factor)
        scale *= factor
    out = []
    for s in zbar.decode(gray):
        name = _ZBAR_NAMES.get(s.type)
        if name is None:
            continue
        x, y, w, h = s.rect
        box = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
        scaled = tuple((round(px / scale), round(py / scale)) for px, py in box)
        text = s.data.decode("utf-8", errors="replace")
        out.append(Symbol(text, name, scaled, bytes(s.data), "zbar"))  # type: ignore[arg-type]
    return out


# --- strategies for the thorough path --------------------------------------------------------


def _resized(gray: Gray, factor: float) -> Gray:
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return np.asarray(cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation), np.uint8)


def _upscaled(gray: Gray) -> list[Symbol]:
    if max(gray.shape[:2]) > _MAX_UPSCALE_SIDE:
        return []
    return _zxing(_resized(gray, 2.0), 2.0)


def _clahe(gray: Gray) -> list[Symbol]:
    return _zxing(cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray))


def _sharpened(gray: Gray) -> list[Symbol]:
    return _zxing(cv2.addWeighted(gray, 1.5, cv2.GaussianBlur(gray, (0, 0), 3), -0.5, 0))


def _global_histogram(gray: Gray) -> list[Symbol]:
    return _zxing(gray, binarizer=zxingcpp.Binarizer.GlobalHistogram)


def _blurred(gray: Gray) -> list[Symbol]:
    return _zxing(cv2.GaussianBlur(gray, (3, 3), 0))


def _otsu(gray: Gray) -> list[Symbol]:
    return _zxing(cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1])


def _zbar_upscaled(gray: Gray) -> list[Symbol]:
    if max(gray.shape[:2]) > _MAX_UPSCALE_SIDE:
        return []
    return _pyzbar(_resized(gray, 2.0), 2.0)


# Tried in order, when zxing-cpp alone reads nothing, until one reads something. The order was
# chosen on the zxing-cpp sample set (benchmarks/decode.py): most extra reads, fewest wrong ones.
_FALLBACKS: tuple[Callable[[Gray], list[Symbol]], ...] = (
    _upscaled,
    _clahe,
    _blurred,
    _global_histogram,
    _sharpened,
    _otsu,
    _pyzbar,
    _zbar_upscaled,
)


def _key(symbol: Symbol) -> str:
    # pyzbar reports a UPC-A as the EAN-13 with a leading 0: one barcode, not two.
    if symbol.symbology == "EAN13" and len(symbol.text) == 13 and symbol.text.startswith("0"):
        return symbol.text[1:]
    return symbol.text


def _merge(*groups: Sequence[Symbol]) -> list[Symbol]:
    seen: set[str] = set()
    out = []
    for group in groups:
        for symbol in group:
            if _key(symbol) not in seen:
                seen.add(_key(symbol))
                out.append(symbol)
    return out


# --- public API ----------------------------------------------------------------------------


def to_gray(image: npt.NDArray[Any]) -> Gray:
    """A uint8 single-channel copy of a grayscale, BGR or BGRA image."""
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    elif image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:  # 16-bit or float images: stretch to 0..255
        low, high = float(image.min()), float(image.max())
        image = (image.astype(np.float64) - low) * (255.0 / max(high - low, 1e-9))
    return np.ascontiguousarray(image, dtype=np.uint8)


def decode_frame(gray: Gray, matrix_scale: float = 0.5) -> list[Symbol]:
    """Fast path for camera frames: no rotation, downscale or inversion search.

    Linear codes (the tracking number's Code 128) are read at full resolution. The 2D detectors
    cost ten times more per pixel, so matrix codes are looked for in a copy scaled by
    `matrix_scale`: about 5 ms instead of 15 ms per 1280x720 frame on the bench PC, at the price of
    needing matrix modules of 4 pixels or more.
    """
    symbols = _zxing(gray, fast=True, formats=LINEAR_FORMATS)
    small = gray if matrix_scale == 1.0 else _resized(gray, matrix_scale)
    return _merge(symbols, _zxing(small, matrix_scale, fast=True, formats=MATRIX_FORMATS))


def decode(image: npt.NDArray[Any]) -> list[Symbol]:
    """Thorough path: zxing-cpp, pyzbar as a cross-check, then image strategies until something reads."""
    gray = to_gray(image)
    if gray.size == 0:
        return []
    symbols = _zxing(gray)
    if _has_valid_tracking(symbols):
        return symbols
    if symbols:
        return _cross_checked(gray, symbols, _pyzbar(gray))
    for strategy in _FALLBACKS:
        symbols = strategy(gray)
        if symbols:
            break
    return symbols


def _cross_checked(gray: Gray, symbols: list[Symbol], zbar: list[Symbol]) -> list[Symbol]:
    """zxing-cpp's reads, checked against pyzbar's.

    A retail code has one mod-10 check digit, so a misread passes it one time in ten: where pyzbar
    reads a different retail code, the upscaled image is the third opinion, and two agreeing win.
    pyzbar's other reads are added only when they are tracking numbers with a valid check digit.
    """
    zbar_retail = [s for s in zbar if s.symbology in RETAIL]
    out = []
    third: set[str] | None = None
    for symbol in symbols:
        rivals = [z for z in zbar_retail if _key(z) != _key(symbol)]
        if symbol.symbology in RETAIL and rivals and all(_key(z) != _key(symbol) for z in zbar_retail):
            if third is None:
                third = {_key(s) for s in _upscaled(gray)}
            agreed = [z for z in rivals if _key(z) in third]
            if _key(symbol) not in third and agreed:
                symbol = agreed[0]
        out.append(symbol)
    extra = [z for z in zbar if z.symbology not in RETAIL and _rank(z) == 0]
    return _merge(out, extra)


def load_gray(path: str | Path, max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> Gray:
    """Read an image file as grayscale; raises UnreadableImageError naming the file and the reason.

    The size in the header is checked against `max_pixels` before any pixel is decoded.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableImageError(f"{path}: {exc.strerror or exc}") from exc
    data = np.frombuffer(raw, dtype=np.uint8)
    size = image_size(raw)
    if size is not None and size[0] * size[1] > max_pixels:
        width, height = size
        raise ImageTooLargeError(
            f"{path}: {width}x{height} pixels ({width * height / 1e6:.1f} megapixels) is over the "
            f"limit of {max_pixels / 1e6:g} megapixels ([decode] max_image_pixels); not decoded"
        )
    # OpenCV logs its own multi-line complaint about a broken file; ours names the file, in one line.
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    refused = ""
    try:
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    except cv2.error as exc:
        image = None
        if "CV_IO_MAX_IMAGE" in str(exc):  # a format image_header does not know, too large
            limit = os.environ.get(OPENCV_PIXELS_ENV, "?")
            refused = f" (larger than OpenCV's own limit, {OPENCV_PIXELS_ENV}={limit})"
    finally:
        cv2.utils.logging.setLogLevel(level)
    if image is None:
        if refused:
            raise ImageTooLargeError(f"{path}: not decoded{refused}")
        raise UnreadableImageError(f"{path}: not an image OpenCV can read")
    return to_gray(image)


def decode_file(path: str | Path, max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> list[Symbol]:
    """Load an image file (refused over `max_pixels`) and decode it the thorough way."""
    return decode(load_gray(path, max_pixels))


def _rank(symbol: Symbol) -> int:
    # A retail code (EAN/UPC) names a product, never a parcel: a webcam that sees the goods
    # inside an opened package must not take their barcodes for the package's tracking number.
    if symbol.symbology in RETAIL:
        return 9
    tracking = parse(symbol.text)
    if not is_usable(tracking.tracking_id):
        return 9
    if tracking.check_digit is CheckDigit.VALID:
        return 0
    if tracking.recognized:
        return 1
    return 2


def _has_valid_tracking(symbols: Sequence[Symbol]) -> bool:
    return any(_rank(s) == 0 for s in symbols)


def tracking_symbols(symbols: Sequence[Symbol]) -> list[Symbol]:
    """The symbols that may be parcels' tracking numbers, best kind only.

    When a frame holds a number of a known format with a valid check digit, only such numbers
    count (two parcels in view give two); the routing code or order number beside them does not.
    Otherwise the best of the rest (known shapes, then anything usable); never retail codes.
    """
    ranked = [(_rank(s), s) for s in symbols]
    best = min((r for r, _ in ranked), default=9)
    return [] if best == 9 else [s for r, s in ranked if r == best]


def choose_tracking(symbols: Sequence[Symbol]) -> str | None:
    """The tracking id on a label: a known format with a valid check digit first, then a known
    format, then any usable code; never a retail (EAN/UPC) product code."""
    ranked = sorted((_rank(s), i) for i, s in enumerate(symbols))
    if not ranked or ranked[0][0] == 9:
        return None
    return parse(symbols[ranked[0][1]].text).tracking_id
