from django.urls import path

from xinyong.web import views

app_name = "web"
urlpatterns = [
    path("", views.portal_home, name="portal-home"),
    path("login/", views.SubjectLoginView.as_view(), name="subject-login"),
    path("staff/login/", views.StaffLoginView.as_view(), name="staff-login"),
    path("staff/login/verify/", views.staff_login_verify, name="staff-login-verify"),
    path("staff/login/enroll/", views.staff_login_enroll, name="staff-login-enroll"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", views.account_home, name="account-home"),
    path("console/", views.console_home, name="console-home"),
    path("console/subjects/", views.console_subjects, name="console-subjects"),
    path("console/organizations/", views.console_organizations, name="console-organizations"),
]
