"""URL configuration: the portal and console (web), the REST API under /api/v1/, language switching."""

from django.urls import include, path

from xinyong.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("xinyong.web.urls")),
]
