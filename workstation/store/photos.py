"""Photo files under <data_dir>/photos/: written durably before their record, checked on read."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from workstation.store.files import PRIVATE_FILE_MODE, fsync_dir, private_dir

PHOTOS_DIR = "photos"
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


class PhotoIntegrityError(Exception):
    """A photo file is missing or no longer matches the SHA-256 recorded when it was taken."""


# The first bytes of the image formats a bench produces or accepts, and the name each file gets.
_MAGIC = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))


def content_suffix(data: bytes) -> str | None:
    """The file extension the bytes' own format calls for (JPEG, PNG, WebP), or None if unknown."""
    for magic, suffix in _MAGIC:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def check_suffix(suffix: str) -> str:
    """A plain extension such as '.jpg'; anything else could name a path outside the folder."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"photo suffix {suffix!r} must be a dot and 1 to 8 letters or digits, like '.jpg'")
    return suffix.lower()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_durably(folder: Path, file_name: str, data: bytes) -> Path:
    """Write, fsync, rename into place and fsync the folder: the file exists before its record does."""
    private_dir(folder)
    final = folder / file_name
    tmp = folder / f".{file_name}.tmp"
    tmp.unlink(missing_ok=True)
    # Owner-only whatever the umask: a seizure photo is evidence and may show personal data.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    fsync_dir(folder)
    return final


def read_checked(path: Path, expected_sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoIntegrityError(f"photo file {path} cannot be read: {exc.strerror}") from exc
    if sha256_hex(data) != expected_sha256:
        raise PhotoIntegrityError(
            f"photo file {path} does not match the SHA-256 recorded when it was taken: "
            "it was changed or damaged; the evidence copy is lost"
        )
    return data
