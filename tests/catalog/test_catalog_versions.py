"""Catalog versions (Art 18): a published version is frozen, a change is a draft copied from it, publishing
checks the draft and supersedes the old version, whose items stay exactly as they were (records are pinned)."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.catalog.choices import CatalogTier, VersionStatus
from xinyong.catalog.models import CatalogVersion, ItemField
from xinyong.catalog.selectors import item_current, item_fields
from xinyong.catalog.services import (
    FieldData,
    PublishRefused,
    catalog_item_remove,
    catalog_item_save,
    catalog_version_create_draft,
    catalog_version_publish,
    item_snapshot,
)
from xinyong.core.errors import ServiceError

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]

TODAY = dt.date(2026, 12, 1)


def penalty_kwargs(item, **changes):
    """The arguments that save `item` unchanged, with `changes` applied."""
    kwargs = {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "conduct": item.conduct,
        "subject_kinds": item.subject_kinds,
        "disclosure_class": item.disclosure_class,
        "sharing_scope": item.sharing_scope,
        "publication_period_parameter": item.publication_period_parameter,
        "publication_note": item.publication_note,
        "retention_parameter": item.retention_parameter,
        "update_frequency": item.update_frequency,
        "submission_deadline_parameter": item.submission_deadline_parameter,
        "legal_basis": item.legal_basis,
        "rules": item.rules,
        "fields": [FieldData.of(f) for f in item_fields(item)],
    }
    return kwargs | changes


def complete_item(version, actor, code="local-item", **changes):
    kwargs = {
        "version": version,
        "code": code,
        "name": "本地事项",
        "category": "administrative",
        "conduct": "测试用的行为。",
        "subject_kinds": ["legal_person"],
        "disclosure_class": "shared",
        "legal_basis": "《承德市社会信用促进条例》第十八条",
        "fields": [FieldData(code="T_MC", name="主体名称", required=True)],
        "actor": actor,
    }
    return catalog_item_save(**(kwargs | changes))


# ---------- a published version is frozen ----------


def test_an_item_of_the_published_version_cannot_be_changed(national, manager):
    penalty = national.items.get(code="admin-penalty")
    with pytest.raises(ServiceError) as refused:
        catalog_item_save(version=national, actor=manager, **penalty_kwargs(penalty, name="行政处罚（改）"))
    assert refused.value.code == "version_not_draft"
    assert "不能再修改" in str(refused.value.message)
    penalty.refresh_from_db()
    assert penalty.name == "行政处罚"


def test_an_item_of_the_published_version_cannot_be_removed_nor_added(national, manager):
    with pytest.raises(ServiceError) as removed:
        catalog_item_remove(version=national, code="admin-penalty", actor=manager)
    assert removed.value.code == "version_not_draft"
    with pytest.raises(ServiceError) as added:
        complete_item(national, manager)
    assert added.value.code == "version_not_draft"
    assert national.items.filter(code="admin-penalty").exists()


def test_a_published_version_cannot_be_published_again(national, manager):
    with pytest.raises(ServiceError) as refused:
        catalog_version_publish(version=national, actor=manager, effective_from=TODAY)
    assert refused.value.code == "version_not_draft"


# ---------- drafts ----------


def test_a_new_draft_copies_every_item_and_field_of_the_published_version(national, draft):
    assert draft.status == VersionStatus.DRAFT
    assert draft.number == national.number + 1
    assert draft.based_on_id == national.pk
    assert sorted(draft.items.values_list("code", flat=True)) == sorted(national.items.values_list("code", flat=True))
    for original in national.items.all():
        copy = draft.items.get(code=original.code)
        assert copy.pk != original.pk
        assert item_snapshot(copy) | {"version": None} == item_snapshot(original) | {"version": None}


def test_a_draft_can_be_edited(draft, manager):
    penalty = draft.items.get(code="admin-penalty")
    fields = [FieldData.of(f) for f in item_fields(penalty)]
    fields.append(FieldData(code="CF_XZQH", name="行政区划代码"))
    saved = catalog_item_save(version=draft, actor=manager, **penalty_kwargs(penalty, fields=fields))
    assert saved.pk == penalty.pk
    assert [f.code for f in item_fields(saved)][-1] == "CF_XZQH"


def test_editing_fields_keeps_the_rows_of_kept_codes_and_their_new_order(draft, manager):
    penalty = draft.items.get(code="admin-penalty")
    before = {f.code: f.pk for f in item_fields(penalty)}
    fields = [FieldData.of(f) for f in item_fields(penalty) if f.code != "BZ"]
    fields.reverse()
    catalog_item_save(version=draft, actor=manager, **penalty_kwargs(penalty, fields=fields))
    after = item_fields(penalty)
    assert [f.code for f in after] == [f.code for f in fields]
    assert all(before[f.code] == f.pk for f in after)
    assert not penalty.fields.filter(code="BZ").exists()


def test_a_tier_has_only_one_draft_at_a_time(draft, manager):
    with pytest.raises(ServiceError) as refused:
        catalog_version_create_draft(tier="national", title="第二份草稿", actor=manager)
    assert refused.value.code == "draft_exists"


def test_a_draft_cannot_copy_another_tiers_version(national, manager):
    with pytest.raises(ServiceError) as refused:
        catalog_version_create_draft(tier="provincial", title="省级补充目录", actor=manager, copy_from=national)
    assert refused.value.code == "wrong_tier"


def test_a_tier_without_a_published_version_starts_an_empty_draft(national, manager):
    draft = catalog_version_create_draft(tier="provincial", title="河北省公共信用信息补充目录", actor=manager)
    assert draft.number == 1 and draft.based_on is None and not draft.items.exists()


def test_an_item_can_be_removed_from_a_draft(draft, manager):
    catalog_item_remove(version=draft, code="honor", actor=manager)
    assert not draft.items.filter(code="honor").exists()
    assert item_current("honor").version_id != draft.pk  # the published one is untouched


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"publication_period_parameter": "publication.no_such_rule"}, "unknown_parameter",
         "publication_period_parameter"),
        ({"rules": ["no_such_rule"]}, "unknown_rule", "rules"),
        ({"code": "Bad Code"}, "invalid_item_code", "code"),
        ({"disclosure_class": "secret"}, "invalid_disclosure_class", "disclosure_class"),
        ({"fields": [FieldData(code="1BAD", name="名称")]}, "invalid_field_code", "fields.0.code"),
        ({"fields": [FieldData(code="T_A", name="名称"), FieldData(code="t_a", name="别的")]}, "ambiguous_header",
         "fields.1.code"),
        ({"fields": [FieldData(code="T_A", name="名称"), FieldData(code="T_B", name="别的", aliases=("名称",))]},
         "ambiguous_header", "fields.1.aliases"),
        ({"fields": [FieldData(code="T_A", name="状态", field_type="choice")]}, "choices_missing", "fields.0.choices"),
        ({"fields": [FieldData(code="T_A", name="证件号码", field_type="id_number")]}, "id_number_not_masked",
         "fields.0.masked"),
        ({"fields": [FieldData(code="T_A", name="名称", required_for=("martian",))]}, "invalid_subject_kind",
         "fields.0.required_for"),
    ],
)
def test_saving_an_item_refuses_what_could_never_be_published(draft, manager, changes, code, field):
    with pytest.raises(ServiceError) as refused:
        complete_item(draft, manager, **changes)
    assert (refused.value.code, refused.value.field) == (code, field)


# ---------- publishing ----------


def test_publishing_supersedes_the_old_version_and_leaves_its_items_unchanged(national, draft, manager):
    old_penalty = national.items.get(code="admin-penalty")
    old_snapshots = {i.code: item_snapshot(i) for i in national.items.all()}
    old_field_ids = sorted(ItemField.objects.filter(item__version=national).values_list("pk", flat=True))
    penalty = draft.items.get(code="admin-penalty")
    catalog_item_save(version=draft, actor=manager, **penalty_kwargs(penalty, name="行政处罚决定"))

    catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)

    national.refresh_from_db()
    draft.refresh_from_db()
    assert national.status == VersionStatus.SUPERSEDED
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.effective_from == TODAY and draft.published_by == manager
    assert {i.code: item_snapshot(i) for i in national.items.all()} == old_snapshots
    assert sorted(ItemField.objects.filter(item__version=national).values_list("pk", flat=True)) == old_field_ids
    current = item_current("admin-penalty")
    assert current.pk == penalty.pk and current.pk != old_penalty.pk
    assert current.name == "行政处罚决定"
    assert CatalogVersion.objects.filter(tier=CatalogTier.NATIONAL, status=VersionStatus.PUBLISHED).count() == 1


def test_after_publishing_a_new_draft_copies_the_new_version(draft, manager):
    catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    again = catalog_version_create_draft(tier="national", title="再修订", actor=manager)
    assert again.based_on_id == draft.pk and again.number == draft.number + 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"legal_basis": ""}, "legal_basis_missing"),
        ({"disclosure_class": ""}, "disclosure_class_missing"),
        ({"fields": []}, "fields_missing"),
        ({"conduct": ""}, "conduct_missing"),
        ({"subject_kinds": []}, "subject_kinds_missing"),
    ],
)
def test_publishing_refuses_an_incomplete_item(draft, manager, changes, code):
    complete_item(draft, manager, **changes)
    with pytest.raises(PublishRefused) as refused:
        catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    assert refused.value.code == code
    assert "local-item" in refused.value.field
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_publishing_refuses_a_parameter_the_registry_does_not_have(draft, manager):
    item = complete_item(draft, manager)
    type(item).objects.filter(pk=item.pk).update(retention_parameter="retention.forever")  # bypassing the service
    with pytest.raises(PublishRefused) as refused:
        catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    assert refused.value.code == "unknown_parameter"
    assert "retention.forever" in str(refused.value.message)


def test_publishing_refuses_a_prohibited_field_however_it_got_there(draft, manager):
    item = complete_item(draft, manager)
    ItemField.objects.create(item=item, code="T_XX", name="血型", field_type="text", order=9)
    with pytest.raises(PublishRefused) as refused:
        catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    assert refused.value.code == "prohibited_field"
    assert "血型" in str(refused.value.message)


def test_publishing_lists_every_problem_at_once(draft, manager):
    complete_item(draft, manager, legal_basis="", disclosure_class="")
    with pytest.raises(PublishRefused) as refused:
        catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    assert {p.code for p in refused.value.problems} == {"legal_basis_missing", "disclosure_class_missing"}


def test_publishing_refuses_an_empty_version_and_a_date_before_the_version_in_force(national, manager):
    empty = catalog_version_create_draft(tier="provincial", title="河北省补充目录", actor=manager)
    with pytest.raises(PublishRefused) as refused:
        catalog_version_publish(version=empty, actor=manager, effective_from=TODAY)
    assert refused.value.code == "version_empty"
    draft = catalog_version_create_draft(tier="national", title="修订", actor=manager)
    with pytest.raises(PublishRefused) as too_early:
        catalog_version_publish(version=draft, actor=manager, effective_from=national.effective_from - dt.timedelta(1))
    assert too_early.value.code == "effective_from_too_early"


# ---------- tiers ----------


def test_a_published_city_item_takes_precedence_over_the_national_item_of_the_same_code(national, manager):
    city = CatalogVersion.objects.get(tier=CatalogTier.CITY, status=VersionStatus.DRAFT)
    national_penalty = national.items.get(code="admin-penalty")
    catalog_item_save(
        version=city,
        actor=manager,
        **penalty_kwargs(national_penalty, legal_basis="《承德市社会信用促进条例》第十八条（本市实施）"),
    )
    catalog_version_publish(version=city, actor=manager, effective_from=TODAY)
    assert item_current("admin-penalty").version_id == city.pk
    assert item_current("admin-permit").version_id == national.pk
    assert item_current("government-arrears").version_id == city.pk


# ---------- audit ----------


def events(event_type):
    return AuditEvent.objects.filter(event_type=event_type).order_by("seq")


def test_every_change_writes_an_audit_record_with_its_articles_and_snapshots(national, manager):
    draft = catalog_version_create_draft(tier="national", title="修订", actor=manager)
    created = events(AuditEventType.CATALOG_VERSION_CREATED).last()
    assert (created.target_id, created.actor_id, created.articles) == (str(draft.pk), manager.pk, ["Art 18"])
    assert created.details["copied_from"]["id"] == national.pk

    item = complete_item(draft, manager)
    changed = events(AuditEventType.CATALOG_ITEM_CHANGED).last()
    assert (changed.target_id, changed.articles) == (str(item.pk), ["Art 18", "Art 19"])
    change = ObjectChange.objects.get(event=changed)
    assert change.action == "create" and change.before is None and change.after["fields"][0]["code"] == "T_MC"

    complete_item(draft, manager, name="本地事项（改名）")
    renamed = ObjectChange.objects.get(event=events(AuditEventType.CATALOG_ITEM_CHANGED).last())
    assert (renamed.before["name"], renamed.after["name"]) == ("本地事项", "本地事项（改名）")

    catalog_item_remove(version=draft, code="local-item", actor=manager)
    removed = events(AuditEventType.CATALOG_ITEM_REMOVED).last()
    assert ObjectChange.objects.get(event=removed).after is None

    catalog_version_publish(version=draft, actor=manager, effective_from=TODAY)
    published = events(AuditEventType.CATALOG_VERSION_PUBLISHED).last()
    assert published.articles == ["Art 18", "Art 19"]
    assert published.details["superseded"]["id"] == national.pk
    assert published.details["rule_version"]
    assert published.details["parameters"]["publication.general_penalty_maximum"] == 12
    assert {c.object_id for c in ObjectChange.objects.filter(event=published)} == {str(draft.pk), str(national.pk)}


def test_saving_an_item_unchanged_writes_no_audit_record(draft, manager):
    penalty = draft.items.get(code="admin-penalty")
    before = AuditEvent.objects.count()
    catalog_item_save(version=draft, actor=manager, **penalty_kwargs(penalty))
    assert AuditEvent.objects.count() == before


def test_a_refused_change_writes_nothing(national, manager):
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError):
        complete_item(national, manager)
    assert AuditEvent.objects.count() == before
