"""Image sizes from headers: what OpenCV writes reads back right, and hostile bytes never raise."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.scanning.image_header import image_size

# Every format the header reader knows, as OpenCV writes it.
SUFFIXES = (".png", ".jpg", ".webp", ".bmp", ".tiff", ".pgm", ".ppm")


@pytest.mark.parametrize("suffix", SUFFIXES)
@given(
    width=st.integers(min_value=1, max_value=700),
    height=st.integers(min_value=1, max_value=700),
    colour=st.booleans(),
)
def test_the_size_in_the_header_is_the_size_opencv_reads(
    suffix: str, width: int, height: int, colour: bool
) -> None:
    colour = {".pgm": False, ".ppm": True}.get(suffix, colour)
    shape = (height, width, 3) if colour else (height, width)
    image = np.full(shape, 128, np.uint8)
    ok, encoded = cv2.imencode(suffix, image)
    assert ok
    assert image_size(encoded.tobytes()) == (width, height)


def test_gif_and_pnm_with_comments() -> None:
    assert image_size(b"GIF89a\x80\x02\xe0\x01" + b"\x00" * 20) == (640, 480)
    assert image_size(b"P5\n# made by a scanner\n 12000 # width\n 9000\n255\n") == (12000, 9000)


def test_lossless_webp_and_a_jpeg_with_a_large_exif_block() -> None:
    image = np.zeros((37, 913, 3), np.uint8)
    _, lossless = cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, 101])
    assert image_size(lossless.tobytes()) == (913, 37)
    _, jpeg = cv2.imencode(".jpg", image)
    raw = jpeg.tobytes()
    app1 = b"\xff\xe1" + (2 + 60_000).to_bytes(2, "big") + b"Exif\x00\x00" + b"\x00" * 59_994
    assert image_size(raw[:2] + app1 + raw[2:]) == (913, 37)


@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    size = image_size(data)
    assert size is None or (isinstance(size[0], int) and isinstance(size[1], int))


@pytest.mark.parametrize(
    "prefix",
    [b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"RIFF\x00\x00\x00\x00WEBP", b"BM", b"GIF89a", b"II*\x00", b"P5 "],
)
@given(rest=st.binary(max_size=200))
def test_a_known_signature_with_garbage_after_it_never_raises(prefix: bytes, rest: bytes) -> None:
    image_size(prefix + rest)


def test_unknown_formats_are_none() -> None:
    assert image_size(b"") is None
    assert image_size(b"not an image at all") is None
    assert image_size(b"P5 " + b"9" * 10_000 + b" 3 255\n") is None  # an absurd number: not a size
