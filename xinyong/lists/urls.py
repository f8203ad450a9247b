"""Public list pages and the subject's notices, mounted at /lists/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.lists import views

app_name = "lists"
urlpatterns = [
    path("", views.list_index, name="index"),
    # Before <code>/: "my-notices" is not a list.
    path("my-notices/", views.my_notices, name="my-notices"),
    path("my-notices/<int:pk>/notice.pdf", views.my_notice_pdf, name="my-notice-pdf"),
    path("<slug:code>/", views.list_detail, name="detail"),
]
