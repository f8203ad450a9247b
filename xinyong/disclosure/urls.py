"""Portal and console pages of disclosure (Art 18, 21, 29). Included at the site root before the web shell."""

from django.urls import path

from xinyong.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("org/<str:uscc>/", views.organization, name="organization"),
    path("account/information/", views.account_information, name="account-information"),
    path("account/authorizations/", views.account_authorizations, name="account-authorizations"),
    path("account/authorizations/<int:pk>/", views.authorization_confirm_view, name="authorization-confirm"),
    path("account/authorizations/<int:pk>/revoke/", views.authorization_revoke_view, name="authorization-revoke"),
    path("account/reads/", views.account_reads, name="account-reads"),
    path("console/queries/", views.console_statistics, name="console-statistics"),
    path("console/official-query/", views.console_official_query, name="console-official-query"),
    path("console/public-view/", views.console_public_view, name="console-public-view"),
]
