"""The deciding department's objection and repair cases in the console, mounted at /console/rights/cases/
(xinyong/urls.py)."""

from django.urls import path

from xinyong.rights import views

app_name = "rights_console"
urlpatterns = [
    path("", views.console_cases, name="cases"),
    path("<int:pk>/", views.console_case, name="case"),
    path("<int:pk>/extend/", views.console_extend, name="extend"),
    path("<int:pk>/decide/", views.console_decide, name="decide"),
    path("<int:pk>/files/<int:file_id>/", views.console_case_file, name="case-file"),
]
