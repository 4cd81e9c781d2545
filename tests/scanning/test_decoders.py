"""Decoding: the sample images in tests/data, rendered labels, choosing the tracking number."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.scanning import decoders
from workstation.scanning.decoders import (
    Symbol,
    UnreadableImageError,
    choose_tracking,
    decode,
    decode_file,
    decode_frame,
    tracking_symbols,
)
from workstation.scanning.render import Placed, add_noise, frame_with_label, label, paste

IMAGE_SUFFIXES = {".png", ".jpg", ".webp"}
UPS = "1Z5R89390357567127"


def labelled(folder: Path) -> list[tuple[Path, bytes]]:
    out = []
    for image in sorted(p for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES):
        txt, bin_ = image.with_suffix(".txt"), image.with_suffix(".bin")
        out.append((image, txt.read_bytes() if txt.exists() else bin_.read_bytes()))
    return out


def is_right(expected: bytes, symbols: list[Symbol]) -> bool:
    def clean(b: bytes) -> bytes:
        return b.replace(b"\x1d", b"").strip()

    want = clean(expected)
    got = {clean(s.text.encode()) for s in symbols} | {clean(s.raw) for s in symbols}
    return want in got or b"0" + want in got


# Folders the pipeline reads completely; datamatrix-5 is one where zxing-cpp alone misses 3 of 5.
@pytest.mark.parametrize(
    "folder",
    [
        "code128-1",
        "datamatrix-1",
        "datamatrix-5",
        "itf-1",
        "pdf417-1",
        "qrcode-1",
        "ean8-1",
        "upca-1",
        "upce-1",
    ],
)
def test_every_sample_of_the_folder_is_read(samples: Path, folder: str) -> None:
    missed = [p.name for p, expected in labelled(samples / folder) if not is_right(expected, decode_file(p))]
    assert missed == []


def test_the_thorough_path_reads_what_zxing_defaults_miss(samples: Path) -> None:
    import zxingcpp

    harder = [
        (p, e)
        for p, e in labelled(samples / "datamatrix-5")
        if not zxingcpp.read_barcodes(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE))
    ]
    assert harder, "the sample set changed: pick another folder"
    assert all(is_right(e, decode_file(p)) for p, e in harder)


@pytest.mark.parametrize("folder", ["falsepositives-1", "falsepositives-2"])
def test_images_without_barcodes_give_nothing(samples: Path, folder: str) -> None:
    found = {}
    for image in sorted(p for p in (samples / folder).iterdir() if p.suffix in IMAGE_SUFFIXES):
        try:
            symbols = decode_file(image)
        except UnreadableImageError:
            continue  # 1x1 and 1x100 pixel files OpenCV declines to read
        if symbols:
            found[image.name] = [s.text for s in symbols]
    assert found == {}


def shipping_label() -> np.ndarray:
    return label(
        [
            Placed("https://example.com/track?id=x", "QRCode", 40, 40, 6),
            Placed("4006381333931", "EAN13", 420, 60, 3),
            Placed("42078745", "Code128", 40, 320, 2),  # routing: 420 + ZIP, no tracking number
            Placed(UPS, "Code128", 40, 450, 3),
        ],
        size=(640, 820),
    )


def test_choosing_the_tracking_number_on_a_label_with_several_barcodes() -> None:
    symbols = decode(shipping_label())
    assert {s.symbology for s in symbols} == {"QRCode", "EAN13", "Code128"}
    assert {s.text for s in symbols} >= {UPS, "4006381333931", "42078745"}
    assert choose_tracking(symbols) == UPS


def test_choosing_on_a_full_resolution_12_mp_photo() -> None:
    rng = np.random.default_rng(4)
    photo = np.full((3000, 4000), 130, dtype=np.uint8)
    paste(photo, cv2.resize(shipping_label(), None, fx=2.0, fy=2.0), 1500, 900)
    photo = cv2.GaussianBlur(add_noise(photo, rng, 6.0), (5, 5), 0)
    colour = cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR)  # decode takes colour too
    symbols = decode(colour)
    assert choose_tracking(symbols) == UPS
    box = next(s for s in symbols if s.text == UPS).bounds
    assert 1500 <= box[0] <= 1500 + 820 * 2
    assert 900 + 450 * 2 - 50 <= box[1] <= 900 + 640 * 2


def test_the_camera_fast_path_reads_a_label_on_a_noisy_frame_and_locates_it() -> None:
    frame = frame_with_label(np.random.default_rng(1), UPS, x=300, y=200)
    symbols = decode_frame(frame)
    assert [s.text for s in symbols] == [UPS]
    x, y, w, _ = symbols[0].bounds
    assert 300 <= x <= 400
    assert 200 <= y <= 300
    assert w > 200


def test_the_fast_path_also_finds_matrix_codes_of_a_readable_size() -> None:
    frame = np.full((720, 1280), 200, dtype=np.uint8)
    paste(frame, label([Placed("RB123456785GB", "DataMatrix", 0, 0, 6)], size=(300, 300)), 600, 300)
    assert [s.symbology for s in decode_frame(frame)] == ["DataMatrix"]


def sym(text: str, symbology: str = "Code128") -> Symbol:
    return Symbol(text, symbology, ((0, 0), (1, 0), (1, 1), (0, 1)))


@pytest.mark.parametrize(
    ("symbols", "chosen"),
    [
        ([sym("hello world"), sym("1Z5R89390357567128"), sym(UPS)], UPS),  # valid beats invalid
        ([sym("ABCDEF12"), sym("1Z5R89390357567128")], "1Z5R89390357567128"),  # known shape beats unknown
        ([sym("986578788855", "UPCA"), sym("PKG-0042-A")], "PKG0042A"),  # a product code is no parcel
        ([sym("986578788855", "UPCA")], None),
        ([sym("4006381333931", "EAN13"), sym(UPS)], UPS),
        ([sym("]C1420787459400111206206406260787")], "9400111206206406260787"),
        ([sym("42078745"), sym("420787459400111206206406260787")], "9400111206206406260787"),
        ([sym("123"), sym("x" * 200, "QRCode")], None),  # nothing usable as a key
        ([], None),
    ],
)
def test_choose_tracking_order(symbols: list[Symbol], chosen: str | None) -> None:
    assert choose_tracking(symbols) == chosen


def test_unreadable_files_raise_with_the_file_named(tmp_path: Path) -> None:
    bad = tmp_path / "label.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(UnreadableImageError, match=r"label\.png"):
        decode_file(bad)
    with pytest.raises(UnreadableImageError, match="missing"):
        decode_file(tmp_path / "missing.jpg")


def test_without_pyzbar_decoding_warns_once_and_carries_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # None in sys.modules makes the import fail, as it does when libzbar is not installed.
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    decoders._zbar_loaded.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="workstation.scanning.decoders"):
            assert not decoders.zbar_available()
            assert choose_tracking(decode(shipping_label())) == UPS
            decode(np.full((100, 100), 255, dtype=np.uint8))  # nothing there: every fallback runs
        assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
        assert "pyzbar unavailable" in caplog.records[0].getMessage()
        assert "install libzbar0" in str(decoders.zbar_problem())
    finally:
        decoders._zbar_loaded.cache_clear()


def test_decode_command_prints_one_object_per_image_and_fails_for_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workstation.cli import main

    monkeypatch.setenv("WORKSTATION_CONFIG", str(tmp_path / "none.toml"))
    good = tmp_path / "label.png"
    cv2.imwrite(str(good), shipping_label())
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((50, 50), 255, dtype=np.uint8))
    status = main(["decode", str(good), str(tmp_path / "gone.png"), str(blank)])
    out, err = capsys.readouterr()
    assert status != 0
    # Where libzbar is missing, the first decode in the process also warns about that, once.
    lines = [line for line in err.splitlines() if "second barcode reader off" not in line]
    assert len(lines) == 1
    assert "gone.png" in lines[0]
    first, second = (json.loads(line) for line in out.splitlines())
    assert set(first) == {"file", "symbols", "tracking", "ms"}
    assert first["file"] == str(good)
    assert first["tracking"] == UPS
    assert {"text": UPS, "symbology": "Code128"} in first["symbols"]
    assert (second["symbols"], second["tracking"]) == ([], None)


def test_tracking_symbols_keep_every_parcel_number_and_drop_the_rest() -> None:
    other = "RB123456785GB"
    symbols = [
        sym("4006381333931", "EAN13"),  # the goods
        sym("42010001"),  # a routing code
        sym(UPS),
        sym(other, "DataMatrix"),
    ]
    assert [s.text for s in tracking_symbols(symbols)] == [UPS, other]
    assert [s.text for s in tracking_symbols([sym("4006381333931", "EAN13"), sym("42010001")])] == [
        "42010001"
    ]
    assert tracking_symbols([sym("4006381333931", "EAN13")]) == []


@pytest.mark.usefixtures("libzbar")
def test_pyzbar_as_second_reader_reads_the_code128_samples_right(samples: Path) -> None:
    decoders._zbar_loaded.cache_clear()
    assert decoders.zbar_available()
    assert decoders.zbar_problem() is None
    right = wrong = 0
    for image, expected in labelled(samples / "code128-1"):
        if not expected.isascii():
            continue  # zbar reads Code 128's extended (FNC4) characters as other letters: 6.png
        for symbol in decoders._pyzbar(decoders.load_gray(image)):
            if is_right(expected, [symbol]):
                right += 1
            else:
                wrong += 1
    assert right >= 3  # pyzbar reads most Code 128 samples (91% in the shared README's table)
    assert wrong == 0
