"""Banks, credit agencies and associations read only under written authorization (Art 17, 19, 21)."""

from __future__ import annotations

import pytest

from xinyong.accounts.permissions import Permission, has_permission

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 17", "Art 21")]


@pytest.mark.parametrize("kind", ["bank", "agency", "association"])
def test_a_non_government_analyst_cannot_browse_subjects_or_query_officially(make_org, make_staff, api_client_for,
                                                                              kind):
    organization = make_org(name="承德银行股份有限公司", kind=kind)
    analyst = make_staff(roles=("analyst",), organization=organization)
    assert has_permission(analyst, Permission.QUERY_AUTHORIZED)
    for permission in (Permission.VIEW_SUBJECTS, Permission.QUERY_OFFICIAL, Permission.VIEW_QUERY_STATS):
        assert not has_permission(analyst, permission), permission
    client = api_client_for(organization, {"analyst"})
    assert client.get("/api/v1/subjects").status_code == 403


def test_the_same_role_in_a_government_department_keeps_its_official_permissions(make_org, make_staff):
    analyst = make_staff(roles=("analyst",), organization=make_org(name="承德市发展和改革委员会"))
    assert has_permission(analyst, Permission.VIEW_SUBJECTS)
    assert has_permission(analyst, Permission.QUERY_OFFICIAL)
