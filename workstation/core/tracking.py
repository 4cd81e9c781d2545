"""Tracking numbers: recognise, validate and normalise what scanners and feeds send.

The formats and check-digit rules are those of DOMAIN.md. `parse` never raises: a code of
unknown shape comes back unrecognised but still normalised, so that it can be looked up.

A label's barcode often wraps the tracking number in a longer string (FedEx's 34, 32 and 22-digit
barcodes, USPS's `420`+ZIP routing, GS1's `(00)`), while feeds carry the tracking number itself:
`tracking_id` is that number, the cache key; `barcode` is the normalised form that was scanned.
"""

from __future__ import annotations

import re
import unicodedata
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
    tracking_id: str  # the tracking number, as feeds carry it and the cache is keyed
    carrier: str | None
    format: str | None
    check_digit: CheckDigit
    barcode: str  # the scanned form, normalised: the tracking id or a longer label barcode around it
    # Why the code cannot be trusted as read, e.g. "holds U+0425 CYRILLIC CAPITAL LETTER HA at
    # position 2": a character no label prints. None for a clean code.
    foreign: str | None = None

    @property
    def recognized(self) -> bool:
        return self.format is not None

    @property
    def misread(self) -> bool:
        """A known shape whose check digit fails, or a foreign character: ask for a rescan."""
        return self.check_digit is CheckDigit.INVALID or self.foreign is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "tracking_id": self.tracking_id,
            "carrier": self.carrier,
            "format": self.format,
            "check_digit": self.check_digit.value,
            "recognized": self.recognized,
            "barcode": self.barcode,
            "foreign": self.foreign,
        }


# --- check-digit algorithms ---------------------------------------------------------------


def _digit_sum(ascii_digits: bytes) -> int:
    """The sum of the digits of ASCII digit bytes, added up in C."""
    return sum(ascii_digits) - 48 * len(ascii_digits)


def _plain_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def gs1_mod10(digits: str) -> int:
    """GS1 mod 10: weight 3 on the digit next to the check digit, then 1, 3, ... going left."""
    if _plain_digits(digits):  # the common case, summed in C; the same total
        b = digits.encode()
        total = 3 * _digit_sum(b[-1::-2]) + _digit_sum(b[-2::-2])
    else:
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check(digits8: str) -> int:
    if len(digits8) == 8 and _plain_digits(digits8):
        b = digits8.encode()
        r = (
            8 * b[0] + 6 * b[1] + 4 * b[2] + 2 * b[3] + 3 * b[4] + 5 * b[5] + 9 * b[6] + 7 * b[7] - 48 * 44
        ) % 11
    else:
        r = sum(int(d) * w for d, w in zip(digits8, _S10_WEIGHTS, strict=True)) % 11
    if r == 0:
        return 5
    if r == 1:
        return 0
    return 11 - r


# UPS's value of each letter or digit of the body: a digit its own, a letter (code - 3) mod 10.
_UPS_VALUES = bytes(
    (c - 48) if 48 <= c <= 57 else (c - 3) % 10 if (65 <= c <= 90 or 97 <= c <= 122) else 255
    for c in range(256)
)


def ups_check(body15: str) -> int:
    if body15.isascii() and body15.isalnum():
        values = body15.encode().translate(_UPS_VALUES)
        total = sum(values[0::2]) + 2 * sum(values[1::2])
    else:
        total = 0
        for i, c in enumerate(body15):
            v = int(c) if c.isdigit() else (ord(c) - 3) % 10
            total += v * 2 if i % 2 == 1 else v
    return (10 - total % 10) % 10


def weighted_mod11_mod10(digits: str, weights: tuple[int, ...]) -> int:
    if weights and _plain_digits(digits):
        b = digits.encode()
        n = len(weights)
        total = sum(w * _digit_sum(b[i::n]) for i, w in enumerate(weights))
    else:
        total = sum(int(d) * weights[i % len(weights)] for i, d in enumerate(digits))
    return total % 11 % 10


def dhl_check(body: str) -> int:
    return int(body) % 7


FEDEX12_WEIGHTS = (3, 1, 7)
FEDEX34_WEIGHTS = (1, 7, 3)  # over the 13-digit serial of the 34-digit barcodes


def fedex12_check(body11: str) -> int:
    return weighted_mod11_mod10(body11, FEDEX12_WEIGHTS)


def fedex34_check(serial13: str) -> int:
    return weighted_mod11_mod10(serial13, FEDEX34_WEIGHTS)


# --- formats -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    name: str
    carrier: str
    lengths: range  # the lengths the pattern can match: formats are tried by the code's length
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None  # None: a shape without a check digit
    number: tuple[int, int] | None = None  # where the tracking number sits in a longer label barcode


def _last_digit_is(expected: Callable[[str], int]) -> Callable[[str], bool]:
    return lambda code: int(code[-1]) == expected(code[:-1])


def _usps_or_smartpost_ok(code: str) -> bool:
    # The same 19 digits are checked three ways by the carriers: as they stand (USPS 20), behind
    # the IMpb "92" (FedEx SmartPost) or behind the legacy "91"; the three check digits differ.
    body, check = code[:-1], int(code[-1])
    return check in (gs1_mod10(body), gs1_mod10("92" + body), gs1_mod10("91" + body))


def _one(n: int) -> range:
    return range(n, n + 1)


# Order matters only within one length: the first format whose check holds wins, else the first
# whose shape matches (a misread of it). Shapes of one length are kept apart by their prefixes.
_FORMATS: tuple[_Format, ...] = (
    _Format(
        "upu_s10",
        "post",
        _one(13),
        re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}"),
        lambda c: int(c[10]) == s10_check(c[2:10]),
    ),
    _Format(
        "ups_1z",
        "ups",
        _one(18),
        re.compile(r"1Z[0-9A-Z]{15}\d"),
        lambda c: int(c[17]) == ups_check(c[2:17]),
    ),
    # UPS Mail Innovations and waybill numbers: one letter and 10 digits, no check digit.
    _Format("ups_letter_10", "ups", _one(11), re.compile(r"[A-Z]\d{10}"), None),
    _Format("dhl_ecommerce", "dhl", range(18, 25), re.compile(r"GM[0-9A-Z]{16,22}"), None),
    _Format("dhl_piece_id", "dhl", range(12, 34), re.compile(r"JJD\d{9,30}"), None),
    # Consolidators of Section 321 traffic. `LP` + 14 digits is 16 characters: an S10 with
    # the LP prefix (LP123456785CN) is 13 and stays an S10.
    _Format("cainiao_lp", "cainiao", _one(16), re.compile(r"LP\d{14}"), None),
    _Format("yunexpress_yt", "yunexpress", _one(18), re.compile(r"YT\d{16}"), None),
    _Format(
        "usps_impb",
        "usps",
        range(22, 31),
        re.compile(r"9[2-5]\d{20}|9[2-5]\d{24}|9[2-5]\d{28}"),
        _last_digit_is(gs1_mod10),
    ),
    _Format("usps_91", "usps", _one(22), re.compile(r"91\d{20}"), _last_digit_is(gs1_mod10)),
    _Format(
        "fedex_ground_96",
        "fedex",
        _one(22),
        re.compile(r"96\d{20}"),
        lambda c: int(c[-1]) == gs1_mod10(c[7:21]),
        (7, 22),
    ),
    _Format(
        "fedex_ground_gsn_34",
        "fedex",
        _one(34),
        re.compile(r"96\d{32}"),
        lambda c: int(c[-1]) == fedex34_check(c[20:33]),
        (22, 34),
    ),
    _Format(
        "fedex_express_34",
        "fedex",
        _one(34),
        re.compile(r"[0-8]\d{33}"),
        lambda c: int(c[-1]) == fedex34_check(c[20:33]),
        (22, 34),
    ),
    _Format(
        "fedex_astra_32",
        "fedex",
        _one(32),
        re.compile(r"3\d{31}"),
        lambda c: int(c[27]) == fedex12_check(c[16:27]),
        (16, 28),
    ),
    # Both carriers' 20-digit numbers are delivered by USPS: name the ambiguity, not a guess.
    _Format(
        "usps_or_fedex_smartpost_20",
        "usps",
        _one(20),
        re.compile(r"(?!00)\d{20}"),
        _usps_or_smartpost_ok,
    ),
    _Format("gs1_sscc", "gs1", _one(18), re.compile(r"\d{18}"), _last_digit_is(gs1_mod10)),
    _Format("fedex_ground_15", "fedex", _one(15), re.compile(r"\d{15}"), _last_digit_is(gs1_mod10)),
    _Format(
        "fedex_express_12",
        "fedex",
        _one(12),
        re.compile(r"\d{12}"),
        lambda c: int(c[-1]) == fedex12_check(c[:11]),
    ),
    _Format("dhl_express", "dhl", range(10, 12), re.compile(r"\d{10,11}"), _last_digit_is(dhl_check)),
)

FORMAT_NAMES = tuple(f.name for f in _FORMATS)
_BY_LENGTH: dict[int, tuple[_Format, ...]] = {
    n: tuple(f for f in _FORMATS if n in f.lengths) for n in {n for f in _FORMATS for n in f.lengths}
}

# AIM symbology identifier: "]" + symbology letter + modifier character (ISO/IEC 15424).
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_IMPB_ROUTED = re.compile(r"420(\d{5}|\d{9})(9[1-5]\d{20}|9[2-5]\d{24}|9[2-5]\d{28})")
MAX_INPUT = 256


def normalize(raw: str) -> str:
    """Strip what scanners add around a code: AIM identifier, FNC1/GS, white space, case, punctuation."""
    text = raw.strip()
    if text.isascii() and text.isalnum():  # the common case: a clean code, as feeds send it
        return text.upper()
    text = _AIM_PREFIX.sub("", text, count=1)
    # Keep letters and digits only: GS (0x1D), FNC1 stand-ins, spaces, dashes all go.
    return "".join(c for c in text.upper() if c.isascii() and c.isalnum())


# Around a code, readers send line endings and padding; GS (FNC1) may sit anywhere inside it.
_EDGE_WHITESPACE = " \t\r\n\v\f"
_GS = "\x1d"


def foreign_character(text: str) -> str | None:
    """Why `text` cannot be a code as printed on a label, or None.

    Labels carry printable ASCII only (and GS between GS1 fields). Anything else, a Cyrillic
    look-alike, a full-width digit, a zero-width space, a right-to-left override, a control
    character, is a misread or a forgery; dropping it would turn the code into another one.
    """
    if text.isascii() and text.isprintable():  # the common case, checked in C
        return None
    lead = len(text) - len(text.lstrip(_EDGE_WHITESPACE))
    for i, ch in enumerate(text.strip(_EDGE_WHITESPACE), start=lead + 1):
        if (" " <= ch <= "~") or ch == _GS:
            continue
        name = unicodedata.name(ch, "")
        if not name:
            kind = "a control character" if unicodedata.category(ch) == "Cc" else "an unnamed character"
            name = f"({kind})"
        return f"holds U+{ord(ch):04X} {name} at position {i}"
    return None


def _candidates(code: str) -> list[str]:
    """The code itself, and for GS1-128 forms the tracking number without its application identifier."""
    routed = _IMPB_ROUTED.fullmatch(code) if code.startswith("420") else None
    if routed:
        # 420 + ZIP in front of a USPS number: USPS's reading alone, even when its check fails, so
        # a misread is not taken for the FedEx Express 34 that the same 34 digits could shape.
        return [routed.group(2)]
    if len(code) == 20 and code.startswith("00"):  # AI (00) in front of an SSCC-18
        return [code[2:], code]
    return [code]


def _match(code: str) -> tuple[_Format, CheckDigit] | None:
    first_invalid: tuple[_Format, CheckDigit] | None = None
    for fmt in _BY_LENGTH.get(len(code), ()):
        if not fmt.pattern.fullmatch(code):
            continue
        if fmt.check is None:
            return fmt, CheckDigit.NONE
        if fmt.check(code):
            return fmt, CheckDigit.VALID
        if first_invalid is None:
            first_invalid = (fmt, CheckDigit.INVALID)
    return first_invalid


def _recognise(code: str) -> tuple[str, _Format, CheckDigit] | None:
    """(candidate, format, check) for a normalised code: the first reading whose check holds, else
    the first misread of a known shape; None for a code of no known shape."""
    best: tuple[str, _Format, CheckDigit] | None = None
    for candidate in _candidates(code):
        hit = _match(candidate)
        if hit is None:
            continue
        if hit[1] is not CheckDigit.INVALID:
            return candidate, hit[0], hit[1]
        if best is None:
            best = (candidate, hit[0], hit[1])
    return best


def _number(candidate: str, fmt: _Format) -> str:
    return candidate if fmt.number is None else candidate[fmt.number[0] : fmt.number[1]]


def parse(raw: object) -> TrackingNumber:
    """Recognise a code of any known format; never raises.

    A code holding a character no label prints comes back unrecognised, with `foreign` saying
    which character and where, so that it is a misread and never looked up.
    """
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    text = raw if isinstance(raw, str) else str(raw)
    head = text[:MAX_INPUT] if len(text) > MAX_INPUT else text
    code = normalize(head)
    # Feeds call this a million times: the clean case is decided in C, without a call.
    foreign = None if head.isascii() and head.isprintable() else foreign_character(head)
    if foreign is not None:
        # Never matched to a format: the stripped code is another number than the one scanned.
        return TrackingNumber(text, code, None, None, CheckDigit.NONE, code, foreign)
    found = _recognise(code)
    if found is None:
        return TrackingNumber(text, code, None, None, CheckDigit.NONE, code)
    candidate, fmt, check = found
    return TrackingNumber(text, _number(candidate, fmt), fmt.carrier, fmt.name, check, code)


def feed_id(raw: str) -> tuple[str, str | None, str | None] | None:
    """`parse(raw)`'s (tracking_id, carrier, format) for a clean code, without building the whole answer.

    A feed's tracking id is letters and digits, nothing around them: the import's hot path, a
    million at a time. For anything else (padding, punctuation, a character no label prints, a
    code longer than MAX_INPUT) None: ask `parse`. A misread (a known shape whose check digit
    fails) is recognised as parse recognises it.
    """
    if len(raw) > MAX_INPUT or not (raw.isascii() and raw.isalnum()):
        return None
    code = raw.upper()  # what normalize makes of a clean code
    found = _recognise(code)
    if found is None:
        return code, None, None
    candidate, fmt, _check = found
    return _number(candidate, fmt), fmt.carrier, fmt.name


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
    return f"{body11}{fedex12_check(body11)}"


def make_dhl(body: str) -> str:
    return f"{body}{dhl_check(body)}"


def _require(number: str, length: int, what: str, valid: Callable[[str], bool] = lambda _: True) -> None:
    if len(number) != length or not number.isascii() or not number.isdigit() or not valid(number):
        raise ValueError(f"{number!r} is not a valid {what}")


def _require_fedex12(number12: str) -> None:
    _require(number12, 12, "FedEx 12-digit number", lambda n: int(n[11]) == fedex12_check(n[:11]))


def _serial34(number12: str) -> str:
    """The 13-digit serial of a 34-digit barcode that ends in this 12-digit number.

    The serial's last 11 digits are the number's body; "00" in front puts the body under the
    weights 3,1,7 of the 12-digit rule, so the barcode's check digit is the number's own.
    """
    _require_fedex12(number12)
    serial = "00" + number12[:11]
    assert fedex34_check(serial) == int(number12[11])
    return serial


def make_fedex_express34(number12: str, head15: str = "100192133425000", zip5: str = "10003") -> str:
    """The 34-digit FedEx Express barcode whose last 12 digits are this tracking number."""
    _require(head15, 15, "FedEx Express 34 head ([0-8] and 14 digits)", lambda h: h[0] != "9")
    _require(zip5, 5, "ZIP code")
    serial = _serial34(number12)
    return f"{head15}{zip5}{serial}{fedex34_check(serial)}"


def make_fedex_gsn34(
    number12: str, scnc: str = "22", five: str = "00156", gsn10: str = "0001234567", spare: str = "1"
) -> str:
    """The 34-digit FedEx Ground "GSN" barcode whose last 12 digits are this tracking number."""
    for part, n in ((scnc, 2), (five, 5), (gsn10, 10), (spare, 1)):
        _require(part, n, f"{n}-digit part of a FedEx Ground GSN barcode")
    serial = _serial34(number12)
    return f"96{scnc}{five}{gsn10}{spare}{serial}{fedex34_check(serial)}"


def make_fedex_astra32(number12: str, head15: str = "000000000000000", tail4: str = "0201") -> str:
    """The 32-digit FedEx ASTRA barcode holding this tracking number at digits 17 to 28."""
    _require_fedex12(number12)
    _require(head15, 15, "FedEx ASTRA head (15 digits)")
    _require(tail4, 4, "FedEx ASTRA tail (4 digits)")
    return f"3{head15}{number12}{tail4}"


def make_fedex_ground96(number15: str, scnc: str = "11", service: str = "020") -> str:
    """The 22-digit FedEx Ground barcode ("96") whose last 15 digits are this tracking number."""
    _require(number15, 15, "FedEx Ground 15-digit number", lambda n: int(n[14]) == gs1_mod10(n[:14]))
    _require(scnc + service, 5, "SCNC (2 digits) and service (3 digits)")
    return f"96{scnc}{service}{number15}"
