"""Inbox, contact settings and outbox pages, included at the site root (xinyong/urls.py) before the web shell."""

from django.urls import path

from xinyong.notifications import views

app_name = "notifications"
urlpatterns = [
    path("account/notices/", views.inbox, name="inbox"),
    path("account/notices/settings/", views.contact, name="contact"),
    path("account/notices/<int:pk>/", views.notice, name="notice"),
    path("account/notices/<int:pk>/read/", views.notice_read, name="notice-read"),
    path("console/notices/", views.console_notices, name="console-notices"),
    path("console/notices/settings/", views.console_contact, name="console-contact"),
    path("console/notices/<int:pk>/", views.console_notice, name="console-notice"),
    path("console/notices/<int:pk>/read/", views.console_notice_read, name="console-notice-read"),
    path("console/notifications/outbox/", views.outbox, name="outbox"),
    path("console/notifications/outbox/<int:pk>/requeue/", views.outbox_requeue_view, name="outbox-requeue"),
]
