"""`xinyong db_worker`: django-tasks-db's worker, which also takes over stranded batches (security req. 22).

The same command and options as django-tasks-db's `db_worker` (this app comes first in INSTALLED_APPS, so
its command is the one run). In addition, when it starts and then between tasks at most every
`--interval` seconds, the worker takes over the submission batches a crash left behind — processing under an
expired lease, or received and never started — and runs them (`xinyong.ingestion.recovery`). A database that
goes away (restarted, failed over) does not end the worker: it waits `--interval` and carries on; the batch
it was running is taken over once its lease expires.
"""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from xinyong.ingestion.leases import process_owner

logger = logging.getLogger("xinyong.ingestion.worker")


class RecoveringWorker(Worker):
    """Runs the queue in rounds (django-tasks-db's batch mode), taking over stranded batches between them."""

    def __init__(self, *, batch: bool, **kwargs):
        super().__init__(batch=True, **kwargs)
        self.once = batch  # --batch: one round, then exit
        self.owner = process_owner("worker")

    def take_over(self) -> None:
        from xinyong.ingestion.recovery import batches_take_over

        self.running_task = True  # a SIGTERM now lets the batch finish, as for a task
        try:
            for outcome in batches_take_over(owner=self.owner):
                if outcome.action != "skipped":
                    logger.warning("batch %s %s %s", outcome.batch, outcome.action, outcome.reason)
        finally:
            self.running_task = False

    def run(self) -> None:
        first = True
        while self.running:
            try:
                close_old_connections()
                self.take_over()
                if not self.running:
                    return
                super().run()  # every ready task, then back here
                self.startup_delay = False
                if self.once or (self.max_tasks is not None and self._run_tasks >= self.max_tasks):
                    return
            except (OperationalError, InterfaceError):
                logger.warning("database unavailable; retrying in %s s", self.interval, exc_info=first)
                for conn in connections.all(initialized_only=True):
                    conn.close_if_unusable_or_obsolete()
                    conn.close()
            first = False
            if self.running:
                time.sleep(self.interval)


class Command(DbWorkerCommand):
    help = "Run a database background worker; also takes over submission batches stranded by a crash"

    def handle(self, *args, **options):
        import django_tasks_db.management.commands.db_worker as module

        # The parent's handle() builds its Worker from this module attribute: ours instead, for its lifetime.
        original = module.Worker
        module.Worker = RecoveringWorker
        try:
            return super().handle(*args, **options)
        finally:
            module.Worker = original
