"""Keys live outside the repository and the database; self-tests guard start-up (Art 15; security req. 19, 20)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from xinyong.core.crypto import load_keyring, reset_keyring_cache, sealed_key_id
from xinyong.core.identifiers import make_citizen_id
from xinyong.subjects.selectors import subject_find_by_identifier
from xinyong.subjects.services import SubjectData, subject_register

pytestmark = pytest.mark.articles("Art 15")


def test_keys_init_refuses_to_overwrite_an_existing_keyring(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_KEY_FILE", str(tmp_path / "k" / "keyring.json"))
    reset_keyring_cache()
    try:
        call_command("keys", "init")
        assert oct((tmp_path / "k" / "keyring.json").stat().st_mode & 0o777) == "0o600"
        with pytest.raises(CommandError, match="refusing to overwrite"):
            call_command("keys", "init")
    finally:
        reset_keyring_cache()


@pytest.mark.django_db
def test_rotation_re_encrypts_identifiers_under_the_new_key_and_they_stay_findable(tmp_path, monkeypatch, divisions):
    key_file = tmp_path / "keyring.json"
    key_file.write_bytes(Path(os.environ["XINYONG_KEY_FILE"]).read_bytes())
    key_file.chmod(0o600)
    monkeypatch.setenv("XINYONG_KEY_FILE", str(key_file))
    reset_keyring_cache()
    try:
        number = make_citizen_id("130802", dt.date(1990, 5, 6), 88)
        subject = subject_register(
            data=SubjectData(kind="natural_person", identifier_type="id", identifier=number, name="张三"),
            source="test",
        )
        old_key = load_keyring().active("data").id
        call_command("keys", "rotate", "--purpose", "data")
        call_command("keys", "rotate", "--purpose", "index")
        new_key = load_keyring().active("data").id
        assert new_key != old_key
        with connection.cursor() as cursor:
            cursor.execute("SELECT identifier FROM subjects_subject WHERE id = %s", [subject.pk])
            stored = cursor.fetchone()[0]
        assert sealed_key_id(stored) == new_key
        found = subject_find_by_identifier("id", number)
        assert found is not None and found.identifier == number
        call_command("audit", "verify", stdout=io.StringIO())
    finally:
        reset_keyring_cache()


def test_a_failing_known_answer_test_stops_start_up():
    code = (
        "import xinyong.core.crypto.software as s\n"
        "s.SoftwareProvider.sm3 = lambda self, data: bytes(32)\n"
        "import os, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'xinyong.settings'\n"
        "django.setup()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "self-test failed, refusing to start" in result.stderr


def test_the_keyring_json_can_come_from_the_environment(tmp_path):
    keyring = json.loads(Path(os.environ["XINYONG_KEY_FILE"]).read_text())
    env = {**os.environ, "XINYONG_KEYRING": json.dumps(keyring), "XINYONG_KEY_FILE": str(tmp_path / "absent.json")}
    result = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "keys", "selftest"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "self-tests passed" in result.stdout
