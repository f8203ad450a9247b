"""`xinyong notifications deliver [--limit N]`: send the outbox messages that are due (Art 24, 29).

Run it every minute (cron or a systemd timer): it sends what the background task could not — messages whose
first attempt failed and are due for a retry, and any left pending by a worker that stopped. Prints one line:
`notifications: S sent, R to retry, G given up`. Exit status 0 also when some sends failed (they are retried
or listed as failed in the console's outbox).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.notifications.services import outbox_deliver_due


class Command(BaseCommand):
    help = "Deliver the notification outbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="send the email and text messages that are due")
        deliver.add_argument("--limit", type=int, default=200, help="send at most this many (default 200)")

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        result = outbox_deliver_due(limit=options["limit"])
        self.stdout.write(result.as_line())
