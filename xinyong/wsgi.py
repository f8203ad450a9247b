"""WSGI entry point. In production it refuses to serve when the database role could rewrite the append-only
tables (xinyong.core.checks; security requirement 14)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (after the application: settings are configured by then)

if settings.PRODUCTION:
    from xinyong.core.checks import refuse_unsafe_database_roles

    refuse_unsafe_database_roles()
