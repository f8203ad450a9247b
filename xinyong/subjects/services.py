"""Services for credit subjects (Art 3, 19, 20, 24, 29).

Each runs in one transaction and writes its audit record and change snapshot inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.models import User
from xinyong.accounts.services import division_get, generate_password
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.errors import ServiceError, bilingual
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.core.masking import mask_identifier
from xinyong.subjects.choices import (
    PERSON_IDENTIFIER_TYPES,
    IdentifierTypeChoice,
    RelationRole,
    SubjectKind,
    SubjectStatus,
)
from xinyong.subjects.models import Subject, SubjectAccount, SubjectName, SubjectRelation, SubjectStatusChange
from xinyong.subjects.selectors import subject_find_by_identifier

IMPLEMENTS = (
    "Art 19: validated_identifier, subject_register",
    "Art 20: validated_identifier, subject_register",
    "Art 24: subject_relation_add, subject_relation_end",
    "Art 29: subject_rename, subject_change_status",
)


def _snapshot(subject: Subject) -> dict:
    # Snapshots hold the masked identifier only: the change log must not become a copy of the ID numbers.
    return {
        "kind": subject.kind,
        "identifier_type": subject.identifier_type,
        "identifier": subject.identifier_masked,
        "name": subject.name,
        "division": subject.division.code if subject.division_id else None,
        "status": subject.status,
        "status_date": subject.status_date.isoformat() if subject.status_date else None,
        "status_source": subject.status_source,
    }


def validated_identifier(identifier_type: str, value: str, *, field: str = "identifier") -> str:
    """The normalized identifier of the declared type, or a ServiceError naming the rule (Art 19, 20)."""
    try:
        id_type = IdentifierType(identifier_type)
    except ValueError:
        raise ServiceError(
            "invalid_identifier_type", _("Unknown identifier type."), field="identifier_type"
        ) from None
    result = validate(id_type, value)
    if not result.ok:
        raise ServiceError(
            result.error.code,
            bilingual(
                f"{id_type.label_zh}：{result.error.message_zh}",
                f"{id_type.value}: {result.error.message_en}",
            ),
            field=field,
        )
    return result.value


def _check_kind_matches_type(kind: SubjectKind, identifier_type: str) -> None:
    if kind == SubjectKind.NATURAL_PERSON and identifier_type not in PERSON_IDENTIFIER_TYPES:
        raise ServiceError(
            "identifier_type_mismatch",
            _("A natural person is identified by an ID document, not a USCC."),
            field="identifier_type",
        )
    if kind != SubjectKind.NATURAL_PERSON and identifier_type != IdentifierTypeChoice.USCC:
        raise ServiceError(
            "identifier_type_mismatch",
            _("An organization is identified by its unified social credit code."),
            field="identifier_type",
        )


@dataclass(frozen=True)
class SubjectData:
    """Validated input for a new subject."""

    kind: SubjectKind
    identifier_type: str
    identifier: str
    name: str
    division_code: str | None = None


def subject_prepare(data: SubjectData) -> Subject:
    """Validate input and build an unsaved subject (shared by `subject_register` and bulk loaders)."""
    try:
        kind = SubjectKind(data.kind)
    except ValueError:
        raise ServiceError("invalid_subject_kind", _("Unknown subject kind."), field="kind") from None
    _check_kind_matches_type(kind, data.identifier_type)
    identifier = validated_identifier(data.identifier_type, data.identifier)
    name = " ".join(data.name.split())
    if not name:
        raise ServiceError("required", _("The name is required."), field="name")
    division = division_get(data.division_code) if data.division_code else None
    return Subject(
        kind=kind,
        identifier_type=data.identifier_type,
        identifier=identifier,
        identifier_masked=mask_identifier(data.identifier_type, identifier),
        name=name,
        division=division,
    )


def subject_register(*, data: SubjectData, source: str, actor=None) -> Subject:
    """Register a new credit subject; one subject per identifier (Art 19, 20)."""
    subject = subject_prepare(data)
    try:
        with transaction.atomic():
            if subject_find_by_identifier(subject.identifier_type, subject.identifier) is not None:
                raise _duplicate()
            subject.save()
            SubjectName.objects.create(
                subject=subject, name=subject.name, valid_from=timezone.localdate(), source=source
            )
            audit_record(
                AuditEventType.SUBJECT_CREATED,
                actor=actor,
                target=subject,
                target_label=subject.name,
                articles=["Art 19"] if subject.is_person else ["Art 20"],
                details={"source": source},
                changes=[Change("subjects.subject", str(subject.pk), "create", None, _snapshot(subject))],
            )
    except IntegrityError:
        # A concurrent registration of the same identifier lost the race to the unique constraint.
        raise _duplicate() from None
    return subject


def _duplicate() -> ServiceError:
    return ServiceError(
        "duplicate_subject", _("A subject with this identifier is already registered."), field="identifier"
    )


def subject_rename(
    *, subject: Subject, name: str, effective_date: dt.date, source: str, actor=None
) -> Subject:
    """Record a change of name; earlier names stay in the history (Art 29)."""
    name = " ".join(name.split())
    if not name:
        raise ServiceError("required", _("The name is required."), field="name")
    if not source.strip():
        raise ServiceError("required", _("The source of the change is required."), field="source")
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=subject.pk)
        if name == subject.name:
            return subject
        current = SubjectName.objects.filter(subject=subject, valid_to__isnull=True).order_by("-valid_from").first()
        if current is not None and effective_date < current.valid_from:
            raise ServiceError(
                "dates_out_of_order",
                _("The new name cannot take effect before the current name did."),
                field="effective_date",
            )
        before = _snapshot(subject)
        SubjectName.objects.filter(subject=subject, valid_to__isnull=True).update(valid_to=effective_date)
        SubjectName.objects.create(subject=subject, name=name, valid_from=effective_date, source=source)
        subject.name = name
        subject.save(update_fields=["name", "updated_at"])
        # The public search indexes names; it must follow the rename in the same transaction (Art 18, 21).
        from xinyong.disclosure.search import search_index_refresh

        search_index_refresh([subject.pk])
        audit_record(
            AuditEventType.SUBJECT_RENAMED,
            actor=actor,
            target=subject,
            target_label=name,
            articles=["Art 29"],
            details={"source": source},
            changes=[Change("subjects.subject", str(subject.pk), "update", before, _snapshot(subject))],
        )
    return subject


def subject_change_status(
    *,
    subject: Subject,
    status: SubjectStatus,
    effective_date: dt.date,
    source: str,
    merged_into: Subject | None = None,
    actor=None,
) -> Subject:
    """Record deregistration, death, merger or reactivation with its date and source (Art 29)."""
    status = SubjectStatus(status)
    if not source.strip():
        raise ServiceError("required", _("The source of the change is required."), field="source")
    if status == SubjectStatus.DECEASED and not subject.is_person:
        raise ServiceError(
            "invalid_status", _("Only a natural person can be recorded as deceased."), field="status"
        )
    if status in (SubjectStatus.DEREGISTERED, SubjectStatus.MERGED) and subject.is_person:
        raise ServiceError(
            "invalid_status", _("Only an organization can be deregistered or merged."), field="status"
        )
    if status == SubjectStatus.MERGED and (merged_into is None or merged_into.pk == subject.pk):
        raise ServiceError("required", _("A merger names the surviving subject."), field="merged_into")
    if effective_date > timezone.localdate():
        raise ServiceError(
            "future_date", _("The effective date cannot be in the future."), field="effective_date"
        )
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=subject.pk)
        before = _snapshot(subject)
        subject.status, subject.status_date, subject.status_source = status, effective_date, source
        subject.merged_into = merged_into if status == SubjectStatus.MERGED else None
        subject.save(update_fields=["status", "status_date", "status_source", "merged_into", "updated_at"])
        SubjectStatusChange.objects.create(
            subject=subject, status=status, effective_date=effective_date, source=source
        )
        audit_record(
            AuditEventType.SUBJECT_STATUS_CHANGED,
            actor=actor,
            target=subject,
            target_label=subject.name,
            articles=["Art 29"],
            details={"status": status, "source": source},
            changes=[Change("subjects.subject", str(subject.pk), "update", before, _snapshot(subject))],
        )
    return subject


def subject_relation_add(
    *,
    organization: Subject,
    person: Subject,
    role: RelationRole,
    valid_from: dt.date,
    source: str,
    actor=None,
) -> SubjectRelation:
    """Link an organization to its legal representative, principal or actual controller (Art 24)."""
    role = RelationRole(role)
    if organization.is_person:
        raise ServiceError(
            "not_an_organization", _("Related persons are recorded for organizations."), field="organization"
        )
    if not person.is_person:
        raise ServiceError("not_a_person", _("A related person must be a natural person."), field="person")
    with transaction.atomic():
        if role == RelationRole.LEGAL_REPRESENTATIVE:
            # An organization has one legal representative at a time: the previous link ends.
            SubjectRelation.objects.filter(
                organization=organization, role=role, valid_to__isnull=True
            ).exclude(person=person).update(valid_to=valid_from)
        relation = SubjectRelation.objects.create(
            organization=organization, person=person, role=role, valid_from=valid_from, source=source
        )
        audit_record(
            AuditEventType.SUBJECT_RELATION_ADDED,
            actor=actor,
            target=organization,
            target_label=organization.name,
            articles=["Art 24"],
            details={"role": role, "person": person.pk, "source": source},
        )
    return relation


def subject_relation_end(
    *, relation: SubjectRelation, valid_to: dt.date, source: str, actor=None
) -> SubjectRelation:
    """End a related-person link on a date; the link stays in the history (Art 24)."""
    if valid_to < relation.valid_from:
        raise ServiceError(
            "dates_out_of_order", _("The end date is before the start date."), field="valid_to"
        )
    with transaction.atomic():
        relation.valid_to = valid_to
        relation.save(update_fields=["valid_to"])
        audit_record(
            AuditEventType.SUBJECT_RELATION_ENDED,
            actor=actor,
            target=relation.organization,
            target_label=relation.organization.name,
            articles=["Art 24"],
            details={"role": relation.role, "person": relation.person_id, "source": source},
        )
    return relation


@dataclass(frozen=True)
class NewSubjectAccount:
    user: User
    password: str


def subject_account_create(*, subject: Subject, username: str, actor=None) -> NewSubjectAccount:
    """Open a portal account for a subject (citizen or business), with a generated password."""
    password = generate_password()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ServiceError("duplicate_username", _("This user name is taken."), field="username")
        user = User(username=username, display_name=subject.name, kind=AccountKind.SUBJECT)
        user.set_password(password)
        user.save()
        SubjectAccount.objects.create(user=user, subject=subject)
        audit_record(
            AuditEventType.SUBJECT_ACCOUNT_CREATED,
            actor=actor,
            target=subject,
            target_label=subject.name,
            articles=["Art 29"],
            details={"username": username},
        )
    return NewSubjectAccount(user, password)
