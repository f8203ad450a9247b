"""A database dump contains no valid ID number (Art 17, 19; security requirement 19)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from xinyong.core.identifiers import IdentifierType, validate
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.articles("Art 17", "Art 19")

# 18-character citizen ID candidates (digits with an optional X) and 15-digit legacy numbers, not part of a
# longer run of digits.
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
PG_DUMP = Path("/usr/lib/postgresql/15/bin/pg_dump")


def valid_id_numbers(text: str) -> set[str]:
    found = set()
    for candidate in CANDIDATE.findall(text):
        result = validate(IdentifierType.CITIZEN_ID, candidate)
        if result.ok or result.legacy:
            found.add(candidate)
    return found


def load_demo() -> list[str]:
    call_command("demo", "--subjects", "400", "--seed", "11", stdout=io.StringIO())
    people = Subject.objects.filter(identifier_type="id")
    numbers = [s.identifier for s in people]
    assert len(numbers) > 100
    return numbers


@pytest.mark.smoke
def test_the_sqlite_dump_holds_no_valid_id_number(db):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL dump is checked with pg_dump below")
    numbers = load_demo()
    dump = "\n".join(connection.connection.iterdump())  # what sqlite3's .dump prints
    assert "sm4gcm1:" in dump
    assert not valid_id_numbers(dump)
    assert not any(n in dump for n in numbers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_pg_dump_holds_no_valid_id_number():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    numbers = load_demo()
    settings = connection.settings_dict
    pg_dump = str(PG_DUMP) if PG_DUMP.exists() else shutil.which("pg_dump")
    result = subprocess.run(
        [pg_dump, "--no-owner", "-h", settings["HOST"], "-p", str(settings["PORT"]), "-U", settings["USER"],
         settings["NAME"]],
        capture_output=True, text=True, env={**os.environ, "PGPASSWORD": settings["PASSWORD"]}, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "sm4gcm1:" in result.stdout
    assert not valid_id_numbers(result.stdout)
    assert not any(n in result.stdout for n in numbers)
