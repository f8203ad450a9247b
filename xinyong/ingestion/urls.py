"""Console pages of submissions and data quality (Art 18, 30, 33), mounted at /console/submissions/."""

from django.urls import path

from xinyong.ingestion import views

app_name = "ingestion"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("new/", views.submission_upload, name="upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/status/", views.batch_status, name="batch-status"),
    path("batches/<int:pk>/rejections.csv", views.batch_report, name="batch-report"),
    path("quality/", views.quality, name="quality"),
    path("quality/export.xlsx", views.quality_export, name="quality-export"),
]
