"""A staff member logs in with the keyboard in a real browser, sets up the authenticator the platform asks
for (security requirement 4) and lands on the Chinese console."""

from __future__ import annotations

import re

import pyotp
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused(page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName.toLowerCase(),"
        " href: document.activeElement.getAttribute('href'),"
        " text: document.activeElement.textContent.trim()})"
    )


def test_a_staff_member_logs_in_with_the_keyboard_and_sees_the_chinese_console(
    live_server, zh_page, make_staff
):
    staff = make_staff(roles=("case_handler",))
    page = zh_page

    page.goto(f"{live_server.url}/staff/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(staff.plain_password)
    page.get_by_label("密码").press("Enter")

    # The first login sets up the authenticator: the key is shown as text, the app's code confirms it.
    page.wait_for_url(re.compile(r"/staff/login/enroll/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "绑定身份验证器"
    key = page.locator(".auth__secret").first.inner_text().replace(" ", "").strip()
    page.get_by_label("动态验证码").fill(pyotp.TOTP(key).now())
    page.get_by_label("动态验证码").press("Enter")

    page.wait_for_url(re.compile(r"/console/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "工作台首页"
    assert (
        page.get_by_role("navigation", name="工作台菜单")
        .get_by_role("link", name="工作台首页")
        .get_attribute("aria-current")
        == "page"
    )
    main = page.get_by_role("main")
    assert staff.organization.name in main.inner_text()
    assert "案件办理员" in main.inner_text()


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content(live_server, zh_page):
    page = zh_page
    page.goto(f"{live_server.url}/staff/login/")

    page.keyboard.press("Tab")
    assert focused(page) == {"tag": "a", "href": "#main", "text": "跳到主要内容"}
    assert page.get_by_role("link", name="跳到主要内容").is_visible()

    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "input"  # the user name, the first control of the main content


def test_a_wrong_password_moves_focus_to_the_announced_error(live_server, zh_page, make_staff):
    staff = make_staff()
    page = zh_page
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_label("密码").press("Enter")

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "用户名或密码不正确。" in alert.inner_text()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
