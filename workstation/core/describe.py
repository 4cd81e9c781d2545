"""Words an officer reads for carriers, tracking formats and entry types, instead of internal names."""

from __future__ import annotations

from workstation.core.tracking import TrackingNumber

_CARRIERS = {
    "fedex": "FedEx",
    "ups": "UPS",
    "usps": "USPS",
    "dhl": "DHL",
    "post": "Post",
    "gs1": "GS1",
    "cainiao": "Cainiao",
    "yunexpress": "YunExpress",
}

# The post that issues S10 numbers with this country suffix, for the origins seen most.
S10_POSTS = {
    "AU": "Australia Post",
    "BE": "bpost",
    "BR": "Correios",
    "CA": "Canada Post",
    "CH": "Swiss Post",
    "CN": "China Post",
    "DE": "Deutsche Post",
    "ES": "Correos",
    "FR": "La Poste",
    "GB": "Royal Mail",
    "HK": "Hongkong Post",
    "IN": "India Post",
    "IT": "Poste Italiane",
    "JP": "Japan Post",
    "KR": "Korea Post",
    "MX": "Correos de México",
    "MY": "Pos Malaysia",
    "NL": "PostNL",
    "NZ": "NZ Post",
    "PL": "Poczta Polska",
    "SG": "Singapore Post",
    "TH": "Thailand Post",
    "TR": "PTT",
    "TW": "Chunghwa Post",
    "US": "USPS",
    "VN": "Vietnam Post",
}

_FORMATS = {
    "ups_1z": "UPS (1Z, 18 characters)",
    "ups_letter_10": "UPS Mail Innovations or waybill (letter and 10 digits)",
    "dhl_ecommerce": "DHL eCommerce (GM number)",
    "dhl_piece_id": "DHL Express piece ID (JJD number)",
    "cainiao_lp": "Cainiao (LP and 14 digits)",
    "yunexpress_yt": "YunExpress (YT and 16 digits)",
    "usps_91": "USPS (91, 22 digits, older form)",
    "fedex_ground_96": "FedEx Ground (22-digit label barcode)",
    "fedex_ground_gsn_34": "FedEx Ground (34-digit label barcode)",
    "fedex_express_34": "FedEx Express (34-digit label barcode)",
    "fedex_astra_32": "FedEx Express (32-digit ASTRA label barcode)",
    "usps_or_fedex_smartpost_20": "USPS or FedEx SmartPost (20 digits)",
    "gs1_sscc": "GS1 shipping container code (SSCC, 18 digits)",
    "fedex_ground_15": "FedEx Ground (15 digits)",
    "fedex_express_12": "FedEx Express (12 digits)",
}

_ENTRY_TYPES = {
    "section321": "Section 321",
    "321": "Section 321",
    "type86": "Type 86 entry",
    "86": "Type 86 entry",
    "informal": "Informal entry",
    "formal": "Formal entry",
    "unknown": "Entry type not given",
    "": "Entry type not given",
}


def describe_carrier(carrier: str | None) -> str:
    """The carrier's name (FedEx for "fedex"); one not known here is shown as the feed wrote it."""
    if carrier is None or not carrier.strip():
        return "Unknown carrier"
    return _CARRIERS.get(carrier.strip().lower(), carrier.strip())


def s10_post(country: str) -> str:
    """The post that issued an S10 number with this country suffix: "China Post" for CN."""
    return S10_POSTS.get(country.upper(), f"post of {country.upper()}")


def describe_format(tracking: TrackingNumber) -> str:
    """What the scanned format is called: "FedEx Ground (15 digits)", "UPU S10 (China Post)"."""
    return describe_format_name(tracking.format, tracking.tracking_id)


def describe_format_name(name: str | None, tracking_id: str) -> str:
    """describe_format for a format name as stored with an item (its tracking_format)."""
    if name is None or not name:
        return "Unknown format"
    if name == "upu_s10":
        return f"UPU S10 ({s10_post(tracking_id[-2:])})"
    if name == "usps_impb":
        return f"USPS Intelligent Mail package barcode ({len(tracking_id)} digits)"
    if name == "dhl_express":
        return f"DHL Express ({len(tracking_id)} digits)"
    return _FORMATS.get(name, name)


def describe_entry_type(entry_type: str | None) -> str:
    """The entry type in words (Type 86 entry for "type86"); others as the feed wrote them."""
    text = (entry_type or "").strip()
    key = "".join(c for c in text.lower() if c.isalnum())
    return _ENTRY_TYPES.get(key) or f"Entry type {text}"
