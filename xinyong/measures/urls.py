"""The measures console, mounted at /console/measures/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.measures import views

app_name = "measures"
urlpatterns = [
    path("catalog/", views.console_catalog, name="catalog"),
    path("catalog/new/", views.console_measure_new, name="measure-new"),
    path("check/", views.console_check, name="check"),
    path("cases/", views.console_cases, name="cases"),
    path("cases/<int:pk>/", views.console_case, name="case"),
    path("statistics/", views.console_statistics, name="statistics"),
]
