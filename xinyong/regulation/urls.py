"""The working-day calendar console, mounted at /console/calendar/ (xinyong/urls.py)."""

from django.urls import path

from xinyong.regulation import views

app_name = "regulation"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("set/", views.calendar_set, name="calendar-set"),
    path("clear/", views.calendar_clear, name="calendar-clear"),
]
