"""Credit subjects: one per identifier, names with history, lifecycle, related persons (Art 19, 20, 24, 29)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.core.errors import ServiceError
from xinyong.core.identifiers import citizen_id_check_character, make_citizen_id, make_uscc
from xinyong.subjects.models import Subject, SubjectName, SubjectRelation
from xinyong.subjects.selectors import subject_find_by_identifier
from xinyong.subjects.services import (
    SubjectData,
    subject_change_status,
    subject_register,
    subject_relation_add,
    subject_rename,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PERSON_ID = make_citizen_id("130802", dt.date(1985, 6, 1), 123)
# 13 December 32nd: a well-formed number with a valid check character but no such day.
BAD_DATE_ID = PERSON_ID[:10] + "1232" + PERSON_ID[14:17]
BAD_DATE_ID += citizen_id_check_character(BAD_DATE_ID)
COMPANY_USCC = make_uscc("9", "1", "130802", "MA0ABCDE")


def register_person(identifier=PERSON_ID, name="张三", **kwargs):
    return subject_register(
        data=SubjectData(
            kind="natural_person",
            identifier_type="id",
            identifier=identifier,
            name=name,
            division_code="130802",
            **kwargs,
        ),
        source="test",
    )


def register_company(identifier=COMPANY_USCC, name="承德某某商贸有限公司"):
    return subject_register(
        data=SubjectData(
            kind="legal_person",
            identifier_type="uscc",
            identifier=identifier,
            name=name,
            division_code="130802",
        ),
        source="test",
    )


@pytest.mark.articles("Art 19")
def test_a_registered_person_is_found_by_its_id_number_and_shown_masked(divisions):
    person = register_person()
    found = subject_find_by_identifier("id", PERSON_ID)
    assert found.pk == person.pk
    assert found.identifier == PERSON_ID
    assert found.identifier_masked == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.SUBJECT_CREATED, target_id=str(person.pk)
    ).exists()


@pytest.mark.articles("Art 19")
def test_full_width_input_is_normalized_before_matching(divisions):
    register_company()
    full_width = COMPANY_USCC.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert subject_find_by_identifier("uscc", COMPANY_USCC) is not None
    with pytest.raises(ServiceError) as excinfo:
        register_company(identifier=full_width)
    assert excinfo.value.code == "duplicate_subject"


def test_the_database_stores_neither_the_id_number_nor_its_plain_hash(divisions):
    register_person()
    with connection.cursor() as cursor:
        cursor.execute("SELECT identifier, identifier_index, identifier_masked FROM subjects_subject")
        stored = cursor.fetchone()
    assert PERSON_ID not in " ".join(stored)
    assert stored[0].startswith("sm4gcm1:")


def test_equality_lookups_on_the_encrypted_column_are_refused(divisions):
    with pytest.raises(FieldError):
        list(Subject.objects.filter(identifier=PERSON_ID))


@pytest.mark.articles("Art 19")
def test_one_subject_per_identifier_is_a_database_constraint(divisions):
    person = register_person()
    clone = Subject(
        kind=person.kind, identifier_type="id", identifier=PERSON_ID, identifier_masked="x", name="y"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.articles("Art 19")
def test_a_duplicate_registration_is_refused_and_nothing_is_written(divisions):
    register_person()
    events_before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as excinfo:
        register_person(name="李四")
    assert (excinfo.value.code, excinfo.value.field) == ("duplicate_subject", "identifier")
    assert Subject.objects.count() == 1 and AuditEvent.objects.count() == events_before


@pytest.mark.articles("Art 19")
@pytest.mark.parametrize(
    ("identifier", "code"),
    [
        (PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1"), "bad_check_character"),
        (BAD_DATE_ID, "invalid_birth_date"),
        (PERSON_ID[:17], "wrong_length"),
    ],
)
def test_an_invalid_id_number_is_refused_with_its_rule(divisions, identifier, code):
    with pytest.raises(ServiceError) as excinfo:
        register_person(identifier=identifier)
    assert excinfo.value.code == code and excinfo.value.field == "identifier"
    assert "身份证" in str(excinfo.value.message)
    assert not Subject.objects.exists()


@pytest.mark.articles("Art 19", "Art 20")
def test_the_kind_of_subject_decides_the_identifier_type_never_the_shape(divisions):
    with pytest.raises(ServiceError) as excinfo:
        subject_register(
            data=SubjectData(kind="legal_person", identifier_type="id", identifier=PERSON_ID, name="x"),
            source="test",
        )
    assert excinfo.value.code == "identifier_type_mismatch"


def test_an_unknown_division_is_refused(divisions):
    with pytest.raises(ServiceError) as excinfo:
        subject_register(
            data=SubjectData(
                kind="natural_person",
                identifier_type="id",
                identifier=PERSON_ID,
                name="x",
                division_code="130899",
            ),
            source="test",
        )
    assert (excinfo.value.code, excinfo.value.field) == ("unknown_division", "division")


@pytest.mark.articles("Art 29")
def test_a_rename_keeps_the_earlier_name_in_the_history(divisions):
    company = register_company(name="承德旧名有限公司")
    today = timezone.localdate()
    subject_rename(
        subject=company, name="承德新名有限公司", effective_date=today, source="市场监管局变更登记"
    )
    names = list(SubjectName.objects.filter(subject=company).order_by("valid_from", "id"))
    assert [n.name for n in names] == ["承德旧名有限公司", "承德新名有限公司"]
    assert names[0].valid_to == today and names[1].valid_to is None
    change = ObjectChange.objects.get(event__event_type=AuditEventType.SUBJECT_RENAMED)
    assert (change.before["name"], change.after["name"]) == ("承德旧名有限公司", "承德新名有限公司")


@pytest.mark.articles("Art 29")
def test_lifecycle_changes_record_date_and_source_and_respect_the_kind(divisions):
    company = register_company()
    person = register_person()
    subject_change_status(
        subject=company, status="deregistered", effective_date=dt.date(2026, 3, 1), source="注销登记"
    )
    company.refresh_from_db()
    assert (company.status, company.status_date, company.status_source) == (
        "deregistered",
        dt.date(2026, 3, 1),
        "注销登记",
    )
    with pytest.raises(ServiceError):
        subject_change_status(
            subject=company, status="deceased", effective_date=dt.date(2026, 3, 1), source="x"
        )
    with pytest.raises(ServiceError):
        subject_change_status(
            subject=person, status="deceased", effective_date=dt.date(2999, 1, 1), source="x"
        )
    merged = register_company(identifier=make_uscc("9", "1", "130802", "MA0ABCDF"), name="存续公司")
    subject_change_status(
        subject=company,
        status="merged",
        effective_date=dt.date(2026, 4, 1),
        source="合并",
        merged_into=merged,
    )
    company.refresh_from_db()
    assert company.merged_into_id == merged.pk


@pytest.mark.articles("Art 24")
def test_a_new_legal_representative_ends_the_previous_link(divisions):
    company = register_company()
    first = register_person()
    second = register_person(identifier=make_citizen_id("130821", dt.date(1970, 2, 3), 45), name="李四")
    subject_relation_add(
        organization=company,
        person=first,
        role="legal_representative",
        valid_from=dt.date(2020, 1, 1),
        source="登记",
    )
    subject_relation_add(
        organization=company,
        person=second,
        role="legal_representative",
        valid_from=dt.date(2025, 7, 1),
        source="变更登记",
    )
    links = {r.person_id: r for r in SubjectRelation.objects.filter(organization=company)}
    assert links[first.pk].valid_to == dt.date(2025, 7, 1)
    assert links[second.pk].valid_to is None


@pytest.mark.articles("Art 24")
def test_related_persons_must_be_natural_persons(divisions):
    company = register_company()
    other = register_company(identifier=make_uscc("9", "1", "130802", "MA0ABCDF"), name="另一公司")
    with pytest.raises(ServiceError) as excinfo:
        subject_relation_add(
            organization=company,
            person=other,
            role="actual_controller",
            valid_from=dt.date(2020, 1, 1),
            source="x",
        )
    assert excinfo.value.code == "not_a_person"


@pytest.mark.articles("Art 29")
def test_a_rename_cannot_take_effect_before_the_current_name_did(divisions):
    company = register_company()
    with pytest.raises(ServiceError) as excinfo:
        subject_rename(subject=company, name="新名", effective_date=dt.date(2000, 1, 1), source="x")
    assert excinfo.value.field == "effective_date"
