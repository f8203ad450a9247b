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
    # Public search and organization pages, the subject's authorizations and reads, query statistics (Art 21).
    path("", include("xinyong.disclosure.urls")),
    # Credit reports: public verification and the subject's own reports (Art 21, 29).
    path("reports/", include("xinyong.reports.urls")),
    # Red and black lists and the subject's listing notices (Art 22, 24), the listing procedure in the console,
    # measures, credit checks and measure cases (Art 22–26).
    path("lists/", include("xinyong.lists.urls")),
    path("console/lists/", include("xinyong.lists.console_urls")),
    path("console/measures/", include("xinyong.measures.urls")),
    # Objections and credit repair (Art 28–31): the subject's cases, reputation notices, the department's inbox.
    path("rights/", include("xinyong.rights.urls")),
    path("console/rights/cases/", include("xinyong.rights.console_urls")),
    # The deadline dashboard of open cases and its exports (Art 33 (5)).
    path("console/rights/dashboard/", include("xinyong.rights.dashboard_urls")),
    # Notifications (Art 24, 29): the subject's inbox and contact settings, the organization's notices, the outbox.
    path("", include("xinyong.notifications.urls")),
    # Bulk exports under a second approver of the same organization (security requirement 26).
    path("console/exports/", include("xinyong.exports.urls")),
    path("", include("xinyong.web.urls")),
]

# A request refused while its body is read (too large, too many files or fields) gets a clear answer, not a bare 400.
handler400 = "xinyong.web.views.bad_request"
