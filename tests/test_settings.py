"""Production settings refuse unsafe configurations (Art 15; security requirement 21)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.smoke, pytest.mark.articles("Art 15")]

GOOD = {
    "XINYONG_ENV": "production",
    "XINYONG_SECRET_KEY": "k" * 20 + "R7v2Qp9Lx4Zt8Nw3Hy6Jb1Mc5Fd0Gs" + "q" * 10,
    "XINYONG_HTTPS": "on",
    "XINYONG_ALLOWED_HOSTS": "credit.chengde.gov.cn",
    "DATABASE_URL": "postgres://x:y@127.0.0.1:5432/xinyong",
    "XINYONG_DEBUG": "off",
    "XINYONG_PUBLIC_URL": "https://credit.chengde.gov.cn",
}


def start(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_") and k != "DATABASE_URL"}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='xinyong.settings'; django.setup()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_safe_production_settings_start():
    result = start()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"XINYONG_DEBUG": "on"}, "XINYONG_DEBUG is on"),
        ({"XINYONG_SECRET_KEY": None}, "XINYONG_SECRET_KEY is missing"),
        ({"XINYONG_SECRET_KEY": "changeme"}, "XINYONG_SECRET_KEY is missing or a default"),
        ({"XINYONG_SECRET_KEY": "short-but-not-default"}, "shorter than"),
        ({"XINYONG_SECRET_KEY": "a" * 64}, "one character repeated"),
        ({"XINYONG_SECRET_KEY": "abab" * 20}, "fewer than 5 different characters"),
        ({"XINYONG_HTTPS": "off"}, "XINYONG_HTTPS is off"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "production needs PostgreSQL"),
        ({"XINYONG_PUBLIC_URL": "http://credit.chengde.gov.cn"}, "XINYONG_PUBLIC_URL must be"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(overrides, reason):
    result = start(**overrides)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr and reason in result.stderr
