"""What the bench asks of its threads: each operation takes values, never a widget.

Every function here builds an operation for the task runner (ui/tasks.py): a callable that runs
on a worker thread with that lane's resources. What it needs from the window (the session, the
code scanned, the photos) is captured on the GUI thread when the operation is built; nothing here
reads a widget or `self.session` on the worker thread. Operations that write return
`(value, Changes)`, which the runner hands to every listener.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from workstation.config import Context
from workstation.core.bench import ScanResult, classify, scan_lookouts
from workstation.core.changes import Changes, Saved
from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    InspectionRecord,
    SeizureDraft,
    Session,
)
from workstation.core.review import Lookout, SeizureRef
from workstation.core.tracking import parse
from workstation.scanning.decoders import zbar_problem
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.lookouts import LiveLookouts
from workstation.store.officers import OfficerDirectory
from workstation.store.photos import content_suffix
from workstation.store.records import RecordsStore
from workstation.ui.tasks import TaskRunner

# A photo as the window holds it until the save: an encoded file's bytes, or a camera frame that
# the save encodes as JPEG on the database thread (never on the GUI thread).
Photo = bytes | np.ndarray


@dataclass
class BenchResources:
    """What the database lane works with; built on that thread, closed on it."""

    cache: ManifestCache
    records: RecordsStore
    officers: OfficerDirectory
    lookouts: LiveLookouts = field(init=False)  # what a scan is matched against, kept in memory

    def __post_init__(self) -> None:
        self.lookouts = LiveLookouts(self.cache, self.records)

    @classmethod
    def open(cls, ctx: Context) -> BenchResources:
        records = RecordsStore.open(ctx.data_dir)
        return cls(
            cache=ManifestCache(open_cache(ctx.data_dir)),
            records=records,
            officers=OfficerDirectory(records, ctx.settings.security),
        )

    def close(self) -> None:
        self.cache.db.conn.close()
        self.records.close()


@dataclass
class BulkResources:
    """The bulk lane's own cache connection: a reference-data pull writes here, while scans read
    on the database lane's connection (WAL: the reader never waits for this writer)."""

    cache: ManifestCache

    @classmethod
    def open(cls, ctx: Context) -> BulkResources:
        return cls.at(ctx.data_dir)

    @classmethod
    def at(cls, data_dir: Path) -> BulkResources:
        """Built in the bulk lane's worker process (the factory must pickle: a path, not a Context)."""
        return cls(ManifestCache(open_cache(data_dir)))

    def close(self) -> None:
        self.cache.db.conn.close()


BenchRunner = TaskRunner[BenchResources]


@dataclass(frozen=True)
class SaveRequest:
    draft: InspectionDraft
    seizure: SeizureDraft | None = None
    detention: DetentionDraft | None = None
    photos: tuple[tuple[Photo, str], ...] = ()


@dataclass(frozen=True)
class ShiftView:
    """What the scan bar and the recent list show of the shift."""

    records: list[InspectionRecord]  # the newest of the shift
    count: int  # every current record of the shift (the list holds only the newest)
    waiting: int  # outbox messages not yet sent


def encode_photo(photo: Photo, suffix: str) -> tuple[bytes, str]:
    """A camera frame as JPEG bytes; an encoded file as it is."""
    if isinstance(photo, bytes):
        return photo, suffix
    ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("the camera frame could not be encoded as JPEG")
    return buf.tobytes(), ".jpg"


def save_op(session: Session, request: SaveRequest) -> Callable[[BenchResources], Saved[InspectionRecord]]:
    """Record an outcome (photos are encoded and hashed on the database thread too)."""

    def save(res: BenchResources) -> Saved[InspectionRecord]:
        service = res.records.service  # returns what each write changed, for the windows
        photos = [service.save_photo(session, *encode_photo(p, s)) for p, s in request.photos]
        photo_ids = tuple(p.value for p in photos)
        if request.seizure is not None:
            seizure = replace(request.seizure, photo_ids=photo_ids)
            saved = service.save_seizure(session, request.draft, seizure)
        elif request.detention is not None:
            saved = service.save_detention(session, request.draft, request.detention)
        else:
            draft = request.draft
            if photo_ids:
                draft = replace(
                    draft,
                    notes=(draft.notes + "\n" if draft.notes else "") + "photos: " + ", ".join(photo_ids),
                )
            saved = service.save_inspection(session, draft)
        return Saved(saved.value, Changes.merge([saved.changes, *(p.changes for p in photos)]))

    return save


def lookup_op(code: str) -> Callable[[BenchResources], ScanResult]:
    """A scanned code: its cached item, its previous records, the lookouts it matches, and what the bench makes of it."""

    def lookup(res: BenchResources) -> ScanResult:
        tracking = parse(code)
        item = res.cache.lookup(code)
        key = item.tracking_id if item is not None else tracking.tracking_id
        now = res.records.now()
        hits = scan_lookouts(res.lookouts.get(now), key, item, now)
        return classify(tracking, item, res.records.inspections_for(key), hits)

    return lookup


def countersign_op(session: Session, seizure: SeizureRef) -> Callable[[BenchResources], Saved[str]]:
    """A supervisor countersigns a seizure (of any bench); the runner publishes its Changes."""

    def countersign(res: BenchResources) -> Saved[str]:
        return res.records.service.countersign(session, seizure)

    return countersign


def return_for_correction_op(
    session: Session, seizure: SeizureRef, reason: str
) -> Callable[[BenchResources], Saved[str]]:
    """A supervisor returns a seizure for correction, with the reason."""

    def return_for_correction(res: BenchResources) -> Saved[str]:
        return res.records.service.return_for_correction(session, seizure, reason)

    return return_for_correction


def add_lookout_op(
    session: Session, field: str, pattern: str, reason: str, expires_at: datetime
) -> Callable[[BenchResources], Saved[Lookout]]:
    """A supervisor adds a facility lookout; scans here match it at once."""

    def add_lookout(res: BenchResources) -> Saved[Lookout]:
        return res.records.service.add_lookout(session, field, pattern, reason, expires_at)

    return add_lookout


def remove_lookout_op(
    session: Session, lookout_id: str, reason: str, known: Lookout | None = None
) -> Callable[[BenchResources], Saved[str]]:
    """A supervisor ends a lookout; `known` is another bench's lookout as the hub showed it."""

    def remove_lookout(res: BenchResources) -> Saved[str]:
        return res.records.service.remove_lookout(session, lookout_id, reason, known)

    return remove_lookout


def shift_op(session: Session) -> Callable[[BenchResources], ShiftView]:
    """The shift's newest records, its count and what waits to be sent."""

    def shift(res: BenchResources) -> ShiftView:
        return ShiftView(
            res.records.shift_inspections(session),
            res.records.shift_count(session),
            res.records.outbox_count(),
        )

    return shift


def sign_in_op(badge: str, password: str, bench_id: str) -> Callable[[BenchResources], Session]:
    def sign_in(res: BenchResources) -> Session:
        return res.officers.sign_in(badge, password, bench_id)

    return sign_in


def demo_sign_in_op(badge: str, password: str, bench_id: str) -> Callable[[BenchResources], Session]:
    """The demo officers exist (made on first use), then one of them signs in."""

    def demo_sign_in(res: BenchResources) -> Session:
        res.officers.ensure_demo_officers()
        return res.officers.sign_in(badge, password, bench_id)

    return demo_sign_in


def unlock_op(session: Session, secret: str) -> Callable[[BenchResources], bool]:
    def unlock(res: BenchResources) -> bool:
        return res.officers.unlock(session, secret)

    return unlock


def security_event_op(session: Session, kind: str) -> Callable[[BenchResources], None]:
    def security_event(res: BenchResources) -> None:
        res.officers.record_security_event(session, kind)

    return security_event


def zbar_op(res: BenchResources) -> str | None:
    """Why the second decoder is off, or None (finding libzbar may run ldconfig: off the GUI thread)."""
    return zbar_problem()


def read_photo_file_op(path: Path) -> Callable[[object], tuple[bytes, str]]:
    """A photo chosen from a file: read (and its type sniffed) off the GUI thread."""

    def read_photo_file(_: object) -> tuple[bytes, str]:
        data = path.read_bytes()
        return data, content_suffix(data) or path.suffix.lower() or ".jpg"

    return read_photo_file
