from __future__ import annotations

import argparse

from lebrq.adapters.sql.migrations import current_revision, head_revision, upgrade_to_head
from lebrq.bootstrap import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply every pending migration (DATABASE_URL)")
    actions.add_parser("current", help="print the applied and the newest revision")


def run(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    if args.action == "upgrade":
        upgrade_to_head(url)
        print(f"database at {current_revision(url)}")
        return 0
    current, head = current_revision(url), head_revision()
    print(f"current: {current or '(none)'}\nhead:    {head}")
    return 0 if current == head else 1
