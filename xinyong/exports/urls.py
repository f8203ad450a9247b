"""Bulk exports under a second approver, mounted at /console/exports/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/", views.export_new, name="new"),
    path("<int:pk>/", views.export_detail, name="detail"),
    path("<int:pk>/decision/", views.export_decide, name="decide"),
    path("<int:pk>/file/", views.export_file, name="file"),
]
