"""What a photo's bytes say about themselves: their format's file extension and their SHA-256."""

from __future__ import annotations

import hashlib
import re

from workstation.core.errors import Invalid

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
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
        raise Invalid(
            {"suffix": f"photo suffix {suffix!r} must be a dot and 1 to 8 letters or digits, like '.jpg'"}
        )
    return suffix.lower()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
