"""The audit log console, mounted at /console/audit/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("<int:seq>/", views.event_detail, name="event-detail"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/verify/", views.integrity_verify, name="integrity-verify"),
    path("integrity/checkpoints/", views.checkpoint_add, name="checkpoint-add"),
]
