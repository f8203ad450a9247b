"""Concurrent writers in several processes keep the audit sequence contiguous: no gaps, duplicates or forks
(security requirement 23)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from xinyong.audit.log import audit_log_verify
from xinyong.audit.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKER = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
django.setup()
from django.db import transaction
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
worker, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    with transaction.atomic():
        audit_record(AuditEventType.DEMO_DATA_LOADED, details={"worker": worker, "i": i})
"""


def test_four_processes_appending_at_once_leave_one_contiguous_verified_chain():
    if connection.vendor != "postgresql":
        pytest.skip("several writer processes need PostgreSQL")
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}/"
           f"{settings['NAME']}")
    env = {**os.environ, "DATABASE_URL": url}
    workers, per_worker = 4, 40
    before = AuditEvent.objects.count()
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, str(w), str(per_worker)], env=env)
                 for w in range(workers)]
    assert [p.wait(timeout=300) for p in processes] == [0] * workers
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + workers * per_worker + 1))
    result = audit_log_verify()
    assert result.ok and result.size == before + workers * per_worker
