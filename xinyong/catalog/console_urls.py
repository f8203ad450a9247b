"""Console pages of the catalog (Permission.MANAGE_CATALOG): versions, items, drafts, publication (Art 18)."""

from django.urls import path

from xinyong.catalog import views

app_name = "catalog_console"
urlpatterns = [
    path("", views.console_versions, name="versions"),
    path("versions/new/", views.console_version_create, name="version-create"),
    path("versions/<int:pk>/", views.console_version, name="version"),
    path("versions/<int:pk>/publish/", views.console_version_publish, name="version-publish"),
    path("versions/<int:pk>/new-item/", views.console_item_edit, name="item-create"),
    path("versions/<int:pk>/items/<slug:code>/", views.console_item, name="item"),
    path("versions/<int:pk>/items/<slug:code>/edit/", views.console_item_edit, name="item-edit"),
    path("versions/<int:pk>/items/<slug:code>/remove/", views.console_item_remove, name="item-remove"),
]
