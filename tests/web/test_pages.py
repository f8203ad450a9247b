"""The portal and console shell through its pages: language, logins, navigation, masking, accessibility."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from xinyong.accounts.testing import staff_log_in
from xinyong.core.identifiers import make_citizen_id
from xinyong.subjects.services import SubjectData, subject_account_create, subject_register

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PLATFORM_ZH = "承德市公共信用信息平台"
PLATFORM_EN = "Chengde Public Credit Information Platform"
CITIZEN_ID = make_citizen_id("130802", date(1990, 1, 1), 123)


# ---------- helpers ----------


class PageStructure(HTMLParser):
    """What the accessibility checks need from a page, collected with the standard library's parser."""

    LABELLED = {"input", "select", "textarea"}
    UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.h1_count = 0
        self.landmarks: list[str] = []
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.first_focusable: dict | None = None
        self.tables = 0
        self.captions = 0
        self.header_cells: list[dict] = []
        self.resource_urls: list[str] = []
        self.elements: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.elements[a["id"]] = {"tag": tag, **a}
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1_count += 1
        elif tag in {"header", "nav", "main", "footer"}:
            self.landmarks.append(tag)
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.header_cells.append(a)
        elif tag in {"link", "script", "img"}:
            url = a.get("href") or a.get("src")
            if url:
                self.resource_urls.append(url)
        if tag in self.LABELLED and a.get("type") not in self.UNLABELLED_INPUT_TYPES:
            self.controls.append({"tag": tag, **a})
        focusable = (
            (tag == "a" and "href" in a)
            or tag in {"button", "select", "textarea"}
            or (tag == "input" and a.get("type") != "hidden")
        )
        if focusable and self.first_focusable is None:
            self.first_focusable = {"tag": tag, **a}


def structure(response) -> PageStructure:
    parser = PageStructure()
    parser.feed(response.content.decode())
    return parser


def assert_accessible_structure(response):
    page = structure(response)
    assert page.html_lang, "the <html> element has a lang attribute"
    assert page.h1_count == 1, f"one <h1> per page, found {page.h1_count}"
    assert page.landmarks.count("main") == 1
    assert {"header", "nav", "footer"} <= set(page.landmarks)
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"{control} has a <label for>"
    assert page.first_focusable["href"] == "#main", "the skip link is the first thing the keyboard reaches"
    assert page.captions == page.tables, "every table has a caption"
    for cell in page.header_cells:
        assert cell.get("scope") in {"col", "row"}, "every header cell has a scope"
    for url in page.resource_urls:
        assert url.startswith("/") and not url.startswith("//"), (
            f"assets are served by the platform, not {url}"
        )
    return page


def visible_text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def without_tokens(body: bytes, *typed: str) -> str:
    """The page with what differs by design between two renders removed: CSRF tokens and the typed name."""
    text = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', body.decode()
    )
    for value in typed:
        text = text.replace(value, "USERNAME")
    return text


def log_in(client, url, user, password=None):
    if url == "/staff/login/":
        # Staff give a code from their authenticator after the password (security requirement 4).
        return staff_log_in(client, user, password)
    return client.post(url, {"username": user.username, "password": password or user.plain_password})


@pytest.fixture
def citizen(divisions):
    return subject_register(
        data=SubjectData(
            kind="natural_person",
            identifier_type="id",
            identifier=CITIZEN_ID,
            name="张三",
            division_code="130802",
        ),
        source="test",
    )


@pytest.fixture
def citizen_account(citizen):
    account = subject_account_create(subject=citizen, username="zhangsan")
    account.user.plain_password = account.password
    return account.user


@pytest.fixture
def staff(make_staff):
    return make_staff(roles=("case_handler",), username="caseworker")


@pytest.fixture
def staff_client(client, staff):
    response = log_in(client, "/staff/login/", staff)
    assert response.status_code == 302
    return client


# ---------- language ----------


def test_the_portal_home_is_in_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert PLATFORM_ZH in response.content.decode()
    assert structure(response).html_lang == "zh-hans"


def test_the_portal_home_is_in_english_when_the_browser_asks_for_english(client):
    response = client.get("/", headers={"accept-language": "en"})
    body = response.content.decode()
    assert PLATFORM_EN in body
    assert PLATFORM_ZH not in body
    assert structure(response).html_lang == "en"


def test_a_chinese_browser_variant_gets_the_chinese_portal(client):
    response = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert PLATFORM_ZH in response.content.decode()


def test_the_language_switcher_changes_the_language_of_the_following_pages(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/staff/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    page = client.get("/staff/login/")
    assert "Staff login" in page.content.decode()
    assert structure(page).html_lang == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作人员登录" in client.get("/staff/login/").content.decode()


def test_the_portal_search_box_searches_organizations_and_the_cards_lead_to_live_services(client):
    body = client.get("/").content.decode()
    assert 'action="/search/"' in body
    assert 'href="/search/"' in body and 'href="/reports/verify/"' in body
    assert "即将上线" not in body
    results = client.get("/search/", {"q": "承德"})
    assert results.status_code == 200 and 'value="承德"' in results.content.decode()


# ---------- logins ----------


def test_a_staff_member_logs_in_and_sees_the_console_with_organization_roles_and_jurisdiction(client, staff):
    response = log_in(client, "/staff/login/", staff)
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    console = client.get("/console/")
    text = visible_text(console)
    assert console.status_code == 200
    assert "工作台" in text and "工作台首页" in text
    assert "承德市市场监督管理局" in text
    assert "案件办理员" in text
    assert "承德市" in text and "130800" in text


def test_a_staff_login_returns_to_the_page_that_asked_for_it(client, staff):
    response = staff_log_in(client, staff, next_url="/console/subjects/")
    assert response["Location"] == "/console/subjects/"


def test_a_staff_login_never_redirects_to_another_site(client, staff):
    response = staff_log_in(client, staff, next_url="https://evil.example/")
    assert response["Location"] == "/console/"


def test_a_wrong_password_is_refused_with_an_announced_error(client, staff):
    response = log_in(client, "/staff/login/", staff, password="not-the-password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确。" in body
    assert re.search(r'<div class="error-summary" role="alert"', body)
    assert "_auth_user_id" not in client.session


def test_a_subject_account_cannot_log_in_at_the_staff_login_and_learns_no_more_than_from_a_wrong_password(
    client, citizen_account
):
    right_password = log_in(client, "/staff/login/", citizen_account)
    wrong_password = log_in(client, "/staff/login/", citizen_account, password="not-the-password")
    assert right_password.status_code == wrong_password.status_code == 200
    assert "_auth_user_id" not in client.session
    assert without_tokens(right_password.content) == without_tokens(wrong_password.content)
    assert "用户名或密码不正确。" in right_password.content.decode()


def test_a_staff_member_cannot_log_in_at_the_subject_login_and_learns_no_more_than_from_a_wrong_password(
    client, staff
):
    right_password = log_in(client, "/login/", staff)
    wrong_password = log_in(client, "/login/", staff, password="not-the-password")
    assert right_password.status_code == wrong_password.status_code == 200
    assert "_auth_user_id" not in client.session
    assert without_tokens(right_password.content) == without_tokens(wrong_password.content)


def test_an_unknown_user_gets_exactly_the_answer_of_a_known_user_with_a_wrong_password(client, staff):
    known = log_in(client, "/staff/login/", staff, password="not-the-password")
    unknown = client.post("/staff/login/", {"username": "nobody-here", "password": "not-the-password"})
    assert known.status_code == unknown.status_code
    assert without_tokens(known.content, staff.username) == without_tokens(unknown.content, "nobody-here")


def test_a_subject_logs_in_and_sees_its_own_account_with_the_identifier_masked(
    client, citizen, citizen_account
):
    response = log_in(client, "/login/", citizen_account)
    assert response["Location"] == "/account/"
    page = client.get("/account/")
    body = page.content.decode()
    assert "我的信用" in body and "张三" in body
    assert citizen.identifier_masked in body
    assert CITIZEN_ID not in body
    assert not re.search(r"\d{8,}", visible_text(page))


def test_logout_needs_a_post_and_ends_the_session(staff_client):
    assert staff_client.get("/logout/").status_code == 405
    response = staff_client.post("/logout/")
    assert response["Location"] == "/"
    assert "您已安全退出" in staff_client.get("/").content.decode()
    assert staff_client.get("/console/").status_code == 302


# ---------- access to the console ----------


@pytest.mark.parametrize("url", ["/console/", "/console/subjects/", "/console/organizations/"])
def test_anonymous_visitors_are_sent_from_the_console_to_the_staff_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={url}"


def test_a_logged_in_subject_is_sent_from_the_console_to_the_staff_login(client, citizen_account):
    log_in(client, "/login/", citizen_account)
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_a_staff_member_is_sent_from_the_subject_account_page_to_the_subject_login(staff_client):
    response = staff_client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_console_subjects_page_never_shows_a_full_id_number(staff_client, citizen):
    response = staff_client.get("/console/subjects/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body
    assert citizen.identifier_masked in body
    assert citizen.identifier_masked == CITIZEN_ID[:6] + "*" * 8 + CITIZEN_ID[-4:]
    assert CITIZEN_ID not in body
    for start in range(len(CITIZEN_ID) - 7):
        assert CITIZEN_ID[start : start + 8] not in body


def test_the_console_subject_search_finds_subjects_by_name(staff_client, citizen):
    found = staff_client.get("/console/subjects/", {"q": "张"})
    assert "张三" in found.content.decode()
    missing = staff_client.get("/console/subjects/", {"q": "李"})
    assert "张三" not in missing.content.decode()
    assert "没有名称包含这些文字的信用主体。" in missing.content.decode()


def test_a_too_long_subject_search_shows_an_error_tied_to_the_field(staff_client):
    response = staff_client.get("/console/subjects/", {"q": "长" * 51})
    page = structure(response)
    field = page.elements["id_q"]
    assert field["aria-invalid"] == "true"
    assert "id_q_error" in field["aria-describedby"].split()
    assert "id_q_error" in page.elements
    assert 'role="alert"' in response.content.decode()


def test_the_console_organizations_page_lists_organizations_with_their_kind(staff_client, staff):
    body = staff_client.get("/console/organizations/").content.decode()
    assert staff.organization.name in body
    assert staff.organization.uscc in body
    assert "政府部门" in body


def test_the_navigation_shows_a_case_handler_its_pages_and_marks_the_current_one(staff_client):
    body = staff_client.get("/console/subjects/").content.decode()
    nav = re.search(r'<nav class="console-nav".*?</nav>', body, re.S).group(0)
    assert "信用主体" in nav and "单位" in nav and "工作台首页" in nav
    assert re.search(r'<a href="/console/subjects/" aria-current="page">', nav)
    assert nav.count("aria-current") == 1


def test_the_navigation_hides_pages_an_audit_administrator_may_not_see(client, make_staff):
    auditor = make_staff(roles=("audit_admin",))
    log_in(client, "/staff/login/", auditor)
    body = client.get("/console/").content.decode()
    nav = re.search(r'<nav class="console-nav".*?</nav>', body, re.S).group(0)
    assert "工作台首页" in nav
    assert "信用主体" not in nav
    assert "/console/subjects/" not in body
    assert "审计管理员" in body


def test_a_page_outside_the_staff_members_permissions_answers_with_the_permission_page(client, make_staff):
    auditor = make_staff(roles=("audit_admin",))
    log_in(client, "/staff/login/", auditor)
    response = client.get("/console/subjects/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "您无权查看此页面" in body
    assert "张三" not in body
    assert_accessible_structure(response)


def test_an_unknown_address_shows_the_not_found_page_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面未找到" in response.content.decode()
    assert_accessible_structure(response)


def test_staff_see_the_not_found_page_inside_their_console(staff_client):
    response = staff_client.get("/console/no-such-page/")
    assert response.status_code == 404
    assert '<nav class="console-nav"' in response.content.decode()


# ---------- structure of every page ----------

ANONYMOUS_PAGES = ["/", "/?q=x", "/login/", "/staff/login/"]
STAFF_PAGES = ["/console/", "/console/subjects/", "/console/subjects/?q=张", "/console/organizations/"]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_every_public_page_has_a_language_one_heading_a_main_landmark_and_labelled_inputs(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_accessible_structure(response)


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_every_console_page_has_a_language_one_heading_a_main_landmark_and_labelled_inputs(
    staff_client, citizen, url
):
    response = staff_client.get(url)
    assert response.status_code == 200
    assert_accessible_structure(response)


def test_the_subject_account_page_has_an_accessible_structure(client, citizen_account):
    log_in(client, "/login/", citizen_account)
    assert_accessible_structure(client.get("/account/"))


def test_a_failed_login_page_keeps_an_accessible_structure(client, staff):
    response = log_in(client, "/staff/login/", staff, password="not-the-password")
    assert_accessible_structure(response)


def test_the_english_pages_keep_the_same_structure(client, staff):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    log_in(client, "/staff/login/", staff)
    response = client.get("/console/")
    assert "Console home" in response.content.decode()
    assert_accessible_structure(response)


def test_the_portal_search_box_shows_what_was_typed_as_text_not_markup(client):
    body = client.get("/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_login_without_its_form_token_gets_the_expired_form_page_in_chinese(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/staff/login/", {"username": staff.username, "password": staff.plain_password})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_server_error_page_renders_without_a_request():
    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert "服务暂不可用" in html and 'lang="zh-hans"' in html
