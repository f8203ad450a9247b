"""Background processing of large submissions (django-tasks; the database backend in deployments).

The console saves the upload, calls `batch_receive(...)` and enqueues `ingest_batch_task.enqueue(batch.pk,
path)`; a worker (`xinyong db_worker`) runs the pipeline while the console polls `Batch.progress_rows`.
Without a TASKS setting django-tasks runs tasks immediately, in the request.
"""

from __future__ import annotations

from django_tasks import task

from xinyong.ingestion.models import Batch
from xinyong.ingestion.pipeline import batch_process


@task()
def ingest_batch_task(batch_id: int, path: str) -> dict:
    """Run the pipeline on a received batch; returns the command's JSON line."""
    batch = Batch.objects.select_related("provider", "actor").get(pk=batch_id)
    return batch_process(batch, path).as_line()
