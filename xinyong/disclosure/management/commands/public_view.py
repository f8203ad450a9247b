"""`xinyong public-view USCC [--on DATE]`: what an organization's public page showed on a day (Art 18, 22, 30).

Prints one JSON line per record and list entry that anyone could see on the page on DATE (today by default), as
the platform knew it at the end of that day (`xinyong.disclosure.selectors.public_view_on`): a record received
later is not shown; one withdrawn, corrected or repaired later is shown as it was then, with the publication
window of the revision current that day. Each line has `type` (record / list_entry), `item`, `item_name`,
`document_number`, `decision_date`, `publication_start`, `publication_end` (exclusive; null: no automatic
end), `status` (as shown that day), `status_now`, `provider`, and for records the `revision` shown.

An operator's tool for disputes about what was published (Art 30): it shows only what was public that day,
to everyone, and like every public read it is not logged. Staff use the console page, an official query
that is logged. Exit 0 (also when nothing was shown), 2 for invalid input, 3 when no organization has the
code (natural persons are never on a public page, Art 19).
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.identifiers import IdentifierType, validate
from xinyong.disclosure.search import organization_by_uscc
from xinyong.disclosure.selectors import public_view_on


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}", returncode=2) from None


class Command(BaseCommand):
    help = "Print (JSON Lines) what an organization's public page showed on a day, as the platform knew it then."

    def add_arguments(self, parser):
        parser.add_argument("uscc", help="the organization's unified social credit code")
        parser.add_argument("--on", default="", help="the day (YYYY-MM-DD, not in the future; default today)")

    def handle(self, *args, **options):
        checked = validate(IdentifierType.USCC, options["uscc"])
        if not checked.ok:
            raise CommandError(f"not a valid unified social credit code: {options['uscc']!r}", returncode=2)
        uscc = checked.value
        day = _day(options["on"]) if options["on"] else timezone.localdate()
        if day > timezone.localdate():
            raise CommandError(f"the day is in the future: {day.isoformat()}", returncode=2)
        subject = organization_by_uscc(uscc)
        if subject is None:
            raise CommandError("no organization has this code", returncode=3)
        for line in public_view_on(subject, day).lines():
            self.stdout.write(json.dumps(line, ensure_ascii=False, sort_keys=True))
