"""An image file's size in pixels, read from its header without decoding the pixels.

OpenCV has no header-only read, and decoding first is what lets a 165 KB PNG of 12000x12000
pixels take 800 MB. This reads the formats labels and photos come in (PNG, JPEG, WebP, BMP, GIF,
TIFF, PNM); for any other format it says it does not know, and OpenCV's own limit
(OPENCV_IO_MAX_IMAGE_PIXELS) is the guard.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

Size = tuple[int, int]  # width, height

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic...): all but
# DHT (C4), JPG (C8) and DAC (CC), which share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def image_size(data: bytes) -> Size | None:
    """(width, height) from the header of an image file's bytes; None for a format not known here.

    Never raises on malformed input: a header that cannot be read gives None, and OpenCV then
    decides whether the file is an image at all.
    """
    for reader in _READERS:
        try:
            size = reader(data)
        except (struct.error, IndexError, ValueError):
            size = None
        if size is not None:
            return size
    return None


def _png(data: bytes) -> Size | None:
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg(data: bytes) -> Size | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or start of scan before any frame header
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        if length < 2:
            return None
        pos += 2 + length
    return None


def _webp(data: bytes) -> Size | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: the canvas size, 24 bits each, minus one
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":  # lossless: 14 bits each, minus one, after a signature byte
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":  # lossy: after the frame tag and start code, 14 bits each
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    return None


def _bmp(data: bytes) -> Size | None:
    if data[:2] != b"BM":
        return None
    (header,) = struct.unpack("<I", data[14:18])
    if header == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])
    return abs(int(width)), abs(int(height))  # a negative height means top-down rows


def _gif(data: bytes) -> Size | None:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return int(width), int(height)


def _tiff(data: bytes) -> Size | None:
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(data[:4])
    if order is None:
        return None
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    found: dict[int, int] = {}
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack(order + "HH", data[entry : entry + 4])
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT (3) or LONG (4)
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = int(struct.unpack(fmt, data[entry + 8 : entry + 8 + struct.calcsize(fmt)])[0])
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


def _pnm(data: bytes) -> Size | None:
    if len(data) < 3 or data[0:1] != b"P" or data[1:2] not in b"123456" or not data[2:3].isspace():
        return None
    numbers: list[int] = []
    pos = 2
    while len(numbers) < 2 and pos < len(data):
        if data[pos : pos + 1] == b"#":  # a comment runs to the end of the line
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
        elif data[pos : pos + 1].isspace():
            pos += 1
        else:
            start = pos
            while pos < len(data) and data[pos : pos + 1].isdigit():
                pos += 1
            if pos == start:
                return None
            numbers.append(int(data[start:pos]))
    return (numbers[0], numbers[1]) if len(numbers) == 2 else None


_READERS: tuple[Callable[[bytes], Size | None], ...] = (_png, _jpeg, _webp, _bmp, _gif, _tiff, _pnm)
