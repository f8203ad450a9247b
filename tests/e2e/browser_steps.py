"""Steps the browser tests share (imported by module name: `conftest` is ambiguous across test folders)."""

from __future__ import annotations

import re

import pyotp


def staff_log_in(page, live_server, user):
    """Password, then the authenticator the platform asks a first-time staff member to set up."""
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(user.plain_password)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(re.compile(r"/staff/login/enroll/$"))
    key = page.locator(".auth__secret").first.inner_text().replace(" ", "").strip()
    page.get_by_label("动态验证码").fill(pyotp.TOTP(key).now())
    page.get_by_label("动态验证码").press("Enter")
    page.wait_for_url(re.compile(r"/console/$"))


def portal_log_in(page, live_server, username, password, next_path):
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
