"""`xinyong lists expire [--on DATE]`: the daily job removing listings whose period has ended (Art 22, 24).

`xinyong lists seed`: create the seeded lists that are missing (idempotent; Art 22).
`xinyong lists show`: the lists with their duration rule (or "court" where the court decides each term) and how
many organizations are on each today.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.lists.seed import lists_seed
from xinyong.lists.selectors import public_list_definitions
from xinyong.lists.services import list_entries_expire


class Command(BaseCommand):
    help = "Expire, seed or show the red and black lists."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help="remove (and publish the removal of) entries whose period has ended")
        expire.add_argument("--on", type=dt.date.fromisoformat, default=None,
                            help="the day to expire for (YYYY-MM-DD, not in the future; default today)")
        sub.add_parser("seed", help="create the seeded lists if they are missing")
        sub.add_parser("show", help="list the lists and how many organizations are on each today")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "expire":
            try:
                result = list_entries_expire(on=options["on"])
            except ServiceError as error:
                raise CommandError(str(error.message)) from None
            self.stdout.write(f"lists: {result.removed} entries expired on {result.on.isoformat()}")
        elif action == "seed":
            created = lists_seed().created
            self.stdout.write(f"lists created: {', '.join(created)}" if created else "lists: nothing to do")
        else:
            for definition in public_list_definitions():
                rule = "court" if definition.term_set_by_court else definition.duration_parameter
                self.stdout.write(f"{definition.code}\t{definition.name}\t{rule}\t{definition.public_count}")
