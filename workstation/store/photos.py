"""Photo files under <data_dir>/photos/: written durably before their record, checked on read."""

from __future__ import annotations

import os
from pathlib import Path

from workstation.core.photos import check_suffix, content_suffix, sha256_hex
from workstation.store.files import PRIVATE_FILE_MODE, fsync_dir, private_dir

PHOTOS_DIR = "photos"
__all__ = [
    "PHOTOS_DIR",
    "PhotoIntegrityError",
    "check_suffix",
    "content_suffix",
    "read_checked",
    "sha256_hex",
    "write_durably",
]


class PhotoIntegrityError(Exception):
    """A photo file is missing or no longer matches the SHA-256 recorded when it was taken."""


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
