"""`xinyong keys init|rotate|selftest` — the keyring outside the repository and the database (Art 15)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.crypto import (
    KeyringError,
    get_provider,
    keyring_init,
    keyring_rotate,
    run_self_tests,
)
from xinyong.core.crypto.keys import PURPOSES, resolve_key_file


class Command(BaseCommand):
    help = "Create or rotate the platform's keys; run the cryptographic self-tests."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="create a new keyring (refuses to overwrite an existing one)")
        rotate = sub.add_parser("rotate", help="add a new active key; re-encrypt stored data in batches")
        rotate.add_argument("--purpose", choices=PURPOSES, default="data")
        rotate.add_argument("--batch-size", type=int, default=2000)
        sub.add_parser("selftest", help="run the SM2/SM3/SM4 known-answer tests")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "init":
                keyring = keyring_init()
                ids = ", ".join(keyring.active(p).id for p in PURPOSES)
                self.stdout.write(f"created {resolve_key_file()} (mode 0600) with keys {ids}")
                self.stdout.write("Back this file up separately from the database; without it, data cannot be read.")
            elif action == "rotate":
                from xinyong.core.key_rotation import record_key_rotation, reseal_all

                keyring = keyring_rotate(None, options["purpose"])
                new_id = keyring.active(options["purpose"]).id
                record_key_rotation(options["purpose"], new_id)
                self.stdout.write(f"new active {options['purpose']} key {new_id}")
                if options["purpose"] in ("data", "index"):
                    count = reseal_all(batch_size=options["batch_size"], progress=self.stdout.write)
                    self.stdout.write(f"re-sealed {count} identifiers")
            else:
                run_self_tests(get_provider())
                self.stdout.write("crypto self-tests passed (SM3, HMAC-SM3, SM4, SM4-GCM, SM2, PBKDF2-SM3)")
        except KeyringError as exc:
            raise CommandError(str(exc)) from None
