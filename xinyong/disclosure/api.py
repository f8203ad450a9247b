"""API: public search and profiles, official and authorized queries, grantees' authorizations (Art 18, 21).

The two operations tagged "public" are open to anonymous callers (`auth=None`): they serve only what the
portal publishes about organizations. Every other operation is authenticated (bearer token or staff session)
and goes through `access_subject_information`, which logs every call and answers every refusal with the
404 of a missing subject. Query operations are rate-limited before any work (429 with Retry-After).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.catalog.choices import InformationKind
from xinyong.core.errors import ServiceError
from xinyong.core.masking import mask_identifier
from xinyong.core.paging import PageNumber, paging
from xinyong.core.schemas import ErrorOut
from xinyong.disclosure import ratelimit
from xinyong.disclosure.access import (
    PublicProfile,
    RecordView,
    SubjectInformation,
    access_public_profile,
    access_subject_information,
)
from xinyong.disclosure.search import (
    organization_by_uscc,
    organization_search,
    query_as_uscc,
    search_query_problem,
)
from xinyong.disclosure.selectors import authorization_in_force, authorizations_granted_to
from xinyong.subjects.models import Subject

router = Router(tags=["disclosure"])

PUBLIC_TAG = "public"
MAX_NUMERIC_KEY = 12  # digits of an internal subject number; anything longer is not one


class FieldOut(Schema):
    code: str
    name: str
    value: str


class RecordOut(Schema):
    id: int
    item_code: str
    item_name: str
    category: str
    kind: InformationKind
    provider: str
    document_number: str
    decision_date: dt.date
    published_from: dt.date | None
    published_until: dt.date | None  # the last day, inclusive
    under_objection: bool
    under_repair: bool
    fields: list[FieldOut]


class PublicOrganizationOut(Schema):
    name: str
    uscc: str
    kind: str
    kind_label: str
    division: str | None
    status: str
    status_label: str
    url: str


class SearchOut(Schema):
    query: str
    total: int  # counted up to 1001: more than 1000 matches are reported as 1001 with total_capped
    total_capped: bool
    page: int
    pages: int
    results: list[PublicOrganizationOut]


class ListStatusOut(Schema):
    item_code: str
    title: str
    listed: bool


class SectionOut(Schema):
    item_code: str
    title: str
    records: list[RecordOut]


class ProfileOut(Schema):
    organization: PublicOrganizationOut
    on: dt.date
    lists: list[ListStatusOut]
    sections: list[SectionOut]


class SubjectBriefOut(Schema):
    id: int
    name: str
    kind: str
    identifier_type: str
    identifier: str  # masked (a USCC is public and shown whole)


class InformationOut(Schema):
    subject: SubjectBriefOut
    mode: str
    on: dt.date
    categories: list[InformationKind]
    query_log_entry: int
    records: list[RecordOut]


class AuthorizationOut(Schema):
    id: int
    subject: SubjectBriefOut
    categories: list[InformationKind]
    purpose: str
    valid_until: dt.date
    status: str
    in_force: bool
    document_digest: str


def record_out(view: RecordView) -> dict:
    return {
        "id": view.record.pk, "item_code": view.item_code, "item_name": view.item_name,
        "category": view.category_name, "kind": view.kind, "provider": view.provider_name,
        "document_number": view.document_number, "decision_date": view.decision_date,
        "published_from": view.publication_start, "published_until": view.publication_last_day,
        "under_objection": view.under_objection, "under_repair": view.under_repair,
        "fields": [{"code": f.code, "name": f.name, "value": f.value} for f in view.fields],
    }


def organization_out(subject: Subject) -> dict:
    return {
        "name": subject.name, "uscc": subject.identifier_masked, "kind": subject.kind,
        "kind_label": str(subject.get_kind_display()),
        "division": subject.division.name if subject.division_id else None, "status": subject.status,
        "status_label": str(subject.get_status_display()), "url": f"/org/{subject.identifier_masked}/",
    }


def subject_brief(subject: Subject) -> dict:
    return {
        "id": subject.pk, "name": subject.name, "kind": subject.kind, "identifier_type": subject.identifier_type,
        "identifier": subject.identifier_masked,
    }


def profile_out(profile: PublicProfile) -> dict:
    return {
        "organization": organization_out(profile.subject), "on": profile.on,
        "lists": [{"item_code": s.item_code, "title": s.title, "listed": s.listed} for s in profile.lists],
        "sections": [
            {"item_code": s.item_code, "title": s.title, "records": [record_out(v) for v in s.records]}
            for s in profile.sections
        ],
    }


def information_out(info: SubjectInformation) -> dict:
    return {
        "subject": subject_brief(info.subject), "mode": info.mode, "on": info.on,
        "categories": list(info.categories), "query_log_entry": info.log_entry.pk,
        "records": [record_out(v) for v in info.records],
    }


# --- public -------------------------------------------------------------------------------------------------


@router.get(
    "/public/search", auth=None, tags=[PUBLIC_TAG], response={200: SearchOut, 400: ErrorOut, 429: ErrorOut},
    summary="Search organizations by name (two characters or more) or USCC (public, Art 18, 21)",
)
def public_search(request, q: str, numbered: Query[PageNumber]):
    limited = ratelimit.rate_limited(request, ratelimit.PUBLIC)
    if limited is not None:
        return limited
    problem = search_query_problem(q)
    if problem == "too_short":
        raise ServiceError("query_too_short", _("Enter at least two characters of the name."), field="q")
    if problem:
        raise ServiceError("query_too_long", _("The search text is too long."), field="q")
    results = organization_search(q, page=numbered.page)
    return {
        "query": results.query, "total": results.total, "total_capped": results.total_capped,
        "page": results.page.number if results.page else 1,
        "pages": results.page.paginator.num_pages if results.page else 0,
        "results": [organization_out(s) for s in results.subjects],
    }


@router.get(
    "/public/organizations/{uscc}", auth=None, tags=[PUBLIC_TAG],
    response={200: ProfileOut, 404: ErrorOut, 429: ErrorOut},
    summary="An organization's public credit information today (public, Art 18, 21)",
)
def public_organization(request, uscc: str):
    limited = ratelimit.rate_limited(request, ratelimit.PUBLIC)
    if limited is not None:
        return limited
    return profile_out(access_public_profile(organization_by_uscc(uscc)))


# --- official and authorized queries ------------------------------------------------------------------------


def subject_by_key(key: str) -> tuple[Subject | None, str]:
    """The subject a path key names — an internal number (from the authorization list) or a USCC — and the
    label the query log keeps for the key. The label never holds an ID number: the API takes none."""
    key = (key or "").strip()
    if key.isdigit() and len(key) <= MAX_NUMERIC_KEY:
        return Subject.objects.select_related("division").filter(pk=int(key)).first(), f"#{key}"
    uscc = query_as_uscc(key)
    if uscc is not None:
        from xinyong.core.identifiers import IdentifierType
        from xinyong.subjects.selectors import subject_find_by_identifier

        return subject_find_by_identifier(IdentifierType.USCC.value, uscc), uscc
    return None, mask_identifier("unknown", key)[:64]


@router.get(
    "/subjects/{key}/credit-information",
    response={200: InformationOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="A subject's credit information by official or authorized query (Art 21; logged)",
)
def credit_information(
    request,
    key: str,
    mode: Literal["authorized", "official"],
    purpose: str = "",
    authorization: int | None = None,
    categories: Query[list[InformationKind] | None] = None,
):
    """`key` is the subject's USCC or its number in the platform (as the authorization list gives it).
    Authorized queries name the authorization and its purpose; official queries state their purpose. Every
    call is written to the query log; every refusal is the 404 of a missing subject."""
    limited = ratelimit.rate_limited(request, ratelimit.QUERY)
    if limited is not None:
        return limited
    subject, label = subject_by_key(key)
    info = access_subject_information(
        requester=caller(request), subject=subject, mode=mode, purpose=purpose, authorization=authorization,
        categories=categories, subject_label=label, channel="api",
    )
    return information_out(info)


AuthorizationPage = paging(default=100, maximum=500)


@router.get(
    "/authorizations", response={200: list[AuthorizationOut], 429: ErrorOut},
    summary="Authorizations subjects granted to the caller's organization (Art 21)",
)
def granted_authorizations(request, page: Query[AuthorizationPage], in_force: bool = False):
    limited = ratelimit.rate_limited(request, ratelimit.QUERY)
    if limited is not None:
        return limited
    require(request, Permission.QUERY_AUTHORIZED)
    user = caller(request)
    authorizations = page.window(authorizations_granted_to(user.organization, in_force_only=in_force))
    return [
        {
            "id": a.pk, "subject": subject_brief(a.subject), "categories": a.categories, "purpose": a.purpose,
            "valid_until": a.valid_until, "status": a.status, "in_force": authorization_in_force(a),
            "document_digest": a.document_digest,
        }
        for a in authorizations
    ]

