"""`xinyong queries purge [--archive-dir DIR]`: archive and delete query-log entries past retention.

The only deleter of the query log (Art 21, 29; `retention.query_log`). Run it daily from the maintenance
account's scheduler; the database refuses to delete entries younger than five years whatever runs it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from xinyong.disclosure.services import query_log_purge


class Command(BaseCommand):
    help = "Archive (JSON Lines, SM3-digested) and delete query-log entries older than retention.query_log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="archive and delete entries past retention; drop old rate counters")
        purge.add_argument("--archive-dir", type=Path, default=None, help="default: $XINYONG_VAR_DIR/archive/query-log")

    def handle(self, *args, **options):
        result = query_log_purge(archive_dir=options["archive_dir"])
        where = f" to {result.archive_path} (sm3 {result.archive_digest})" if result.archive_path else ""
        self.stdout.write(
            f"cutoff {result.cutoff.isoformat()}: archived and deleted {result.archived} entries{where}; "
            f"{result.counters_deleted} old rate-limit counters deleted"
        )
