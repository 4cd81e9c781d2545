"""`workstation decode IMAGE...`: the barcodes in each image and the tracking number chosen among them."""

from __future__ import annotations

import argparse
import logging
import time

from workstation.commands.base import Context, Subparsers, print_json
from workstation.scanning.decoders import UnreadableImageError, choose_tracking, decode_file

log = logging.getLogger(__name__)


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "decode",
        help="read the barcodes in image files (photos of labels) and pick the tracking number",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    status = 0
    max_pixels = ctx.settings.decode.max_image_pixels
    for path in args.images:
        start = time.perf_counter()
        try:
            symbols = decode_file(path, max_pixels)
        except UnreadableImageError as exc:
            # One line per bad file (on stderr and in the log), and carry on with the others:
            # the exit status tells.
            log.warning("%s", exc)
            status = 1
            continue
        print_json(
            {
                "file": path,
                "symbols": [{"text": s.text, "symbology": s.symbology} for s in symbols],
                "tracking": choose_tracking(symbols),
                "ms": round((time.perf_counter() - start) * 1000, 1),
            }
        )
    return status
