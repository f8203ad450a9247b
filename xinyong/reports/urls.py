from django.urls import path

from xinyong.reports import views

app_name = "reports"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:number>.pdf", views.mine_pdf, name="mine-pdf"),
]
