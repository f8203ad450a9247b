"""URL configuration: the portal and console (web), the REST API under /api/v1/, language switching."""

from django.urls import include, path

from xinyong.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("console/audit/", include("xinyong.audit.urls")),
    path("console/calendar/", include("xinyong.regulation.urls")),
    path("catalog/", include("xinyong.catalog.urls")),
    path("console/catalog/", include("xinyong.catalog.console_urls")),
    path("console/submissions/", include("xinyong.ingestion.urls")),
    path("", include("xinyong.web.urls")),
]
