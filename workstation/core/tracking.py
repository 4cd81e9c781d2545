"""Tracking numbers: recognise, validate and normalise what scanners and feeds send.

The formats and check-digit rules are those of DOMAIN.md. `parse` never raises: a code of
unknown shape comes back unrecognised but still normalised, so that it can be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class CheckDigit(Enum):
    VALID = "valid"
    INVALID = "invalid"
    NONE = "none"


@dataclass(frozen=True)
class TrackingNumber:
    """What a scanned or fed code says about itself."""

    input: str
    tracking_id: str
    carrier: str | None
    format: str | None
    check_digit: CheckDigit

    @property
    def recognized(self) -> bool:
        return self.format is not None

    @property
    def misread(self) -> bool:
        """A known shape whose check digit fails: most likely a bad read, so ask for a rescan."""
        return self.check_digit is CheckDigit.INVALID

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "tracking_id": self.tracking_id,
            "carrier": self.carrier,
            "format": self.format,
            "check_digit": self.check_digit.value,
            "recognized": self.recognized,
        }


# --- check-digit algorithms ---------------------------------------------------------------


def gs1_mod10(digits: str) -> int:
    """GS1 mod 10: weight 3 on the digit next to the check digit, then 1, 3, ... going left."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def s10_check(digits8: str) -> int:
    r = sum(int(d) * w for d, w in zip(digits8, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    if r == 0:
        return 5
    if r == 1:
        return 0
    return 11 - r


def ups_check(body15: str) -> int:
    total = 0
    for i, c in enumerate(body15):
        v = int(c) if c.isdigit() else (ord(c) - 3) % 10
        total += v * 2 if i % 2 == 1 else v
    return (10 - total % 10) % 10


def weighted_mod11_mod10(digits: str, weights: tuple[int, ...]) -> int:
    total = sum(int(d) * weights[i % len(weights)] for i, d in enumerate(digits))
    return total % 11 % 10


def dhl_check(body: str) -> int:
    return int(body) % 7


# --- formats -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    name: str
    carrier: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None  # None: a shape without a check digit


def _last_digit_is(expected: Callable[[str], int]) -> Callable[[str], bool]:
    return lambda code: int(code[-1]) == expected(code[:-1])


def _impb_ok(code: str) -> bool:
    return int(code[-1]) == gs1_mod10(code[:-1])


_FORMATS: tuple[_Format, ...] = (
    _Format(
        "upu_s10",
        "post",
        re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}"),
        lambda c: int(c[10]) == s10_check(c[2:10]),
    ),
    _Format(
        "ups_1z",
        "ups",
        re.compile(r"1Z[0-9A-Z]{15}\d"),
        lambda c: int(c[17]) == ups_check(c[2:17]),
    ),
    _Format(
        "usps_impb",
        "usps",
        re.compile(r"9[2-5]\d{20}|9[2-5]\d{24}|9[2-5]\d{28}"),
        _impb_ok,
    ),
    _Format(
        "fedex_ground_96",
        "fedex",
        re.compile(r"96\d{20}"),
        lambda c: int(c[-1]) == gs1_mod10(c[7:21]),
    ),
    _Format(
        "fedex_express_34",
        "fedex",
        re.compile(r"[0-8]\d{33}"),
        lambda c: int(c[-1]) == weighted_mod11_mod10(c[20:33], (1, 7, 3)),
    ),
    _Format(
        "fedex_smartpost_20",
        "fedex",
        re.compile(r"(?!00)\d{20}"),
        lambda c: int(c[-1]) == gs1_mod10("92" + c[:-1]),
    ),
    _Format("gs1_sscc", "gs1", re.compile(r"\d{18}"), _last_digit_is(gs1_mod10)),
    _Format("fedex_ground_15", "fedex", re.compile(r"\d{15}"), _last_digit_is(gs1_mod10)),
    _Format(
        "fedex_express_12",
        "fedex",
        re.compile(r"\d{12}"),
        lambda c: int(c[-1]) == weighted_mod11_mod10(c[:11], (3, 1, 7)),
    ),
    _Format("dhl_express", "dhl", re.compile(r"\d{10,11}"), _last_digit_is(dhl_check)),
)

# AIM symbology identifier: "]" + symbology letter + modifier character (ISO/IEC 15424).
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_IMPB_ROUTED = re.compile(r"420(\d{5}|\d{9})(9[2-5]\d{20}|9[2-5]\d{24}|9[2-5]\d{28})")
MAX_INPUT = 256


def normalize(raw: str) -> str:
    """Strip what scanners add around a code: AIM identifier, FNC1/GS, white space, case, punctuation."""
    text = raw.strip()
    if text.isascii() and text.isalnum():  # the common case: a clean code, as feeds send it
        return text.upper()
    text = _AIM_PREFIX.sub("", text, count=1)
    # Keep letters and digits only: GS (0x1D), FNC1 stand-ins, spaces, dashes all go.
    return "".join(c for c in text.upper() if c.isascii() and c.isalnum())


def _candidates(code: str) -> list[str]:
    """The code itself, and for GS1-128 forms the tracking number without its application identifier."""
    out = [code]
    routed = _IMPB_ROUTED.fullmatch(code)
    if routed:
        out.insert(0, routed.group(2))
    if len(code) == 20 and code.startswith("00"):  # AI (00) in front of an SSCC-18
        out.insert(0, code[2:])
    return out


def _match(code: str) -> tuple[_Format, CheckDigit] | None:
    first_invalid: tuple[_Format, CheckDigit] | None = None
    for fmt in _FORMATS:
        if not fmt.pattern.fullmatch(code):
            continue
        if fmt.check is None:
            return fmt, CheckDigit.NONE
        if fmt.check(code):
            return fmt, CheckDigit.VALID
        if first_invalid is None:
            first_invalid = (fmt, CheckDigit.INVALID)
    return first_invalid


def parse(raw: object) -> TrackingNumber:
    """Recognise a code of any known format; never raises."""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    text = raw if isinstance(raw, str) else str(raw)
    code = normalize(text[:MAX_INPUT])
    best: tuple[str, _Format, CheckDigit] | None = None
    for candidate in _candidates(code):
        hit = _match(candidate)
        if hit is None:
            continue
        if hit[1] is not CheckDigit.INVALID:
            return TrackingNumber(text, candidate, hit[0].carrier, hit[0].name, hit[1])
        if best is None:
            best = (candidate, hit[0], hit[1])
    if best is not None:
        return TrackingNumber(text, best[0], best[1].carrier, best[1].name, best[2])
    return TrackingNumber(text, code, None, None, CheckDigit.NONE)


def is_usable(tracking_id: str) -> bool:
    """Whether a normalised id can serve as a cache key."""
    return 6 <= len(tracking_id) <= 40


# --- making numbers (demo data, tests) --------------------------------------------------


def make_s10(prefix: str, serial8: str, country: str) -> str:
    return f"{prefix}{serial8}{s10_check(serial8)}{country}"


def make_ups(body15: str) -> str:
    return f"1Z{body15}{ups_check(body15)}"


def make_gs1(body: str) -> str:
    return f"{body}{gs1_mod10(body)}"


def make_fedex12(body11: str) -> str:
    return f"{body11}{weighted_mod11_mod10(body11, (3, 1, 7))}"


def make_dhl(body: str) -> str:
    return f"{body}{dhl_check(body)}"
