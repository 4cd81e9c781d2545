"""A small rule set that scores an item the way the targeting system's reasons read.

The real assessment comes from the central targeting system; these rules make the demo data's
risk follow from its manifest, and give tests a reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from workstation.core.manifest import Lane, Risk, RiskReason

RULE_VERSION = "demo-rules-1"
RED_FROM = 60
YELLOW_FROM = 30
TARGET_FROM = 65  # about 3% of the demo stream, as targeting rates run


@dataclass(frozen=True)
class Category:
    name: str
    hts_codes: tuple[str, ...]
    descriptions: tuple[str, ...]
    unit_value: tuple[float, float]  # typical declared value per unit, USD
    floor: float  # below this per unit, the declaration is implausible
    unit_weight_kg: float
    counterfeit_prone: bool = False
    agency: str = ""  # a partner agency with an interest in this kind of goods


CATEGORIES: tuple[Category, ...] = (
    Category(
        "watches",
        ("9102110000", "9102120000", "9101210000"),
        ("Wrist watch, stainless steel", "Men's chronograph watch", "Ladies' quartz watch"),
        (25, 180),
        15.0,
        0.15,
        counterfeit_prone=True,
    ),
    Category(
        "handbags",
        ("4202210000", "4202229000", "4202310000"),
        ("Leather handbag", "Designer style tote bag", "Wallet, leather"),
        (20, 150),
        12.0,
        0.6,
        counterfeit_prone=True,
    ),
    Category(
        "footwear",
        ("6403990000", "6404110000", "6402991000"),
        ("Athletic sneakers", "Running shoes", "Leather boots"),
        (18, 120),
        10.0,
        0.9,
        counterfeit_prone=True,
    ),
    Category(
        "phone accessories",
        ("8517620000", "8544429000", "8507600020"),
        ("Phone case", "USB-C charging cable", "Wireless earbuds case", "Power bank 10000mAh"),
        (3, 40),
        1.0,
        0.12,
        counterfeit_prone=True,
    ),
    Category(
        "cosmetics",
        ("3304990000", "3304200000", "3303003000"),
        ("Lipstick set", "Eye shadow palette", "Perfume 100 ml"),
        (5, 60),
        3.0,
        0.2,
        counterfeit_prone=True,
        agency="FDA",
    ),
    Category(
        "supplements",
        ("2106909998", "2936290000"),
        ("Dietary supplement capsules", "Vitamin gummies", "Protein powder"),
        (8, 45),
        4.0,
        0.4,
        agency="FDA",
    ),
    Category(
        "medicines",
        ("3004900000", "3004391000"),
        ("Pain relief tablets", "Herbal medicine pills", "Prescription tablets"),
        (5, 80),
        3.0,
        0.1,
        agency="FDA",
    ),
    Category(
        "toys",
        ("9503000073", "9503000090"),
        ("Plastic toy figure", "Building block set", "Plush toy"),
        (3, 40),
        1.0,
        0.3,
        agency="CPSC",
    ),
    Category(
        "apparel",
        ("6109100012", "6110202075", "6204624021"),
        ("Cotton T-shirt", "Knit sweater", "Women's jeans"),
        (4, 50),
        2.0,
        0.3,
    ),
    Category(
        "electronics",
        ("8518302000", "8471300100", "8525890000"),
        ("Bluetooth headphones", "Tablet computer", "Action camera"),
        (15, 250),
        8.0,
        0.5,
        counterfeit_prone=True,
    ),
)
BY_NAME = {c.name: c for c in CATEGORIES}
HIGH_RISK_ORIGINS = frozenset({"CN", "HK", "TR"})


_BY_HTS6: dict[str, Category] = {}
for _cat in CATEGORIES:
    for _code in _cat.hts_codes:
        _BY_HTS6.setdefault(_code[:6], _cat)


def category_of(hts_code: str | None) -> Category | None:
    """The category whose HTS codes share the code's first six digits (the HS subheading)."""
    if not hts_code:
        return None
    return _BY_HTS6.get(hts_code[:6])


@dataclass(frozen=True)
class LineFacts:
    hts_code: str | None
    quantity: float
    unit_value: float
    origin_country: str


def assess(
    lines: list[LineFacts],
    weight_kg: float | None,
    shipper_watch_listed: bool,
    assessed_at: str,
) -> Risk:
    """Score an item from its manifest: every reason says, in words, what raised it."""
    reasons: list[RiskReason] = []
    expected_weight = 0.0
    for ln in lines:
        cat = category_of(ln.hts_code)
        if cat is None:
            continue
        expected_weight += cat.unit_weight_kg * ln.quantity
        if ln.unit_value < cat.floor:
            reasons.append(
                RiskReason(
                    "UNDERVALUED",
                    f"Declared ${ln.unit_value:.2f} per unit for {cat.name}, "
                    f"below the ${cat.floor:.2f} floor",
                    30,
                )
            )
        if cat.counterfeit_prone and ln.origin_country in HIGH_RISK_ORIGINS:
            reasons.append(
                RiskReason(
                    "IPR_CATEGORY_ORIGIN",
                    f"{cat.name.capitalize()} (HTS {ln.hts_code[:4] if ln.hts_code else '?'}) from "
                    f"{ln.origin_country}: a frequent source of counterfeits",
                    25,
                )
            )
        if cat.agency:
            reasons.append(
                RiskReason(
                    f"AGENCY_{cat.agency}",
                    f"{cat.name.capitalize()} fall under {cat.agency} admissibility rules",
                    10,
                )
            )
    if shipper_watch_listed:
        reasons.append(RiskReason("WATCHLIST_SHIPPER", "Shipper is on the facility watch list", 40))
    if weight_kg is not None and expected_weight > 0:
        ratio = weight_kg / expected_weight
        if ratio > 3 or ratio < 0.3:
            reasons.append(
                RiskReason(
                    "WEIGHT_MISMATCH",
                    f"Declared weight {weight_kg:.2f} kg does not fit the contents (about "
                    f"{expected_weight:.2f} kg expected)",
                    20,
                )
            )
    # The same rule hit on several lines counts once.
    unique: dict[str, RiskReason] = {}
    for r in reasons:
        unique.setdefault(r.code, r)
    kept = sorted(unique.values(), key=lambda r: -r.weight)
    score = min(100, int(sum(r.weight for r in kept)))
    lane = Lane.RED if score >= RED_FROM else Lane.YELLOW if score >= YELLOW_FROM else Lane.GREEN
    targeted = score >= TARGET_FROM
    return Risk(
        score=score,
        lane=lane,
        reasons=tuple(kept),
        targeted=targeted,
        target_reason="; ".join(r.text for r in kept[:2]) if targeted else "",
        rule_version=RULE_VERSION,
        assessed_at=assessed_at,
    )
