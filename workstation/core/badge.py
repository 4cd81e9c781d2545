"""The badge rule, and how a text that is not a known badge is written down.

A badge is what a printed card and a keyboard can both carry unambiguously: 1 to 32 ASCII
letters, digits, '-' and '_'. Anything else (white space, a slash, a control character, a
look-alike letter, a right-to-left override) is refused when an officer is added and is simply
an unknown badge at sign-in, so no account can hide behind a name that prints like another.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from workstation.core.errors import Invalid

BADGE_MAX_LENGTH = 32
BADGE_RULE = f"1 to {BADGE_MAX_LENGTH} ASCII letters, digits, '-' or '_'"
_BADGE = re.compile(rf"[A-Za-z0-9_-]{{1,{BADGE_MAX_LENGTH}}}")
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# Long enough to tell repeated attempts apart in the log; short enough (32 bits of an unsalted
# hash) that it cannot confirm a guessed password the way a full digest would.
FINGERPRINT_HEX_DIGITS = 8
SHOWN_MAX = 120  # characters of an escaped invalid badge in a message


class InvalidBadge(Invalid):
    """A badge that breaks the rule; the message says which character, where, and the rule."""


def is_valid_badge(text: str) -> bool:
    return _BADGE.fullmatch(text) is not None


def check_badge(text: str) -> str:
    """Return `text` if it is a valid badge; raise InvalidBadge saying what is wrong and where."""
    if is_valid_badge(text):
        return text
    raise InvalidBadge(f"badge {shown_badge(text)} is not valid: {_problem(text)}; a badge is {BADGE_RULE}")


def _problem(text: str) -> str:
    if not text:
        return "it is empty"
    if len(text) > BADGE_MAX_LENGTH:
        return f"it has {len(text)} characters"
    if text != text.strip():
        return "it starts or ends with white space"
    for position, char in enumerate(text, start=1):
        if char not in _ALLOWED:
            kind = "a control character" if unicodedata.category(char) == "Cc" else "unnamed"
            name = unicodedata.name(char, kind)
            return f"character {position} is U+{ord(char):04X} ({name})"
    return "it breaks the badge rule"  # unreachable while _BADGE and _ALLOWED agree


def shown_badge(text: str) -> str:
    """A badge as it is safe to print: as is when valid, else quoted with anything unusual escaped.

    The escaped form keeps a newline or a direction override from rewriting a terminal line or a
    message; it is for naming a badge the file already holds, never for an unknown one.
    """
    if is_valid_badge(text):
        return text
    shown = ascii(text[: BADGE_MAX_LENGTH * 2])
    # Escapes can make each character ten long: the message stays one short line whatever it holds.
    if len(text) > BADGE_MAX_LENGTH * 2 or len(shown) > SHOWN_MAX:
        return shown[:SHOWN_MAX] + "..."
    return shown


def badge_fingerprint(text: str) -> dict[str, str | int]:
    """What the audit log keeps of a text that is not a known badge: a hash prefix and its length.

    Officers type passwords into the badge field; the text itself must never be stored.
    """
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return {"badge_sha256_prefix": digest[:FINGERPRINT_HEX_DIGITS], "badge_length": len(text)}
