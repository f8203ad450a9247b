"""`xinyong db migrate|grant|check`: the owner role migrates and grants, the application role is checked
(Art 15, 32, 33; security requirement 14; docs/operations/database.md)."""

from __future__ import annotations

import argparse

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from xinyong.core.database_roles import (
    OWNER_URL_ENV,
    RoleConfigurationError,
    owner_connection,
    privileges_grant,
    role_problems,
)


class Command(BaseCommand):
    help = "Migrate as the owner role, (re)grant the application role its privileges, or check them."
    # The start-up check refuses to run while the roles are wrong; this command is how an operator fixes them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        migrate = sub.add_parser(
            "migrate", help=f"run migrations as the owner role ({OWNER_URL_ENV}), then grant the application role"
        )
        migrate.add_argument("app_label", nargs="?")
        migrate.add_argument("migration_name", nargs="?")
        migrate.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        grant = sub.add_parser("grant", help=f"(re)grant the application role its privileges, as the owner role "
                                             f"({OWNER_URL_ENV}); idempotent")
        grant.add_argument("--role", help="the application role (default: the user of DATABASE_URL)")
        check = sub.add_parser("check", help="report what is wrong with the application role's privileges (exit 3)")
        for parser_ in (migrate, grant, check):  # `xinyong db migrate -v 0` as well as `xinyong db -v 0 migrate`
            parser_.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=argparse.SUPPRESS)

    def handle(self, *args, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        action = options["action"]
        if action == "check":
            problems = role_problems(connection)
            if problems:
                raise CommandError("; ".join(problems), returncode=3)
            self.stdout.write("ok" if connection.vendor == "postgresql" else "ok (SQLite: no database roles)")
            return
        positional = [v for v in (options.get("app_label"), options.get("migration_name")) if v]
        if connection.vendor != "postgresql":
            if action == "migrate":
                call_command("migrate", *positional, interactive=options["interactive"],
                             verbosity=options["verbosity"], stdout=self.stdout)
            self.stdout.write("SQLite: one file, no database roles; the append-only triggers protect it")
            return
        application_role = options.get("role") or connection.settings_dict["USER"]
        try:
            with owner_connection(DEFAULT_DB_ALIAS) as owner_conn:
                if action == "migrate":
                    call_command("migrate", *positional, interactive=options["interactive"],
                                 verbosity=options["verbosity"], stdout=self.stdout)
                tables = privileges_grant(owner_conn, application_role=application_role)
        except RoleConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"]:
            self.stdout.write(f"granted {application_role}: ordinary tables read and write; "
                              f"{len(tables)} restricted tables ({', '.join(tables)})")
