"""The subject's objections and repair applications, and the public reputation notices; mounted at /rights/
(xinyong/urls.py)."""

from django.urls import path

from xinyong.rights import views

app_name = "rights"
urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("objections/new/", views.objection_new, name="objection-new"),
    path("repairs/new/", views.repair_new, name="repair-new"),
    path("reputation-notices/", views.reputation_notices, name="reputation-notices"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/withdraw/", views.case_withdraw, name="case-withdraw"),
    path("<int:pk>/files/<int:file_id>/", views.case_file, name="case-file"),
]
