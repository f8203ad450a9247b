"""Reads of credit subjects. Staff see subjects inside their organization's jurisdiction only."""

from __future__ import annotations

from django.db.models import QuerySet

from xinyong.accounts.choices import DivisionLevel
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.crypto import blind_index
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.subjects.models import Subject


def subject_find_by_identifier(identifier_type: str, value: str) -> Subject | None:
    """The subject with this (normalized) identifier, found through the blind index, or None."""
    return (
        Subject.objects.select_related("division")
        .filter(identifier_type=identifier_type, identifier_index=blind_index(str(identifier_type), value))
        .first()
    )


def subject_restrict(user, queryset: QuerySet[Subject] | None = None) -> QuerySet[Subject]:
    """Subjects the user may see as staff: none without permission; its jurisdiction's otherwise."""
    queryset = Subject.objects.all() if queryset is None else queryset
    if not has_permission(user, Permission.VIEW_SUBJECTS):
        return queryset.none()
    division = user.organization.division
    if division.level in (DivisionLevel.PROVINCE, DivisionLevel.CITY):
        # City-level staff work across the whole city (Art 6, 7), including subjects without a division.
        return queryset
    return queryset.filter(division__code__startswith=division.prefix)


def subject_list(user, *, query: str = "", kind: str = "", limit: int = 50, offset: int = 0) -> list[Subject]:
    queryset = subject_restrict(user).select_related("division").order_by("id")
    if query:
        queryset = queryset.filter(name__contains=query)
    if kind:
        queryset = queryset.filter(kind=kind)
    return list(queryset[offset : offset + limit])


def subject_get(user, subject_id: int) -> Subject:
    """One subject, or NotFoundOrForbidden whether it is missing or outside the user's reach."""
    subject = subject_restrict(user).select_related("division").filter(pk=subject_id).first()
    if subject is None:
        raise NotFoundOrForbidden()
    return subject
