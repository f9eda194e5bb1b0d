"""`lebrq sweep-media`: delete stored files that no media record refers to.

Such files are left only by a crash: between a file's rename into place and its
record's commit, or in the middle of a write (a hidden `.part` file). The grace period
keeps uploads in progress safe; run it daily from cron or a systemd timer."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from lebrq.bootstrap import build_services, load_settings, production_adapters
from lebrq.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than-hours",
        type=float,
        default=24.0,
        help="only files last written at least this long ago (default 24; an upload never takes that long)",
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def sweep() -> str:
        async with production_adapters(settings) as adapters:
            services = build_services(settings, adapters)
            cutoff = adapters.clock.now() - timedelta(hours=args.older_than_hours)
            report = await services.media.sweep(older_than=cutoff)
            return (
                f"removed {report.orphan_blobs} file(s) without a media record and "
                f"{report.abandoned_writes} unfinished write(s) from {media_location(settings)}"
            )

    print(asyncio.run(sweep()))
    return 0


def media_location(settings: Settings) -> str:
    if settings.media_storage == "s3":
        return f"s3://{settings.s3_bucket}/{settings.s3_prefix}".rstrip("/")
    return settings.media_dir
