"""`xinyong validate-id --type TYPE VALUE... | -`: check identifiers of an explicit type (Art 19, 20)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.identifiers import IdentifierType, validate


class Command(BaseCommand):
    help = (
        "Validate identifiers of one explicit type; one tab-separated line per value; "
        "exit 0 only if all are valid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--type",
            required=True,
            choices=[t.value for t in IdentifierType],
            help="identifier type (never guessed from the value)",
        )
        parser.add_argument("values", nargs="+", help="values to check, or - to read one per line from stdin")

    def handle(self, *args, **options):
        id_type = IdentifierType(options["type"])
        values = options["values"]
        if values == ["-"]:
            values = [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
        invalid = 0
        for raw in values:
            result = validate(id_type, raw)
            if result.ok:
                self.stdout.write(f"{raw}\tok")
            else:
                invalid += 1
                self.stdout.write(f"{raw}\terror\t{result.error.code}\t{result.error.message_zh}")
        if invalid:
            raise CommandError(f"{invalid} of {len(values)} values are invalid", returncode=1)
