"""Catalog test set-up: a catalog manager of the credit authority, a logged-in console, a national draft."""

from __future__ import annotations

import pytest

from xinyong.accounts.testing import staff_session as login_staff


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.fixture
def manager(make_staff, authority):
    return make_staff(roles=("catalog_manager",), organization=authority, username="cataloguer")


@pytest.fixture
def manager_client(client, manager):
    return login_staff(client, manager)


@pytest.fixture
def national(db):
    """The published national version (the seed runs after migrate; running it again changes nothing)."""
    from xinyong.catalog.choices import CatalogTier, VersionStatus
    from xinyong.catalog.models import CatalogVersion
    from xinyong.catalog.seed import catalog_seed

    catalog_seed()
    return CatalogVersion.objects.get(tier=CatalogTier.NATIONAL, status=VersionStatus.PUBLISHED)


@pytest.fixture
def draft(national, manager):
    """A national draft, a copy of the published version."""
    from xinyong.catalog.services import catalog_version_create_draft

    return catalog_version_create_draft(tier="national", title="全国公共信用信息基础目录（修订草案）", actor=manager)


@pytest.fixture
def log_in(client):
    """`log_in(user)`: the test client, logged in as that staff member."""
    return lambda user: login_staff(client, user)
