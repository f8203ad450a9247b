"""API: credit subjects (Art 19, 20). Identifiers are always returned masked."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import ConfigDict

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.paging import paging
from xinyong.core.text import SingleLineText
from xinyong.subjects.choices import IdentifierTypeChoice, SubjectKind, SubjectStatus
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import subject_get, subject_list
from xinyong.subjects.services import SubjectData, subject_register

router = Router(tags=["subjects"])


class SubjectOut(Schema):
    id: int
    kind: SubjectKind
    identifier_type: IdentifierTypeChoice
    identifier: str
    name: str
    division: str | None
    status: SubjectStatus
    status_date: str | None


class SubjectIn(Schema):
    """A new subject. Server-owned fields (status, id, dates) are refused, not ignored (security req. 9)."""

    model_config = ConfigDict(extra="forbid")
    kind: SubjectKind
    identifier_type: IdentifierTypeChoice
    identifier: str
    name: SingleLineText
    division: str | None = None


def subject_out(subject: Subject) -> dict:
    return {
        "id": subject.pk,
        "kind": subject.kind,
        "identifier_type": subject.identifier_type,
        "identifier": subject.identifier_masked,
        "name": subject.name,
        "division": subject.division.code if subject.division_id else None,
        "status": subject.status,
        "status_date": subject.status_date.isoformat() if subject.status_date else None,
    }


SubjectPage = paging(default=50, maximum=500)


@router.get("", response=list[SubjectOut], summary="Subjects in the caller's jurisdiction")
def subjects(request, page: Query[SubjectPage], q: str = "", kind: SubjectKind | None = None):
    require(request, Permission.VIEW_SUBJECTS)
    return [
        subject_out(s)
        for s in subject_list(caller(request), query=q, kind=kind or "", limit=page.limit, offset=page.offset)
    ]


@router.get("/{subject_id}", response=SubjectOut, summary="One subject")
def subject_detail(request, subject_id: int):
    require(request, Permission.VIEW_SUBJECTS)
    return subject_out(subject_get(caller(request), subject_id))


@router.post("", response={201: SubjectOut}, summary="Register a subject (one per identifier)")
def subject_create(request, payload: SubjectIn):
    require(request, Permission.ADD_SUBJECTS)
    subject = subject_register(
        data=SubjectData(
            kind=payload.kind,
            identifier_type=payload.identifier_type,
            identifier=payload.identifier,
            name=payload.name,
            division_code=payload.division,
        ),
        source=f"api:{caller(request).username}",
        actor=caller(request),
    )
    return 201, subject_out(subject)
