"""Deterministic, realistic demo manifests: the same seed and base date give the same feed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from workstation.core import risk as rules
from workstation.core import tracking

# The items `workstation --demo` caches on its first run (and its demo hub publishes).
DEMO_ITEMS = 50_000

# (carrier, share of the stream). Posts dominate the low-value mail stream.
CARRIER_MIX = (("post", 0.45), ("usps", 0.14), ("fedex", 0.15), ("ups", 0.13), ("dhl", 0.13))
S10_PREFIXES = ("LX", "RB", "EA", "CP", "UA", "LZ", "RR", "EE", "LP", "UB")
ORIGINS = (
    ("CN", 0.38),
    ("HK", 0.12),
    ("GB", 0.06),
    ("DE", 0.05),
    ("TR", 0.05),
    ("VN", 0.05),
    ("IN", 0.05),
    ("KR", 0.04),
    ("JP", 0.04),
    ("SG", 0.03),
    ("TH", 0.03),
    ("MY", 0.02),
    ("PL", 0.02),
    ("NL", 0.02),
    ("CA", 0.02),
    ("MX", 0.02),
)
PORTS = ("JFK", "ORD", "LAX", "MIA", "SFO", "EWR", "CVG", "MEM", "ANC", "SDF")
ENTRY_TYPES = (("section321", 0.55), ("type86", 0.25), ("informal", 0.12), ("formal", 0.08))
MARKETPLACES = ("ShopMart Global", "BazaarHub", "QuickDeal", "TrendCart", "DirectFactory", "")
_TRADE_A = (
    "Bright",
    "Golden",
    "Lucky",
    "Star",
    "Ocean",
    "Unity",
    "Prime",
    "Jade",
    "Swift",
    "Harmony",
    "Everest",
    "Silver",
    "Red Maple",
    "Blue River",
    "Dragon",
    "Phoenix",
)
_TRADE_B = (
    "Trading",
    "Import Export",
    "E-Commerce",
    "Supply Chain",
    "Technology",
    "Logistics",
    "Commerce",
    "Industrial",
)
_CITIES = {
    "CN": ("Shenzhen", "Guangzhou", "Yiwu", "Shanghai", "Dongguan"),
    "HK": ("Kowloon", "Kwun Tong"),
    "GB": ("London", "Leeds"),
    "DE": ("Hamburg", "Berlin"),
    "TR": ("Istanbul", "Izmir"),
    "VN": ("Ho Chi Minh City", "Hanoi"),
    "IN": ("Mumbai", "Delhi"),
    "KR": ("Seoul", "Busan"),
    "JP": ("Osaka", "Tokyo"),
    "SG": ("Singapore",),
    "TH": ("Bangkok",),
    "MY": ("Kuala Lumpur",),
    "PL": ("Warsaw",),
    "NL": ("Rotterdam",),
    "CA": ("Toronto",),
    "MX": ("Tijuana", "Monterrey"),
}
_FIRST = (
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Jennifer",
    "David",
    "Patricia",
    "Carlos",
    "Aisha",
    "Wei",
    "Priya",
    "Daniel",
    "Sofia",
    "Kevin",
    "Grace",
    "Luis",
    "Emily",
    "Omar",
    "Hannah",
)
_LAST = (
    "Smith",
    "Garcia",
    "Johnson",
    "Nguyen",
    "Brown",
    "Martinez",
    "Lee",
    "Patel",
    "Davis",
    "Lopez",
    "Wilson",
    "Kim",
    "Anderson",
    "Thomas",
    "Clark",
    "Rivera",
    "Lewis",
    "Walker",
    "Young",
    "Hall",
)
_STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Park Ave", "Lake Rd")
_US_PLACES = (
    ("Brooklyn", "NY", "112"),
    ("Chicago", "IL", "606"),
    ("Houston", "TX", "770"),
    ("Phoenix", "AZ", "850"),
    ("Miami", "FL", "331"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Atlanta", "GA", "303"),
    ("Newark", "NJ", "071"),
)
WATCH_LIST_SHARE = 0.02
UNDERVALUE_SHARE = 0.08
WEIGHT_MISMATCH_SHARE = 0.04


_CUMULATIVE: dict[int, tuple[list[str], list[float]]] = {}


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    # Cumulative weights computed once per table: the same draws as `weights=`, without the sums.
    table = _CUMULATIVE.get(id(weighted))
    if table is None:
        table = _CUMULATIVE[id(weighted)] = (
            [k for k, _ in weighted],
            list(accumulate(w for _, w in weighted)),
        )
    return rng.choices(table[0], cum_weights=table[1])[0]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_tracking(rng: random.Random, carrier: str, origin: str) -> str:
    """A tracking number of the carrier's format, with a valid check digit."""
    if carrier == "post":
        return tracking.make_s10(rng.choice(S10_PREFIXES), _digits(rng, 8), origin)
    if carrier == "ups":
        body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(6))
        return tracking.make_ups(body + rng.choice(("01", "02", "03", "12", "66")) + _digits(rng, 7))
    if carrier == "fedex":
        kind = rng.random()
        if kind < 0.5:
            return tracking.make_fedex12(rng.choice("4567") + _digits(rng, 10))
        if kind < 0.8:
            return tracking.make_gs1(_digits(rng, 14))
        # These were the 22-digit "96" barcode; a feed carries the 15-digit number inside it (the
        # labels wrap it again). Its 5 leading digits are still drawn: a seed keeps its records.
        _digits(rng, 5)
        return tracking.make_gs1(_digits(rng, 14))
    if carrier == "dhl":
        return tracking.make_dhl(rng.choice("123456789") + _digits(rng, 8))
    # USPS IMpb, 22 digits: 9x + service + mailer id + serial + check
    return tracking.make_gs1(rng.choice(("92", "93", "94", "95")) + _digits(rng, 19))


def label_barcodes(tracking_ids: list[str]) -> list[str]:
    """What demo labels' barcodes hold: FedEx numbers inside the longer barcodes FedEx prints.

    The feed carries the short number and the label the long form, as on real labels, so a demo
    scan goes through the mapping. 12-digit numbers take the Express 34, ASTRA 32 and Ground GSN
    34 forms in turn; 15-digit ones the Ground 22 ("96"). Other numbers are printed as they are.
    """
    makers = (tracking.make_fedex_express34, tracking.make_fedex_astra32, tracking.make_fedex_gsn34)
    out, turn = [], 0
    for tracking_id in tracking_ids:
        parsed = tracking.parse(tracking_id)
        code = tracking_id
        if parsed.check_digit is tracking.CheckDigit.VALID and parsed.barcode == tracking_id:
            if parsed.format == "fedex_ground_15":
                code = tracking.make_fedex_ground96(tracking_id)
            elif parsed.format == "fedex_express_12":
                code = makers[turn % len(makers)](tracking_id)
                turn += 1
        out.append(code)
    return out


class DemoGenerator:
    """Yields feed records (the JSON Lines shape) for a seed and a base date."""

    def __init__(self, seed: int = 1, base_date: date | None = None) -> None:
        self.seed = seed
        self.base_date = base_date or date.today()
        shipper_rng = random.Random(seed * 7919 + 1)
        self.shippers = [self._shipper(shipper_rng, i) for i in range(400)]
        watch_count = max(3, int(len(self.shippers) * WATCH_LIST_SHARE))
        self.watch_listed = {s["name"] for s in shipper_rng.sample(self.shippers, watch_count)}

    def _shipper(self, rng: random.Random, i: int) -> dict[str, str]:
        country = _pick(rng, ORIGINS)
        city = rng.choice(_CITIES[country])
        name = f"{city} {rng.choice(_TRADE_A)} {rng.choice(_TRADE_B)} Co. Ltd"
        return {
            "name": name,
            "address": f"{rng.randint(1, 999)} {rng.choice(('Industrial Rd', 'Harbour St', 'Trade Park'))}, "
            f"{city}",
            "country": country,
            "seller": rng.choice(_TRADE_A).replace(" ", "")
            + rng.choice(("Store", "Shop", "Direct", "Outlet"))
            + f"{i:03d}",
        }

    def records(self, count: int) -> Iterator[dict[str, Any]]:
        rng = random.Random(self.seed)
        # Random serials repeat now and then (a birthday collision in a million): draw again, so
        # a demo feed never carries one tracking id twice. Still deterministic for a seed.
        seen: set[str] = set()
        for _ in range(count):
            record = self._record(rng)
            while record["tracking_id"] in seen:
                record = self._record(rng)
            seen.add(record["tracking_id"])
            yield record

    def _record(self, rng: random.Random) -> dict[str, Any]:
        shipper = rng.choice(self.shippers)
        origin = shipper["country"]
        carrier = _pick(rng, CARRIER_MIX)
        arrival = self.base_date - timedelta(days=rng.randint(0, 9))
        lines: list[dict[str, Any]] = []
        categories = rng.sample(rules.CATEGORIES, k=rng.choice((1, 1, 1, 2, 2, 3)))
        undervalue = rng.random() < UNDERVALUE_SHARE
        weight = 0.05
        for cat in categories:
            qty = rng.choice((1, 1, 1, 2, 2, 3, 5, 10))
            unit = round(rng.uniform(*cat.unit_value), 2)
            if undervalue and cat.counterfeit_prone:
                unit = round(rng.uniform(0.5, cat.floor * 0.6), 2)
            weight += cat.unit_weight_kg * qty * rng.uniform(0.8, 1.3)
            lines.append(
                {
                    "description": rng.choice(cat.descriptions),
                    "hts_code": rng.choice(cat.hts_codes),
                    "quantity": qty,
                    "unit_value": unit,
                    "origin_country": origin,
                }
            )
        if rng.random() < WEIGHT_MISMATCH_SHARE:
            weight *= rng.choice((0.1, 5.0))
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, state, zip3 = rng.choice(_US_PLACES)
        tracking_id = make_tracking(rng, carrier, origin)
        arrived = datetime.combine(arrival, time(rng.randint(0, 23), rng.randint(0, 59)))
        assessed = (arrived - timedelta(hours=rng.randint(2, 30))).isoformat(timespec="seconds") + "+00:00"
        risk = rules.assess(
            [rules.LineFacts(ln["hts_code"], ln["quantity"], ln["unit_value"], origin) for ln in lines],
            round(weight, 3),
            shipper["name"] in self.watch_listed,
            assessed,
        )
        return {
            "tracking_id": tracking_id,
            "carrier": carrier,
            "entry_type": _pick(rng, ENTRY_TYPES),
            "arrival_date": arrival.isoformat(),
            "port": rng.choice(PORTS),
            "shipper_name": shipper["name"],
            "shipper_address": shipper["address"],
            "shipper_country": origin,
            "consignee_name": f"{first} {last}",
            "consignee_address": f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}, {city}, {state} "
            f"{zip3}{_digits(rng, 2)}",
            "consignee_country": "US",
            "marketplace": rng.choice(MARKETPLACES),
            "seller": shipper["seller"],
            "weight_kg": round(weight, 3),
            "declared_value": round(sum(ln["quantity"] * ln["unit_value"] for ln in lines), 2),
            "currency": "USD",
            "version": 1,
            "lines": lines,
            "risk": risk.as_dict(),
        }
