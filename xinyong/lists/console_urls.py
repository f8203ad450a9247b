"""The listing procedure in the console, mounted at /console/lists/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.lists import views

app_name = "lists_console"
urlpatterns = [
    path("", views.console_entries, name="entries"),
    path("propose/", views.console_propose, name="propose"),
    path("<int:pk>/", views.console_entry, name="entry"),
    path("<int:pk>/notify/", views.console_notify, name="notify"),
    path("<int:pk>/decide/", views.console_decide, name="decide"),
    path("<int:pk>/extend/", views.console_extend, name="extend"),
    path("<int:pk>/publish/", views.console_publish, name="publish"),
    path("<int:pk>/remove/", views.console_remove, name="remove"),
    path("<int:pk>/notice.pdf", views.console_notice_pdf, name="notice-pdf"),
]
