"""API: divisions and organizations (Art 6)."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import ConfigDict

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.models import Division, Organization
from xinyong.accounts.permissions import Permission
from xinyong.accounts.services import organization_add, organization_get_by_uscc
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.paging import paging
from xinyong.core.text import SingleLineText

router = Router(tags=["organizations"])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


class OrganizationOut(Schema):
    uscc: str
    name: SingleLineText
    kind: OrganizationKind
    division: str
    division_name: str
    is_provider: bool
    is_implementer: bool


class OrganizationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    uscc: str
    name: str
    kind: OrganizationKind
    division: str


def _organization_out(org: Organization) -> dict:
    return {
        "uscc": org.uscc,
        "name": org.name,
        "kind": org.kind,
        "division": org.division.code,
        "division_name": org.division.name,
        "is_provider": org.is_provider,
        "is_implementer": org.is_implementer,
    }


DivisionPage = paging(default=1000, maximum=5000)


@router.get("/divisions", response=list[DivisionOut], summary="The jurisdiction tree (GB/T 2260)")
def division_list(request, page: Query[DivisionPage]):
    require(request, Permission.VIEW_ORGANIZATIONS)
    return [
        {"code": d.code, "name": d.name, "level": d.level, "parent": d.parent.code if d.parent else None}
        for d in page.window(Division.objects.select_related("parent").order_by("code"))
    ]


OrganizationPage = paging(default=100, maximum=500)


@router.get("/organizations", response=list[OrganizationOut], summary="Organizations using the platform")
def organization_list(request, page: Query[OrganizationPage], kind: OrganizationKind | None = None):
    require(request, Permission.VIEW_ORGANIZATIONS)
    queryset = Organization.objects.select_related("division").order_by("division__code", "name")
    if kind:
        queryset = queryset.filter(kind=kind)
    return [_organization_out(o) for o in page.window(queryset)]


@router.get("/organizations/{uscc}", response=OrganizationOut, summary="One organization by USCC")
def organization_detail(request, uscc: str):
    require(request, Permission.VIEW_ORGANIZATIONS)
    try:
        return _organization_out(organization_get_by_uscc(uscc))
    except ServiceError:
        raise NotFoundOrForbidden() from None


@router.post(
    "/organizations",
    response={200: OrganizationOut, 201: OrganizationOut},
    summary="Add or update an organization (idempotent)",
)
def organization_put(request, payload: OrganizationIn):
    require(request, Permission.MANAGE_ORGANIZATIONS)
    result = organization_add(
        uscc=payload.uscc,
        name=payload.name,
        kind=payload.kind,
        division_code=payload.division,
        actor=caller(request),
    )
    return (201 if result.created else 200), _organization_out(result.organization)
