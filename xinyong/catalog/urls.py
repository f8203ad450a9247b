"""Public catalog pages (no login): the catalog in force and one item (Art 18)."""

from django.urls import path

from xinyong.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog_public, name="public"),
    path("<slug:code>/", views.catalog_public_item, name="item"),
]
