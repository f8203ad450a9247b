"""Start-up refusals for production (Art 15; security requirement 21)."""

from __future__ import annotations

# Keys that have shipped in examples or documentation are as bad as no key.
KNOWN_DEFAULT_SECRET_KEYS = frozenset({"", "changeme", "change-me", "secret", "django-insecure", "xinyong"})
MIN_SECRET_KEY_LENGTH = 50
# A key of one character repeated (or of a handful) is long but guessable; Django's own check asks for 5.
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 5


def production_problems(
    *, debug: bool, secret_key: str, https: bool, allowed_hosts: list[str], database_engine: str,
    public_url: str,
) -> list[str]:
    """Return the reasons production settings are unsafe; empty when they may start."""
    problems = []
    if debug:
        problems.append("XINYONG_DEBUG is on")
    if secret_key in KNOWN_DEFAULT_SECRET_KEYS or secret_key.startswith("django-insecure"):
        problems.append("XINYONG_SECRET_KEY is missing or a default value")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"XINYONG_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if secret_key and len(set(secret_key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        problems.append("XINYONG_SECRET_KEY is one character repeated or has fewer than "
                        f"{MIN_SECRET_KEY_DISTINCT_CHARACTERS} different characters")
    if not https:
        problems.append("XINYONG_HTTPS is off (production serves HTTPS only)")
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("XINYONG_ALLOWED_HOSTS must list the served host names")
    if not public_url.startswith("https://"):
        problems.append("XINYONG_PUBLIC_URL must be the portal's https:// address (printed in credit reports)")
    if database_engine.endswith("sqlite3"):
        problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
    return problems
