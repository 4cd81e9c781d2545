"""`workstation report shift --date YYYY-MM-DD [--shift NAME] [--bench ID] --format csv|pdf --out FILE`.

The shift report, from the facility hub when one is configured (facility-wide; a supervisor signs
in with `--as BADGE`, the password from $WORKSTATION_PASSWORD, a prompt or stdin), else, or with
`--local`, from this bench's own records. Prints one JSON object:
{"out", "format", "rows", "pages", "source", "seconds"}. The file is written whole or not at all.

Exit codes: 0 written; 2 a bad date, an unknown shift (the known ones named), no such folder for
--out, or the records cannot be opened; 3 the hub refused the sign-in or the device; 6 the hub
could not be reached (`--local` reports from this bench's records instead).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.exit_codes import EXIT_FORBIDDEN, EXIT_INVALID, EXIT_UNAVAILABLE
from workstation.core.errors import Invalid
from workstation.core.review import ReviewSource, ShiftWindow, shift_named
from workstation.core.review_report import ReportResult, ReportScope, write_shift_csv

FORMATS = ("csv", "pdf")
PAGE_SIZES = ("A4", "Letter")


def register(sub: Subparsers) -> None:
    p = sub.add_parser("report", help="reports for supervisors: a shift's log (CSV) or summary (PDF)")
    rsub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    shift = rsub.add_parser(
        "shift",
        help="one day (or one shift of it): counts, charts, seizures, open detentions, reconciliation",
    )
    shift.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the facility day")
    shift.add_argument(
        "--shift", metavar="NAME", help="one of the facility's shifts (default: the whole day)"
    )
    shift.add_argument("--bench", metavar="ID", help="one bench only (default: all)")
    shift.add_argument(
        "--format", required=True, choices=FORMATS, help="csv: the shift log's rows; pdf: the report"
    )
    shift.add_argument(
        "--out", required=True, metavar="FILE", help="the file to write (replaced only when done)"
    )
    shift.add_argument(
        "--local", action="store_true", help="from this bench's records even when a hub is configured"
    )
    shift.add_argument(
        "--as",
        dest="actor",
        metavar="BADGE",
        help="the supervisor signing in at the hub (password: $WORKSTATION_PASSWORD)",
    )
    shift.add_argument("--page-size", choices=PAGE_SIZES, default="A4", help="the PDF's paper (default A4)")
    shift.set_defaults(func=run_shift)


def parse_day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date: give it as YYYY-MM-DD", EXIT_INVALID) from None


def pick_shift(shifts: tuple[ShiftWindow, ...] | list[ShiftWindow], name: str | None) -> ShiftWindow | None:
    if name is None:
        return None
    try:
        return shift_named(shifts, name)
    except Invalid:
        known = ", ".join(s.name for s in shifts)
        raise CommandError(
            f"--shift {name!r}: no such shift; the facility's shifts are {known}", EXIT_INVALID
        ) from None


def check_out(text: str) -> Path:
    out = Path(text)
    if out.is_dir():
        raise CommandError(f"--out {text}: is a folder; name the file to write", EXIT_INVALID)
    if not out.parent.is_dir():
        raise CommandError(f"--out {text}: the folder {out.parent} does not exist", EXIT_INVALID)
    return out


@contextmanager
def local_source(ctx: Context, problem: str | None = None) -> Iterator[ReviewSource]:
    """This bench's records (read-only) and its reference cache."""
    from workstation.store.review_query import LocalReviewSource

    records = ctx.data_dir / "records.sqlite"
    if not records.exists():
        raise CommandError(f"no records here: {records} does not exist (check --data-dir)", EXIT_INVALID)
    cache = ctx.data_dir / "cache.sqlite"
    source = LocalReviewSource(
        records, cache if cache.exists() else None, ctx.settings.bench_id, problem=problem
    )
    try:
        yield source
    finally:
        source.close()


@contextmanager
def hub_source(ctx: Context, badge: str | None) -> Iterator[ReviewSource]:
    """The facility hub's review, signed in as the supervisor `badge` (the password read like every secret)."""
    from workstation.commands.officers import PASSWORD_ENV, read_secret
    from workstation.config import hub_url_problem
    from workstation.sync.errors import SyncError
    from workstation.sync.review_client import HubReviewSource, open_review_session
    from workstation.sync.rounds import HubTarget

    url = ctx.settings.hub_url
    problem = hub_url_problem(url)
    if problem:
        raise CommandError(f"hub_url {url}: {problem}", EXIT_INVALID)
    target = HubTarget.from_settings(url, ctx.settings.sync.token, ctx.settings.sync.ca_file)
    if target is None:
        raise CommandError(
            "a hub is configured but this bench has no device token ([sync] token): "
            "use --local to report from this bench's records",
            EXIT_INVALID,
        )
    if url.startswith("https://") and target.ca_file is None:
        raise CommandError(
            f"hub_url {url}: an https hub is checked against [sync] ca_file, and none is set", EXIT_INVALID
        )
    if not badge:
        raise CommandError(
            "the hub's report needs a supervisor: sign in with --as BADGE "
            f"(password: ${PASSWORD_ENV}, a prompt or stdin), or use --local for this bench's records",
            EXIT_INVALID,
        )
    password = read_secret(f"password for {badge}: ", PASSWORD_ENV)
    try:
        source = HubReviewSource(target, open_review_session(target, badge, password))
    except SyncError as exc:
        raise hub_failure(exc, signing_in=True) from exc
    try:
        yield source
    except SyncError as exc:
        raise hub_failure(exc, signing_in=False) from exc
    finally:
        source.close()


def hub_failure(exc: Exception, *, signing_in: bool) -> CommandError:
    """A hub error as one line and its exit code: 6 unreachable or busy (with the --local hint), 3 refused."""
    from workstation.sync.errors import HubBusy, HubRefused, HubUnreachable

    doing = "signing in" if signing_in else "reading the report"

    if isinstance(exc, HubUnreachable):
        return CommandError(
            f"hub unreachable while {doing}: {exc}; use --local to report from this bench's records",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, HubBusy):
        return CommandError(
            f"hub busy while {doing} ({exc.status}): {exc}; try again, or use --local for this bench's records",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, HubRefused):
        what = "the supervisor's sign-in" if signing_in else "the report's reads"
        return CommandError(f"the hub refused {what} ({exc.status}): {exc}", EXIT_FORBIDDEN)
    return CommandError(f"{doing}: {exc}", EXIT_INVALID)


def run_shift(args: argparse.Namespace, ctx: Context) -> int:
    day = parse_day(args.date)
    review = ctx.settings.review
    shift = pick_shift(review.shifts, args.shift)
    out = check_out(args.out)
    scope = ReportScope(day=day, zone=review.zone(), shift=shift, bench=args.bench or None)
    use_hub = bool(ctx.settings.hub_url) and not args.local
    if use_hub:
        opened = hub_source(ctx, args.actor)
    else:
        why = "--local: this bench's records only" if ctx.settings.hub_url else "no hub configured"
        opened = local_source(ctx, why)
    with opened as source:
        result = _write(args, ctx, source, scope, out)
        name = source.info.name
    print_json(
        {
            "out": str(out),
            "format": args.format,
            "rows": result.rows,
            "pages": result.pages,
            "source": name,
            "seconds": round(result.seconds, 3),
        }
    )
    return 0


def _write(
    args: argparse.Namespace, ctx: Context, source: ReviewSource, scope: ReportScope, out: Path
) -> ReportResult:
    try:
        if args.format == "csv":
            return write_shift_csv(source, scope, out)
        from workstation.ui.report_pdf import ensure_app, write_shift_pdf

        ensure_app()
        return write_shift_pdf(
            source,
            day=scope.day,
            shift=scope.shift,
            bench=scope.bench,
            zone=scope.zone,
            out=out,
            facility=ctx.settings.facility_name or ctx.settings.facility_id,
            page_size=args.page_size,
        )
    except OSError as exc:
        raise CommandError(f"--out {out}: cannot write it ({exc.strerror or exc})", EXIT_INVALID) from exc
