"""`xinyong search reindex [--all]`: keep the public organization search index in sync (Art 18, 21)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xinyong.disclosure.search import search_index_catch_up, search_index_rebuild, search_index_refresh


class Command(BaseCommand):
    help = "Index organizations created since the last run, specific subjects, or (--all) every organization."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="index new subjects (default), --all, or --subject ID …")
        reindex.add_argument("--all", action="store_true", help="rebuild the index of every organization")
        reindex.add_argument("--subject", type=int, action="append", default=[], help="re-index this subject id")

    def handle(self, *args, **options):
        if options["subject"]:
            count = search_index_refresh(options["subject"])
        elif options["all"]:
            count = search_index_rebuild()
        else:
            count = search_index_catch_up()
        self.stdout.write(f"indexed {count} organizations")
