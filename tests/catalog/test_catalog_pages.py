"""Catalog pages: the public catalog (Art 18: information is published according to the catalog), and the
console where only catalog managers see, edit and publish it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from xinyong.catalog.choices import CatalogTier, VersionStatus
from xinyong.catalog.forms import FieldForm
from xinyong.catalog.models import CatalogVersion
from xinyong.catalog.selectors import item_current, item_fields
from xinyong.regulation.parameters import parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]


class Structure(HTMLParser):
    """What the accessibility checks need: headings, labels, tables, ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.tables = self.captions = 0
        self.header_cells: list[dict] = []
        self.elements: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.elements[a["id"]] = {"tag": tag, **a}
        self.h1 += tag == "h1"
        self.tables += tag == "table"
        self.captions += tag == "caption"
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag == "th":
            self.header_cells.append(a)
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.controls.append({"tag": tag, **a})


def assert_accessible(response) -> Structure:
    page = Structure()
    page.feed(response.content.decode())
    assert page.h1 == 1
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"{control} has a <label for>"
    assert page.captions == page.tables
    assert all(cell.get("scope") in {"col", "row"} for cell in page.header_cells)
    return page


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# ---------- the public catalog ----------


def test_the_public_catalog_lists_the_penalty_item_with_its_publication_period(client, national):
    response = client.get("/catalog/")
    assert response.status_code == 200
    text = text_of(response)
    period = parameter("publication.general_penalty_maximum")
    assert "公共信用信息目录" in text
    assert "行政处罚" in text and "admin-penalty" in text
    assert f"{period.value} 个月" in text
    assert "publication.general_penalty_maximum" in text
    assert "社会公开" in text
    assert "《中华人民共和国行政处罚法》第四十八条" in text
    assert "行政管理信息" in text and "诚实守信相关荣誉信息" in text
    assert "罚款金额（万元）" in text  # the fields list
    assert "许可有效期内公示" in text  # permits: no period, said in words
    assert_accessible(response)


def test_the_public_catalog_shows_no_draft(client, national):
    assert "government-arrears" not in client.get("/catalog/").content.decode()


def test_the_public_item_page_lists_every_field_with_its_code(client, national):
    response = client.get("/catalog/admin-penalty/")
    assert response.status_code == 200
    body = response.content.decode()
    for item_field in item_fields(item_current("admin-penalty")):
        assert item_field.code in body and item_field.name in body
    text = text_of(response)
    assert "7 工作日" in text  # the 双公示 submission deadline, from the rules registry
    assert "仅对以下主体必填：自然人" in text
    assert_accessible(response)


def test_an_unknown_item_is_not_found(client, national):
    assert client.get("/catalog/no-such-item/").status_code == 404
    assert client.get("/catalog/government-arrears/").status_code == 404  # a draft item


def test_the_public_catalog_is_in_english_when_asked(client, national):
    text = text_of(client.get("/catalog/", headers={"accept-language": "en"}))
    assert "Public credit information catalog" in text
    assert "12 months" in text or f"{parameter('publication.general_penalty_maximum').value} months" in text


# ---------- console access ----------

CONSOLE_PAGES = [
    "/console/catalog/",
    "/console/catalog/versions/{national}/",
    "/console/catalog/versions/{national}/items/admin-penalty/",
    "/console/catalog/versions/{city}/items/government-arrears/edit/",
    "/console/catalog/versions/{city}/new-item/",
    "/console/catalog/versions/{city}/publish/",
]


def urls(national):
    city = CatalogVersion.objects.get(tier=CatalogTier.CITY)
    return [u.format(national=national.pk, city=city.pk) for u in CONSOLE_PAGES]


def test_a_catalog_manager_sees_every_console_page(manager_client, national):
    for url in urls(national):
        response = manager_client.get(url)
        assert response.status_code == 200, url
        assert_accessible(response)


@pytest.mark.parametrize("roles", [("case_handler",), ("data_submitter",), ("audit_admin",), ("system_admin",)])
def test_other_staff_get_the_permission_page(log_in, make_staff, national, roles):
    client = log_in(make_staff(roles=roles))
    for url in urls(national):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您无权查看此页面" in response.content.decode()
    city = CatalogVersion.objects.get(tier=CatalogTier.CITY)
    assert client.post("/console/catalog/versions/new/", {"tier": "national", "title": "x"}).status_code == 403
    assert client.post(f"/console/catalog/versions/{city.pk}/publish/",
                       {"effective_from": "2026-12-01", "confirm": "on"}).status_code == 403
    assert CatalogVersion.objects.filter(tier=CatalogTier.NATIONAL).count() == 1
    city.refresh_from_db()
    assert city.status == VersionStatus.DRAFT


def test_anonymous_visitors_are_sent_to_the_staff_login(client, national):
    response = client.get("/console/catalog/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/console/catalog/"


def test_only_catalog_managers_see_the_catalog_in_the_console_menu(manager_client, log_in, make_staff, national):
    nav = re.search(r'<nav class="console-nav".*?</nav>', manager_client.get("/console/").content.decode(), re.S)
    assert "公共信用信息目录" in nav.group(0)
    other = log_in(make_staff(roles=("case_handler",)))
    nav = re.search(r'<nav class="console-nav".*?</nav>', other.get("/console/").content.decode(), re.S)
    assert "/console/catalog/" not in nav.group(0)


# ---------- console work ----------


def item_post_data(item, fields=None, **changes) -> dict:
    """The edit form of `item` as a browser would post it, with `changes` to the item's attributes."""
    data = {
        "code": item.code,
        "name": item.name,
        "category": item.category_id,
        "conduct": item.conduct,
        "subject_kinds": list(item.subject_kinds),
        "disclosure_class": item.disclosure_class,
        "sharing_scope": item.sharing_scope,
        "publication_period_parameter": item.publication_period_parameter,
        "publication_note": item.publication_note,
        "retention_parameter": item.retention_parameter,
        "submission_deadline_parameter": item.submission_deadline_parameter,
        "update_frequency": item.update_frequency,
        "legal_basis": item.legal_basis,
        "rules": list(item.rules),
    } | changes
    existing = item_fields(item)
    rows = fields if fields is not None else [FieldForm.initial_for(f) for f in existing]
    data |= {
        "fields-TOTAL_FORMS": len(rows),
        "fields-INITIAL_FORMS": len(existing),
        "fields-MIN_NUM_FORMS": 0,
        "fields-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"fields-{index}-{key}"] = "on"
            elif value not in (False, None):
                data[f"fields-{index}-{key}"] = value
        data[f"fields-{index}-ORDER"] = index + 1
    return {k: v for k, v in data.items() if v not in (None, False)}


def test_a_manager_starts_a_draft_from_the_published_version(manager_client, national):
    response = manager_client.post("/console/catalog/versions/new/", {"tier": "national", "title": "修订草案"})
    draft = CatalogVersion.objects.get(tier=CatalogTier.NATIONAL, status=VersionStatus.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == f"/console/catalog/versions/{draft.pk}/"
    assert draft.items.count() == national.items.count()
    page = manager_client.get(response["Location"])
    assert "修订草案" in page.content.decode()


def test_a_second_draft_is_refused_with_the_reason_next_to_the_tier(manager_client, national):
    response = manager_client.post("/console/catalog/versions/new/", {"tier": "city", "title": "又一份"})
    assert response.status_code == 200
    page = assert_accessible(response)
    assert "已有草稿" in response.content.decode()
    assert page.elements["id_tier"]["aria-invalid"] == "true"


def test_a_manager_edits_an_item_of_a_draft(manager_client, draft):
    penalty = draft.items.get(code="admin-penalty")
    form = manager_client.get(f"/console/catalog/versions/{draft.pk}/items/admin-penalty/edit/").content.decode()
    assert 'value="CF_XDR_MC"' in form and 'value="罚款金额（万元）"' in form
    fields = [FieldForm.initial_for(f) for f in item_fields(penalty)]
    fields.append({"code": "CF_XZQH", "name": "行政区划代码", "field_type": "text"})
    response = manager_client.post(
        f"/console/catalog/versions/{draft.pk}/items/admin-penalty/edit/",
        item_post_data(penalty, fields=fields, name="行政处罚决定"),
    )
    assert response.status_code == 302, text_of(response)[:2000]
    penalty.refresh_from_db()
    assert penalty.name == "行政处罚决定"
    assert [f.code for f in item_fields(penalty)][-1] == "CF_XZQH"


def test_a_prohibited_field_is_refused_in_chinese_next_to_the_field(manager_client, draft):
    penalty = draft.items.get(code="admin-penalty")
    fields = [FieldForm.initial_for(f) for f in item_fields(penalty)]
    fields.append({"code": "CF_XX", "name": "血型", "field_type": "text"})
    response = manager_client.post(
        f"/console/catalog/versions/{draft.pk}/items/admin-penalty/edit/", item_post_data(penalty, fields=fields)
    )
    assert response.status_code == 400
    page = assert_accessible(response)
    index = len(fields) - 1
    assert f"id_fields-{index}-name_error" in page.elements
    error = re.search(rf'<ul class="field__errors" id="id_fields-{index}-name_error">(.*?)</ul>',
                      response.content.decode(), re.S).group(1)
    assert "血型" in error and "禁止采集" in error and "第十九条" in error
    assert not penalty.fields.filter(code="CF_XX").exists()


def test_a_manager_adds_an_item_to_a_draft(manager_client, draft):
    data = {
        "code": "local-inspection",
        "name": "行政检查结果",
        "category": draft.items.get(code="admin-penalty").category_id,
        "disclosure_class": "shared",
        "fields-TOTAL_FORMS": 2,
        "fields-INITIAL_FORMS": 0,
        "fields-MIN_NUM_FORMS": 0,
        "fields-MAX_NUM_FORMS": 1000,
        "fields-0-code": "JC_XDR_MC",
        "fields-0-name": "行政相对人名称",
        "fields-0-field_type": "text",
        "fields-0-required": "on",
        "fields-1-field_type": "text",  # an empty extra row: ignored
    }
    response = manager_client.post(f"/console/catalog/versions/{draft.pk}/new-item/", data)
    assert response.status_code == 302
    item = draft.items.get(code="local-inspection")
    assert [(f.code, f.required) for f in item_fields(item)] == [("JC_XDR_MC", True)]


def test_the_form_of_a_published_item_cannot_be_used(manager_client, national):
    url = f"/console/catalog/versions/{national.pk}/items/admin-penalty/edit/"
    penalty = national.items.get(code="admin-penalty")
    response = manager_client.post(url, item_post_data(penalty, name="改名"))
    assert response.status_code == 302
    assert response["Location"] == f"/console/catalog/versions/{national.pk}/items/admin-penalty/"
    penalty.refresh_from_db()
    assert penalty.name == "行政处罚"
    assert "不能再修改" in manager_client.get(response["Location"]).content.decode()


def test_a_manager_removes_an_item_from_a_draft(manager_client, draft):
    response = manager_client.post(f"/console/catalog/versions/{draft.pk}/items/honor/remove/")
    assert response.status_code == 302
    assert not draft.items.filter(code="honor").exists()


def test_publishing_needs_the_confirmation(manager_client, draft):
    url = f"/console/catalog/versions/{draft.pk}/publish/"
    response = manager_client.post(url, {"effective_from": "2026-12-01"})
    assert response.status_code == 400
    assert "请确认" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_manager_publishes_a_draft_and_the_old_version_is_superseded(manager_client, national, draft):
    response = manager_client.post(
        f"/console/catalog/versions/{draft.pk}/publish/", {"effective_from": "2026-12-01", "confirm": "on"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    national.refresh_from_db()
    assert (draft.status, national.status) == (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
    assert item_current("admin-penalty").version_id == draft.pk


def test_the_publish_page_lists_what_stops_a_draft(manager_client, draft):
    honor = draft.items.get(code="honor")
    response = manager_client.post(
        f"/console/catalog/versions/{draft.pk}/items/honor/edit/", item_post_data(honor, legal_basis="")
    )
    assert response.status_code == 302
    page = manager_client.get(f"/console/catalog/versions/{draft.pk}/publish/")
    assert "没有填写法律依据" in page.content.decode()
    refused = manager_client.post(
        f"/console/catalog/versions/{draft.pk}/publish/", {"effective_from": "2026-12-01", "confirm": "on"}
    )
    assert refused.status_code == 400
    assert "没有填写法律依据" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
