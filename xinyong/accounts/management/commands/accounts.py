"""`xinyong accounts ...`: staff accounts from the server's command line (Art 15; security req. 4–6).

    xinyong accounts create-staff --username U --org USCC --role ROLE [--role ROLE] [--display-name N]
    xinyong accounts set-password USERNAME
    xinyong accounts reset-totp USERNAME

Generated passwords are printed once and stored only as PBKDF2-HMAC-SM3 hashes; there is no default
password. Every change is audited with no actor: the operator at the server's console.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.choices import Role
from xinyong.accounts.services import (
    organization_get_by_uscc,
    password_set,
    staff_create,
    totp_device_reset,
    user_get_by_username,
)
from xinyong.core.errors import ServiceError


class Command(BaseCommand):
    help = "Manage staff accounts: create, set a new password, reset the authenticator."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create-staff", help="create a staff account and print its generated password"
        )
        create.add_argument("--username", required=True)
        create.add_argument("--org", required=True, help="USCC of the staff member's organization")
        create.add_argument(
            "--role", action="append", required=True, choices=[r.value for r in Role], dest="roles"
        )
        create.add_argument("--display-name", default="")
        password = sub.add_parser("set-password", help="give an account a new generated password")
        password.add_argument("username")
        reset = sub.add_parser("reset-totp", help="remove a staff member's authenticator (re-enrol at login)")
        reset.add_argument("username")

    def handle(self, *args, **options):
        try:
            if options["action"] == "create-staff":
                account = staff_create(
                    username=options["username"],
                    organization=organization_get_by_uscc(options["org"]),
                    roles=set(options["roles"]),
                    display_name=options["display_name"],
                )
                self._print_password(account.user.username, account.password)
                self.stdout.write("The authenticator is set up at the first login.")
            elif options["action"] == "set-password":
                user = user_get_by_username(options["username"])
                self._print_password(user.username, password_set(user=user))
            else:
                user = user_get_by_username(options["username"])
                existed = totp_device_reset(user=user)
                state = "reset" if existed else "no authenticator (reset recorded)"
                self.stdout.write(f"{state}\t{user.username}\tthe next login enrols a new authenticator")
        except ServiceError as exc:
            raise CommandError(f"{exc.field}: {exc.message} [{exc.code}]") from None

    def _print_password(self, username: str, password: str) -> None:
        # Shown once: it is not stored anywhere in clear and cannot be shown again.
        self.stdout.write(f"{username}\t{password}")
        self.stderr.write("Hand this password over in person; it is shown only once.")
