"""A large, realistic records history written straight into the records tables: for benchmarks and tests.

Not the write path: no audit entries, no outbox messages, no photos, so `audit verify` fails on
such a file and nothing in it syncs. What it does give is what the supervisor review reads, at
any size (500,000 records in seconds): shifts of many officers on several benches over several
days, outcomes in the mix of `demo_records.OUTCOME_WEIGHTS`, detentions and seizures (with their
items) for those outcomes, countersignatures (before and since m006), returns for correction,
corrections and voids. Officers can sign in with the demo password (`officers.DEMO_PASSWORD`).

`write_targeted_cache` writes the matching reference data for reconciliation: each day's targeted
items, most of them examined (a targeted record of the history covers them), some not.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from sqlite_utils import Database

from workstation.core import tracking
from workstation.core.records import AGENCIES, ExamType, Outcome, Violation, detention_deadlines
from workstation.store.db import open_cache, write_transaction
from workstation.store.demo_records import OUTCOME_WEIGHTS
from workstation.store.officers import DEMO_PASSWORD
from workstation.store.records_schema import migrations

_FIRST = ("Alex", "Blake", "Casey", "Dana", "Eli", "Frankie", "Gray", "Harper", "Indy", "Jules", "Kai", "Lee")
_LAST = ("Adams", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gupta", "Hill", "Ito", "Jones", "Khan", "Lopez")
_CARRIERS = (("post", 45), ("usps", 14), ("fedex", 15), ("ups", 13), ("dhl", 13))
_ORIGINS = ("CN", "HK", "GB", "DE", "TR", "VN", "IN", "KR")
_S10 = ("LX", "RB", "EA", "CP", "UA", "LZ", "RR", "EE", "LP", "UB")
_UPS = ("A1B2C3", "X9Y8W7", "Q4R5S6", "M7N8P9")
_VIOLATIONS = (
    (Violation.TRADEMARK, 60),
    (Violation.COPYRIGHT, 10),
    (Violation.NARCOTICS, 8),
    (Violation.PROHIBITED, 10),
    (Violation.AGRICULTURE, 6),
    (Violation.CURRENCY, 2),
    (Violation.OTHER, 4),
)
_LAWS = {
    Violation.TRADEMARK: "19 U.S.C. 1526(e)",
    Violation.COPYRIGHT: "17 U.S.C. 603(c)",
    Violation.NARCOTICS: "21 U.S.C. 881",
    Violation.CURRENCY: "31 U.S.C. 5317",
}
_GOODS = ("Leather handbag", "Wrist watch", "Sneakers", "Headphones", "Perfume", "Phone case", "Sunglasses")
_NOTES = ("", "", "", "contents match the manifest", "repacked after exam", "x-ray clear")
# Where in the day inspections happen (UTC hour -> weight): busy days, a quieter evening, a thin night.
_HOUR_WEIGHTS = tuple(2 if h < 6 else 10 if h < 14 else 6 if h < 22 else 2 for h in range(24))
# Shares of the history.
CORRECTED_SHARE = 0.01
VOIDED_SHARE = 0.004
COUNTERSIGNED_SHARE = 0.6
RETURNED_SHARE = 0.05
TARGETED_SHARE = 0.08
BARCODE_MISSING_SHARE = 0.05
T = TypeVar("T")


@dataclass(frozen=True)
class HistoryResult:
    inspections: int  # rows written, corrections included
    corrections: int
    voids: int
    seizures: int
    detentions: int
    countersigned: int  # seizures countersigned (countersignatures and seizure_reviews together)
    returned: int
    first_day: date
    last_day: date
    officers: tuple[str, ...]  # badges of the recording officers
    supervisors: tuple[str, ...]
    benches: tuple[str, ...]


def _drawer(weighted: tuple[tuple[T, int], ...], rng: random.Random) -> Callable[[], T]:
    """A weighted draw, cheaper than rng.choices one at a time (the cumulative weights are made once)."""
    values = [v for v, _ in weighted]
    cumulative = list(accumulate(w for _, w in weighted))
    total = cumulative[-1]
    random_ = rng.random
    return lambda: values[bisect(cumulative, random_() * total)]


def _exam_sets() -> list[tuple[ExamType, ...]]:
    """No exam, one, or two: the mix a bench records (none and one as likely as two together)."""
    singles = [(e,) for e in ExamType]
    pairs = [(a, b) for k, a in enumerate(ExamType) for b in list(ExamType)[k + 1 :]]
    return [(), (), (), (), *singles, *pairs]


def _tracking(carrier: str, n: int, seed: int) -> str:
    """A valid tracking number of the carrier's format, unique for each n (a serial, not a draw: fast)."""
    serial = (n * 7919 + seed * 104729) % 10**8
    if carrier == "post":
        return tracking.make_s10(_S10[n % len(_S10)], f"{serial:08d}", _ORIGINS[n % len(_ORIGINS)])
    if carrier == "fedex":
        return tracking.make_fedex12(f"{4 + n % 4}{n:010d}")
    if carrier == "ups":
        return tracking.make_ups(f"{_UPS[seed % len(_UPS)]}{n % 100:02d}{n:07d}")
    if carrier == "dhl":
        return tracking.make_dhl(f"{1 + n % 9}{n:08d}")
    return tracking.make_gs1(f"9{2 + n % 4}{seed % 1000:03d}{n:016d}")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _officer_rows(
    officers: int, supervisors: int, created_at: str, password_hash: str
) -> Iterator[tuple[str, str, str, int, str, str]]:
    for n in range(officers + supervisors):
        role = "officer" if n < officers else "supervisor"
        badge = f"H{1001 + n}" if n < officers else f"HS{1 + n - officers:02d}"
        name = f"{_FIRST[n % len(_FIRST)]} {_LAST[(n // len(_FIRST)) % len(_LAST)]}"
        if n >= len(_FIRST) * len(_LAST):
            name += f" {n}"
        yield badge, name, role, 1, password_hash, created_at


def open_history_file(records_path: Path) -> sqlite3.Connection:
    """The records file with its schema up to date (created when missing), for bulk writing."""
    records_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(records_path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrations.apply(Database(conn))
    return conn


def write_history(
    records_path: Path,
    n: int,
    *,
    days: int,
    seed: int,
    benches: int = 6,
    officers: int = 40,
    start: date | None = None,
) -> HistoryResult:
    """Write `n` inspections over `days` days from `start` (default: ending today, UTC) in one transaction."""
    if n < 0 or days < 1 or benches < 1 or officers < 1:
        raise ValueError("n >= 0, days >= 1, benches >= 1 and officers >= 1")
    rng = random.Random(seed)
    first_day = start or (datetime.now(UTC).date() - timedelta(days=days - 1))
    supervisors = max(2, officers // 10)
    # One hash for everyone (the demo password, cheap parameters): the officers can sign in.
    password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(DEMO_PASSWORD)
    created = _iso(datetime.combine(first_day, time(0), tzinfo=UTC) - timedelta(days=1))
    people = list(_officer_rows(officers, supervisors, created, password_hash))
    names = {p[0]: p[1] for p in people}
    recorders = [p[0] for p in people[:officers]]
    bosses = [p[0] for p in people[officers:]]
    bench_ids = [f"BENCH-{b + 1:02d}" for b in range(benches)]
    # An officer works one of the three shifts (06:00, 14:00, 22:00 UTC) on one bench, every day.
    shift_of = {badge: k % 3 for k, badge in enumerate(recorders)}
    bench_of = {badge: bench_ids[k % benches] for k, badge in enumerate(recorders)}
    by_shift = [[b for b in recorders if shift_of[b] == s] or recorders for s in range(3)]
    draw_hour = _drawer(tuple((h, w) for h, w in enumerate(_HOUR_WEIGHTS)), rng)
    draw_outcome = _drawer(tuple((o.value, w) for o, w in OUTCOME_WEIGHTS), rng)
    draw_carrier = _drawer(_CARRIERS, rng)
    exam_choices = [json.dumps(sorted(e.value for e in pick)) for pick in _exam_sets()]
    random_ = rng.random

    # Times first, sorted: rows go in in time order, as a bench writes them.
    stamps = sorted((int(random_() * days), draw_hour(), int(random_() * 3_600_000_000)) for _ in range(n))
    conn = open_history_file(records_path)
    shifts: dict[tuple[int, str], str] = {}
    counts = dict(corrections=0, voids=0, seizures=0, detentions=0, countersigned=0, returned=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT OR IGNORE INTO officers (badge, name, role, active, password_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            people,
        )
        inspections: list[tuple[object, ...]] = []
        detentions: list[tuple[object, ...]] = []
        seizures: list[tuple[object, ...]] = []
        items: list[tuple[object, ...]] = []
        reviews: list[tuple[object, ...]] = []
        old_countersigns: list[tuple[object, ...]] = []
        voids: list[tuple[object, ...]] = []
        corrections: list[tuple[int, str, tuple[object, ...]]] = []  # (shift day, supervisor, row)
        for day_n, hour, micros in stamps:
            day = first_day + timedelta(days=day_n)
            at = datetime.combine(day, time(hour), tzinfo=UTC) + timedelta(microseconds=micros)
            shift = 0 if 6 <= hour < 14 else 1 if 14 <= hour < 22 else 2
            badge = rng.choice(by_shift[shift])
            shift_day = day_n - 1 if hour < 6 else day_n
            shift_id = shifts.get((shift_day, badge))
            if shift_id is None:
                shift_id = shifts[(shift_day, badge)] = _uuid(rng)
            iid = _uuid(rng)
            tid = _tracking(draw_carrier(), len(inspections), seed)
            barcode: str | None = tid
            if len(tid) == 12 and tid.isdigit() and rng.random() < 0.7:
                barcode = tracking.make_fedex_express34(tid)
            elif rng.random() < BARCODE_MISSING_SHARE:
                barcode = None
            score = min(100, int(rng.expovariate(1 / 22)))
            lane = "red" if score >= 60 else "yellow" if score >= 30 else "green"
            targeted = 1 if (lane == "red" and rng.random() < 0.6) or rng.random() < TARGETED_SHARE / 2 else 0
            outcome = draw_outcome()
            exams = exam_choices[int(random_() * len(exam_choices))]
            agency = rng.choice(AGENCIES) if outcome == Outcome.REFERRED.value else None
            inspections.append(
                (iid, tid, barcode, badge, names[badge], bench_of[badge], shift_id, _iso(at), outcome,
                 exams, rng.choice(_NOTES), 1, score, lane, targeted, agency, None, "")
            )  # fmt: skip
            if outcome == Outcome.DETAINED.value:
                notice, decision = detention_deadlines(day)
                detentions.append(
                    (iid, "sample sent for testing", rng.choice(("FDA lab", "USDA", "CPSC test")),
                     day.isoformat(), notice.isoformat(), decision.isoformat())
                )  # fmt: skip
                counts["detentions"] += 1
            elif outcome == Outcome.SEIZED.value:
                violation = rng.choices([v for v, _ in _VIOLATIONS], [w for _, w in _VIOLATIONS])[0]
                total_msrp = total_domestic = 0.0
                for line in range(rng.choice((1, 1, 2, 3))):
                    qty = rng.choice((1, 1, 2, 5, 10))
                    msrp = round(rng.uniform(20, 900), 2)
                    domestic = round(rng.uniform(2, 60) * qty, 2)
                    total_msrp += msrp * qty
                    total_domestic += domestic
                    items.append(
                        (f"{iid}:{line}", iid, line, rng.choice(_GOODS), qty, msrp, domestic,
                         "Demo Brands Inc.", f"TMK 09-{rng.randint(10000, 99999)}", "")
                    )  # fmt: skip
                seizures.append(
                    (iid, violation.value, _LAWS.get(violation, "19 U.S.C. 1595a(c)"),
                     f"Seizure cage A, shelf {rng.randint(1, 12)}", round(total_msrp, 2), round(total_domestic, 2))
                )  # fmt: skip
                counts["seizures"] += 1
                boss = rng.choice(bosses)
                later = _iso(at + timedelta(minutes=rng.randint(5, 600)))
                draw = rng.random()
                if draw < COUNTERSIGNED_SHARE / 2:  # before m006
                    old_countersigns.append((_uuid(rng), iid, boss, names[boss], "SUPERVISOR-DESK", later))
                    counts["countersigned"] += 1
                elif draw < COUNTERSIGNED_SHARE:
                    reviews.append(
                        (
                            _uuid(rng),
                            iid,
                            "countersign",
                            boss,
                            names[boss],
                            badge,
                            "SUPERVISOR-DESK",
                            later,
                            "",
                        )
                    )
                    counts["countersigned"] += 1
                elif draw < COUNTERSIGNED_SHARE + RETURNED_SHARE:
                    reviews.append(
                        (_uuid(rng), iid, "return", boss, names[boss], badge, "SUPERVISOR-DESK", later,
                         "the MSRP of line 1 needs its source")
                    )  # fmt: skip
                    counts["returned"] += 1
            else:
                draw = rng.random()
                boss = rng.choice(bosses)
                later_at = at + timedelta(minutes=rng.randint(5, 120))
                if draw < CORRECTED_SHARE:
                    row: tuple[object, ...] = (_uuid(rng), tid, barcode, boss, names[boss], "SUPERVISOR-DESK", None, _iso(later_at),
                           Outcome.DUTY_ASSESSED.value, exams, "", 1, score, lane, targeted, None, iid,
                           "duty was owed: corrected at supervisor review")  # fmt: skip
                    corrections.append((shift_day, boss, row))
                elif draw < CORRECTED_SHARE + VOIDED_SHARE:
                    voids.append(
                        (
                            _uuid(rng),
                            iid,
                            boss,
                            "SUPERVISOR-DESK",
                            _iso(later_at),
                            "recorded on the wrong package",
                        )
                    )
        # Supervisors' own shifts, one a day, for the corrections they make.
        boss_shifts: dict[tuple[int, str], str] = {}
        fixed: list[tuple[object, ...]] = []
        for shift_day, boss, row in corrections:
            sid = boss_shifts.get((shift_day, boss))
            if sid is None:
                sid = boss_shifts[(shift_day, boss)] = _uuid(rng)
            fixed.append((*row[:6], sid, *row[7:]))
        shift_rows = [
            (
                sid,
                badge,
                bench_of.get(badge, "SUPERVISOR-DESK"),
                _shift_start(first_day, d, shift_of.get(badge, 0)),
            )
            for ((d, badge), sid) in (*shifts.items(), *boss_shifts.items())
        ]
        conn.executemany(
            "INSERT INTO shifts (id, officer_badge, bench_id, started_at) VALUES (?, ?, ?, ?)", shift_rows
        )
        columns = (
            "id, tracking_id, barcode, officer_badge, officer_name, bench_id, shift_id, at, outcome, exam_types, "
            "notes, manifest_found, risk_score, risk_lane, targeted, agency, supersedes, reason"
        )
        marks = ", ".join("?" for _ in columns.split(","))
        conn.executemany(f"INSERT INTO inspections ({columns}) VALUES ({marks})", inspections)
        conn.executemany(f"INSERT INTO inspections ({columns}) VALUES ({marks})", fixed)
        conn.executemany("INSERT INTO detentions VALUES (?, ?, ?, ?, ?, ?)", detentions)
        conn.executemany("INSERT INTO seizures VALUES (?, ?, ?, ?, ?, ?)", seizures)
        conn.executemany("INSERT INTO seized_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        conn.executemany(
            "INSERT INTO countersignatures (id, seizure_id, supervisor_badge, supervisor_name, bench_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            old_countersigns,
        )
        conn.executemany(
            "INSERT INTO seizure_reviews (id, seizure_id, action, supervisor_badge, supervisor_name, "
            "seizing_badge, bench_id, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            reviews,
        )
        conn.executemany(
            "INSERT INTO voids (id, inspection_id, officer_badge, bench_id, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
            voids,
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    counts["corrections"] = len(fixed)
    counts["voids"] = len(voids)
    return HistoryResult(
        inspections=len(inspections) + len(fixed),
        first_day=first_day,
        last_day=first_day + timedelta(days=days - 1),
        officers=tuple(recorders),
        supervisors=tuple(bosses),
        benches=tuple(bench_ids),
        **counts,
    )


def _shift_start(first_day: date, day_n: int, shift: int) -> str:
    start = datetime.combine(first_day + timedelta(days=day_n), time(6 + 8 * shift), tzinfo=UTC)
    return _iso(start)


@dataclass(frozen=True)
class TargetedCacheResult:
    examined: int  # targeted items a targeted record of the history covers
    unexamined: int  # targeted items no record covers
    days: int


def write_targeted_cache(
    data_dir: Path, records_path: Path, *, unexamined_per_day: int, seed: int = 1
) -> TargetedCacheResult:
    """The reference data matching a written history, in `data_dir`'s cache.sqlite (created if missing).

    Every targeted record of the history becomes a targeted item that arrived on the record's
    day (UTC), so a current record covers it (unless the record was voided); each day of the history also gets
    `unexamined_per_day` targeted items that no record covers (tracking numbers with the S10
    prefix ZZ, which the history never uses). Bulk inserts in one transaction, straight into
    `items` and `risk`, not through the feed import: no content lines, no feed batch.
    """
    with sqlite3.connect(f"{records_path.resolve().as_uri()}?mode=ro", uri=True) as records:
        targeted = records.execute(
            "SELECT tracking_id, substr(min(at), 1, 10), max(risk_score), max(risk_lane) FROM inspections "
            "WHERE targeted = 1 GROUP BY tracking_id"
        ).fetchall()
        first, last = records.execute(
            "SELECT substr(min(at), 1, 10), substr(max(at), 1, 10) FROM inspections"
        ).fetchone()
    rng = random.Random(seed)
    rows: list[tuple[str, str, int, str]] = [
        (t, day, int(score or 70), lane or "red") for t, day, score, lane in targeted
    ]
    days = 0
    if first is not None:
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        serial = 0
        while day <= end:
            days += 1
            for _ in range(unexamined_per_day):
                serial += 1
                tid = tracking.make_s10("ZZ", f"{serial:08d}", _ORIGINS[serial % len(_ORIGINS)])
                score = rng.randint(60, 100)
                rows.append((tid, day.isoformat(), score, "red"))
            day += timedelta(days=1)
    cache = open_cache(data_dir)
    try:
        with write_transaction(cache, savepoint=False):
            cache.conn.executemany(
                "INSERT OR IGNORE INTO items (tracking_id, carrier, tracking_format, entry_type, arrival_date, port, "
                "shipper_name, shipper_address, shipper_country, consignee_name, consignee_address, "
                "consignee_country, marketplace, seller, weight_kg, declared_value, currency, version) "
                "VALUES (?, NULL, NULL, 'section321', ?, 'JFK', 'Golden Dragon Trading Co. Ltd', "
                "'8 Trade Park, Shenzhen', 'CN', 'Pat Doe', '12 Main St, Brooklyn, NY 11201', 'US', "
                "'BazaarHub', 'DragonStore001', 0.8, 24.5, 'USD', 1)",
                [(t, d) for t, d, _, _ in rows],
            )
            cache.conn.executemany(
                "INSERT OR IGNORE INTO risk (tracking_id, score, lane, reasons, targeted, target_reason, "
                "rule_version, assessed_at) VALUES (?, ?, ?, '[]', 1, ?, 'demo-history', ?)",
                [
                    (t, score, lane, "Shipper is on the facility watch list", f"{d}T00:00:00+00:00")
                    for t, d, score, lane in rows
                ],
            )
    finally:
        cache.conn.close()
    return TargetedCacheResult(examined=len(targeted), unexamined=days * unexamined_per_day, days=days)
