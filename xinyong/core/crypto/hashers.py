"""Django password hasher: PBKDF2-HMAC-SM3 (security req. 5; GB/T 32905 SM3, RFC 8018; Art 15).

Stored form: ``pbkdf2_sm3$<iterations>$<salt>$<base64 32-byte key>``. Salts come from Django's
`get_random_string` (the `secrets` CSPRNG). The iteration count is the rules registry parameter
`accounts.password_pbkdf2_iterations` (never below 100,000); raising it with a new dated entry makes
`must_update` true, so each password is re-hashed with the new work factor at its owner's next successful
login.
"""

from __future__ import annotations

import base64

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash, must_update_salt
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _

from xinyong.core.crypto.software import get_provider

ITERATIONS_PARAMETER = "accounts.password_pbkdf2_iterations"
MIN_ITERATIONS = 100_000  # the floor security req. 5 sets
DERIVED_KEY_LENGTH = 32  # one SM3 output block


def registry_iterations() -> int:
    """The work factor in force today (rules registry), refused if an edit took it below the floor."""
    # Imported here: the registry reads the regulation text, which Django's auth must not load at import.
    from xinyong.regulation.parameters import parameter

    value = int(parameter(ITERATIONS_PARAMETER).value)
    if value < MIN_ITERATIONS:
        raise ImproperlyConfigured(f"{ITERATIONS_PARAMETER} must be at least {MIN_ITERATIONS}, not {value}")
    return value


class PBKDF2SM3PasswordHasher(BasePasswordHasher):
    """PBKDF2 with HMAC-SM3, >= 100,000 iterations, random salt, constant-time verification (req. 5)."""

    algorithm = "pbkdf2_sm3"

    @property
    def iterations(self) -> int:
        return registry_iterations()

    def encode(self, password, salt, iterations=None):
        self._check_encode_args(password, salt)
        iterations = iterations or self.iterations
        derived = get_provider().pbkdf2_sm3(
            password.encode("utf-8") if isinstance(password, str) else bytes(password),
            salt.encode("utf-8"),
            iterations,
            DERIVED_KEY_LENGTH,
        )
        digest = base64.b64encode(derived).decode("ascii")
        return f"{self.algorithm}${iterations}${salt}${digest}"

    def decode(self, encoded):
        try:
            algorithm, iterations, salt, digest = encoded.split("$", 3)
            iterations = int(iterations)
        except (AttributeError, ValueError):
            raise ValueError("malformed pbkdf2_sm3 password hash") from None
        if algorithm != self.algorithm or iterations < 1:
            raise ValueError("malformed pbkdf2_sm3 password hash")
        return {"algorithm": algorithm, "hash": digest, "iterations": iterations, "salt": salt}

    def verify(self, password, encoded):
        try:
            decoded = self.decode(encoded)
        except ValueError:
            return False
        candidate = self.encode(password, decoded["salt"], decoded["iterations"])
        # Compare the whole encoded string in constant time: no timing signal about how much matched.
        return constant_time_compare(encoded, candidate)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("iterations"): decoded["iterations"],
            _("salt"): mask_hash(decoded["salt"]),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        decoded = self.decode(encoded)
        update_salt = must_update_salt(decoded["salt"], self.salt_entropy)
        return decoded["iterations"] != self.iterations or update_salt

    def harden_runtime(self, password, encoded):
        # Equalise timing between old low-iteration hashes and current ones (Django's PBKDF2 convention).
        decoded = self.decode(encoded)
        extra_iterations = self.iterations - decoded["iterations"]
        if extra_iterations > 0:
            self.encode(password, decoded["salt"], extra_iterations)
