"""The deadline dashboard of objections and credit repair, mounted at /console/rights/dashboard/ (xinyong/urls.py),
beside the deciding departments' case pages at /console/rights/cases/."""

from django.urls import path

from xinyong.rights import dashboard_views

app_name = "rights_dashboard"
urlpatterns = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("export.xlsx", dashboard_views.export_xlsx, name="export-xlsx"),
    path("export.csv", dashboard_views.export_csv, name="export-csv"),
]
