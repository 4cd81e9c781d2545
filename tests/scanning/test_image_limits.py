"""`workstation decode` refuses an image whose header claims too many pixels, before decoding it.

A 12000x12000 PNG compresses to about 165 KB and took 800 MB to decode: the header is read
first, and OpenCV's own limit (OPENCV_IO_MAX_IMAGE_PIXELS) guards the formats it does not know.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.scanning.decoders import ImageTooLargeError, UnreadableImageError, load_gray

# Runs the real command in a fresh interpreter and reports its peak memory (ru_maxrss: KiB on
# Linux). Linux keeps ru_maxrss across exec, so the command runs as the child of this small
# wrapper, not of the big pytest process, and the wrapper reports RUSAGE_CHILDREN.
MEASURE = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "workstation", *sys.argv[1:]])
sys.stdout.flush()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write("PEAK %d\\n" % peak)
sys.exit(done.returncode)
"""


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    image = np.zeros((12000, 12000), np.uint8)
    image[::40] = 255  # stripes, so that it is not a trivially empty image
    assert cv2.imwrite(str(path), image)
    assert path.stat().st_size < 1_000_000  # ~165 KB on disk for 144 megapixels
    return path


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], int]:
    full_env = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"} | (env or {})
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, timeout=120, env=full_env
    )
    peak_kib = int(done.stdout.split("PEAK ")[1]) if "PEAK " in done.stdout else -1
    return done, peak_kib


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units are checked on Linux")
def test_a_huge_png_is_refused_quickly_with_bounded_memory(huge_png: Path, data_dir: Path) -> None:
    started = time.perf_counter()
    done, peak_kib = _run(["--data-dir", str(data_dir), "decode", str(huge_png)])
    elapsed = time.perf_counter() - started
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "huge.png" in lines[0]
    assert "12000x12000 pixels" in lines[0]
    assert "144.0 megapixels" in lines[0]
    assert "max_image_pixels" in lines[0]
    assert 0 < peak_kib < 300 * 1024, f"peak memory {peak_kib / 1024:.0f} MB"
    assert elapsed < 30
    assert "12000x12000" in (data_dir / "logs" / "workstation.log").read_text(encoding="utf-8")


def test_the_limit_comes_from_the_config(tmp_path: Path, data_dir: Path) -> None:
    small = tmp_path / "label.png"
    cv2.imwrite(str(small), np.full((300, 400), 255, np.uint8))
    config = tmp_path / "workstation.toml"
    config.write_text("[decode]\nmax_image_pixels = 100000\n", encoding="utf-8")
    done, _ = _run(["--config", str(config), "--data-dir", str(data_dir), "decode", str(small)])
    assert done.returncode == 1
    assert "400x300 pixels" in done.stderr
    assert "limit of 0.1 megapixels" in done.stderr
    config.write_text("[decode]\nmax_image_pixels = 120000\n", encoding="utf-8")
    done, _ = _run(["--config", str(config), "--data-dir", str(data_dir), "decode", str(small)])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["symbols"] == []


def test_opencv_own_limit_guards_formats_the_header_reader_does_not_know(
    tmp_path: Path, data_dir: Path
) -> None:
    # Sun raster: OpenCV reads it, image_header does not. OpenCV's limit is read when it loads:
    # IT's value in the environment, else the default the package sets (50 megapixels).
    raster = tmp_path / "label.ras"
    assert cv2.imwrite(str(raster), np.full((100, 200), 255, np.uint8))
    done, _ = _run(["--data-dir", str(data_dir), "decode", str(raster)])
    assert done.returncode == 0, done.stderr
    done, _ = _run(
        ["--data-dir", str(data_dir), "decode", str(raster)], env={"OPENCV_IO_MAX_IMAGE_PIXELS": "5000"}
    )
    assert done.returncode == 1
    assert "label.ras" in done.stderr
    assert "OPENCV_IO_MAX_IMAGE_PIXELS=5000" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_package_sets_opencv_limit_before_opencv_loads() -> None:
    code = "import workstation, cv2, os; print(os.environ['OPENCV_IO_MAX_IMAGE_PIXELS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "50000000"


def test_load_gray_refuses_before_decoding(huge_png: Path) -> None:
    with pytest.raises(ImageTooLargeError, match=r"huge\.png: 12000x12000 pixels") as refused:
        load_gray(huge_png, max_pixels=50_000_000)
    assert isinstance(refused.value, UnreadableImageError)  # callers that catch that still do
