"""`xinyong org add ...`: add or update an organization (idempotent, Art 6)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.services import organization_add
from xinyong.core.errors import ServiceError


class Command(BaseCommand):
    help = "Manage organizations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add an organization, or update the one with the same USCC")
        add.add_argument("--uscc", required=True)
        add.add_argument("--name", required=True)
        add.add_argument("--kind", required=True, choices=[k.value for k in OrganizationKind])
        add.add_argument("--division", required=True, help="GB/T 2260 division code of its jurisdiction")

    def handle(self, *args, **options):
        try:
            result = organization_add(
                uscc=options["uscc"],
                name=options["name"],
                kind=options["kind"],
                division_code=options["division"],
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.field}: {exc.message} [{exc.code}]") from None
        state = "created" if result.created else ("updated" if result.changed else "unchanged")
        org = result.organization
        self.stdout.write(f"{state}\t{org.uscc}\t{org.name}\t{org.kind}\t{org.division.code}")
