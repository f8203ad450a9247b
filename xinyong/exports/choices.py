from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("awaiting approval")
    APPROVED = "approved", _("approved, ready to download")
    REFUSED = "refused", _("refused")
    DOWNLOADED = "downloaded", _("downloaded")
